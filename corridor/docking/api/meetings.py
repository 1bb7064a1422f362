"""The REST endpoints of meetings: an introduction's meetings, one meeting, its changes
and its ``.ics`` invitation.

Times go out as ISO 8601 with their offset, three ways: in UTC (``starts_at``), on the
caller's clock (``starts_at_local``, zone ``viewer_timezone``) and on the proposer's clock
(``starts_at_proposer``, zone ``timezone``). Times come in as ISO 8601; one without an
offset is read on the clock of the ``timezone`` sent with it.

Only the two parties and the brokering authority staff see a meeting; anyone else gets
404, as if it did not exist. Brokers read but do not write (403).
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import Http404, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from corridor.registry.schemas import WRITE_ERRORS, ErrorOut, InputSchema, ValidationErrorOut

from .. import parties
from ..models import Meeting
from ..schemas import Language
from ..selectors.meetings import (
    MeetingView,
    can_read_meetings,
    meeting_for,
    meeting_views,
    meetings_of,
)
from ..services import meetings as services
from ..views.meetings import ics_response

router = Router(tags=["meetings"])

IdPath = Path(..., ge=1, le=2**63 - 1)
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
MeetingFormat = Literal[tuple(Meeting.Format.values)]
MeetingStatus = Literal[tuple(Meeting.Status.values)]
Side = Literal["owner", "sender"]
Action = Literal[services.ACTIONS]

STARTS_AT = (
    "ISO 8601, e.g. 2026-03-02T10:00:00+05:00. Without an offset it is read on the clock of "
    "`timezone`. Offsets beyond ±15:59 are refused."
)


# --- Schemas --------------------------------------------------------------------


class MeetingIn(InputSchema):
    starts_at: datetime.datetime = Field(..., description=STARTS_AT)
    duration_minutes: int = Field(
        ..., ge=services.MIN_DURATION, le=services.MAX_DURATION, description="15 to 480."
    )
    timezone: str = Field(
        ...,
        max_length=64,
        description="The IANA zone the proposer thinks in, e.g. Asia/Karachi or Asia/Shanghai.",
    )
    format: MeetingFormat
    link: str = Field("", max_length=500, description="Needed online: https://… or http://…")
    place: str = Field("", max_length=300, description="Needed in person.")
    agenda: str = Field("", max_length=2000)


class RescheduleIn(InputSchema):
    starts_at: datetime.datetime = Field(..., description=STARTS_AT)
    duration_minutes: int = Field(..., ge=services.MIN_DURATION, le=services.MAX_DURATION)
    timezone: str = Field(..., max_length=64)
    format: MeetingFormat | None = Field(None, description="Left out: unchanged.")
    link: str | None = Field(None, max_length=500, description="Left out: unchanged.")
    place: str | None = Field(None, max_length=300, description="Left out: unchanged.")


class MarkIn(InputSchema):
    held: bool = Field(..., description="Whether the meeting took place.")


class MarksOut(Schema):
    owner: bool | None = Field(None, description="What the profile's organisation said.")
    sender: bool | None = Field(None, description="What the interested organisation said.")


class MeetingOut(Schema):
    id: int
    interest_id: int
    interest: str = Field(..., description="The interest's reference, EI-…")
    status: MeetingStatus
    format: MeetingFormat
    link: str
    place: str
    agenda: str
    starts_at: datetime.datetime = Field(..., description="In UTC.")
    ends_at: datetime.datetime = Field(..., description="In UTC.")
    duration_minutes: int
    timezone: str = Field(..., description="The zone the time was proposed in.")
    starts_at_proposer: datetime.datetime = Field(..., description="On the proposer's clock.")
    ends_at_proposer: datetime.datetime
    viewer_timezone: str = Field(..., description="The caller's zone.")
    starts_at_local: datetime.datetime = Field(..., description="On the caller's clock.")
    ends_at_local: datetime.datetime
    proposed_by: Side = Field(..., description="The side whose time is on the table.")
    your_side: Side | None = Field(None, description="None for brokering staff.")
    sequence: int = Field(..., description="The invitation's revision (iCalendar SEQUENCE).")
    outcome: Literal["held", "not_held", "unknown"]
    marks: MarksOut
    actions: list[Action] = Field(..., description="What the caller may do now.")


class MeetingList(Schema):
    items: list[MeetingOut]


def _out(view: MeetingView) -> dict:
    meeting = view.meeting
    return {
        "id": meeting.pk,
        "interest_id": meeting.interest_id,
        "interest": meeting.interest.reference,
        "status": meeting.status,
        "format": meeting.format,
        "link": meeting.link,
        "place": meeting.place,
        "agenda": meeting.agenda,
        "starts_at": meeting.starts_at.astimezone(datetime.UTC),
        "ends_at": meeting.ends_at.astimezone(datetime.UTC),
        "duration_minutes": view.duration_minutes,
        "timezone": view.proposer_zone,
        "starts_at_proposer": view.starts_proposer,
        "ends_at_proposer": view.ends_proposer,
        "viewer_timezone": view.viewer_zone,
        "starts_at_local": view.starts_local,
        "ends_at_local": view.ends_local,
        "proposed_by": view.proposed_by,
        "your_side": view.viewer_side,
        "sequence": meeting.sequence,
        "outcome": view.outcome,
        "marks": view.marks,
        "actions": sorted(view.actions),
    }


def _one(meeting_id: int, user) -> dict:
    """The meeting as the caller sees it, read again (after a change, with its outcomes)."""
    return _out(meeting_views([meeting_for(user, meeting_id)], user)[0])


# --- Endpoints ------------------------------------------------------------------


@router.get(
    "/interests/{int:interest_id}/meetings",
    response={200: MeetingList, **READ_ERRORS},
    summary="The meetings of an introduction (its parties and brokering staff)",
)
def meeting_list(request, interest_id: int = IdPath):
    interest = parties.interest_for(request.auth, interest_id)
    if not can_read_meetings(request.auth, interest):
        raise Http404
    views = meeting_views(meetings_of(interest), request.auth)
    return {"items": [_out(v) for v in views]}


@router.post(
    "/interests/{int:interest_id}/meetings",
    response={201: MeetingOut, **WRITE_ERRORS},
    summary="Propose a meeting to the other side of an open introduction",
)
def meeting_propose(request, payload: MeetingIn, interest_id: int = IdPath):
    interest = parties.interest_for(request.auth, interest_id)
    meeting = services.meeting_propose(interest=interest, by=request.auth, **payload.model_dump())
    return Status(201, _one(meeting.pk, request.auth))


@router.get(
    "/meetings/{int:meeting_id}",
    response={200: MeetingOut, **READ_ERRORS},
    summary="Read a meeting",
)
def meeting_read(request, meeting_id: int = IdPath):
    return _one(meeting_id, request.auth)


@router.post(
    "/meetings/{int:meeting_id}/accept",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Accept the time the other side proposed",
)
def meeting_accept(request, meeting_id: int = IdPath):
    services.meeting_accept(meeting=meeting_for(request.auth, meeting_id), by=request.auth)
    return _one(meeting_id, request.auth)


@router.post(
    "/meetings/{int:meeting_id}/reschedule",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Propose a new time (the other side accepts it again)",
)
def meeting_reschedule(request, payload: RescheduleIn, meeting_id: int = IdPath):
    services.meeting_reschedule(
        meeting=meeting_for(request.auth, meeting_id), by=request.auth, **payload.model_dump()
    )
    return _one(meeting_id, request.auth)


@router.post(
    "/meetings/{int:meeting_id}/cancel",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Cancel a meeting",
)
def meeting_cancel(request, meeting_id: int = IdPath):
    services.meeting_cancel(meeting=meeting_for(request.auth, meeting_id), by=request.auth)
    return _one(meeting_id, request.auth)


@router.post(
    "/meetings/{int:meeting_id}/mark",
    response={200: MeetingOut, **WRITE_ERRORS},
    summary="Say whether an accepted meeting was held, once it has ended",
)
def meeting_mark(request, payload: MarkIn, meeting_id: int = IdPath):
    services.meeting_mark(
        meeting=meeting_for(request.auth, meeting_id), by=request.auth, held=payload.held
    )
    return _one(meeting_id, request.auth)


class IcsQuery(Schema):
    language: Language | None = Field(
        None, description="The summary's language; the caller's preferred one when left out."
    )


@router.get(
    "/meetings/{int:meeting_id}/ics",
    response=READ_ERRORS,
    summary="The meeting as an iCalendar invitation (.ics)",
    openapi_extra={
        "responses": {
            "200": {"description": "text/calendar", "content": {"text/calendar": {}}},
        }
    },
)
def meeting_ics(request, query: Query[IcsQuery], meeting_id: int = IdPath) -> HttpResponse:
    meeting = meeting_for(request.auth, meeting_id)
    language = query.language or getattr(request.auth, "language", "") or "en"
    return ics_response(meeting, language)
