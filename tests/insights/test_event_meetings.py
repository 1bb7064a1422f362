"""Event meetings in the outcome ledger: scheduled at B2B events vs checked in as held,
a line of its own beside the docking meetings, with the ledger's filters."""

import datetime as dt

import pytest

from corridor.events import services
from corridor.events.models import (
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    Session,
    Slot,
)
from corridor.insights.exports import kpi_rows
from corridor.insights.selectors import LedgerFilters, definitions, kpis

from ..factories import OrganisationFactory, SectorFactory, UserFactory

PERIOD = {"from": "2025-03-01", "to": "2025-03-31"}
SECTION = "Event meetings starting in the period"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.fixture
def forum(authority_cn, organisation, zone_cn):
    """A March forum: Indus Robotics (PK) meets a Chinese and another Pakistani organisation.

    In the period: held, not held, not checked in, and one cancelled; one meeting in April.
    """
    robotics = SectorFactory(code="robotics", name_en="Robotics")
    organisation.sectors.set([robotics])
    chinese = OrganisationFactory(slug="z-park-ai", name="Z-Park AI", country="CN", zone=zone_cn)
    other_pk = OrganisationFactory(slug="lahore-labs", name="Lahore Labs", country="PK")
    event = Event.objects.create(
        slug="forum", authority=authority_cn, title_en="Forum", format="in_person",
        time_zone="Asia/Shanghai", starts_on=dt.date(2025, 3, 1), ends_on=dt.date(2025, 4, 30),
        registration_opens_at=at("2025-01-01T00:00"), registration_closes_at=at("2025-02-01T00:00"),
        status=Event.Status.PUBLISHED,
    )  # fmt: skip
    session = Session.objects.create(
        event=event, name="All", starts_at=at("2025-03-10T01:00"), ends_at=at("2025-04-10T02:00"),
        slot_minutes=20, tables=10,
    )  # fmt: skip

    def participant(org, name):
        registration = Registration.objects.create(
            event=event, organisation=org, status=Registration.Status.APPROVED
        )
        return Participant.objects.create(
            registration=registration, user=UserFactory(username=name), max_meetings=8
        )

    pk, cn, pk2 = (
        participant(o, n) for o, n in ((organisation, "amna"), (chinese, "li"), (other_pk, "bilal"))
    )
    made = {}
    for name, (a, b), start, status, held in (
        ("held", (pk, cn), "2025-03-10T01:00", "scheduled", True),
        ("not_held", (cn, pk2), "2025-03-10T01:20", "scheduled", False),
        ("awaiting", (pk, pk2), "2025-03-31T23:40", "scheduled", None),
        ("cancelled", (pk2, cn), "2025-03-10T01:40", "cancelled", None),
        ("april", (cn, pk), "2025-04-01T00:00", "scheduled", None),
    ):
        slot = Slot.objects.create(session=session, starts_at=at(start),
                                   ends_at=at(start) + dt.timedelta(minutes=20))  # fmt: skip
        request = MeetingRequest.objects.create(
            event=event, requester=a, recipient=b,
            status="accepted" if status == "scheduled" else "cancelled",
        )  # fmt: skip
        made[name] = ScheduledMeeting.objects.create(
            request=request, event=event, slot=slot, table=1, status=status, held=held
        )
    return made


def event_figures(params=None):
    k = kpis(LedgerFilters.parse({**PERIOD, **(params or {})}))
    m = k.event_meetings
    return m.scheduled, m.held, m.not_held, m.awaiting


def test_event_meetings_scheduled_and_held_in_the_period(forum):
    k = kpis(LedgerFilters.parse(PERIOD))
    assert event_figures() == (3, 1, 1, 1)  # the cancelled and the April meeting do not count
    assert k.event_meetings.held_share == pytest.approx(1 / 3)
    assert k.meetings.accepted == 0  # a line of its own, not mixed with docking meetings


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"pair": "PK-CN"}, (2, 1, 1, 0)),
        ({"pair": "CN-PK"}, (2, 1, 1, 0)),
        ({"pair": "PK-PK"}, (1, 0, 0, 1)),
        ({"zone": "z-park"}, (2, 1, 1, 0)),
        ({"authority": "stza"}, (3, 1, 1, 1)),
        ({"authority": "zpark"}, (2, 1, 1, 0)),
        ({"sector": "robotics"}, (2, 1, 0, 1)),
        ({"from": "2025-04-01", "to": "2025-04-01"}, (1, 0, 0, 1)),
    ],
)
def test_event_meetings_follow_the_ledger_filters(forum, authority_pk, params, expected):
    assert event_figures(params) == expected


def test_a_check_in_by_the_organisers_feeds_the_ledger(forum, staff_cn):
    services.meeting_check_in(
        meeting=forum["awaiting"], by=staff_cn, held=True, now=at("2025-04-01T00:00")
    )
    assert event_figures() == (3, 2, 1, 0)


def test_event_meetings_are_in_the_exports_and_the_definitions(forum):
    rows = kpi_rows(kpis(LedgerFilters.parse(PERIOD)))
    cells = {(str(a), str(b)): value for a, b, _c, value in rows if str(a) == SECTION}
    assert cells == {
        (SECTION, "Scheduled"): 3,
        (SECTION, "Held"): 1,
        (SECTION, "Not held"): 1,
        (SECTION, "Not checked in yet"): 1,
        (SECTION, "Share of scheduled meetings held (%)"): 33.3,
    }
    assert "Event meetings" in [term for term, _meaning in definitions()]
