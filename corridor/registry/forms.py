"""Forms of the registry pages: the directory's filters (with facet counts) and the edit form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django import forms
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from corridor.core.i18n import localized

from .models import LANGUAGE_CHOICES, Organisation, Sector, Zone
from .selectors import OrganisationFilters, organisations_filtered

MAX_QUERY_LENGTH = 200


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None
    selected: bool
    depth: int = 0
    url: str = ""  # this page's address with the option chosen (or, when chosen, removed)


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)
    clear_url: str = ""
    selected: bool = False


class OrganisationFilterForm(forms.Form):
    """The directory's query string: ``q``, ``country``, ``zone``, ``kind``, ``sector``.

    Choices come from the database (one query each for zones and sectors); a value
    that is not a choice is a form error, shown on the page instead of a result.
    """

    q = forms.CharField(
        label=pgettext_lazy("search box", "Search"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, city, technology…"), "dir": "auto"}
        ),
    )
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    zone = forms.ChoiceField(label=_("Zone"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._zones = list(
            Zone.objects.only("slug", "parent_id", "name_en", "name_zh_hans", "name_ur").order_by(
                "name_en"
            )
        )
        self._sectors = list(
            Sector.objects.only(
                "code", "parent_id", "position", "name_en", "name_zh_hans", "name_ur"
            )
        )
        any_choice = [("", _("Any"))]
        self.fields["zone"].choices = any_choice + [(z.slug, z.name) for z in self._zones]
        self.fields["kind"].choices = any_choice + list(Organisation.Kind.choices)
        self.fields["sector"].choices = any_choice + [(s.code, s.name) for s in self._sectors]

    def clean_country(self) -> str:
        code = (self.cleaned_data.get("country") or "").upper()
        if code and code not in countries:
            raise forms.ValidationError(_("Unknown country code."))
        return code

    def filters(self) -> OrganisationFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return OrganisationFilters(
            q=data.get("q", ""),
            country=data.get("country", ""),
            zone=data.get("zone", ""),
            kind=data.get("kind", ""),
            sector=data.get("sector", ""),
        )

    # --- Facets ---------------------------------------------------------------------
    # Each facet counts what the *other* filters leave, so choosing a country shows how
    # many of those organisations are of each kind. One GROUP BY query per facet.

    def facets(self, filters: OrganisationFilters) -> list[Facet]:
        return [
            self._country_facet(filters),
            self._zone_facet(filters),
            self._kind_facet(filters),
            self._sector_facet(filters),
        ]

    @staticmethod
    def _base(filters: OrganisationFilters, **without) -> QuerySet[Organisation]:
        queryset = organisations_filtered(dataclasses.replace(filters, **without))
        return queryset.select_related(None).prefetch_related(None).order_by()

    @staticmethod
    def _group_counts(queryset: QuerySet, column: str) -> dict:
        return dict(queryset.values_list(column).annotate(n=Count("pk")).order_by())

    def _country_facet(self, filters: OrganisationFilters) -> Facet:
        counts = self._group_counts(self._base(filters, country=""), "country")
        codes = set(counts) | ({filters.country} if filters.country else set())
        options = sorted(
            (
                FacetOption(
                    value=str(code),
                    label=str(countries.name(code)) or str(code),
                    count=counts.get(code, 0),
                    selected=str(code) == filters.country,
                )
                for code in codes
                if code
            ),
            key=lambda o: (-(o.count or 0), o.label),
        )
        return Facet("country", str(self.fields["country"].label), options)

    def _kind_facet(self, filters: OrganisationFilters) -> Facet:
        counts = self._group_counts(self._base(filters, kind=""), "kind")
        options = [
            FacetOption(value, str(label), counts.get(value, 0), value == filters.kind)
            for value, label in Organisation.Kind.choices
        ]
        return Facet("kind", str(self.fields["kind"].label), options)

    def _zone_facet(self, filters: OrganisationFilters) -> Facet:
        direct = self._group_counts(self._base(filters, zone=""), "zone_id")
        children: dict[int | None, list[Zone]] = {}
        for zone in self._zones:
            children.setdefault(zone.parent_id, []).append(zone)

        # An organisation has one zone, so a zone's total is its own plus its parks'.
        def total(zone: Zone, seen: frozenset = frozenset()) -> int:
            if zone.pk in seen:
                return 0
            seen = seen | {zone.pk}
            return direct.get(zone.pk, 0) + sum(total(c, seen) for c in children.get(zone.pk, []))

        options: list[FacetOption] = []

        def walk(zone: Zone, depth: int, seen: frozenset = frozenset()) -> None:
            if zone.pk in seen:
                return
            count = total(zone)
            if count or zone.slug == filters.zone:
                options.append(
                    FacetOption(zone.slug, zone.name, count, zone.slug == filters.zone, depth)
                )
            for child in children.get(zone.pk, []):
                walk(child, depth + 1, seen | {zone.pk})

        for root in children.get(None, []):
            walk(root, 0)
        return Facet("zone", str(self.fields["zone"].label), options)

    def _sector_facet(self, filters: OrganisationFilters) -> Facet:
        by_pk = {s.pk: s for s in self._sectors}

        def root_of(sector: Sector) -> Sector:
            node, seen = sector, set()
            while node.parent_id in by_pk and node.pk not in seen:
                seen.add(node.pk)
                node = by_pk[node.parent_id]
            return node

        # Grouped from the organisation side: the text filter names the organisation
        # table in raw SQL, so the filtered queryset cannot be nested as a subquery.
        base = self._base(filters, sector="")
        # Top-level totals count each organisation once however many of its sub-sectors match.
        roots = {s.pk: root_of(s).pk for s in self._sectors}
        root_counts: dict = {}
        if roots:
            root_counts = dict(
                base.annotate(
                    root=Case(
                        *(When(sectors__id=pk, then=Value(root)) for pk, root in roots.items()),
                        output_field=IntegerField(),
                    )
                )
                .values_list("root")
                .annotate(n=Count("pk", distinct=True))
                .order_by()
            )
        direct_counts = dict(base.values_list("sectors__id").annotate(n=Count("pk")).order_by())
        children: dict[int | None, list[Sector]] = {}
        for sector in sorted(self._sectors, key=lambda s: (s.position, s.code)):
            children.setdefault(sector.parent_id if sector.parent_id in by_pk else None, []).append(
                sector
            )
        options: list[FacetOption] = []
        for top in children.get(None, []):
            options.append(
                FacetOption(
                    top.code, top.name, root_counts.get(top.pk, 0), top.code == filters.sector
                )
            )
            for child in children.get(top.pk, []):
                count = direct_counts.get(child.pk, 0)
                if count or child.code == filters.sector:
                    options.append(
                        FacetOption(child.code, child.name, count, child.code == filters.sector, 1)
                    )
        return Facet("sector", str(self.fields["sector"].label), options)


class OrganisationForm(forms.ModelForm):
    """What an organisation's admins and its authority's staff may change on its page.

    The form parses and validates input for quick feedback on every field; it is never
    saved: ``services.organisation_update`` checks the permission, validates again and writes.
    Give it a copy of the organisation, since validating sets the new values on its instance.
    """

    description_language = forms.ChoiceField(
        label=_("description language"),
        required=False,
        choices=[("", _("Detect automatically"))] + list(LANGUAGE_CHOICES),
    )
    website = forms.URLField(
        label=_("website"),
        required=False,
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"dir": "ltr"}),
    )

    class Meta:
        model = Organisation
        fields = [
            "kind",
            "name",
            "name_en",
            "name_zh_hans",
            "name_ur",
            "country",
            "city",
            "zone",
            "sectors",
            "size",
            "year_founded",
            "website",
            "description",
            "description_language",
            "ror_id",
            "registration_number",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"dir": "auto"}),
            "name_en": forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
            "name_zh_hans": forms.TextInput(attrs={"lang": "zh-hans"}),
            "name_ur": forms.TextInput(attrs={"dir": "rtl", "lang": "ur"}),
            "city": forms.TextInput(attrs={"dir": "auto"}),
            "description": forms.Textarea(attrs={"dir": "auto", "rows": 8}),
            "sectors": forms.CheckboxSelectMultiple,
            "ror_id": forms.TextInput(attrs={"dir": "ltr"}),
            "registration_number": forms.TextInput(attrs={"dir": "ltr"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = Zone.objects.order_by("country", "name_en")
        self.fields["zone"].label_from_instance = lambda z: localized(z, "name")
        self.fields["sectors"].queryset = Sector.objects.order_by("position", "code")
        self.fields["sectors"].label_from_instance = lambda s: localized(s, "name")

    def service_fields(self) -> dict:
        """Keyword arguments for ``organisation_update`` (sectors apart)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "sectors"}
