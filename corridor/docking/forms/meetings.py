"""The meeting form: a date and a time on the wall clock of a chosen zone, how long, where.

The form only parses; ``services.meetings`` checks the rules (the future, the duration,
a link for online meetings) and its errors are put back on these fields by the views.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core.timezones import is_valid_zone, user_zone

from ..models import Meeting
from ..services.meetings import MAX_DURATION, MIN_DURATION

# The corridor's two zones and UTC first, then zones partners often travel from.
CORRIDOR_ZONES = ("Asia/Karachi", "Asia/Shanghai", "UTC")
OTHER_ZONES = (
    "Asia/Dubai", "Asia/Hong_Kong", "Asia/Kolkata", "Asia/Riyadh", "Asia/Singapore",
    "Asia/Tashkent", "Asia/Tokyo", "Asia/Urumqi", "Australia/Sydney", "Europe/Berlin",
    "Europe/Istanbul", "Europe/London", "Europe/Moscow", "Africa/Nairobi",
    "America/New_York", "America/Los_Angeles",
)  # fmt: skip
DURATIONS = (15, 30, 45, 60, 90, 120, 180, 240, 480)


def _offset(name: str) -> str:
    """The zone's UTC offset today, e.g. "UTC+05:00"."""
    offset = timezone.now().astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def zone_choices(*extra: str) -> list[tuple[str, str]]:
    """Zones to choose from, by IANA name (what calendars and the API use too) and offset."""
    names = list(dict.fromkeys([*CORRIDOR_ZONES, *(z for z in extra if is_valid_zone(z))]))
    names += sorted(z for z in OTHER_ZONES if z not in names)
    return [(name, f"{name} ({_offset(name)})") for name in names]


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d minutes") % {"minutes": minutes}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The date and time are on the clock of this zone."),
    )
    duration_minutes = forms.TypedChoiceField(label=_("Duration"), coerce=int, initial=60)
    format = forms.ChoiceField(
        label=_("Format"), choices=Meeting.Format.choices, widget=forms.RadioSelect
    )
    link = forms.CharField(
        label=_("Online link"),
        required=False,
        max_length=500,
        help_text=_("For an online meeting: the address to join it (https://…)."),
        widget=forms.URLInput(attrs={"dir": "ltr"}),
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=300,
        help_text=_("For a meeting in person: the address."),
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def __init__(self, *args, user=None, meeting: Meeting | None = None, **kwargs):
        zone = str(user_zone(user)) if user is not None else "UTC"
        if meeting is not None and "initial" not in kwargs:
            # Rescheduling starts from the meeting as it is, on the clock it was given in.
            local = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.timezone))
            kwargs["initial"] = {
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "timezone": meeting.timezone,
                "duration_minutes": int((meeting.ends_at - meeting.starts_at).total_seconds())
                // 60,
                "format": meeting.format,
                "link": meeting.link,
                "place": meeting.place,
                "agenda": meeting.agenda,
            }
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = zone_choices(
            zone, meeting.timezone if meeting is not None else ""
        )
        self.fields["timezone"].initial = zone
        durations = set(DURATIONS)
        if meeting is not None:
            durations.add(self.initial.get("duration_minutes", 60))
        self.fields["duration_minutes"].choices = [
            (m, duration_label(m)) for m in sorted(durations) if MIN_DURATION <= m <= MAX_DURATION
        ]

    def starts_at(self) -> datetime.datetime:
        """The wall-clock time given, naive: the service reads it in the chosen zone."""
        return datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": self.starts_at(),
            "duration_minutes": data["duration_minutes"],
            "timezone": data["timezone"],
            "format": data["format"],
            "link": data["link"],
            "place": data["place"],
        }


class MarkForm(forms.Form):
    held = forms.TypedChoiceField(
        label=_("Was the meeting held?"),
        choices=[("yes", _("Yes, it was held")), ("no", _("No, it was not held"))],
        coerce=lambda value: value == "yes",
    )
