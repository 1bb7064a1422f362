"""The standard cast (STYLE.md §11) and shared fixtures.

Two authorities (Pakistan's STZA, Beijing's Z-Park association), a zone of each,
an organisation in Pakistan with an admin and a member, and an outsider.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from corridor.accounts.models import AuthorityStaff, OrganisationMembership

from .factories import AuthorityFactory, OrganisationFactory, UserFactory, ZoneFactory


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """The production hasher is slow on purpose; no test here is about its strength.

    Session-wide, before any module-scoped data, so every stored hash uses one hasher.
    """
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def notification_emails_inline():
    """Notification e-mails go out inline under test, so ``mail.outbox`` holds them when
    the on-commit callbacks have run; the tests of the background thread turn it on."""
    from django.conf import settings

    settings.CORRIDOR_EMAIL_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def default_language_after_each_test():
    """A page in /ur/ or /zh-hans/ leaves its language active in the thread; the next test
    must not inherit it."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def authority_pk(db):
    return AuthorityFactory(code="stza", name_en="Special Technology Zones Authority", country="PK")


@pytest.fixture
def authority_cn(db):
    return AuthorityFactory(code="zpark", name_en="Zhongguancun Science Park", country="CN")


@pytest.fixture
def zone_pk(authority_pk):
    return ZoneFactory(
        slug="islamabad-stz", name_en="Islamabad STZ", authority=authority_pk, country="PK"
    )


@pytest.fixture
def zone_cn(authority_cn):
    return ZoneFactory(
        slug="z-park",
        kind="science_park",
        name_en="Zhongguancun Science Park",
        name_zh_hans="中关村科技园区",
        authority=authority_cn,
        country="CN",
    )


@pytest.fixture
def organisation(zone_pk):
    return OrganisationFactory(
        slug="indus-robotics", name="Indus Robotics", country="PK", zone=zone_pk
    )


@pytest.fixture
def platform_admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def staff_pk(authority_pk):
    user = UserFactory(username="staff_pk")
    AuthorityStaff.objects.create(user=user, authority=authority_pk)
    return user


@pytest.fixture
def staff_cn(authority_cn):
    user = UserFactory(username="staff_cn")
    AuthorityStaff.objects.create(user=user, authority=authority_cn)
    return user


@pytest.fixture
def org_admin(organisation):
    user = UserFactory(username="org_admin")
    OrganisationMembership.objects.create(user=user, organisation=organisation, role="admin")
    return user


@pytest.fixture
def org_member(organisation):
    user = UserFactory(username="org_member")
    OrganisationMembership.objects.create(user=user, organisation=organisation, role="member")
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


def run_demo() -> str:
    """``corridor demo``, its output as text."""
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for a module, rolled back afterwards (embedding takes seconds)."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = run_demo()
        yield output
        transaction.set_rollback(True)
