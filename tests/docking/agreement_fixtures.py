"""The cast of the agreement tests: an open introduction between a Pakistani profile's
organisation and a Chinese one, a meeting of it, a third organisation in Germany with its
own member, and staff of a third authority (Germany) who brokers neither side.

Imported with ``from .agreement_fixtures import *`` by the agreement test modules.
"""

import datetime

import pytest
from django.utils import timezone

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.models import Interest, Meeting
from corridor.docking.services.agreements import agreement_record

from ..factories import AuthorityFactory, OrganisationFactory, UserFactory

__all__ = [
    "cn_admin",
    "direct",
    "interest_fields",
    "meeting",
    "open_interest",
    "organisation_de",
    "de_member",
    "staff_de",
    "recorded",
    "other_interest",
]


def interest_fields(**extra) -> dict:
    now = timezone.now()
    fields = {
        "message": "We would like to licence your robotic arm.",
        "language": "en",
        "status": Interest.Status.ACCEPTED,
        "reveal": Interest.Reveal.REVEALED,
        "revealed_at": now,
        "answered_at": now,
        "expires_at": now + datetime.timedelta(days=21),
    }
    fields.update(extra)
    return fields


@pytest.fixture
def open_interest(published, organisation_cn, other_member, org_member):
    """The Chinese organisation's interest in the Pakistani profile, accepted and revealed."""
    return Interest.objects.create(
        profile=published, organisation=organisation_cn, sent_by=other_member, **interest_fields()
    )


@pytest.fixture
def cn_admin(organisation_cn):
    user = UserFactory(username="cn_admin")
    OrganisationMembership.objects.create(user=user, organisation=organisation_cn, role="admin")
    return user


@pytest.fixture
def organisation_de(db):
    return OrganisationFactory(slug="rhein-robotik", name="Rhein Robotik", country="DE")


@pytest.fixture
def de_member(organisation_de):
    user = UserFactory(username="de_member")
    OrganisationMembership.objects.create(user=user, organisation=organisation_de, role="member")
    return user


@pytest.fixture
def staff_de(db):
    authority = AuthorityFactory(code="de-parks", name_en="German Science Parks", country="DE")
    user = UserFactory(username="staff_de")
    AuthorityStaff.objects.create(user=user, authority=authority)
    return user


def _meeting(interest, organisation, user, **extra) -> Meeting:
    starts = timezone.now() - datetime.timedelta(days=3)
    fields = {
        "interest": interest,
        "proposed_by": user,
        "proposed_by_organisation": organisation,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=1),
        "timezone": "Asia/Karachi",
        "format": Meeting.Format.ONLINE,
        "link": "https://meet.example.org/corridor",
        "status": Meeting.Status.ACCEPTED,
    }
    fields.update(extra)
    return Meeting.objects.create(**fields)


@pytest.fixture
def meeting(open_interest, organisation, org_member):
    return _meeting(open_interest, organisation, org_member)


@pytest.fixture
def other_interest(published, organisation_de, de_member):
    """Another open introduction to the same profile, from the German organisation."""
    return Interest.objects.create(
        profile=published, organisation=organisation_de, sent_by=de_member, **interest_fields()
    )


@pytest.fixture
def recorded(open_interest, organisation, organisation_cn, org_member, meeting, sector):
    """A licence the two sides of the introduction recorded, linked to their meeting."""
    return agreement_record(
        by=org_member,
        kind="licence",
        title="Licence for the textile robotic arm",
        signed_on=datetime.date(2025, 3, 1),
        parties=[organisation, organisation_cn],
        sectors=["robotics"],
        value="250000.00",
        currency="USD",
        interest=open_interest,
        meetings=[meeting.pk],
    )


@pytest.fixture
def direct(organisation_cn, organisation_de, staff_cn):
    """A joint venture Chinese staff reported between a Chinese and a German organisation."""
    return agreement_record(
        by=staff_cn,
        kind="joint_venture",
        title="Sino-German robotics joint venture",
        signed_on=datetime.date(2024, 11, 5),
        parties=[organisation_cn, organisation_de],
    )


def make_meeting(interest, organisation, user, **extra) -> Meeting:
    return _meeting(interest, organisation, user, **extra)
