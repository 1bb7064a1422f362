import pytest

from corridor.accounts.models import OrganisationMembership
from corridor.docking.services import profile_approve, profile_create, profile_submit

from ..factories import OrganisationFactory, SectorFactory, UserFactory


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
def profile_fields(sector):
    return {
        "kind": "technology_offer",
        "title": "Low-cost robotic arm for textile mills",
        "summary": "A six-axis arm that sorts fabric rolls.",
        "description": "Built and tested in Islamabad; we look for partners to manufacture it.",
        "keywords": ["robotics", "textiles"],
        "trl": 6,
        "modes": ["licence", "joint_venture"],
        "target_countries": ["CN"],
        "sectors": [sector],
    }


@pytest.fixture
def draft(organisation, org_member, profile_fields):
    return profile_create(organisation=organisation, by=org_member, **profile_fields)


@pytest.fixture
def published(draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    return profile_approve(profile=draft, by=staff_pk)
