"""The REST endpoints of B2B events: events and sessions, registrations and participants,
meeting requests, schedule runs, the published schedule and check-in.

Who sees what: published (and cancelled) events are public; a draft is a 404 for all
but its organisers (the authority's staff and platform admins). A registration is read
by its organisation's people and the organisers; a meeting request and a scheduled
meeting by their two people and the organisers; the participants list by the organisers
and approved participants; the schedule by the organisers (all of it) and participants
(their own meetings). Whoever cannot see a thing gets 404; whoever sees it but may not
do what they asked gets 403 (the services decide). Bad input is a 422.

Every write calls one service (``services``); this module only turns slugs, codes and
ids into rows and rows into JSON.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Path, Query, Router, Status
from ninja.errors import AuthenticationError

from corridor.accounts.api import ApiTokenAuth
from corridor.core.timezones import user_zone
from corridor.registry.models import Authority, Organisation
from corridor.registry.schemas import (
    SLUG_PATTERN,
    WRITE_ERRORS,
    ErrorOut,
    PageIn,
    ValidationErrorOut,
)

from . import selectors, services
from .agendas import meetings_with_people, place, video_link
from .calendar import feed_url
from .models import (
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    ScheduleRun,
    Session,
)
from .scheduler import unplaced_text
from .schemas import (
    MAX_ID,
    CheckInIn,
    EventIn,
    EventOut,
    EventPage,
    EventQuery,
    ParticipantIn,
    ParticipantList,
    ParticipantOut,
    RegistrationIn,
    RegistrationOut,
    RequestIn,
    RequestOut,
    ScheduledMeetingOut,
    ScheduleOut,
    ScheduleRunIn,
    ScheduleRunOut,
    SessionIn,
    SessionOut,
)

router = Router(tags=["events"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
SlugPath = Path(..., max_length=100, pattern=SLUG_PATTERN)
IdPath = Path(..., ge=1, le=MAX_ID)
MStatus = ScheduledMeeting.Status


def _viewer(request):
    """The caller of a public endpoint: the token's user, the session's user, or ``None``."""
    if request.headers.get("Authorization"):
        user = ApiTokenAuth()(request)
        if user is None:  # a wrong token must be told, not quietly get the public view
            raise AuthenticationError
        return user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _invalid(field: str, message) -> ValidationError:
    return ValidationError({field: [message]})


# --- Rows the caller may see (404 otherwise) ----------------------------------------------


def _event(user, slug: str) -> Event:
    return selectors.event_for(user, slug)


def _registration(user, pk: int) -> Registration:
    registration = (
        Registration.objects.select_related("event__authority", "organisation")
        .filter(pk=pk)
        .first()
    )
    if registration is None or not services.can_manage_registration(user, registration):
        raise Http404
    return registration


def _request(user, pk: int) -> MeetingRequest:
    found = (
        MeetingRequest.objects.select_related(
            "event",
            "requester__user",
            "requester__registration__organisation",
            "recipient__user",
            "recipient__registration__organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None or not (
        user.pk in (found.requester.user_id, found.recipient.user_id)
        or services.can_organise(user, found.event)
    ):
        raise Http404
    return found


def _meeting(user, pk: int) -> ScheduledMeeting:
    found = meetings_with_people().filter(pk=pk).first()
    if found is None or not (
        user.pk in (found.request.requester.user_id, found.request.recipient.user_id)
        or services.can_organise(user, found.event)
    ):
        raise Http404
    return found


# --- Rows to JSON -------------------------------------------------------------------------


def _on(moment: datetime.datetime | None, zone) -> datetime.datetime | None:
    return None if moment is None else timezone.localtime(moment, zone)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _organisation(organisation: Organisation) -> dict:
    return {
        "slug": organisation.slug,
        "name": organisation.display_name,
        "country": str(organisation.country),
    }


def _summary(event: Event) -> dict:
    zone = services.zone_of(event)
    return {
        "slug": event.slug,
        "authority": event.authority.code,
        "title": event.title,
        "title_en": event.title_en,
        "title_zh_hans": event.title_zh_hans,
        "title_ur": event.title_ur,
        "format": event.format,
        "time_zone": event.time_zone,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "venue": event.venue,
        "status": event.status,
        "registration_opens_at": _on(event.registration_opens_at, zone),
        "registration_closes_at": _on(event.registration_closes_at, zone),
        "schedule_published_at": _on(event.schedule_published_at, zone),
    }


def _session(session: Session, *, zone, organiser: bool) -> dict:
    return {
        "id": session.pk,
        "name": session.name,
        "starts_at": _on(session.starts_at, zone),
        "ends_at": _on(session.ends_at, zone),
        "slot_minutes": session.slot_minutes,
        "slots": len(session.slots.all()),
        "tables": session.tables,
        "location": session.location,
        "online": bool(session.video_link_template),
        # The link pattern is for the organisers; participants get their meeting's link.
        "video_link_template": session.video_link_template if organiser else None,
        "breaks": [
            {"starts_at": _on(b.starts_at, zone), "ends_at": _on(b.ends_at, zone), "label": b.label}
            for b in session.breaks.all()
        ],
    }


def _detail(event: Event, user) -> dict:
    event = (
        Event.objects.select_related("authority")
        .prefetch_related(
            "eligible_sectors",
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("starts_at", "pk").prefetch_related(
                    "breaks", "slots"
                ),
            ),
        )
        .get(pk=event.pk)
    )
    zone = services.zone_of(event)
    organiser = user is not None and services.can_organise(user, event)
    return {
        **_summary(event),
        "description": event.description,
        "eligible_countries": list(event.eligible_countries),
        "eligible_sectors": sorted(s.code for s in event.eligible_sectors.all()),
        "eligible_kinds": list(event.eligible_kinds),
        "capacity": event.capacity,
        "requires_approval": event.requires_approval,
        "default_max_meetings": event.default_max_meetings,
        "sessions": [_session(s, zone=zone, organiser=organiser) for s in event.sessions.all()],
        "organiser": organiser,
    }


def _participant(participant: Participant) -> dict:
    return {
        "id": participant.pk,
        "registration": participant.registration_id,
        "name": _name(participant.user),
        "organisation": _organisation(participant.registration.organisation),
        "sessions": sorted(s.pk for s in participant.sessions.all()),
        "max_meetings": participant.max_meetings,
    }


def _registration_out(pk: int) -> dict:
    registration = (
        Registration.objects.select_related("event", "organisation")
        .prefetch_related(
            "profiles",
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related(
                    "user", "registration__organisation"
                ).prefetch_related("sessions"),
            ),
        )
        .get(pk=pk)
    )
    return {
        "id": registration.pk,
        "event": registration.event.slug,
        "organisation": _organisation(registration.organisation),
        "status": registration.status,
        "note": registration.note,
        "profiles": sorted(p.pk for p in registration.profiles.all()),
        "created_at": registration.created_at,
        "decided_at": registration.decided_at,
        "participants": [_participant(p) for p in registration.participants.all()],
    }


def _person(participant: Participant) -> dict:
    return {
        "participant": participant.pk,
        "name": _name(participant.user),
        "organisation": participant.registration.organisation.display_name,
    }


def _request_out(pk: int) -> dict:
    found = (
        MeetingRequest.objects.select_related(
            "event",
            "requester__user",
            "requester__registration__organisation",
            "recipient__user",
            "recipient__registration__organisation",
        )
    ).get(pk=pk)
    return {
        "id": found.pk,
        "event": found.event.slug,
        "requester": _person(found.requester),
        "recipient": _person(found.recipient),
        "message": found.message,
        "priority": found.priority,
        "status": found.status,
        "added_by_organiser": found.added_by_organiser,
        "created_at": found.created_at,
        "answered_at": found.answered_at,
    }


def _run_out(run: ScheduleRun) -> dict:
    zone = services.zone_of(run.event)
    return {
        "id": run.pk,
        "event": run.event.slug,
        "status": run.status,
        "started_at": _on(run.started_at, zone),
        "finished_at": _on(run.finished_at, zone),
        "time_limit": run.time_limit,
        "placed": run.placed,
        "value": run.value,
        "upper_bound": run.upper_bound,
        "gap": run.gap,
        "solver_status": run.solver_status,
        "moved": run.moved,
        "unplaced": [
            {
                "request": item.get("request"),
                "reason": item.get("reason", ""),
                "between": list(item.get("between") or []),
                "detail": str(unplaced_text(item, zone_name=zone.key)),
            }
            for item in run.unplaced or []
        ],
        "error": run.error,
        "published_at": _on(run.published_at, zone),
    }


def _meeting_out(meeting: ScheduledMeeting, *, zone, viewer_zone) -> dict:
    request = meeting.request
    return {
        "id": meeting.pk,
        "uid": meeting.uid,
        "sequence": meeting.sequence,
        "status": meeting.status,
        "session": meeting.slot.session_id,
        "starts_at": _on(meeting.slot.starts_at, zone),
        "ends_at": _on(meeting.slot.ends_at, zone),
        "starts_at_local": _on(meeting.slot.starts_at, viewer_zone),
        "ends_at_local": _on(meeting.slot.ends_at, viewer_zone),
        "table": meeting.table,
        "place": place(meeting),
        "video_link": video_link(meeting),
        "requester": _person(request.requester),
        "recipient": _person(request.recipient),
        "priority": request.priority,
        "locked": meeting.locked,
        "held": meeting.held,
    }


# --- Events -------------------------------------------------------------------------------


@router.get(
    "/events",
    response={200: EventPage, 401: ErrorOut, 422: ValidationErrorOut},
    auth=None,
    summary="List events (published ones; drafts too for their organisers)",
)
def event_list(request, filters: Query[EventQuery], page: Query[PageIn]):
    events: QuerySet[Event] = selectors.events_visible_to(_viewer(request))
    if filters.status:
        events = events.filter(status=filters.status)
    return {
        "count": events.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_summary(e) for e in events[page.offset : page.offset + page.limit]],
    }


@router.get(
    "/events/{slug}",
    response={200: EventOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
    auth=None,
    summary="Read an event with its sessions and breaks",
)
def event_read(request, slug: str = SlugPath):
    viewer = _viewer(request)
    return _detail(_event(viewer, slug), viewer)


@router.post(
    "/events",
    response={201: EventOut, **WRITE_ERRORS},
    summary="Create a draft event (the organising authority's staff)",
)
def event_create(request, payload: EventIn):
    data = payload.model_dump()
    code = data.pop("authority")
    authority = Authority.objects.filter(code=code).first()
    if authority is None:
        raise _invalid("authority", _("Unknown authority: %(code)s.") % {"code": code})
    event = services.event_create(by=request.auth, authority=authority, **data)
    return Status(201, _detail(event, request.auth))


@router.post(
    "/events/{slug}/publish",
    response={200: EventOut, **WRITE_ERRORS},
    summary="Publish a draft event (it needs a session); registration can then open",
)
def event_publish(request, slug: str = SlugPath):
    event = services.event_publish(event=_event(request.auth, slug), by=request.auth)
    return _detail(event, request.auth)


@router.post(
    "/events/{slug}/sessions",
    response={201: SessionOut, **WRITE_ERRORS},
    summary="Add a session of equal slots, with its breaks (organisers)",
)
def session_add(request, payload: SessionIn, slug: str = SlugPath):
    event = _event(request.auth, slug)
    data = payload.model_dump()
    session = services.session_add(event=event, by=request.auth, **data)
    session = Session.objects.prefetch_related("breaks", "slots").get(pk=session.pk)
    return Status(201, _session(session, zone=services.zone_of(event), organiser=True))


# --- Registrations and participants -------------------------------------------------------


@router.post(
    "/events/{slug}/registrations",
    response={201: RegistrationOut, **WRITE_ERRORS},
    summary="Register an organisation you act for (approved at once, or by the organisers)",
)
def registration_create(request, payload: RegistrationIn, slug: str = SlugPath):
    event = _event(request.auth, slug)
    organisation = Organisation.objects.filter(slug=payload.organisation).first()
    if organisation is None:
        raise _invalid(
            "organisation",
            _("Unknown organisation: %(slug)s.") % {"slug": payload.organisation},
        )
    registration = services.registration_create(
        event=event, organisation=organisation, by=request.auth, profiles=payload.profiles,
        note=payload.note,
    )  # fmt: skip
    return Status(201, _registration_out(registration.pk))


@router.post(
    "/registrations/{registration_id}/approve",
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Approve a registration (organisers)",
)
def registration_approve(request, registration_id: int = IdPath):
    registration = _registration(request.auth, registration_id)
    services.registration_approve(registration=registration, by=request.auth)
    return _registration_out(registration.pk)


@router.post(
    "/registrations/{registration_id}/reject",
    response={200: RegistrationOut, **WRITE_ERRORS},
    summary="Reject a registration (organisers); its people's meetings end",
)
def registration_reject(request, registration_id: int = IdPath):
    registration = _registration(request.auth, registration_id)
    services.registration_reject(registration=registration, by=request.auth)
    return _registration_out(registration.pk)


@router.post(
    "/registrations/{registration_id}/participants",
    response={201: ParticipantOut, **WRITE_ERRORS},
    summary="Name a person of the organisation who takes meetings, with their sessions and cap",
)
def participant_add(request, payload: ParticipantIn, registration_id: int = IdPath):
    registration = _registration(request.auth, registration_id)
    if payload.user is None:
        user = request.auth
    else:
        user = get_user_model().objects.filter(username=payload.user, is_active=True).first()
        if user is None:
            raise _invalid("user", _("Choose a person who works for the organisation."))
    participant = services.participant_add(
        registration=registration, user=user, by=request.auth, sessions=payload.sessions,
        max_meetings=payload.max_meetings,
    )  # fmt: skip
    participant = (
        Participant.objects.select_related("user", "registration__organisation")
        .prefetch_related("sessions")
        .get(pk=participant.pk)
    )
    return Status(201, _participant(participant))


@router.get(
    "/events/{slug}/participants",
    response={200: ParticipantList, **READ_ERRORS},
    summary="The people of approved organisations (organisers and approved participants)",
)
def participant_list(request, slug: str = SlugPath):
    event = _event(request.auth, slug)
    if not (
        services.can_organise(request.auth, event)
        or selectors.registrations_of(event, request.auth)
        .filter(status=Registration.Status.APPROVED)
        .exists()
    ):
        raise PermissionDenied(
            _("The participants are shown to the organisers and to approved participants.")
        )
    return {"items": [_participant(p) for p in selectors.participants_of(event)]}


# --- Meeting requests ---------------------------------------------------------------------


@router.post(
    "/events/{slug}/requests",
    response={201: RequestOut, **WRITE_ERRORS},
    summary="Ask another participant for a meeting (participants of approved organisations)",
)
def request_send(request, payload: RequestIn, slug: str = SlugPath):
    event = _event(request.auth, slug)
    me = selectors.participant_for(request.auth, event)
    if me is None:
        raise PermissionDenied(_("Only the event's participants send meeting requests."))
    recipient = (
        Participant.objects.filter(pk=payload.recipient, registration__event=event)
        .select_related("user", "registration__organisation")
        .first()
    )
    if recipient is None:
        raise _invalid("recipient", _("This person does not take part in this event."))
    made = services.request_send(
        requester=me, recipient=recipient, by=request.auth, message=payload.message,
        priority=payload.priority,
    )  # fmt: skip
    return Status(201, _request_out(made.pk))


def _answer(request, request_id: int, action) -> dict:
    found = _request(request.auth, request_id)
    action(request=found, by=request.auth)
    return _request_out(found.pk)


@router.post(
    "/meeting-requests/{request_id}/accept",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Accept a meeting request (the person asked, or an organiser)",
)
def request_accept(request, request_id: int = IdPath):
    return _answer(request, request_id, services.request_accept)


@router.post(
    "/meeting-requests/{request_id}/decline",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Decline a meeting request (the person asked, or an organiser)",
)
def request_decline(request, request_id: int = IdPath):
    return _answer(request, request_id, services.request_decline)


@router.post(
    "/meeting-requests/{request_id}/cancel",
    response={200: RequestOut, **WRITE_ERRORS},
    summary="Take a meeting request back (the person who asked, or an organiser)",
)
def request_cancel(request, request_id: int = IdPath):
    return _answer(request, request_id, services.request_cancel)


# --- The schedule -------------------------------------------------------------------------


@router.post(
    "/events/{slug}/schedule-runs",
    response={201: ScheduleRunOut, **WRITE_ERRORS},
    summary="Run the scheduler and publish its schedule, or record a dry run (organisers)",
    description="Waits for the run (at most `time_limit` seconds of solving). A run that "
    "fails comes back with `status` failed and `error`; the published schedule is then "
    "unchanged. Every accepted request left out is listed in `unplaced` with its reason.",
)
def schedule_run(request, payload: ScheduleRunIn, slug: str = SlugPath):
    event = _event(request.auth, slug)
    run = services.schedule_run(
        event=event, by=request.auth, time_limit=payload.time_limit, publish=payload.publish,
        seed=payload.seed,
    )  # fmt: skip
    return Status(201, _run_out(ScheduleRun.objects.select_related("event").get(pk=run.pk)))


@router.get(
    "/events/{slug}/schedule",
    response={200: ScheduleOut, **READ_ERRORS},
    summary="The published schedule: all of it for organisers, their own meetings for participants",
)
def schedule_read(request, slug: str = SlugPath):
    user = request.auth
    event = _event(user, slug)
    meetings = meetings_with_people().filter(event=event, status=MStatus.SCHEDULED)
    me = selectors.participant_for(user, event)
    if not services.can_organise(user, event):
        if me is None:
            raise PermissionDenied(
                _("The schedule is shown to the organisers and to the event's participants.")
            )
        meetings = meetings.filter(Q(request__requester=me) | Q(request__recipient=me))
    zone, viewer_zone = services.zone_of(event), user_zone(user)
    meetings = meetings.order_by("slot__starts_at", "table", "pk")
    return {
        "event": event.slug,
        "time_zone": zone.key,
        "viewer_timezone": viewer_zone.key,
        "published_at": _on(event.schedule_published_at, zone),
        "calendar_feed": feed_url(me) if me is not None else None,
        "items": [_meeting_out(m, zone=zone, viewer_zone=viewer_zone) for m in meetings],
    }


@router.post(
    "/scheduled-meetings/{meeting_id}/check-in",
    response={200: ScheduledMeetingOut, **WRITE_ERRORS},
    summary="Mark a meeting held or not held, once it has begun (organisers)",
)
def meeting_check_in(request, payload: CheckInIn, meeting_id: int = IdPath):
    meeting = _meeting(request.auth, meeting_id)
    services.meeting_check_in(meeting=meeting, by=request.auth, held=payload.held)
    meeting = meetings_with_people().get(pk=meeting.pk)
    return _meeting_out(
        meeting, zone=services.zone_of(meeting.event), viewer_zone=user_zone(request.auth)
    )
