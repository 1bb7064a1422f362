"""The dashboard's filter form: the same parameters and the same checks as the exports,
the report, the API and the command (:meth:`LedgerFilters.parse` does the checking)."""

from __future__ import annotations

import datetime as dt
from itertools import combinations_with_replacement

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.core.i18n import localized
from corridor.docking.forms.profiles import sector_choices
from corridor.registry.models import Authority, Zone

from .selectors import FILTER_PARAMS, LedgerFilters, default_period


def zone_choices() -> list[tuple[str, str]]:
    """Every zone as (slug, name), member parks indented under their zone (one query)."""
    zones = list(
        Zone.objects.only("slug", "parent_id", "country", "name_en", "name_zh_hans", "name_ur")
    )
    known = {z.pk for z in zones}
    children: dict[int | None, list[Zone]] = {}
    for zone in sorted(zones, key=lambda z: (str(z.country), z.name_en)):
        children.setdefault(zone.parent_id if zone.parent_id in known else None, []).append(zone)
    choices: list[tuple[str, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for zone in children.get(parent, []):
            choices.append((zone.slug, "\u00a0\u00a0\u00a0" * depth + localized(zone, "name")))
            walk(zone.pk, depth + 1)

    walk(None, 0)
    return choices


def pair_choices(authorities, asked: str = "") -> list[tuple[str, str]]:
    """Pairs of the authorities' countries (PK-CN, PK-PK, CN-CN), and the one asked for."""
    codes = sorted({str(a.country) for a in authorities})
    pairs = ["-".join(p) for p in combinations_with_replacement(codes, 2)]
    asked = asked.upper()
    if asked and asked not in pairs and len(asked) == 5:
        pairs.append(asked)

    def name(pair: str) -> str:
        return " – ".join(str(countries.name(c) or c) for c in pair.split("-"))

    return [(p, name(p)) for p in pairs]


class LedgerFilterForm(forms.Form):
    """``from``, ``to``, ``sector``, ``pair``, ``zone``, ``authority`` from the address.
    A value that is not valid is an error on its field, and no figures are shown."""

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        start, end = default_period(today)
        any_choice = [("", _("Any"))]
        asked = self.data.get("pair", "") if self.is_bound else ""
        authorities = list(Authority.objects.order_by("code"))
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.CharField(
            label=_("From"), required=False, initial=start.isoformat(), widget=date
        )
        self.fields["to"] = forms.CharField(
            label=_("To"), required=False, initial=end.isoformat(), widget=date
        )
        self.fields["sector"] = forms.CharField(
            label=_("Sector"),
            required=False,
            widget=forms.Select(choices=any_choice + sector_choices()),
            help_text=_("Includes its sub-sectors."),
        )
        self.fields["pair"] = forms.CharField(
            label=_("Country pair"),
            required=False,
            widget=forms.Select(choices=any_choice + pair_choices(authorities, str(asked or ""))),
            help_text=_("One side in each country, in either order."),
        )
        self.fields["zone"] = forms.CharField(
            label=_("Zone"),
            required=False,
            widget=forms.Select(choices=any_choice + zone_choices()),
            help_text=_("Either side in the zone or one of its member parks."),
        )
        self.fields["authority"] = forms.CharField(
            label=_("Authority"),
            required=False,
            widget=forms.Select(
                choices=any_choice + [(a.code, a.name) for a in Authority.objects.order_by("code")]
            ),
            help_text=_("Either side in the authority's country."),
        )
        self.filters: LedgerFilters | None = None

    def clean(self):
        data = super().clean()
        try:
            self.filters = LedgerFilters.parse(
                {name: data.get(name) for name in FILTER_PARAMS}, today=self.today
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data
