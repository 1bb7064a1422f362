from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core.models import TimeStampedModel

from .interest import Interest


class Meeting(TimeStampedModel):
    """A meeting between the two parties of an introduction, online or at a place.

    One side proposes a time; the other accepts it. Either side may propose a new time
    (back to proposed) or cancel. After the time, each side says whether it was held.
    ``sequence`` is the iCalendar SEQUENCE: it grows with every change an invitation shows.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        CANCELLED = "cancelled", _("cancelled")

    class Format(models.TextChoices):
        ONLINE = "online", _("online")
        IN_PERSON = "in_person", _("in person")

    interest = models.ForeignKey(
        Interest,
        verbose_name=_("expression of interest"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The side that proposed the current time: the other side accepts it.
    proposed_by_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("proposed by organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    # The IANA zone the proposer gave the time in (e.g. Asia/Karachi); times are stored in UTC.
    timezone = models.CharField(_("time zone"), max_length=64)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    link = models.URLField(_("online link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    agenda = models.TextField(
        _("agenda"), max_length=2000, blank=True, validators=[MaxLengthValidator(2000)]
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.PROPOSED,
        db_index=True,
    )
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(format="online") | ~Q(link=""), name="meeting_online_has_link"
            ),
            models.CheckConstraint(
                condition=~Q(format="in_person") | ~Q(place=""), name="meeting_in_person_has_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interest.reference} {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def uid(self) -> str:
        """The iCalendar UID: the same for the life of the meeting, whatever changes."""
        return f"meeting-{self.pk}@corridor"


class MeetingOutcome(models.Model):
    """One side's word, after the time, on whether a meeting was held.

    A meeting counts as held when at least one side says so and neither says it was not.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="outcomes"
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    held = models.BooleanField(_("held"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked"))

    class Meta:
        verbose_name = _("meeting outcome")
        verbose_name_plural = _("meeting outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"], name="meeting_outcome_one_per_side"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.organisation_id}: {self.held}"
