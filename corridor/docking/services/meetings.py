"""Meetings between the two parties of an open introduction: propose, accept, reschedule,
cancel, and afterwards each side's word on whether the meeting was held.

One side proposes a time in a time zone of its choice; the time is stored in UTC and the
zone kept so both sides see it in their own zone and in the proposer's. The other side
accepts it. Either side may propose a new time (the meeting goes back to "proposed" and
the rescheduling side becomes the proposer) or cancel. Every change raises ``sequence``,
the iCalendar SEQUENCE, so calendars replace the invitation rather than adding a second.

Each rule is a ``_refuse_*`` function that names the reason or returns ``None``; the
services raise what it returns and :func:`meeting_actions` offers only the actions it
allows, so pages, the API and the services never disagree.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.text import TextError, clean_text
from corridor.core.timezones import is_valid_zone

from .. import parties
from ..models import Interest, Meeting, MeetingOutcome
from ..selectors.interest import is_open_for_introduction

Status = Meeting.Status
Format = Meeting.Format

MIN_DURATION = 15  # minutes
MAX_DURATION = 8 * 60
# Upcoming meetings (proposed or accepted, not yet over) one introduction may have at once.
MAX_UPCOMING = 20
MAX_AHEAD = datetime.timedelta(days=2 * 365)
# PostgreSQL refuses UTC offsets beyond ±15:59 (ISO 8601 and real zones stay within ±14:00).
MAX_OFFSET = datetime.timedelta(hours=15, minutes=59)
REMIND_AFTER = datetime.timedelta(hours=1)
# Meetings that ended longer ago than this are not scanned for reminders any more.
REMIND_WINDOW = datetime.timedelta(days=30)

ACTIONS = ("accept", "reschedule", "cancel", "mark")
HELD, NOT_HELD, UNKNOWN = "held", "not_held", "unknown"


# --- Who and when ------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _side(user, interest: Interest) -> int | None:
    return parties.party_organisation_id(user, interest)


def _not_a_party(user, interest: Interest) -> PermissionDenied:
    if parties.is_broker(user, interest):
        return PermissionDenied(_("Authority staff follow meetings but do not arrange them."))
    return PermissionDenied(_("Only the two parties of the introduction arrange meetings."))


def _not_open() -> ValidationError:
    return ValidationError(
        {"interest": [_("Meetings can be arranged only while the introduction is open.")]}
    )


def _has_ended(meeting: Meeting, now: datetime.datetime) -> bool:
    return meeting.ends_at <= now


def _refuse_accept(meeting: Meeting, user, now) -> Exception | None:
    side = _side(user, meeting.interest)
    if side is None:
        return _not_a_party(user, meeting.interest)
    if side == meeting.proposed_by_organisation_id:
        return PermissionDenied(_("The other side accepts the time your side proposed."))
    if meeting.status != Status.PROPOSED:
        return ValidationError({"status": [_("Only a proposed meeting can be accepted.")]})
    if not is_open_for_introduction(meeting.interest):
        return _not_open()
    if meeting.starts_at <= now:
        return ValidationError(
            {"starts_at": [_("The proposed time has passed; propose a new time instead.")]}
        )
    return None


def _refuse_reschedule(meeting: Meeting, user, now) -> Exception | None:
    if _side(user, meeting.interest) is None:
        return _not_a_party(user, meeting.interest)
    if meeting.status == Status.CANCELLED:
        return ValidationError({"status": [_("A cancelled meeting cannot be rescheduled.")]})
    if not is_open_for_introduction(meeting.interest):
        return _not_open()
    if meeting.status == Status.ACCEPTED and _has_ended(meeting, now):
        # What happened at an agreed time is a fact to record, not to move.
        return ValidationError(
            {
                "status": [
                    _(
                        "The meeting has ended: say whether it was held, "
                        "and propose a new meeting if you need one."
                    )
                ]
            }
        )
    return None


def _refuse_cancel(meeting: Meeting, user, now) -> Exception | None:
    if _side(user, meeting.interest) is None:
        return _not_a_party(user, meeting.interest)
    if meeting.status == Status.CANCELLED:
        return ValidationError({"status": [_("The meeting is already cancelled.")]})
    if meeting.status == Status.ACCEPTED and _has_ended(meeting, now):
        return ValidationError(
            {"status": [_("The meeting has ended: say whether it was held instead.")]}
        )
    return None


def _refuse_mark(meeting: Meeting, user, now) -> Exception | None:
    if _side(user, meeting.interest) is None:
        return _not_a_party(user, meeting.interest)
    if meeting.status != Status.ACCEPTED:
        return ValidationError(
            {"status": [_("Only an accepted meeting can be marked held or not held.")]}
        )
    if not _has_ended(meeting, now):
        return ValidationError({"held": [_("Say whether the meeting was held once it has ended.")]})
    return None


REFUSALS = {
    "accept": _refuse_accept,
    "reschedule": _refuse_reschedule,
    "cancel": _refuse_cancel,
    "mark": _refuse_mark,
}


def meeting_actions(meeting: Meeting, user, *, now=None) -> frozenset[str]:
    """What ``user`` may do with ``meeting`` now: a subset of :data:`ACTIONS`."""
    if _side(user, meeting.interest) is None:
        return frozenset()  # brokers and everyone else only read
    now = now or timezone.now()
    return frozenset(a for a, refuse in REFUSALS.items() if refuse(meeting, user, now) is None)


def can_propose_meeting(interest: Interest, user) -> bool:
    return _side(user, interest) is not None and is_open_for_introduction(interest)


def meeting_outcome(meeting: Meeting) -> str:
    """``"held"`` when a side says so and none says not held; ``"not_held"`` when any side
    says it was not; ``"unknown"`` while neither has said anything."""
    marks = [o.held for o in meeting.outcomes.all()]
    if False in marks:
        return NOT_HELD
    if True in marks:
        return HELD
    return UNKNOWN


# --- Validation -----------------------------------------------------------------


def _utc(starts_at, zone_name: str, errors: dict) -> datetime.datetime | None:
    """``starts_at`` in UTC: aware as given, naive read as a wall-clock time in ``zone_name``."""
    if not isinstance(starts_at, datetime.datetime):
        errors["starts_at"] = [_("Give a date and time.")]
        return None
    try:
        if timezone.is_naive(starts_at):
            if "timezone" in errors:
                return None
            starts_at = timezone.make_aware(starts_at, zoneinfo.ZoneInfo(zone_name))
        offset = starts_at.utcoffset()
        if offset is None or abs(offset) > MAX_OFFSET:
            errors["starts_at"] = [_("The UTC offset must lie between -15:59 and +15:59.")]
            return None
        return starts_at.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        errors["starts_at"] = [_("This date is out of range.")]
        return None


def _schedule(
    *, starts_at, duration_minutes, zone_name, now, errors: dict
) -> tuple[datetime.datetime, datetime.datetime] | None:
    if not isinstance(zone_name, str) or len(zone_name) > 64 or not is_valid_zone(zone_name):
        errors["timezone"] = [_("Unknown time zone; give an IANA name such as Asia/Karachi.")]
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not MIN_DURATION <= duration_minutes <= MAX_DURATION
    ):
        errors["duration_minutes"] = [
            _("A meeting lasts from %(min)d to %(max)d minutes.")
            % {"min": MIN_DURATION, "max": MAX_DURATION}
        ]
    start = _utc(starts_at, zone_name, errors)
    if start is None:
        return None
    if start <= now:
        errors["starts_at"] = [_("Choose a time in the future.")]
    elif start > now + MAX_AHEAD:
        errors["starts_at"] = [_("Choose a time within the next two years.")]
    if "duration_minutes" in errors or "starts_at" in errors:
        return None
    return start, start + datetime.timedelta(minutes=duration_minutes)


def _text(value, *, field: str, max_length: int, errors: dict) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[field] = [_("Give text.")]
        return ""
    try:
        value = clean_text(value)
    except TextError:
        errors[field] = [_("Contains a NUL byte, which cannot be stored.")]
        return ""
    if len(value) > max_length:
        errors[field] = [
            _("At most %(count)d characters.") % {"count": max_length},
        ]
    return value


def _where(*, format, link, place, errors: dict) -> tuple[str, str]:
    if format not in Format.values:
        errors["format"] = [_("Choose online or in person.")]
    link = _text(link, field="link", max_length=500, errors=errors)
    place = _text(place, field="place", max_length=300, errors=errors)
    if link and "link" not in errors:
        try:
            URLValidator(schemes=["http", "https"])(link)
        except ValidationError:
            errors["link"] = [_("Give a web address starting with https:// or http://.")]
    if format == Format.ONLINE and not link and "link" not in errors:
        errors["link"] = [_("An online meeting needs a link.")]
    if format == Format.IN_PERSON and not place and "place" not in errors:
        errors["place"] = [_("A meeting in person needs a place.")]
    return link, place


# --- Side effects --------------------------------------------------------------------


def interest_url(interest: Interest) -> str:
    """The interest's page, under the English prefix (the notification reader re-prefixes it)."""
    with translation.override("en"):
        try:
            return reverse("docking:interest_detail", args=[interest.pk]) + "#meetings"
        except NoReverseMatch:  # the interest pages are not mounted (yet)
            return ""


def _organisation_name(interest: Interest, organisation_id: int) -> str:
    if organisation_id == interest.organisation_id:
        return interest.organisation.name
    return interest.profile.organisation.name


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def _tell_other_side(meeting: Meeting, *, side: int, event: str) -> int:
    interest = meeting.interest
    other = parties.other_organisation_id(interest, side)
    return notify(
        users=parties.people_of([other]),
        kind=f"meeting.{event}",
        key=f"meeting:{meeting.pk}:{event}:{meeting.sequence}",
        data={
            "interest": interest.reference,
            # Meetings exist only after the reveal: each side has known the other's name since.
            "organisation": _organisation_name(interest, side),
            "starts": _iso(meeting.starts_at),
        },
        url=interest_url(interest),
    )


def _audit_data(meeting: Meeting, **extra) -> dict:
    return {
        "interest": meeting.interest.reference,
        "starts_at": _iso(meeting.starts_at),
        "ends_at": _iso(meeting.ends_at),
        "timezone": meeting.timezone,
        "format": meeting.format,
        "status": meeting.status,
        "sequence": meeting.sequence,
        **extra,
    }


def _locked_interest(interest: Interest) -> Interest:
    return (
        Interest.objects.select_for_update(of=("self",))
        .select_related("profile__organisation", "organisation")
        .get(pk=interest.pk)
    )


def _locked(meeting: Meeting) -> Meeting:
    """The meeting, locked, with the interest it belongs to read now (it may have closed)."""
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("interest__profile__organisation", "interest__organisation")
        .get(pk=meeting.pk)
    )


def _refresh(target: Meeting, source: Meeting) -> Meeting:
    for field in Meeting._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _raise(refusal: Exception | None) -> None:
    if refusal is not None:
        raise refusal


# --- Writing --------------------------------------------------------------------


@transaction.atomic
def meeting_propose(
    *,
    interest: Interest,
    by,
    starts_at: datetime.datetime,
    duration_minutes: int,
    timezone: str,  # noqa: A002 — the field's name everywhere else
    format: str,  # noqa: A002
    link: str = "",
    place: str = "",
    agenda: str = "",
    now=None,
) -> Meeting:
    """Propose a meeting to the other side of an open introduction.

    ``starts_at`` is aware, or naive and read as a wall-clock time in ``timezone`` (the
    zone the proposer thinks in, shown to both sides next to their own).
    """
    now = now or _now()
    side = _side(by, interest)
    if side is None:
        raise _not_a_party(by, interest)
    locked = _locked_interest(interest)  # one proposal at a time counts the upcoming ones
    if not is_open_for_introduction(locked):
        raise _not_open()
    errors: dict = {}
    when = _schedule(
        starts_at=starts_at, duration_minutes=duration_minutes, zone_name=timezone, now=now,
        errors=errors,
    )  # fmt: skip
    link, place = _where(format=format, link=link, place=place, errors=errors)
    agenda = _text(agenda, field="agenda", max_length=2000, errors=errors)
    upcoming = locked.meetings.filter(
        status__in=(Status.PROPOSED, Status.ACCEPTED), ends_at__gt=now
    ).count()
    if upcoming >= MAX_UPCOMING:
        errors["__all__"] = [
            _("An introduction may have at most %(count)d upcoming meetings.")
            % {"count": MAX_UPCOMING}
        ]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        interest=locked,
        proposed_by=by,
        proposed_by_organisation_id=side,
        starts_at=when[0],
        ends_at=when[1],
        timezone=timezone,
        format=format,
        link=link,
        place=place,
        agenda=agenda,
        status=Status.PROPOSED,
    )
    audit.record(by, "meeting.propose", meeting, _audit_data(meeting))
    _tell_other_side(meeting, side=side, event="proposed")
    return meeting


@transaction.atomic
def meeting_accept(*, meeting: Meeting, by, now=None) -> Meeting:
    """Accept the time the other side proposed (one acceptance however often it is sent)."""
    now = now or _now()
    locked = _locked(meeting)
    _raise(_refuse_accept(locked, by, now))
    # The status in the WHERE clause makes a second, simultaneous acceptance change nothing.
    changed = Meeting.objects.filter(pk=locked.pk, status=Status.PROPOSED).update(
        status=Status.ACCEPTED, sequence=F("sequence") + 1, updated_at=now
    )
    if not changed:
        raise ValidationError({"status": [_("Only a proposed meeting can be accepted.")]})
    locked.refresh_from_db(fields=["status", "sequence", "updated_at"])
    side = _side(by, locked.interest)
    audit.record(by, "meeting.accept", locked, _audit_data(locked))
    _tell_other_side(locked, side=side, event="accepted")
    return _refresh(meeting, locked)


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: Meeting,
    by,
    starts_at: datetime.datetime,
    duration_minutes: int,
    timezone: str,  # noqa: A002
    format: str | None = None,  # noqa: A002
    link: str | None = None,
    place: str | None = None,
    now=None,
) -> Meeting:
    """Propose a new time (and, if given, a new format, link or place); the other side
    accepts it again. ``None`` keeps the meeting's current value."""
    now = now or _now()
    locked = _locked(meeting)
    _raise(_refuse_reschedule(locked, by, now))
    errors: dict = {}
    when = _schedule(
        starts_at=starts_at, duration_minutes=duration_minutes, zone_name=timezone, now=now,
        errors=errors,
    )  # fmt: skip
    format = locked.format if format is None else format  # noqa: A001
    link, place = _where(
        format=format,
        link=locked.link if link is None else link,
        place=locked.place if place is None else place,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    before = {"starts_at": _iso(locked.starts_at), "status": locked.status}
    side = _side(by, locked.interest)
    changed = Meeting.objects.filter(pk=locked.pk, status=locked.status).update(
        status=Status.PROPOSED,
        proposed_by=by,
        proposed_by_organisation_id=side,
        starts_at=when[0],
        ends_at=when[1],
        timezone=timezone,
        format=format,
        link=link,
        place=place,
        sequence=F("sequence") + 1,
        updated_at=now,
    )
    if not changed:  # cannot happen under the row lock; kept for databases without one
        raise ValidationError({"status": [_("The meeting changed meanwhile; try again.")]})
    locked.refresh_from_db()
    audit.record(by, "meeting.reschedule", locked, _audit_data(locked, before=before))
    _tell_other_side(locked, side=side, event="rescheduled")
    return _refresh(meeting, locked)


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by, now=None) -> Meeting:
    """Call the meeting off (either side, proposed or accepted, before it has ended)."""
    now = now or _now()
    locked = _locked(meeting)
    _raise(_refuse_cancel(locked, by, now))
    changed = (
        Meeting.objects.filter(pk=locked.pk)
        .exclude(status=Status.CANCELLED)
        .update(
            status=Status.CANCELLED,
            cancelled_by=by,
            cancelled_at=now,
            sequence=F("sequence") + 1,
            updated_at=now,
        )
    )
    if not changed:
        raise ValidationError({"status": [_("The meeting is already cancelled.")]})
    locked.refresh_from_db()
    audit.record(by, "meeting.cancel", locked, _audit_data(locked))
    _tell_other_side(locked, side=_side(by, locked.interest), event="cancelled")
    return _refresh(meeting, locked)


@transaction.atomic
def meeting_mark(*, meeting: Meeting, by, held: bool, now=None) -> MeetingOutcome:
    """Record ``by``'s side's word on whether the meeting was held; a later word replaces it."""
    now = now or _now()
    if not isinstance(held, bool):
        raise ValidationError({"held": [_("Say yes or no.")]})
    locked = _locked(meeting)
    _raise(_refuse_mark(locked, by, now))
    side = _side(by, locked.interest)
    values = {"held": held, "marked_by": by, "marked_at": now}
    outcome = MeetingOutcome.objects.filter(meeting=locked, organisation_id=side).first()
    if outcome is None:
        try:
            with transaction.atomic():
                outcome = MeetingOutcome.objects.create(
                    meeting=locked, organisation_id=side, **values
                )
            created = True
        except IntegrityError:  # the same side marked it at the same moment
            outcome = MeetingOutcome.objects.get(meeting=locked, organisation_id=side)
            created = False
    else:
        created = False
    if not created:
        if outcome.held == held:
            return outcome  # the side said the same before: nothing changes
        for key, value in values.items():
            setattr(outcome, key, value)
        outcome.save(update_fields=list(values))
    audit.record(by, "meeting.mark", locked, _audit_data(locked, held=held, side=side))
    return outcome


@transaction.atomic
def meetings_cancel_upcoming(*, interest: Interest, by=None, now=None) -> int:
    """Cancel the meetings of an introduction that has just closed (withdrawn, expired) that
    have not started yet; returns how many. For the interest services to call: the parties
    hear of the closing from them, so no meeting notice is sent here."""
    now = now or _now()
    upcoming = list(
        Meeting.objects.select_for_update(of=("self",))
        .select_related("interest")
        .filter(interest=interest, status__in=(Status.PROPOSED, Status.ACCEPTED))
        .filter(starts_at__gt=now)
        .order_by("pk")
    )
    for meeting in upcoming:
        meeting.status, meeting.cancelled_by, meeting.cancelled_at = Status.CANCELLED, by, now
        meeting.sequence += 1
        meeting.updated_at = now
        meeting.save(
            update_fields=["status", "cancelled_by", "cancelled_at", "sequence", "updated_at"]
        )
        audit.record(by, "meeting.cancel", meeting, _audit_data(meeting, reason="closed"))
    return len(upcoming)


def meetings_remind_outcomes(*, now=None) -> int:
    """Ask each side that has not said whether an accepted meeting was held, once, an hour
    after it ended. Returns how many people were reminded."""
    now = now or _now()
    meetings = (
        Meeting.objects.filter(
            status=Status.ACCEPTED,
            ends_at__lte=now - REMIND_AFTER,
            ends_at__gt=now - REMIND_WINDOW,
        )
        .select_related("interest__profile")
        .prefetch_related("outcomes")
    )
    told = 0
    for meeting in meetings:
        interest = meeting.interest
        marked = {o.organisation_id for o in meeting.outcomes.all()}
        for side in (parties.owner_organisation_id(interest), interest.organisation_id):
            if side in marked:
                continue
            with transaction.atomic():
                told += notify(
                    users=parties.people_of([side]),
                    kind="meeting.outcome_due",
                    key=f"meeting:{meeting.pk}:outcome_due:{side}",
                    data={"interest": interest.reference, "starts": _iso(meeting.starts_at)},
                    url=interest_url(interest),
                )
    return told
