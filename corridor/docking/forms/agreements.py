"""Forms of the agreement pages: the list's filters, recording an agreement, changing one.

They parse input and give quick feedback; the services in ``services/agreements.py``
check permissions, validate again and write.
"""

from __future__ import annotations

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from corridor.core.timezones import user_zone
from corridor.registry.models import Organisation

from ..models import CURRENCIES, Agreement, Meeting
from ..services.agreements import (
    EARLIEST_SIGNING,
    NOTES_LENGTH,
    TITLE_LENGTH,
    allowed_statuses,
)
from .profiles import sector_choices

Kind = Agreement.Kind
Status = Agreement.Status
LATEST_YEAR = 2100


def currency_choices() -> list[tuple[str, str]]:
    return [("", _("No value given"))] + [(code, code) for code in CURRENCIES]


class AgreementFilterForm(forms.Form):
    """The list's query string: ``kind``, ``status``, ``year``. A bad value is shown as an error."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    year = forms.IntegerField(
        label=_("Year signed"),
        required=False,
        min_value=EARLIEST_SIGNING.year,
        max_value=LATEST_YEAR,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["kind"].choices = any_choice + list(Kind.choices)
        self.fields["status"].choices = any_choice + list(Status.choices)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_bound else {}
        return {
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "year": data.get("year"),
        }


class _ValueFields(forms.Form):
    value = forms.DecimalField(
        label=_("Value"),
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        localize=True,
        help_text=_("Optional: the agreement's total value, with its currency."),
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices()


class AgreementForm(_ValueFields):
    """Recording an agreement of an open introduction: its two sides are the parties."""

    field_order = ["kind", "title", "signed_on", "status", "sectors", "value", "currency"]

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_LENGTH, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    signed_on = forms.DateField(
        label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.SIGNED)
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    meetings = forms.ModelMultipleChoiceField(
        label=_("Meetings that led to it"),
        queryset=Meeting.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, interest=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].choices = sector_choices()
        meetings = (
            Meeting.objects.filter(interest=interest).exclude(status=Meeting.Status.CANCELLED)
            if interest is not None
            else Meeting.objects.none()
        )
        if interest is None or not meetings.exists():
            del self.fields["meetings"]
        else:
            zone = user_zone(user)
            field = self.fields["meetings"]
            field.queryset = meetings
            field.label_from_instance = lambda m: (
                _("%(time)s (%(zone)s)")
                % {
                    "time": formats.date_format(
                        timezone.localtime(m.starts_at, zone), "DATETIME_FORMAT"
                    ),
                    "zone": zone.key,
                }
            )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "signed_on": data["signed_on"],
            "status": data["status"],
            "sectors": list(data.get("sectors") or ()),
            "value": data.get("value"),
            "currency": data.get("currency") or "",
            "meetings": list(data.get("meetings") or ()),
            "notes": data.get("notes") or "",
        }


class StaffAgreementForm(AgreementForm):
    """An agreement authority staff report directly: they name the parties."""

    field_order = ["parties", *AgreementForm.field_order]

    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"),
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_(
            "At least two organisations, one of them from your country. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["parties"]
        field.queryset = (
            Organisation.objects.filter(is_active=True)
            .only("id", "name", "country")
            .order_by("country", "name", "id")
        )
        field.label_from_instance = lambda o: f"{o.name} ({o.country})"

    def service_fields(self) -> dict:
        fields = super().service_fields()
        fields["parties"] = list(self.cleaned_data["parties"])
        return fields


class AgreementChangeForm(_ValueFields):
    """Moving an agreement's status forward, or correcting its value or notes."""

    field_order = ["status", "value", "currency", "notes"]

    status = forms.ChoiceField(label=_("Status"))

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "status": agreement.status,
                "value": agreement.value,
                "currency": agreement.currency,
                "notes": agreement.notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (code, Status(code).label) for code in allowed_statuses(agreement)
        ]

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "value": data.get("value"),
            "currency": data.get("currency") or "",
            "notes": data.get("notes") or "",
        }
