"""B2B exchange events: sessions of equal slots, registered organisations and their
representatives, meeting requests between representatives, and the schedule that
places accepted requests into slots and tables (solved by ``corridor.scheduling``).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from corridor.core.i18n import localized
from corridor.core.models import TimeStampedModel


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Event(TimeStampedModel):
    """A delegation visit, online docking session or forum where organisations meet one to one.

    Organised by one authority's staff. Times are stored in UTC and shown in the event's
    zone (``time_zone``) or the reader's.
    """

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("in person")
        ONLINE = "online", _("online")
        HYBRID = "hybrid", _("in person and online")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CANCELLED = "cancelled", _("cancelled")

    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name=_("organising authority"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_zh_hans = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    title_ur = models.CharField(_("title (Urdu)"), max_length=200, blank=True)
    description = models.TextField(
        _("description"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)]
    )
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    time_zone = models.CharField(_("time zone"), max_length=64)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    venue = models.CharField(_("place"), max_length=300, blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    # Who may register: empty means anyone.
    eligible_countries = models.JSONField(
        _("countries that may register"), default=list, blank=True
    )
    eligible_sectors = models.ManyToManyField(
        "registry.Sector",
        verbose_name=_("sectors that may register"),
        blank=True,
        related_name="+",
    )
    eligible_kinds = models.JSONField(
        _("kinds of organisation that may register"), default=list, blank=True
    )
    capacity = models.PositiveIntegerField(
        _("most organisations"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    requires_approval = models.BooleanField(_("the organiser approves registrations"), default=True)
    default_max_meetings = models.PositiveSmallIntegerField(
        _("meetings per representative, at most"), default=8, validators=[MaxValueValidator(200)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # Set when a schedule is published; participants' agendas and feeds show it.
    schedule_published_at = models.DateTimeField(_("schedule published"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_at__gt=models.F("registration_opens_at")),
                name="event_registration_window",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:event_detail", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        return localized(self, "title")


class Session(models.Model):
    """A block of equal meeting slots (e.g. 09:00–12:00 in 20-minute slots) with its tables.

    Breaks inside a session are :class:`Break` rows; gaps between sessions are breaks too.
    """

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="sessions"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    tables = models.PositiveSmallIntegerField(
        _("tables or rooms"), validators=[MaxValueValidator(2000)]
    )
    location = models.CharField(_("room or hall"), max_length=200, blank=True)
    # For online sessions: {table} and {slot} are replaced; empty for in-person sessions.
    video_link_template = models.CharField(_("video link pattern"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.name}"


class Break(models.Model):
    """A pause inside a session: no meeting slot overlaps it."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="breaks"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("break")
        verbose_name_plural = _("breaks")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="break_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Slot(models.Model):
    """One meeting slot of a session, derived from the session and its breaks by the services."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "starts_at"], name="slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} UTC"


class Registration(TimeStampedModel):
    """An organisation taking part in an event, approved by the organiser when required."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="registrations"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The published cooperation profiles the organisation brings to the event.
    profiles = models.ManyToManyField(
        "docking.CooperationProfile",
        verbose_name=_("cooperation profiles"),
        blank=True,
        related_name="event_registrations",
    )
    note = models.TextField(
        _("note to the organiser"),
        max_length=1000,
        blank=True,
        validators=[MaxLengthValidator(1000)],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organisation"], name="registration_one_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.event}"


class Participant(TimeStampedModel):
    """A person who represents a registered organisation at the event and takes meetings.

    The scheduler's participant: never in two meetings at once, only in the sessions they
    attend, at most ``max_meetings`` meetings.
    """

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="event_participations",
    )
    sessions = models.ManyToManyField(
        Session, verbose_name=_("sessions attended"), related_name="participants"
    )
    max_meetings = models.PositiveSmallIntegerField(
        _("meetings at most"), validators=[MaxValueValidator(200)]
    )
    # The secret in this person's calendar feed address; replaced to revoke the old address.
    feed_token = models.CharField(
        max_length=64, unique=True, default=new_feed_token, editable=False
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "user"], name="participant_once_per_registration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.registration.organisation})"


class MeetingRequest(TimeStampedModel):
    """One participant asking another for a meeting at the event.

    A pending request never blocks a slot: only accepted requests are scheduled.
    Organisers may add meetings directly (``added_by_organiser``), accepted at once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        CANCELLED = "cancelled", _("cancelled")

    class Priority(models.IntegerChoices):
        NORMAL = 1, _("normal")
        HIGH = 2, _("high")
        ESSENTIAL = 3, _("essential")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="meeting_requests"
    )
    requester = models.ForeignKey(
        Participant,
        verbose_name=_("from"),
        on_delete=models.CASCADE,
        related_name="requests_sent",
    )
    recipient = models.ForeignKey(
        Participant,
        verbose_name=_("to"),
        on_delete=models.CASCADE,
        related_name="requests_received",
    )
    message = models.TextField(
        _("message"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)]
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    added_by_organiser = models.BooleanField(_("added by the organiser"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting request")
        verbose_name_plural = _("meeting requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=models.F("recipient")), name="meeting_request_not_self"
            ),
            # One live request per pair and direction; a double click makes one.
            models.UniqueConstraint(
                fields=["requester", "recipient"],
                condition=Q(status__in=["pending", "accepted"]),
                name="meeting_request_one_live_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} → {self.recipient} ({self.status})"


class ScheduledMeeting(models.Model):
    """An accepted request placed in a slot at a table, as last published.

    ``sequence`` is the iCalendar SEQUENCE of the meeting, raised on every change a
    calendar must show; a meeting taken out of the schedule stays as ``cancelled`` so
    feeds can tell calendars to drop it. The UID is the request's, so a moved meeting is
    the same calendar event.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    request = models.OneToOneField(
        MeetingRequest,
        verbose_name=_("meeting request"),
        on_delete=models.CASCADE,
        related_name="scheduled",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="scheduled_meetings"
    )
    slot = models.ForeignKey(
        Slot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="meetings"
    )
    table = models.PositiveSmallIntegerField(_("table"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED
    )
    locked = models.BooleanField(
        _("locked"), default=False, help_text=_("The scheduler keeps a locked meeting where it is.")
    )
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    # Check-in: the organiser marks whether the meeting took place.
    held = models.BooleanField(_("held"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scheduled meeting")
        verbose_name_plural = _("scheduled meetings")
        ordering = ["slot__starts_at", "table", "id"]
        constraints = [
            # Two meetings never share a table in a slot (the scheduler's rule, kept by the database).
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=Q(status="scheduled"),
                name="scheduled_meeting_one_per_table",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} @ {self.slot} #{self.table}"

    @property
    def uid(self) -> str:
        return f"event-meeting-{self.request_id}@corridor"


class ScheduleRun(models.Model):
    """One run of the scheduler for an event: who ran it, what it found, whether it was published.

    At most one run per event is running at a time (a database constraint), so two
    organisers pressing "schedule" at once get one run; the other is told.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="schedule_runs"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    time_limit = models.FloatField(_("time limit (seconds)"))
    placed = models.PositiveIntegerField(_("meetings placed"), default=0)
    value = models.FloatField(_("weighted value"), null=True, blank=True)
    upper_bound = models.FloatField(_("proved upper bound"), null=True, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=32, blank=True)
    # [{"request": id, "reason": code, "detail": text}] for every accepted request left out.
    unplaced = models.JSONField(_("not placed"), default=list, blank=True)
    moved = models.PositiveIntegerField(_("published meetings moved"), default=0)
    error = models.TextField(_("error"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("schedule run")
        verbose_name_plural = _("schedule runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(status="running"), name="schedule_run_one_running"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def gap(self) -> float | None:
        if self.value is None or not self.upper_bound:
            return None
        return (self.upper_bound - self.value) / self.upper_bound
