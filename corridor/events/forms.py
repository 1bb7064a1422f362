"""Forms of the events pages. They parse; the services check every rule, and the views put
the services' errors back on these fields (nothing is saved when one is found).

Times are typed on the wall clock of the event's zone and handed to the services naive:
the services read a naive time in the event's zone.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from corridor.docking.forms.meetings import zone_choices
from corridor.docking.models import CooperationProfile
from corridor.registry.models import Organisation, Sector

from .models import Event, MeetingRequest, Participant, Session
from .services import MAX_TIME_LIMIT, zone_of

PRIORITY_CHOICES = MeetingRequest.Priority.choices


class LocalDateTimeField(forms.DateTimeField):
    """A date and time on the event's clock, returned naive (the service reads it in that zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        with timezone.override(datetime.UTC):
            parsed = super().to_python(value)
        return parsed.replace(tzinfo=None) if parsed is not None else None


def wall_clock(value: datetime.datetime | None, event: Event) -> datetime.datetime | None:
    """An aware time as a naive time on the event's clock (a form's initial value)."""
    if value is None:
        return None
    return timezone.localtime(value, zone_of(event)).replace(tzinfo=None, second=0, microsecond=0)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(rows: int = 0, *, ltr: bool = False):
    attrs = {"dir": "ltr" if ltr else "auto"}
    if rows:
        return forms.Textarea(attrs={**attrs, "rows": rows})
    return forms.TextInput(attrs=attrs)


# --- Events --------------------------------------------------------------------------------


class EventForm(forms.Form):
    authority = forms.ModelChoiceField(label=_("Organising authority"), queryset=None)
    slug = forms.SlugField(
        label=_("Identifier"),
        max_length=100,
        help_text=_("Letters, digits and hyphens; the event's address (e.g. pk-cn-ai-forum)."),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, widget=_text())
    title_zh_hans = forms.CharField(
        label=_("Title (Chinese)"), max_length=200, required=False, widget=_text()
    )
    title_ur = forms.CharField(
        label=_("Title (Urdu)"), max_length=200, required=False, widget=_text()
    )
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=_text(5)
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=Event.Format.choices, widget=forms.RadioSelect
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("The event's clock: sessions and the registration window are typed on it."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=_date_input())
    ends_on = forms.DateField(label=_("Last day"), widget=_date_input())
    venue = forms.CharField(label=_("Place"), max_length=300, required=False, widget=_text())
    registration_opens_at = LocalDateTimeField(label=_("Registration opens"))
    registration_closes_at = LocalDateTimeField(label=_("Registration closes"))
    eligible_countries = forms.MultipleChoiceField(
        label=_("Countries that may register"),
        required=False,
        help_text=_("None chosen: organisations of every country."),
    )
    eligible_sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors that may register"),
        queryset=Sector.objects.order_by("code"),
        required=False,
        help_text=_("None chosen: every sector. A sector admits its sub-sectors."),
    )
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Kinds of organisation that may register"),
        choices=Organisation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every kind."),
    )
    capacity = forms.IntegerField(
        label=_("Most organisations"), required=False, help_text=_("Empty: no limit.")
    )
    requires_approval = forms.BooleanField(
        label=_("The organiser approves registrations"), required=False, initial=True
    )
    default_max_meetings = forms.IntegerField(
        label=_("Meetings per representative, at most"), initial=8
    )

    def __init__(self, *args, authorities=None, event: Event | None = None, **kwargs):
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(event, name) for name in EVENT_TEXTS},
                "format": event.format,
                "time_zone": event.time_zone,
                "starts_on": event.starts_on,
                "ends_on": event.ends_on,
                "registration_opens_at": wall_clock(event.registration_opens_at, event),
                "registration_closes_at": wall_clock(event.registration_closes_at, event),
                "eligible_countries": list(event.eligible_countries),
                "eligible_sectors": list(event.eligible_sectors.all()),
                "eligible_kinds": list(event.eligible_kinds),
                "capacity": event.capacity,
                "requires_approval": event.requires_approval,
                "default_max_meetings": event.default_max_meetings,
            }
        super().__init__(*args, **kwargs)
        if event is not None:
            del self.fields["authority"]  # an event keeps its organiser
        else:
            self.fields["authority"].queryset = authorities
            if authorities is not None and len(authorities) == 1:
                self.fields["authority"].initial = authorities[0]
        current = event.time_zone if event is not None else ""
        self.fields["time_zone"].choices = zone_choices(current)
        self.fields["eligible_countries"].choices = list(countries)

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("authority", None)
        data["eligible_sectors"] = list(data["eligible_sectors"])
        return data


EVENT_TEXTS = ("slug", "title_en", "title_zh_hans", "title_ur", "description", "venue")


# --- Sessions ------------------------------------------------------------------------------

BREAK_LINE = re.compile(
    r"^\s*(?P<start>\d{1,2}[:：]\d{2})\s*[-–—~]\s*(?P<end>\d{1,2}[:：]\d{2})\s*(?P<label>.*)$"
)


def _clock(text: str) -> datetime.time:
    hours, minutes = re.split(r"[:：]", text)
    return datetime.time(int(hours), int(minutes))


class SessionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, widget=_text())
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"),
        initial=20,
        help_text=_("Every stretch between breaks must hold a whole number of slots."),
    )
    tables = forms.IntegerField(label=_("Tables or rooms"), initial=10)
    location = forms.CharField(
        label=_("Room or hall"), max_length=200, required=False, widget=_text()
    )
    video_link_template = forms.CharField(
        label=_("Video link pattern"),
        max_length=500,
        required=False,
        help_text=_(
            "For online sessions: {table} and {slot} are replaced, "
            "e.g. https://meet.example.org/forum-{table}."
        ),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    breaks = forms.CharField(
        label=_("Breaks"),
        required=False,
        help_text=_(
            "One a line, from and to on the event's clock, then a label: 10:20-10:40 Tea. "
            "A time before the session's start is on the next day."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
    )

    def __init__(self, *args, event: Event, session: Session | None = None, **kwargs):
        self.event = event
        if session is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": session.name,
                "starts_at": wall_clock(session.starts_at, event),
                "ends_at": wall_clock(session.ends_at, event),
                "slot_minutes": session.slot_minutes,
                "tables": session.tables,
                "location": session.location,
                "video_link_template": session.video_link_template,
                "breaks": "\n".join(
                    f"{wall_clock(b.starts_at, event):%H:%M}-{wall_clock(b.ends_at, event):%H:%M}"
                    + (f" {b.label}" if b.label else "")
                    for b in session.breaks.all()
                ),
            }
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        start = data.get("starts_at")
        text = data.get("breaks") or ""
        pauses = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            found = BREAK_LINE.match(line)
            try:
                begins, ends = (_clock(found["start"]), _clock(found["end"])) if found else (0, 0)
            except ValueError:
                found = None
            if not found:
                self.add_error(
                    "breaks",
                    _("Line %(number)d: write a break as 10:20-10:40 Tea.") % {"number": number},
                )
                continue
            if start is None:
                continue
            pauses.append((self._on_day(start, begins), self._on_day(start, ends), found["label"]))
        data["pauses"] = pauses
        return data

    @staticmethod
    def _on_day(start: datetime.datetime, moment: datetime.time) -> datetime.datetime:
        day = start.date()
        if moment < start.time():
            day += datetime.timedelta(days=1)
        return datetime.datetime.combine(day, moment)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "slot_minutes": data["slot_minutes"],
            "tables": data["tables"],
            "location": data["location"],
            "video_link_template": data["video_link_template"],
            "breaks": [(a, b, label.strip()) for a, b, label in data["pauses"]],
        }


# --- Registration and participation --------------------------------------------------------


class SessionChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, event: Event, **kwargs):
        self.zone = zone_of(event)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, session: Session) -> str:
        starts = timezone.localtime(session.starts_at, self.zone)
        ends = timezone.localtime(session.ends_at, self.zone)
        return _("%(name)s: %(day)s %(start)s–%(end)s") % {
            "name": session.name,
            "day": f"{starts:%Y-%m-%d}",
            "start": f"{starts:%H:%M}",
            "end": f"{ends:%H:%M}",
        }


class ProfileChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, profile: CooperationProfile) -> str:
        return f"{profile.reference} · {profile.title}"


class ParticipationForm(forms.Form):
    """The sessions a person attends and how many meetings they take at most."""

    sessions = forms.Field()  # replaced in __init__ (needs the event)
    max_meetings = forms.IntegerField(
        label=_("Meetings at most"),
        help_text=_("The scheduler gives you no more meetings than this."),
    )

    def __init__(self, *args, event: Event, participant: Participant | None = None, **kwargs):
        if participant is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "sessions": list(participant.sessions.all()),
                "max_meetings": participant.max_meetings,
            }
        super().__init__(*args, **kwargs)
        self.fields["sessions"] = SessionChoiceField(
            label=_("Sessions you attend"),
            queryset=Session.objects.filter(event=event).order_by("starts_at", "pk"),
            widget=forms.CheckboxSelectMultiple,
            event=event,
            help_text=_("You are free for meetings in these sessions only."),
        )
        if participant is None:
            self.fields["sessions"].initial = list(self.fields["sessions"].queryset)
            self.fields["max_meetings"].initial = event.default_max_meetings


class RegistrationForm(ParticipationForm):
    """Register an organisation, and the person registering as its first participant."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    profiles = ProfileChoiceField(
        label=_("Cooperation profiles to bring"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published profiles of the organisation; participants see them at the event."),
    )
    note = forms.CharField(
        label=_("Note to the organiser"), max_length=1000, required=False, widget=_text(3)
    )

    field_order = ["organisation", "profiles", "note", "sessions", "max_meetings"]

    def __init__(self, *args, event: Event, organisations, profiles, **kwargs):
        super().__init__(*args, event=event, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["profiles"].queryset = profiles
        self.order_fields(self.field_order)


class RequestForm(forms.Form):
    message = forms.CharField(label=_("Message"), max_length=1000, required=False, widget=_text(3))
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=PRIORITY_CHOICES, coerce=int, initial=1
    )


class ParticipantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, participant: Participant) -> str:
        user = participant.user
        return f"{user.get_full_name() or user.username} ({participant.registration.organisation.name})"


class OrganiserMeetingForm(forms.Form):
    a = ParticipantChoiceField(label=_("First person"), queryset=None)
    b = ParticipantChoiceField(label=_("Second person"), queryset=None)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=PRIORITY_CHOICES, coerce=int, initial=2
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["a"].queryset = participants
        self.fields["b"].queryset = participants


# --- The scheduler -------------------------------------------------------------------------


class ScheduleRunForm(forms.Form):
    time_limit = forms.FloatField(
        label=_("Time limit (seconds)"),
        initial=20,
    )
    publish = forms.TypedChoiceField(
        label=_("What to do with the result"),
        choices=[
            ("no", _("Dry run: show the figures, publish nothing")),
            ("yes", _("Publish: participants see the schedule in their agendas")),
        ],
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request: a lazy text formatted at import would stay in English.
        self.fields["time_limit"].help_text = _(
            "At most %(most)d seconds; the best schedule found by then is kept."
        ) % {"most": MAX_TIME_LIMIT}
