"""Forms of the account pages: they parse input; the services decide."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.utils.translation import gettext_lazy as _

from corridor.core.timezones import is_valid_zone

from .models import User

_digest = User._meta.get_field("match_digest")
_notify = User._meta.get_field("notify_by_email")

# The zones offered; any other valid zone a person already has stays selectable.
COMMON_ZONES = (
    "Asia/Karachi",
    "Asia/Shanghai",
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Kabul",
    "Asia/Tashkent",
    "Asia/Almaty",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/London",
    "Africa/Nairobi",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)


class ZoneSelect(forms.Select):
    """Zone names are IANA identifiers, written the same in every language: marked as such."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"].update({"lang": "en", "dir": "ltr"})
        return option


class PreferencesForm(forms.Form):
    """What a person chooses about the e-mails they get, and the time zone times are shown in."""

    match_digest = forms.BooleanField(
        label=_digest.verbose_name, help_text=_digest.help_text, required=False
    )
    notify_by_email = forms.BooleanField(
        label=_notify.verbose_name, help_text=_notify.help_text, required=False
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Meeting times are shown to you in this zone."),
        required=False,
        widget=ZoneSelect,
    )

    def __init__(self, *args, current_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        zones = list(COMMON_ZONES)
        if current_zone and current_zone not in zones and is_valid_zone(current_zone):
            zones.append(current_zone)
        self.fields["time_zone"].choices = [("", _("From my organisation's country"))] + [
            (zone, zone) for zone in zones
        ]

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        if zone and not is_valid_zone(zone):
            raise forms.ValidationError(_("Choose a time zone from the list."))
        return zone

    @classmethod
    def for_user(cls, user, data=None) -> "PreferencesForm":
        return cls(
            data,
            current_zone=user.time_zone,
            initial={
                "match_digest": user.match_digest,
                "notify_by_email": user.notify_by_email,
                "time_zone": user.time_zone,
            },
        )


class SignInForm(AuthenticationForm):
    """Django's sign-in form with labels from our own catalogue (Django's Urdu lacks them)."""

    username = UsernameField(label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
