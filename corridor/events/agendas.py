"""What a personal agenda and the organisers' master schedule show, read from the published
schedule (``ScheduledMeeting`` rows).

A personal agenda lists a participant's meetings in time order, each with the other
person and their organisation (both public at the event), the request's message, where
(the session's room and the table, or the session's video link) and its status; meetings
cancelled in the last week stay on it, struck out, so nobody misses the change. Times are
aware datetimes: pages show them in the person's zone and the event's.

The master schedule is a grid per session: one row per slot (and per break), one column
per table, for the organisers to print and to export.

Video links: ``Session.video_link_template`` with ``{table}`` (the table's number in its
slot, from 1) and ``{slot}`` (the slot's id, unique in the event, so a link is never
shared by two meetings of different slots) filled in.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from corridor.core.timezones import user_zone

from .models import Event, Participant, ScheduledMeeting, Session, Slot
from .services import zone_of

# A cancelled meeting stays on the agenda, struck out, this long after it was cancelled.
RECENTLY = datetime.timedelta(days=7)

MStatus = ScheduledMeeting.Status


def person_name(user) -> str:
    return user.get_full_name() or user.username


def video_link(meeting: ScheduledMeeting) -> str:
    """The meeting's video link, or "" for an in-person session."""
    template = meeting.slot.session.video_link_template
    if not template:
        return ""
    try:
        return template.format(slot=meeting.slot_id, table=meeting.table)
    except (KeyError, IndexError, ValueError):  # the services refuse such patterns; older rows
        return ""


def place(meeting: ScheduledMeeting) -> str:
    """Where: "Hall A, table 3", "Table 3" or, online, "Video room 3"."""
    session = meeting.slot.session
    if session.video_link_template and not session.location:
        return str(_("Video room %(table)d") % {"table": meeting.table})
    if session.location:
        return str(
            _("%(location)s, table %(table)d")
            % {"location": session.location, "table": meeting.table}
        )
    return str(_("Table %(table)d") % {"table": meeting.table})


def meetings_with_people() -> QuerySet[ScheduledMeeting]:
    """Scheduled meetings with their slot, session, event and both people loaded."""
    return ScheduledMeeting.objects.select_related(
        "event",
        "slot__session",
        "request__requester__user",
        "request__requester__registration__organisation",
        "request__recipient__user",
        "request__recipient__registration__organisation",
    )


def meetings_of(participant: Participant) -> QuerySet[ScheduledMeeting]:
    """Every meeting row of ``participant`` (scheduled and cancelled), in time order."""
    return (
        meetings_with_people()
        .filter(Q(request__requester=participant) | Q(request__recipient=participant))
        .order_by("slot__starts_at", "table", "pk")
    )


def other_side(meeting: ScheduledMeeting, participant: Participant) -> Participant:
    request = meeting.request
    return request.recipient if request.requester_id == participant.pk else request.requester


@dataclass(frozen=True)
class AgendaItem:
    meeting: ScheduledMeeting
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    day: datetime.date  # in the agenda's zone
    session: Session
    place: str
    video_link: str
    other_name: str
    other_organisation: str
    message: str
    message_is_mine: bool
    cancelled: bool

    @property
    def pk(self) -> int:
        return self.meeting.pk


@dataclass(frozen=True)
class Agenda:
    event: Event
    participant: Participant
    zone: zoneinfo.ZoneInfo
    event_zone: zoneinfo.ZoneInfo
    published: bool
    items: list[AgendaItem] = field(default_factory=list)

    @property
    def same_zone(self) -> bool:
        """The person lives on the event's clock: one time column is enough."""
        return self.zone.key == self.event_zone.key


def agenda_item(
    meeting: ScheduledMeeting, participant: Participant, zone: zoneinfo.ZoneInfo
) -> AgendaItem:
    other = other_side(meeting, participant)
    return AgendaItem(
        meeting=meeting,
        starts_at=meeting.slot.starts_at,
        ends_at=meeting.slot.ends_at,
        day=timezone.localtime(meeting.slot.starts_at, zone).date(),
        session=meeting.slot.session,
        place=place(meeting),
        video_link=video_link(meeting),
        other_name=person_name(other.user),
        other_organisation=other.registration.organisation.display_name,
        message=meeting.request.message,
        message_is_mine=meeting.request.requester_id == participant.pk,
        cancelled=meeting.status == MStatus.CANCELLED,
    )


def agenda(
    participant: Participant,
    *,
    zone: zoneinfo.ZoneInfo | None = None,
    now: datetime.datetime | None = None,
) -> Agenda:
    """``participant``'s meetings in time order: the scheduled ones, and those cancelled in
    the last week (``RECENTLY``). ``zone`` defaults to the person's (``user_zone``)."""
    now = now or timezone.now()
    event = participant.registration.event
    zone = zone or user_zone(participant.user)
    meetings = meetings_of(participant).filter(
        Q(status=MStatus.SCHEDULED) | Q(status=MStatus.CANCELLED, updated_at__gte=now - RECENTLY)
    )
    return Agenda(
        event=event,
        participant=participant,
        zone=zone,
        event_zone=zone_of(event),
        published=event.schedule_published_at is not None,
        items=[agenda_item(m, participant, zone) for m in meetings],
    )


# --- The master schedule ------------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    """A slot with one cell per table (a meeting or None), or a break (no cells)."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    cells: list[ScheduledMeeting | None]
    slot: Slot | None = None
    label: str = ""

    @property
    def is_break(self) -> bool:
        return self.slot is None


@dataclass(frozen=True)
class SessionGrid:
    session: Session
    tables: list[int]
    rows: list[GridRow]
    meetings: int


def master_schedule(event: Event) -> list[SessionGrid]:
    """The event's scheduled meetings as a grid per session, slots (and breaks) by tables.

    Columns run from table 1 to the highest table in use in the session (at least one), so
    a session of 400 tables with 30 meetings a slot prints 30 columns, not 400. Four
    queries whatever the size.
    """
    sessions = list(
        Session.objects.filter(event=event)
        .order_by("starts_at", "pk")
        .prefetch_related(
            "breaks", Prefetch("slots", queryset=Slot.objects.order_by("starts_at", "pk"))
        )
    )
    by_slot: dict[int, dict[int, ScheduledMeeting]] = {}
    for meeting in meetings_with_people().filter(event=event, status=MStatus.SCHEDULED):
        by_slot.setdefault(meeting.slot_id, {})[meeting.table] = meeting
    grids = []
    for session in sessions:
        slots = list(session.slots.all())
        used = [table for slot in slots for table in by_slot.get(slot.pk, {})]
        tables = list(range(1, max([1, *used]) + 1))
        rows = [
            GridRow(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                slot=slot,
                cells=[by_slot.get(slot.pk, {}).get(t) for t in tables],
            )
            for slot in slots
        ]
        rows += [
            GridRow(
                starts_at=pause.starts_at,
                ends_at=pause.ends_at,
                cells=[],
                label=pause.label or str(_("Break")),
            )
            for pause in session.breaks.all()
        ]
        rows.sort(key=lambda row: (row.starts_at, row.is_break))
        grids.append(SessionGrid(session=session, tables=tables, rows=rows, meetings=len(used)))
    return grids


def in_columns(grid: SessionGrid, size: int) -> list[SessionGrid]:
    """``grid`` cut into grids of at most ``size`` tables each (for paper)."""
    parts = []
    for first in range(0, len(grid.tables), size):
        tables = grid.tables[first : first + size]
        rows = [
            GridRow(
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                cells=row.cells[first : first + size],
                slot=row.slot,
                label=row.label,
            )
            for row in grid.rows
        ]
        meetings = sum(cell is not None for row in rows for cell in row.cells)
        parts.append(SessionGrid(session=grid.session, tables=tables, rows=rows, meetings=meetings))
    return parts


def master_rows(event: Event) -> list[ScheduledMeeting]:
    """The event's scheduled meetings in time and table order (for exports)."""
    return list(
        meetings_with_people()
        .filter(event=event, status=MStatus.SCHEDULED)
        .order_by("slot__starts_at", "slot__session__pk", "table", "pk")
    )
