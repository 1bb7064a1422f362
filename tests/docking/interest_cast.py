"""The cast of an expression of interest, shared by the interest tests.

The owner is Indus Robotics (Pakistan), whose anonymous robotic-arm offer is
published; the sender is Z-Park AI (China). Each side has an admin and a member;
Pakistan's and China's authority staff broker; an authority of a third country has
staff who must not learn anything; an outsider has no organisation.
"""

import json

import pytest

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.core.models import AuditEntry, Notification
from corridor.docking.models import Interest
from corridor.docking.services.interest import interest_send

from ..factories import AuthorityFactory, UserFactory

__all__ = [
    "cast",
    "needs_approval_pk",
    "owner_admin",
    "owner_member",
    "owner_org",
    "profile",
    "sender_admin",
    "sender_member",
    "sender_org",
    "sent",
    "third_staff",
]

MESSAGE = "We make textile machines in Beijing and would like to license your arm."
OWNER_WEBSITE = "https://indus-robotics.example.pk/"


@pytest.fixture
def owner_org(organisation):
    organisation.website = OWNER_WEBSITE
    organisation.save(update_fields=["website"])
    return organisation


@pytest.fixture
def sender_org(organisation_cn):
    organisation_cn.website = "https://zpark-ai.example.cn/"
    organisation_cn.save(update_fields=["website"])
    return organisation_cn


@pytest.fixture
def sender_member(other_member):
    return other_member


@pytest.fixture
def sender_admin(sender_org):
    user = UserFactory(username="cn_admin", first_name="Li", last_name="Wei")
    OrganisationMembership.objects.create(user=user, organisation=sender_org, role="admin")
    return user


@pytest.fixture
def owner_admin(org_admin):
    org_admin.first_name, org_admin.last_name = "Ayesha", "Khan"
    org_admin.save(update_fields=["first_name", "last_name"])
    return org_admin


@pytest.fixture
def owner_member(org_member):
    return org_member


@pytest.fixture
def third_staff(db):
    """Staff of an authority of neither side's country: no broker of this interest."""
    authority = AuthorityFactory(code="third", name_en="Third Authority", country="GB")
    user = UserFactory(username="staff_gb")
    AuthorityStaff.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def profile(published, owner_org):
    published.refresh_from_db()
    return published


@pytest.fixture
def cast(owner_admin, owner_member, sender_admin, sender_member, staff_pk, staff_cn, third_staff):
    """Everyone, by role."""
    return {
        "owner_admin": owner_admin,
        "owner_member": owner_member,
        "sender_admin": sender_admin,
        "sender_member": sender_member,
        "staff_pk": staff_pk,
        "staff_cn": staff_cn,
        "third_staff": third_staff,
    }


@pytest.fixture
def sent(profile, sender_org, sender_member, cast) -> Interest:
    return interest_send(
        profile=profile, organisation=sender_org, by=sender_member, message=MESSAGE, language="en"
    )


@pytest.fixture
def needs_approval_pk(authority_pk):
    authority_pk.reveal_needs_approval = True
    authority_pk.save(update_fields=["reveal_needs_approval"])
    return authority_pk


def owner_identity(owner_org, *people) -> list[str]:
    """What names the profile's organisation: it must not reach the sender before the reveal."""
    return [
        owner_org.name,
        owner_org.slug,
        "indus-robotics.example.pk",
        *[p.email for p in people],
        *[p.get_full_name() for p in people if p.get_full_name()],
    ]


def leaks(text: str, needles) -> list[str]:
    return [n for n in needles if n and n.casefold() in text.casefold()]


def notifications_of(*users) -> list[Notification]:
    return list(Notification.objects.filter(user__in=users).order_by("pk"))


def notification_text(*users) -> str:
    return json.dumps(
        [{"data": n.data, "url": n.url, "kind": n.kind} for n in notifications_of(*users)],
        ensure_ascii=False,
    )


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def audit_verbs(interest) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="docking.interest", object_id=str(interest.pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def snapshot(interest) -> tuple:
    """The interest's whole state and what was said about it, to check nothing changed."""
    row = Interest.objects.filter(pk=interest.pk).values().first()
    return (
        row,
        Notification.objects.count(),
        AuditEntry.objects.filter(object_type__startswith="docking.").count(),
        Interest.objects.count(),
    )
