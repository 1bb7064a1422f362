"""Meeting requests between participants, and meetings the organisers add.

pending → accepted (the recipient agrees; the scheduler may place it) / declined /
expired / cancelled (by the requester, or because someone left the event). A pending
request never blocks a slot: only accepted requests are scheduled.

Requests close when the event's last day begins (in the event's zone; see
``common.requests_close_at``): nothing is sent or accepted after that, and
``requests_expire`` marks what is still pending as expired. Organisers may add
meetings until the event ends.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import require

from ..models import Event, MeetingRequest, Participant, Registration
from ..notices import event_data
from .common import (
    Errors,
    can_organise,
    event_bounds,
    fail,
    page_url,
    requests_close_at,
    take_off_schedule,
    text,
    whole_number,
)

__all__ = [
    "organiser_meeting_add",
    "request_accept",
    "request_cancel",
    "request_decline",
    "request_send",
    "requests_expire",
]

QStatus = MeetingRequest.Status
LIVE = (QStatus.PENDING, QStatus.ACCEPTED)


def _person(participant: Participant) -> str:
    return participant.user.get_full_name() or participant.user.username


def _tell(
    participant: Participant, *, about: Participant, kind: str, key: str, event: Event
) -> None:
    """Tell ``participant`` of news from ``about`` (their name and organisation: both take part)."""
    notify(
        users=[participant.user],
        kind=kind,
        key=key,
        data={
            **event_data(event),
            "person": _person(about),
            "organisation": about.registration.organisation.name,
        },
        url=page_url("events:event_detail", slug=event.slug),
    )


def _participants(*participants: Participant) -> list[Participant]:
    """The participants locked in id order (no deadlock between opposite requests)."""
    ids = sorted({p.pk for p in participants})
    rows = {
        p.pk: p
        for p in Participant.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("user", "registration__event", "registration__organisation")
        .order_by("pk")
    }
    if len(rows) != len(ids):
        raise fail(None, _("This person no longer takes part in the event."))
    return [rows[p.pk] for p in participants]


def _check_pair(
    a: Participant, b: Participant, event: Event, *, fields=("requester", "recipient")
) -> None:
    """Both take part in ``event`` (approved), are two people, of two organisations."""
    first, second = fields
    if a.pk == b.pk:
        raise fail(second, _("You cannot ask yourself for a meeting."))
    for field, who in ((first, a), (second, b)):
        if who.registration.event_id != event.pk:
            raise fail(field, _("This person does not take part in this event."))
    if a.registration.organisation_id == b.registration.organisation_id:
        raise fail(second, _("Both people work for the same organisation."))
    for field, who in ((first, a), (second, b)):
        if who.registration.status != Registration.Status.APPROVED:
            raise fail(
                field, _("This person's organisation is not (or no longer) approved for the event.")
            )


def _live_between(a: Participant, b: Participant):
    return MeetingRequest.objects.filter(
        Q(requester=a, recipient=b) | Q(requester=b, recipient=a), status__in=LIVE
    )


def _as_participant(value, field: str) -> Participant:
    if not isinstance(value, Participant) or value.pk is None:
        raise fail(field, _("This person does not take part in this event."))
    return value


@transaction.atomic
def request_send(
    *, requester: Participant, recipient: Participant, by, message: str = "", priority: int = 1,
    now: datetime.datetime | None = None,
) -> MeetingRequest:  # fmt: skip
    """``requester`` asks ``recipient`` (of another organisation, same event) for a meeting."""
    requester = _as_participant(requester, "requester")
    require(by == requester.user, _("Only the person themselves may send their meeting requests."))
    recipient = _as_participant(recipient, "recipient")
    now = now or timezone.now()
    errors = Errors()
    message = text(message, field="message", errors=errors, max_length=1000)
    priority = whole_number(priority, field="priority", errors=errors, low=1, high=3)
    errors.raise_if_any()
    if requester.pk == recipient.pk:
        raise fail("recipient", _("You cannot ask yourself for a meeting."))
    requester, recipient = _participants(requester, recipient)
    event = Event.objects.get(pk=requester.registration.event_id)
    _check_pair(requester, recipient, event)
    if event.status != Event.Status.PUBLISHED:
        raise fail(None, _("This event is not open for meeting requests."))
    if now >= requests_close_at(event):
        raise fail(None, _("Meeting requests for this event are closed."))
    live = _live_between(requester, recipient).first()
    if live is not None:
        if live.requester_id == requester.pk:
            raise fail("recipient", _("You have already asked this person for a meeting."))
        raise fail(
            "recipient", _("This person has already asked you for a meeting: answer their request.")
        )
    try:
        with transaction.atomic():
            request = MeetingRequest.objects.create(
                event=event, requester=requester, recipient=recipient, message=message,
                priority=priority, created_by=by,
            )  # fmt: skip
    except IntegrityError:  # the same request twice at the same moment
        raise fail("recipient", _("You have already asked this person for a meeting.")) from None
    audit.record(by, "meeting_request.send", request, {"priority": priority})
    _tell(recipient, about=requester, kind="event.request_received", key=f"event-request:{request.pk}:received",
          event=event)  # fmt: skip
    return request


def _locked(request: MeetingRequest) -> MeetingRequest:
    return (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related(
            "event",
            "requester__user",
            "requester__registration__organisation",
            "recipient__user",
            "recipient__registration__organisation",
        )  # fmt: skip
        .get(pk=request.pk)
    )


def _refresh(target: MeetingRequest, source: MeetingRequest) -> MeetingRequest:
    for field in MeetingRequest._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _answer(request: MeetingRequest, by, *, status: str, allowed_from, now) -> MeetingRequest:
    require(
        by == request.recipient.user or can_organise(by, request.event),
        _("Only the person asked, and the organisers, may answer this request."),
    )
    locked = _locked(request)
    if locked.status not in allowed_from:
        raise fail(
            "status", _("This request is %(status)s.") % {"status": locked.get_status_display()}
        )
    now = now or timezone.now()
    if status == QStatus.ACCEPTED:
        if locked.event.status != Event.Status.PUBLISHED:
            raise fail(None, _("This event is not open for meeting requests."))
        if now >= requests_close_at(locked.event):
            raise fail(None, _("Meeting requests for this event are closed."))
        _check_pair(locked.requester, locked.recipient, locked.event)
    # Conditional: of two answers at once, one wins.
    won = MeetingRequest.objects.filter(pk=locked.pk, status=locked.status).update(
        status=status, answered_at=now, updated_at=now
    )
    if not won:
        raise fail("status", _("This request was answered a moment ago."))
    before = locked.status
    locked.status, locked.answered_at = status, now
    if before == QStatus.ACCEPTED:
        _off_schedule(locked)
    return locked


def _off_schedule(request: MeetingRequest) -> None:
    take_off_schedule(MeetingRequest.objects.filter(pk=request.pk))


@transaction.atomic
def request_accept(
    *, request: MeetingRequest, by, now: datetime.datetime | None = None
) -> MeetingRequest:
    """The recipient (or an organiser) agrees to meet: the request can now be scheduled."""
    locked = _answer(request, by, status=QStatus.ACCEPTED, allowed_from=(QStatus.PENDING,), now=now)
    audit.record(by, "meeting_request.accept", locked)
    _tell(locked.requester, about=locked.recipient, kind="event.request_accepted",
          key=f"event-request:{locked.pk}:accepted", event=locked.event)  # fmt: skip
    return _refresh(request, locked)


@transaction.atomic
def request_decline(
    *, request: MeetingRequest, by, now: datetime.datetime | None = None
) -> MeetingRequest:
    """The recipient (or an organiser) says no; an accepted request may still be declined."""
    locked = _answer(request, by, status=QStatus.DECLINED, allowed_from=LIVE, now=now)
    audit.record(by, "meeting_request.decline", locked)
    _tell(locked.requester, about=locked.recipient, kind="event.request_declined",
          key=f"event-request:{locked.pk}:declined", event=locked.event)  # fmt: skip
    return _refresh(request, locked)


@transaction.atomic
def request_cancel(
    *, request: MeetingRequest, by, now: datetime.datetime | None = None
) -> MeetingRequest:
    """The requester (or an organiser) takes a pending or accepted request back."""
    require(
        by == request.requester.user or can_organise(by, request.event),
        _("Only the person who asked, and the organisers, may cancel this request."),
    )
    locked = _locked(request)
    if locked.status not in LIVE:
        raise fail(
            "status", _("This request is %(status)s.") % {"status": locked.get_status_display()}
        )
    now = now or timezone.now()
    won = MeetingRequest.objects.filter(pk=locked.pk, status=locked.status).update(
        status=QStatus.CANCELLED, updated_at=now
    )
    if not won:
        raise fail("status", _("This request was answered a moment ago."))
    before = locked.status
    locked.status = QStatus.CANCELLED
    if before == QStatus.ACCEPTED:
        _off_schedule(locked)
    audit.record(by, "meeting_request.cancel", locked, {"from": before})
    return _refresh(request, locked)


@transaction.atomic
def organiser_meeting_add(
    *, event: Event, by, a: Participant, b: Participant, priority: int = 2,
    now: datetime.datetime | None = None,
) -> MeetingRequest:  # fmt: skip
    """An organiser puts a meeting between ``a`` and ``b`` on the list to schedule.

    A pending request between them is accepted (with the higher priority); if they
    already have an accepted one, that is an error.
    """
    require(can_organise(by, event), _("Only the event's organisers may add meetings."))
    a, b = _as_participant(a, "a"), _as_participant(b, "b")
    errors = Errors()
    priority = whole_number(priority, field="priority", errors=errors, low=1, high=3)
    errors.raise_if_any()
    if a.pk == b.pk:
        raise fail("b", _("A meeting needs two different people."))
    now = now or timezone.now()
    a, b = _participants(a, b)
    locked_event = Event.objects.select_for_update().get(pk=event.pk)
    _check_pair(a, b, locked_event, fields=("a", "b"))
    if locked_event.status != Event.Status.PUBLISHED:
        raise fail(None, _("Meetings are added to published events only."))
    if now >= event_bounds(locked_event)[1]:
        raise fail(None, _("The event is over."))
    live = _live_between(a, b).select_for_update().first()
    if live is not None and live.status == QStatus.ACCEPTED:
        raise fail("b", _("These two already have an accepted meeting request."))
    if live is not None:
        live.status = QStatus.ACCEPTED
        live.priority = max(live.priority, priority)
        live.answered_at = now
        live.save(update_fields=["status", "priority", "answered_at", "updated_at"])
        request = live
    else:
        try:
            with transaction.atomic():
                request = MeetingRequest.objects.create(
                    event=locked_event, requester=a, recipient=b, priority=priority,
                    status=QStatus.ACCEPTED, added_by_organiser=True, created_by=by, answered_at=now,
                )  # fmt: skip
        except IntegrityError:
            raise fail("b", _("These two already have a meeting request.")) from None
    audit.record(by, "meeting_request.organiser_add", request, {"priority": request.priority})
    for who, other in ((a, b), (b, a)):
        _tell(who, about=other, kind="event.meeting_added", key=f"event-request:{request.pk}:added",
              event=locked_event)  # fmt: skip
    return request


@transaction.atomic
def requests_expire(*, event: Event | None = None, now: datetime.datetime | None = None) -> int:
    """Expire pending requests of events whose last day has begun (in the event's zone).

    Returns how many expired. Safe to run often (``corridor periodic``).
    """
    now = now or timezone.now()
    # Every zone is within a day of UTC: look only at events whose last day is near or past
    # and that still have pending requests.
    events = Event.objects.filter(
        ends_on__lte=(now + datetime.timedelta(days=1)).date(),
        meeting_requests__status=QStatus.PENDING,
    ).distinct()
    if event is not None:
        events = events.filter(pk=event.pk)
    total = 0
    for due in events.only("pk", "slug", "title_en", "ends_on", "time_zone"):
        if now < requests_close_at(due):
            continue
        count = MeetingRequest.objects.filter(event=due, status=QStatus.PENDING).update(
            status=QStatus.EXPIRED, updated_at=now
        )
        if count:
            audit.record(None, "meeting_request.expire", due, {"expired": count})
        total += count
    return total
