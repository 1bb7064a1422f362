"""Writes to registrations and participants.

An organisation registers for a published event inside its registration window, if
it is eligible (country, sector or a sub-sector of an eligible one, kind) and there
is room (pending and approved registrations count against the capacity). The
organisers approve or reject it when the event requires approval. Its admins and
members then name the people who take meetings (participants), each with the
sessions they attend and a cap on their meetings.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import OrganisationMembership
from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import require
from corridor.docking.models import CooperationProfile
from corridor.registry.models import Organisation, Sector
from corridor.registry.selectors import subtree_ids

from ..models import Event, MeetingRequest, Participant, Registration, Session, new_feed_token
from ..notices import event_data
from .common import (
    MAX_CAP,
    Errors,
    acts_for,
    can_organise,
    event_bounds,
    fail,
    ids_of,
    page_url,
    take_off_schedule,
    text,
    whole_number,
)

__all__ = [
    "can_manage_registration",
    "eligibility_errors",
    "feed_token_reset",
    "participant_add",
    "participant_remove",
    "participant_update",
    "registration_approve",
    "registration_cancel",
    "registration_create",
    "registration_reject",
]

RStatus = Registration.Status
ACTIVE = (RStatus.PENDING, RStatus.APPROVED)


def can_manage_registration(user, registration: Registration) -> bool:
    """The registered organisation's admins and members, and the event's organisers."""
    return acts_for(user, registration.organisation) or can_organise(user, registration.event)


def _people(organisation_id: int):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id=organisation_id,
            memberships__role__in=("admin", "member"),
        )
        .distinct()
    )


def eligibility_errors(event: Event, organisation: Organisation) -> list:
    """Why ``organisation`` may not register for ``event`` (empty: it may)."""
    reasons = []
    if event.eligible_countries and str(organisation.country) not in event.eligible_countries:
        reasons.append(_("The event is open to organisations of other countries."))
    if event.eligible_kinds and organisation.kind not in event.eligible_kinds:
        reasons.append(_("The event is open to other kinds of organisation."))
    wanted = list(event.eligible_sectors.values_list("code", flat=True))
    if wanted:
        rows = list(Sector.objects.values_list("pk", "code", "parent_id"))
        allowed = set()
        for code in wanted:
            allowed.update(subtree_ids(rows, code))
        if not organisation.sectors.filter(pk__in=allowed).exists():
            reasons.append(_("The event is open to organisations of other sectors."))
    return reasons


def _profiles(organisation: Organisation, profiles, errors: Errors) -> list[CooperationProfile]:
    ids = ids_of(profiles, field="profiles", errors=errors)
    if ids is None:
        return []
    found = list(
        CooperationProfile.objects.filter(
            pk__in=ids, organisation=organisation, status=CooperationProfile.Status.PUBLISHED
        )
    )
    if len(found) != len(ids):
        errors.add("profiles", _("Choose published cooperation profiles of your organisation."))
    return found


def _locked(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("event", "organisation")
        .get(pk=registration.pk)
    )


def _refresh(target, source):
    for field in type(source)._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _room_left(event: Event, *, excluding: int | None = None) -> bool:
    if event.capacity is None:
        return True
    taken = Registration.objects.filter(event=event, status__in=ACTIVE)
    if excluding is not None:
        taken = taken.exclude(pk=excluding)
    return taken.count() < event.capacity


def _withdraw_meetings(requests) -> int:
    """End live requests: scheduled meetings are cancelled in calendars, requests cancelled."""
    meetings = take_off_schedule(requests)
    requests.filter(
        status__in=[MeetingRequest.Status.PENDING, MeetingRequest.Status.ACCEPTED]
    ).update(status=MeetingRequest.Status.CANCELLED, updated_at=timezone.now())
    return len(meetings)


# --- Registrations ----------------------------------------------------------------------


@transaction.atomic
def registration_create(
    *, event: Event, organisation: Organisation, by, profiles=(), note: str = "",
    now: datetime.datetime | None = None,
) -> Registration:  # fmt: skip
    """Register ``organisation`` for ``event``: approved at once unless the event requires approval.

    A cancelled registration may be made again; a rejected one may not.
    """
    require(
        acts_for(by, organisation),
        _("Only the organisation's admins and members may register it."),
    )
    now = now or timezone.now()
    locked = Event.objects.select_for_update().get(
        pk=event.pk
    )  # capacity is counted once at a time
    if locked.status != Event.Status.PUBLISHED:
        raise fail(None, _("This event does not take registrations."))
    if now < locked.registration_opens_at:
        raise fail(None, _("Registration has not opened yet."))
    if now >= locked.registration_closes_at:
        raise fail(None, _("Registration has closed."))
    if not organisation.is_active:
        raise fail("organisation", _("This organisation is no longer active."))
    reasons = eligibility_errors(locked, organisation)
    if reasons:
        raise fail("organisation", reasons[0])
    errors = Errors()
    note = text(note, field="note", errors=errors, max_length=1000)
    chosen = _profiles(organisation, profiles, errors)
    errors.raise_if_any()
    existing = (
        Registration.objects.select_for_update()
        .filter(event=locked, organisation=organisation)
        .first()
    )
    if existing is not None and existing.status != RStatus.CANCELLED:
        if existing.status == RStatus.REJECTED:
            raise fail(
                "organisation", _("The organisers did not accept this organisation's registration.")
            )
        raise fail("organisation", _("This organisation is already registered for the event."))
    if not _room_left(locked, excluding=existing.pk if existing else None):
        raise fail(None, _("The event is full."))
    status = RStatus.PENDING if locked.requires_approval else RStatus.APPROVED
    registration = existing or Registration(event=locked, organisation=organisation)
    registration.status = status
    registration.registered_by = by
    registration.note = note
    registration.decided_by = None
    registration.decided_at = None if status == RStatus.PENDING else now
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # The same organisation registered twice at the same moment (a double click).
        raise fail(
            "organisation", _("This organisation is already registered for the event.")
        ) from None
    registration.profiles.set(chosen)
    audit.record(
        by,
        "registration.create",
        registration,
        {"status": status, "profiles": [p.pk for p in chosen]},
    )
    return registration


def _decide(registration: Registration, by, *, status: str, allowed_from, now) -> Registration:
    require(
        can_organise(by, registration.event),
        _("Only the event's organisers may decide on registrations."),
    )
    Event.objects.select_for_update().filter(pk=registration.event_id).first()
    locked = _locked(registration)
    if locked.status not in allowed_from:
        raise fail(
            "status",
            _("This registration is %(status)s.") % {"status": locked.get_status_display()},
        )
    if locked.event.status == Event.Status.CANCELLED:
        raise fail(None, _("The event is cancelled."))
    if (
        status == RStatus.APPROVED
        and locked.status != RStatus.PENDING
        and not _room_left(locked.event, excluding=locked.pk)
    ):
        raise fail(None, _("The event is full."))
    before = locked.status
    locked.status = status
    locked.decided_by = by
    locked.decided_at = now or timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit.record(by, f"registration.{'approve' if status == RStatus.APPROVED else 'reject'}", locked,
                 {"from": before})  # fmt: skip
    kind = (
        "event.registration_approved"
        if status == RStatus.APPROVED
        else "event.registration_rejected"
    )
    notify(
        users=_people(locked.organisation_id),
        kind=kind,
        key=f"event-registration:{locked.pk}:{status}:{locked.decided_at.isoformat()}",
        data={**event_data(locked.event), "organisation": locked.organisation.name},
        url=page_url("events:event_detail", slug=locked.event.slug),
    )
    return locked


@transaction.atomic
def registration_approve(
    *, registration: Registration, by, now: datetime.datetime | None = None
) -> Registration:
    """Accept a pending (or earlier rejected) registration; its people are told."""
    locked = _decide(
        registration, by, status=RStatus.APPROVED, allowed_from=(RStatus.PENDING, RStatus.REJECTED),
        now=now,
    )  # fmt: skip
    return _refresh(registration, locked)


@transaction.atomic
def registration_reject(
    *, registration: Registration, by, now: datetime.datetime | None = None
) -> Registration:
    """Refuse a pending or approved registration; its people's meetings at the event end."""
    locked = _decide(
        registration, by, status=RStatus.REJECTED, allowed_from=(RStatus.PENDING, RStatus.APPROVED),
        now=now,
    )  # fmt: skip
    _withdraw_meetings(_requests_of_registration(locked))
    return _refresh(registration, locked)


def _requests_of_registration(registration: Registration):
    return MeetingRequest.objects.filter(
        Q(requester__registration=registration) | Q(recipient__registration=registration)
    )


@transaction.atomic
def registration_cancel(
    *, registration: Registration, by, now: datetime.datetime | None = None
) -> Registration:
    """The organisation withdraws from the event; its people's meetings there end."""
    require(
        acts_for(by, registration.organisation),
        _("Only the organisation's admins and members may cancel its registration."),
    )
    locked = _locked(registration)
    if locked.status not in ACTIVE:
        raise fail(
            "status",
            _("This registration is %(status)s.") % {"status": locked.get_status_display()},
        )
    before = locked.status
    locked.status = RStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    cancelled = _withdraw_meetings(_requests_of_registration(locked))
    audit.record(
        by, "registration.cancel", locked, {"from": before, "meetings_cancelled": cancelled}
    )
    return _refresh(registration, locked)


# --- Participants -----------------------------------------------------------------------


def _sessions(event: Event, sessions, errors: Errors) -> list[Session]:
    ids = ids_of(sessions, field="sessions", errors=errors)
    if ids is None:
        return []
    if not ids:
        errors.add("sessions", _("Choose at least one session to attend."))
        return []
    found = list(Session.objects.filter(pk__in=ids, event=event))
    if len(found) != len(ids):
        errors.add("sessions", _("Choose sessions of this event (availability outside the event)."))
    return found


def _cap(value, errors: Errors) -> int | None:
    return whole_number(value, field="max_meetings", errors=errors, low=0, high=MAX_CAP)


def _participant_open(registration: Registration, *, now=None) -> None:
    if registration.status not in ACTIVE:
        raise fail("registration", _("This registration is %(status)s.") % {
            "status": registration.get_status_display()})  # fmt: skip
    if registration.event.status == Event.Status.CANCELLED:
        raise fail(None, _("The event is cancelled."))
    if (now or timezone.now()) >= event_bounds(registration.event)[1]:
        raise fail(None, _("The event is over."))


@transaction.atomic
def participant_add(
    *, registration: Registration, user, by, sessions, max_meetings=None,
    now: datetime.datetime | None = None,
) -> Participant:  # fmt: skip
    """Name ``user`` (an admin or member of the organisation) as one of its people at the event."""
    require(
        can_manage_registration(by, registration),
        _("Only the organisation's admins and members may name its people at the event."),
    )
    locked = _locked(registration)
    _participant_open(locked, now=now)
    errors = Errors()
    if not OrganisationMembership.objects.filter(
        user=user, organisation=locked.organisation, user__is_active=True
    ).exists():
        errors.add("user", _("Choose a person who works for the organisation."))
    elif (
        Participant.objects.filter(user=user, registration__event=locked.event)
        .exclude(registration__status__in=(RStatus.REJECTED, RStatus.CANCELLED))
        .exists()
    ):
        errors.add("user", _("This person already takes part in the event."))
    chosen = _sessions(locked.event, sessions, errors)
    cap = _cap(locked.event.default_max_meetings if max_meetings is None else max_meetings, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            participant = Participant.objects.create(
                registration=locked, user=user, max_meetings=cap
            )
    except IntegrityError:
        raise fail("user", _("This person already takes part in the event.")) from None
    participant.sessions.set(chosen)
    audit.record(
        by,
        "participant.add",
        participant,
        {"sessions": [s.pk for s in chosen], "max_meetings": cap},
    )
    return participant


def _can_edit_participant(user, participant: Participant) -> bool:
    return user == participant.user or can_manage_registration(user, participant.registration)


@transaction.atomic
def participant_update(
    *, participant: Participant, by, sessions=None, max_meetings=None,
    now: datetime.datetime | None = None,
) -> Participant:  # fmt: skip
    """Change the sessions a person attends or their cap (the next scheduler run follows)."""
    require(
        _can_edit_participant(by, participant),
        _("Only the person, their organisation and the organisers may change this."),
    )
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("registration__event", "registration__organisation")
        .get(pk=participant.pk)
    )
    _participant_open(locked.registration, now=now)
    errors = Errors()
    data = {}
    chosen = None
    if sessions is not None:
        chosen = _sessions(locked.registration.event, sessions, errors)
        data["sessions"] = [s.pk for s in chosen]
    if max_meetings is not None:
        cap = _cap(max_meetings, errors)
        data["max_meetings"] = cap
    errors.raise_if_any()
    if max_meetings is not None:
        locked.max_meetings = cap
        locked.save(update_fields=["max_meetings", "updated_at"])
    if chosen is not None:
        locked.sessions.set(chosen)
    audit.record(by, "participant.update", locked, data)
    return _refresh(participant, locked)


@transaction.atomic
def participant_remove(*, participant: Participant, by) -> None:
    """Take a person off the event: their meetings leave the calendars of both sides."""
    require(
        _can_edit_participant(by, participant),
        _("Only the person, their organisation and the organisers may change this."),
    )
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    requests = MeetingRequest.objects.filter(Q(requester=locked) | Q(recipient=locked))
    cancelled = _withdraw_meetings(requests)
    audit.record(
        by, "participant.remove", locked, {"user": locked.user_id, "meetings_cancelled": cancelled}
    )
    locked.delete()


@transaction.atomic
def feed_token_reset(*, participant: Participant, by) -> Participant:
    """A new secret calendar feed address; the old one stops working."""
    require(
        by == participant.user or can_organise(by, participant.registration.event),
        _("Only the person and the organisers may renew the calendar address."),
    )
    participant.feed_token = new_feed_token()
    participant.save(update_fields=["feed_token", "updated_at"])
    audit.record(by, "participant.feed_token_reset", participant)
    return participant
