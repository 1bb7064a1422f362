"""The cast of the meeting tests: an open introduction between Indus Robotics (Pakistan,
owner of the profile, Asia/Karachi UTC+5) and Z-Park AI (China, the interested side,
Asia/Shanghai UTC+8), and a meeting time that reads 10:00 in Karachi and 13:00 in Beijing.

Imported with ``from .meeting_fixtures import *`` by the meeting test modules.
"""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from corridor.accounts.models import OrganisationMembership
from corridor.docking.models import Interest, Meeting
from corridor.docking.services.meetings import meeting_propose

from ..factories import UserFactory

__all__ = [
    "KARACHI",
    "SHANGHAI",
    "cn_admin_m",
    "introduction",
    "meeting_at",
    "proposed",
    "start",
    "propose_args",
]

KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def introduction(published, organisation_cn, other_member, org_member):
    """Z-Park AI's interest in the Pakistani profile, accepted and revealed."""
    now = timezone.now()
    return Interest.objects.create(
        profile=published,
        organisation=organisation_cn,
        sent_by=other_member,
        message="We would like to licence your robotic arm.",
        language="en",
        status=Interest.Status.ACCEPTED,
        reveal=Interest.Reveal.REVEALED,
        revealed_at=now,
        answered_at=now,
        expires_at=now + datetime.timedelta(days=21),
    )


@pytest.fixture
def cn_admin_m(organisation_cn):
    """A second person acting for the Chinese side."""
    user = UserFactory(username="cn_admin_m")
    OrganisationMembership.objects.create(user=user, organisation=organisation_cn, role="admin")
    return user


@pytest.fixture
def start() -> datetime.datetime:
    """Ten o'clock in Karachi (05:00 UTC, 13:00 in Beijing) three days from now."""
    day = (timezone.now() + datetime.timedelta(days=3)).astimezone(KARACHI).date()
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=KARACHI)


def propose_args(start: datetime.datetime, **extra) -> dict:
    args = {
        "starts_at": start,
        "duration_minutes": 60,
        "timezone": "Asia/Karachi",
        "format": Meeting.Format.ONLINE,
        "link": "https://meet.example.org/indus-zpark",
        "agenda": "Licence terms; a visit to the mill.",
    }
    args.update(extra)
    return args


@pytest.fixture
def proposed(introduction, org_member, start):
    """Indus Robotics proposes 10:00 Karachi time, online."""
    return meeting_propose(interest=introduction, by=org_member, **propose_args(start))


def meeting_at(interest, side, starts_at, *, status=Meeting.Status.ACCEPTED, minutes=60, **extra):
    """A meeting written directly (for times in the past, which no service accepts)."""
    return Meeting.objects.create(
        interest=interest,
        proposed_by_organisation=side,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        timezone=extra.pop("timezone", "Asia/Karachi"),
        format=Meeting.Format.IN_PERSON,
        place="Islamabad STZ, Block 4",
        status=status,
        **extra,
    )
