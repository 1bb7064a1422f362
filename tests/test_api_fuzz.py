"""Fuzz the API from its own OpenAPI document: no input, valid or not, gets a 5xx.

Schemathesis generates requests for every operation, both ones that fit the schema
and ones that break it, and sends them through the real WSGI application as a
platform admin (so writes get past permissions and reach the services and the
database). Run on SQLite and PostgreSQL: PostgreSQL refuses what SQLite stores.
"""

import datetime
import zlib
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from corridor.accounts.models import ApiToken, OrganisationMembership
from corridor.accounts.services import api_token_create
from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.events.services import event_create, event_publish, session_add
from corridor.registry.models import Sector

from .factories import OrganisationFactory, ZoneFactory

# Loaded at import (schemathesis' pytest fixture loader does not work with pytest 9).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# Real identifiers the fuzzer's values are sometimes swapped for, so that updates reach
# existing rows and references resolve: otherwise nearly every write ends in a 404 or 422.
PATH_VALUES = {
    "/api/v1/zones/{slug}": "islamabad-stz",
    "/api/v1/organisations/{slug}": "indus-robotics",
    "/api/v1/sectors/{code}": "robotics.drones",
}
EVENT_PATHS = ("", "/publish", "/sessions", "/registrations", "/participants", "/requests",
               "/schedule-runs", "/schedule")  # fmt: skip
PATH_VALUES.update({f"/api/v1/events/{{slug}}{tail}": "fuzz-forum" for tail in EVENT_PATHS})
BODY_VALUES = {
    "/api/v1/sectors": {"parent": "ai"},
    "/api/v1/sectors/{code}": {"parent": "robotics"},
    "/api/v1/zones": {"parent": "z-park", "authority": "stza", "operator": "indus-robotics",
                      "focus_sectors": ["ai", "cloud.edge"], "country": "PK",
                      "website": "https://example.pk/"},
    "/api/v1/zones/{slug}": {"parent": "z-park", "authority": "stza", "operator": "star-core",
                             "focus_sectors": ["fintech"]},
    "/api/v1/organisations": {"zone": "haidian", "sectors": ["ai.vision", "biotech"],
                              "country": "CN", "website": "https://example.cn/",
                              "ror_id": "", "registration_number": ""},
    "/api/v1/organisations/{slug}": {"zone": "z-park", "sectors": ["semiconductors"]},
    "/api/v1/profiles": {"organisation": "indus-robotics", "sectors": ["robotics", "ai.vision"],
                         "target_countries": ["CN"], "keywords": ["robotics"],
                         "modes": ["licence"]},
    "/api/v1/profiles/{profile_id}": {"sectors": ["fintech"], "target_countries": ["PK"]},
    "/api/v1/events": {"authority": "stza", "time_zone": "Asia/Karachi",
                       "eligible_countries": ["PK"], "eligible_sectors": ["ai"]},
    "/api/v1/events/{slug}/registrations": {"organisation": "indus-robotics"},
}  # fmt: skip


@pytest.fixture
def keep_the_test_connection():
    """The WSGI app closes the database connection after each request, as in production;
    under test that would end the test's transaction (PostgreSQL). Django's test client
    disconnects the same handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(keep_the_test_connection, platform_admin, organisation, zone_pk, zone_cn, settings):
    """Rows to read and update, the platform admin's key, and spare tokens to revoke."""
    ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")
    OrganisationFactory(
        slug="star-core", name="北京星芯", country="CN", zone=zone_cn,
        sectors=list(Sector.objects.filter(code__in=["ai", "semiconductors"])),
    )  # fmt: skip
    admin_token, key = api_token_create(by=platform_admin, name="fuzz")
    spare = [api_token_create(by=platform_admin, name=f"spare {n}")[0].pk for n in range(3)]
    # The admin also writes for Indus Robotics, so profile writes reach the services.
    OrganisationMembership.objects.create(
        user=platform_admin, organisation=organisation, role="admin"
    )
    return {
        "key": key,
        "token_id": admin_token.pk,
        "spare": spare,
        "profiles": _profiles(organisation, platform_admin),
        "event": _event(zone_pk.authority, platform_admin),
    }


def _event(authority, organiser):
    """A published event with one session, open for registration, for the events endpoints."""
    day = timezone.localdate() + datetime.timedelta(days=30)
    event = event_create(
        by=organiser, authority=authority, slug="fuzz-forum", title_en="Fuzz forum",
        format="in_person", time_zone="Asia/Karachi", starts_on=day, ends_on=day,
        registration_opens_at=timezone.now() - datetime.timedelta(days=1),
        registration_closes_at=timezone.now() + datetime.timedelta(days=20),
    )  # fmt: skip
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=ZoneInfo("Asia/Karachi"))
    session_add(event=event, by=organiser, name="Morning", starts_at=start,
                ends_at=start + datetime.timedelta(hours=2), slot_minutes=20, tables=4)  # fmt: skip
    return event_publish(event=event, by=organiser).pk


def _profiles(organisation, author) -> list[int]:
    """A draft, a submitted and a published profile for the profile endpoints to act on."""
    fields = {
        "kind": "technology_offer",
        "title": "Low-cost robotic arm for textile mills",
        "summary": "A six-axis arm that sorts fabric rolls.",
        "keywords": ["robotics"],
        "trl": 6,
        "modes": ["licence"],
        "sectors": ["robotics"],
    }
    draft, submitted, published = (
        profile_create(organisation=organisation, by=author, **fields) for _ in range(3)
    )
    for profile in (submitted, published):
        profile_submit(profile=profile, by=author)
    profile_approve(profile=published, by=author)
    return [draft.pk, submitted.pk, published.pk]


def _digest(value) -> int:
    # Decided by the generated value itself, so a derandomized run repeats exactly.
    return zlib.crc32(str(value).encode("utf-8", "surrogatepass"))


def _chosen(value) -> bool:
    return _digest(value) % 2 == 0


def _steer(case, world) -> None:
    """Swap some generated identifiers for real ones; leave the rest as generated."""
    params = case.path_parameters or {}
    if case.path in PATH_VALUES:
        name = next(iter(params), None)
        if name and isinstance(params[name], str) and _chosen(params[name]):
            params[name] = PATH_VALUES[case.path]
    if "token_id" in params and _chosen(params["token_id"]):
        params["token_id"] = world["spare"][_digest(params["token_id"]) % 3]
    if "profile_id" in params and _chosen(params["profile_id"]):
        params["profile_id"] = world["profiles"][_digest(params["profile_id"]) % 3]
    if isinstance(case.body, dict):
        for field, real in BODY_VALUES.get(case.path, {}).items():
            value = case.body.get(field)
            if isinstance(value, type(real)) and _chosen(value):
                case.body[field] = real


@schema.parametrize()
@hypothesis_settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_with_a_server_error(case, world):
    _steer(case, world)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['key']}"},
        checks=[not_a_server_error],
    )
    # The fuzzer may revoke the very key it uses ("1", "01", " 1"...): give it back.
    ApiToken.objects.filter(pk=world["token_id"]).update(revoked_at=None)
