"""API schemas of events: what clients send (``*In``) and what they receive (``*Out``).

Input schemas forbid unknown fields and bound every string, list and number, so most
bad input is a 422 before it reaches a service; the services still check everything
(NUL bytes, overlapping sessions, slots that do not divide a session, windows, caps).
References are codes, slugs and ids: the authority by its code, organisations by slug,
sectors by code, sessions, participants and requests by id, people by username.

Times go in as ISO 8601: with an offset, or without one to be read on the event's clock.
Offsets beyond ±15:59 are refused (PostgreSQL cannot store them, and no zone has them).
Times come out as ISO 8601 with their offset: on the event's clock (``*_at``) and, where
a person reads their own schedule, on theirs (``*_at_local``, zone ``viewer_timezone``).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from corridor.registry.schemas import (
    SLUG_PATTERN,
    AuthorityCode,
    CountryCode,
    InputSchema,
    OrganisationKind,
    OrganisationSlug,
    SectorCode,
)

from .models import Event, MeetingRequest, Registration, ScheduledMeeting, ScheduleRun
from .services import MAX_TIME_LIMIT
from .services.common import MAX_CAP

EventFormat = Literal[tuple(Event.Format.values)]
EventStatus = Literal[tuple(Event.Status.values)]
RegistrationStatus = Literal[tuple(Registration.Status.values)]
RequestStatus = Literal[tuple(MeetingRequest.Status.values)]
MeetingStatus = Literal[tuple(ScheduledMeeting.Status.values)]
RunStatus = Literal[tuple(ScheduleRun.Status.values)]

MAX_ID = 2**63 - 1
# PostgreSQL's limit for a stored offset; real zones stay within ±14:00.
MAX_OFFSET = datetime.timedelta(hours=15, minutes=59)
MAX_LIST = 200


def _offset_ok(value: datetime.datetime) -> datetime.datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError("The UTC offset must lie between -15:59 and +15:59.")
    return value


Moment = Annotated[
    datetime.datetime,
    AfterValidator(_offset_ok),
    Field(
        description="ISO 8601, e.g. 2026-05-12T09:00:00+08:00; without an offset it is read "
        "on the event's clock."
    ),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Ids = Annotated[list[Id], Field(max_length=MAX_LIST)]
Cap = Annotated[int, Field(ge=0, le=MAX_CAP, description="Meetings at most (0 to 200).")]
Priority = Annotated[int, Field(ge=1, le=3, description="1 normal, 2 high, 3 essential.")]
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]


def _text(length: int) -> Annotated:
    return Annotated[str, Field(max_length=length)]


# --- Input ------------------------------------------------------------------------------


class EventIn(InputSchema):
    authority: AuthorityCode = Field(description="The organising authority's code.")
    slug: Annotated[str, Field(min_length=1, max_length=100, pattern=SLUG_PATTERN)]
    title_en: _text(200)
    title_zh_hans: _text(200) = ""
    title_ur: _text(200) = ""
    description: _text(4000) = ""
    format: EventFormat
    time_zone: _text(64) = Field(description="IANA zone of the event, e.g. Asia/Shanghai.")
    starts_on: datetime.date
    ends_on: datetime.date
    venue: _text(300) = ""
    registration_opens_at: Moment
    registration_closes_at: Moment
    eligible_countries: list[CountryCode] = Field([], max_length=300)
    eligible_sectors: list[SectorCode] = Field([], max_length=MAX_LIST)
    eligible_kinds: list[OrganisationKind] = Field([], max_length=20)
    capacity: Annotated[int, Field(ge=1, le=100_000)] | None = Field(
        None, description="Most organisations; null: no limit."
    )
    requires_approval: bool = True
    default_max_meetings: Cap = 8


class BreakIn(InputSchema):
    starts_at: Moment
    ends_at: Moment
    label: _text(100) = ""


class SessionIn(InputSchema):
    name: _text(200)
    starts_at: Moment
    ends_at: Moment
    slot_minutes: int = Field(ge=5, le=240)
    tables: int = Field(ge=1, le=2000, description="Tables or (online) video rooms.")
    location: _text(200) = ""
    video_link_template: _text(500) = Field(
        "", description="Online sessions: a link in which {slot} and {table} are filled in."
    )
    breaks: list[BreakIn] = Field([], max_length=50)


class RegistrationIn(InputSchema):
    organisation: OrganisationSlug = Field(description="The registering organisation's slug.")
    profiles: Ids = Field([], description="Published cooperation profiles it brings (ids).")
    note: _text(1000) = ""


class ParticipantIn(InputSchema):
    user: Username | None = Field(None, description="The person's username; left out: the caller.")
    sessions: Ids = Field(description="The sessions they attend (ids); at least one.")
    max_meetings: Cap | None = Field(None, description="Left out: the event's default.")


class RequestIn(InputSchema):
    recipient: Id = Field(description="The participant asked (an id from /participants).")
    message: _text(1000) = ""
    priority: Priority = 1


class ScheduleRunIn(InputSchema):
    time_limit: float = Field(
        10.0, gt=0, le=MAX_TIME_LIMIT, allow_inf_nan=False, description="Seconds."
    )
    publish: bool = Field(True, description="False: a dry run that writes no meeting.")
    seed: int | None = Field(
        None, ge=0, le=2**31 - 1, description="Same event, same seed: same schedule."
    )


class CheckInIn(InputSchema):
    held: bool = Field(description="Whether the meeting took place.")


class EventQuery(Schema):
    status: EventStatus | None = None


# --- Output -----------------------------------------------------------------------------


class OrganisationRefOut(Schema):
    slug: str
    name: str
    country: str


class BreakOut(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    label: str


class SessionOut(Schema):
    id: int
    name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    slot_minutes: int
    slots: int
    tables: int
    location: str
    online: bool
    video_link_template: str | None = Field(None, description="Organisers only.")
    breaks: list[BreakOut]


class EventSummaryOut(Schema):
    slug: str
    authority: str = Field(description="The organising authority's code.")
    title: str = Field(description="In the request's language when there is one.")
    title_en: str
    title_zh_hans: str
    title_ur: str
    format: EventFormat
    time_zone: str
    starts_on: datetime.date
    ends_on: datetime.date
    venue: str
    status: EventStatus
    registration_opens_at: datetime.datetime
    registration_closes_at: datetime.datetime
    schedule_published_at: datetime.datetime | None


class EventOut(EventSummaryOut):
    description: str
    eligible_countries: list[str]
    eligible_sectors: list[str]
    eligible_kinds: list[str]
    capacity: int | None
    requires_approval: bool
    default_max_meetings: int
    sessions: list[SessionOut]
    organiser: bool = Field(description="Whether the caller organises the event.")


class EventPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[EventSummaryOut]


class ParticipantOut(Schema):
    id: int
    registration: int
    name: str
    organisation: OrganisationRefOut
    sessions: list[int]
    max_meetings: int


class ParticipantList(Schema):
    items: list[ParticipantOut]


class RegistrationOut(Schema):
    id: int
    event: str
    organisation: OrganisationRefOut
    status: RegistrationStatus
    note: str
    profiles: list[int]
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    participants: list[ParticipantOut]


class PersonOut(Schema):
    participant: int
    name: str
    organisation: str


class RequestOut(Schema):
    id: int
    event: str
    requester: PersonOut
    recipient: PersonOut
    message: str
    priority: int
    status: RequestStatus
    added_by_organiser: bool
    created_at: datetime.datetime
    answered_at: datetime.datetime | None


class UnplacedOut(Schema):
    request: int
    reason: str = Field(description="no_common_slot, cap_reached, tables_full, conflict or late.")
    between: list[str]
    detail: str = Field(description="Why, in the request's language.")


class ScheduleRunOut(Schema):
    id: int
    event: str
    status: RunStatus
    started_at: datetime.datetime
    finished_at: datetime.datetime | None
    time_limit: float
    placed: int
    value: float | None = Field(description="The sum of the placed meetings' priorities.")
    upper_bound: float | None = Field(description="A proved bound on the value.")
    gap: float | None = Field(description="(bound - value) / bound; 0 when proved optimal.")
    solver_status: str
    moved: int = Field(description="Published meetings this run moved.")
    unplaced: list[UnplacedOut]
    error: str
    published_at: datetime.datetime | None


class ScheduledMeetingOut(Schema):
    id: int
    uid: str = Field(description="The iCalendar UID: the same while the meeting lives.")
    sequence: int = Field(description="The iCalendar SEQUENCE, raised on every change.")
    status: MeetingStatus
    session: int
    starts_at: datetime.datetime = Field(description="On the event's clock.")
    ends_at: datetime.datetime
    starts_at_local: datetime.datetime = Field(description="On the caller's clock.")
    ends_at_local: datetime.datetime
    table: int
    place: str
    video_link: str
    requester: PersonOut
    recipient: PersonOut
    priority: int
    locked: bool
    held: bool | None = Field(description="The organisers' check-in; null: not checked in.")


class ScheduleOut(Schema):
    event: str
    time_zone: str = Field(description="The event's zone.")
    viewer_timezone: str = Field(description="The caller's zone (the *_local times).")
    published_at: datetime.datetime | None
    calendar_feed: str | None = Field(
        None, description="The caller's own calendar subscription address, if they take part."
    )
    items: list[ScheduledMeetingOut]
