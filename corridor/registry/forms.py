"""Forms of the registry pages: the directory's filters (with facet counts) and the edit form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from corridor.core.i18n import localized

from . import facets
from .facets import DirectoryCounts, Facet
from .models import LANGUAGE_CHOICES, Organisation, Sector, Zone
from .selectors import OrganisationFilters

MAX_QUERY_LENGTH = 200


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
    # Counted in corridor/registry/facets.py (three queries, cached); the form knows the
    # zones and sectors, and the labels.

    def counts(self, filters: OrganisationFilters) -> DirectoryCounts:
        return facets.directory_counts(filters, zones=self._zones, sectors=self._sectors)

    def facets(self, filters: OrganisationFilters, counts: DirectoryCounts) -> list[Facet]:
        return [
            facets.country_facet(filters, counts, str(self.fields["country"].label)),
            facets.zone_facet(filters, counts, str(self.fields["zone"].label), self._zones),
            facets.kind_facet(filters, counts, str(self.fields["kind"].label)),
            facets.sector_facet(filters, counts, str(self.fields["sector"].label), self._sectors),
        ]


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
