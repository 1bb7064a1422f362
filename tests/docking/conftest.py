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


@pytest.fixture(autouse=True)
def fresh_matcher():
    """Each test starts with an empty process matcher (its database is rolled back)."""
    from corridor.docking.matching import reset_matcher

    reset_matcher()
    yield
    reset_matcher()


@pytest.fixture
def publish(django_capture_on_commit_callbacks, staff_pk, staff_cn):
    """Submit and approve a profile, running the indexing that follows the commit."""

    def run(profile, *, by):
        moderator = staff_cn if str(profile.organisation.country) == "CN" else staff_pk
        with django_capture_on_commit_callbacks(execute=True):
            profile_submit(profile=profile, by=by)
            profile_approve(profile=profile, by=moderator)
        profile.refresh_from_db()
        return profile

    return run


@pytest.fixture
def cn_request(organisation_cn, other_member, sector):
    """A Chinese request that the Pakistani robotic-arm offer answers."""
    return profile_create(
        organisation=organisation_cn,
        by=other_member,
        kind="technology_request",
        title="寻求纺织厂用的低成本机械臂",
        summary="我们需要一种能自动分拣布卷的六轴机械臂。",
        description="我们是北京的纺织设备公司，希望引进机器人技术并在中国生产。",
        keywords=["机器人", "robotics"],
        trl_min=5,
        trl_max=8,
        modes=["licence"],
        target_countries=["PK"],
        sectors=[sector],
    )


@pytest.fixture
def cn_unrelated(organisation_cn, other_member):
    return profile_create(
        organisation=organisation_cn,
        by=other_member,
        kind="investment_offer",
        title="面向金融科技初创企业的天使投资",
        summary="我们投资移动支付和区块链结算领域的早期团队。",
        modes=["investment"],
    )
