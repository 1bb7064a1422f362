"""The cast of the scheduler tests: small events that each test one rule, the people in
them, accepted requests, and runs of the scheduler with a short time limit and a seed
(the engine is then deterministic).

Imported with ``from .schedule_cast import *`` by the scheduler test modules; the event
of ``conftest.py`` (two sessions, a month ahead, in Shanghai) is the default stage.
"""

import datetime

import pytest

from corridor.accounts.models import OrganisationMembership
from corridor.events import services
from corridor.events.models import MeetingRequest, ScheduledMeeting

from ..factories import OrganisationFactory, UserFactory
from .conftest import local

__all__ = [
    "LIMIT",
    "SEED",
    "accepted",
    "meetings_of",
    "person",
    "placed",
    "reasons",
    "run",
    "small_event",
    "tiny",
]

SEED = 7
LIMIT = 1.0


def person(event, organiser, name: str, sessions, cap: int | None = None, country: str = "PK"):
    """A participant named ``name`` for their own organisation (registered, approved)."""
    organisation = OrganisationFactory(slug=f"{name.lower()}-ltd", name=f"{name} Ltd",
                                       country=country)  # fmt: skip
    user = UserFactory(username=name.lower(), first_name=name, last_name="Test")
    OrganisationMembership.objects.create(user=user, organisation=organisation, role="member")
    registration = services.registration_create(event=event, organisation=organisation, by=user)
    if registration.status == registration.Status.PENDING:
        services.registration_approve(registration=registration, by=organiser)
    return services.participant_add(
        registration=registration, user=user, by=user, sessions=sessions, max_meetings=cap
    )


def accepted(a, b, priority: int = 1) -> MeetingRequest:
    """``a`` asks ``b`` for a meeting and ``b`` accepts."""
    request = services.request_send(requester=a, recipient=b, by=a.user, priority=priority)
    return services.request_accept(request=request, by=b.user)


def small_event(organiser, event_fields, *, slug: str, sessions: list[dict]):
    """A published event with ``sessions`` (keyword arguments of ``session_add``)."""
    event = services.event_create(by=organiser, **{**event_fields, "slug": slug})
    made = [services.session_add(event=event, by=organiser, **fields) for fields in sessions]
    return services.event_publish(event=event, by=organiser), made


def run(event, by, **options):
    """A deterministic run (seeded) with a short time limit."""
    options.setdefault("time_limit", LIMIT)
    options.setdefault("seed", SEED)
    return services.schedule_run(event=event, by=by, **options)


def placed(event) -> dict[int, tuple[int, int]]:
    """request pk → (slot pk, table) of the event's scheduled meetings."""
    return {
        m.request_id: (m.slot_id, m.table)
        for m in ScheduledMeeting.objects.filter(
            event=event, status=ScheduledMeeting.Status.SCHEDULED
        )
    }


def meetings_of(event) -> dict[int, ScheduledMeeting]:
    """request pk → its ScheduledMeeting row (any status)."""
    return {m.request_id: m for m in ScheduledMeeting.objects.filter(event=event)}


def reasons(schedule_run) -> dict[int, str]:
    """request pk → reason code of each request the run left out."""
    return {item["request"]: item["reason"] for item in schedule_run.unplaced}


@pytest.fixture
def tiny(organiser, event_fields, clock):
    """A factory of one-session events on day one from 09:00: ``tiny(slots=2, tables=1)``."""

    def make(*, slots: int = 2, tables: int = 1, slug: str = "tiny", breaks=()):
        day = clock.first_day
        pauses = sum(((b - a) for a, b, *_ in breaks), datetime.timedelta())
        end = local(day, 9) + datetime.timedelta(minutes=20 * slots) + pauses
        event, (session,) = small_event(
            organiser, event_fields, slug=slug,
            sessions=[{"name": "Only", "starts_at": local(day, 9), "ends_at": end,
                       "slot_minutes": 20, "tables": tables, "breaks": list(breaks)}],
        )  # fmt: skip
        return event, session

    return make
