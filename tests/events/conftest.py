"""A B2B event to build on: organised by Z-Park (authority_cn, staff_cn organises) in
Asia/Shanghai, two days a month ahead, two sessions of 20-minute slots, the Pakistani
organisation and the Chinese one registered and approved, each with one participant
(org_member for Indus Robotics, other_member for Z-Park AI).

Times are relative to today so services that default ``now`` to the clock work:
registration is open, meeting requests are open. Pass ``now=`` to move in time
(``clock`` holds useful moments).
"""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.utils import timezone

from corridor.accounts.models import OrganisationMembership
from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.events import services

from ..factories import OrganisationFactory, SectorFactory, UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment on ``day`` at hour:minute in Shanghai (aware)."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


# --- The same cast as tests/docking/conftest.py (fixtures cannot be shared across folders
# without importing them under the same names, which the linter reads as redefinitions).


@pytest.fixture
def sector(db):
    return SectorFactory(code="robotics", name_en="Robotics")


@pytest.fixture
def organisation_cn(zone_cn):
    return OrganisationFactory(slug="z-park-ai", name="Z-Park AI", country="CN", zone=zone_cn)


@pytest.fixture
def other_member(organisation_cn):
    user = UserFactory(username="cn_member")
    OrganisationMembership.objects.create(user=user, organisation=organisation_cn, role="member")
    return user


@pytest.fixture
def profile(organisation, org_member, sector, staff_pk):
    """A published cooperation profile of Indus Robotics (to bring to the event)."""
    made = profile_create(
        organisation=organisation, by=org_member, kind="technology_offer",
        title="Low-cost robotic arm for textile mills",
        summary="A six-axis arm that sorts fabric rolls.", trl=6, modes=["licence"],
        sectors=[sector],
    )  # fmt: skip
    profile_submit(profile=made, by=org_member)
    return profile_approve(profile=made, by=staff_pk)


# --- The event --------------------------------------------------------------------------


@pytest.fixture
def first_day() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def clock(first_day):
    """Moments around the event: registration opens/closes, the event's days."""
    return SimpleNamespace(
        opens=timezone.now() - datetime.timedelta(days=1),
        closes=local(first_day, 0) - datetime.timedelta(days=2),
        before_opening=timezone.now() - datetime.timedelta(days=2),
        after_closing=local(first_day, 0) - datetime.timedelta(days=1),
        first_day=first_day,
        last_day=first_day + datetime.timedelta(days=1),
        last_day_morning=local(first_day + datetime.timedelta(days=1), 0, 1),
        after=local(first_day + datetime.timedelta(days=2), 0, 1),
    )


@pytest.fixture
def event_fields(authority_cn, clock):
    """Keyword arguments for ``event_create`` (minus ``by``)."""
    return {
        "authority": authority_cn,
        "slug": "pk-cn-robotics-forum",
        "title_en": "Pakistan–China robotics forum",
        "title_zh_hans": "中巴机器人论坛",
        "title_ur": "پاکستان چین روبوٹکس فورم",
        "description": "Two days of one-to-one meetings.",
        "format": "hybrid",
        "time_zone": "Asia/Shanghai",
        "starts_on": clock.first_day,
        "ends_on": clock.last_day,
        "venue": "Zhongguancun Exhibition Centre",
        "registration_opens_at": clock.opens,
        "registration_closes_at": clock.closes,
    }


@pytest.fixture
def organiser(staff_cn):
    return staff_cn


@pytest.fixture
def draft_event(organiser, event_fields):
    return services.event_create(by=organiser, **event_fields)


@pytest.fixture
def session_am(draft_event, organiser, clock):
    """Day one 09:00–12:00 in 20-minute slots, a break 10:20–10:40: 8 slots, 10 tables."""
    day = clock.first_day
    return services.session_add(
        event=draft_event, by=organiser, name="Morning", starts_at=local(day, 9),
        ends_at=local(day, 12), slot_minutes=20, tables=10, location="Hall A",
        breaks=[(local(day, 10, 20), local(day, 10, 40), "Tea")],
    )  # fmt: skip


@pytest.fixture
def session_pm(draft_event, organiser, clock):
    """Day two 14:00–17:00 in 20-minute slots, online: 9 slots, 5 video rooms."""
    day = clock.last_day
    return services.session_add(
        event=draft_event, by=organiser, name="Afternoon online", starts_at=local(day, 14),
        ends_at=local(day, 17), slot_minutes=20, tables=5,
        video_link_template="https://meet.example.org/forum-{slot}-{table}",
    )  # fmt: skip


@pytest.fixture
def event(draft_event, session_am, session_pm, organiser):
    """The published event with both sessions."""
    return services.event_publish(event=draft_event, by=organiser)


@pytest.fixture
def registration(event, organisation, org_member, organiser):
    """Indus Robotics (PK), approved."""
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    return services.registration_approve(registration=made, by=organiser)


@pytest.fixture
def registration_cn(event, organisation_cn, other_member, organiser):
    """Z-Park AI (CN), approved."""
    made = services.registration_create(event=event, organisation=organisation_cn, by=other_member)
    return services.registration_approve(registration=made, by=organiser)


@pytest.fixture
def participant(registration, org_member, session_am, session_pm):
    """org_member for Indus Robotics, both sessions, the default cap (8)."""
    return services.participant_add(
        registration=registration, user=org_member, by=org_member,
        sessions=[session_am, session_pm],
    )  # fmt: skip


@pytest.fixture
def participant_cn(registration_cn, other_member, session_am, session_pm):
    """other_member for Z-Park AI, both sessions, the default cap (8)."""
    return services.participant_add(
        registration=registration_cn, user=other_member, by=other_member,
        sessions=[session_am, session_pm],
    )  # fmt: skip


@pytest.fixture
def meeting_request(participant, participant_cn, org_member):
    """A pending request from org_member (PK) to other_member (CN)."""
    return services.request_send(
        requester=participant, recipient=participant_cn, by=org_member, message="Shall we meet?"
    )
