"""The permission table of the registry API: each role × each write, by token and by session.

Allowed writes answer 2xx and change what they say; denied ones answer 401 (not signed
in) or 403 (signed in, not allowed) and leave the database exactly as it was.
"""

import json

import pytest

from corridor.accounts.models import OrganisationMembership
from corridor.core.models import AuditEntry
from corridor.registry.models import Authority, Organisation, Sector, Zone

from ..api_client import API, client_for

ROLES = [
    "anonymous",
    "outsider",
    "org_member",
    "org_admin",
    "staff_pk",
    "staff_cn",
    "platform_admin",
]

# write → (method, path, body, roles allowed)
WRITES = {
    "create sector": (
        "post",
        "/sectors",
        {"code": "ai.agents", "parent": "ai", "name_en": "AI agents"},
        {"staff_pk", "staff_cn", "platform_admin"},
    ),
    "update sector": (
        "patch",
        "/sectors/ai",
        {"name_en": "Artificial intelligence (AI)"},
        {"staff_pk", "staff_cn", "platform_admin"},
    ),
    "create zone": (
        "post",
        "/zones",
        {"kind": "technology_zone", "name_en": "Lahore STZ", "country": "PK", "authority": "stza"},
        {"staff_pk", "platform_admin"},
    ),
    "update zone": (
        "patch",
        "/zones/islamabad-stz",
        {"city": "Islamabad", "focus_sectors": ["ai"]},
        {"staff_pk", "platform_admin"},
    ),
    "create organisation": (
        "post",
        "/organisations",
        {"kind": "university", "name": "Quetta Institute of Technology", "country": "PK"},
        {"outsider", "org_member", "org_admin", "staff_pk", "staff_cn", "platform_admin"},
    ),
    "update organisation": (
        "patch",
        "/organisations/indus-robotics",
        {"city": "Rawalpindi", "sectors": ["robotics.industrial"]},
        {"org_admin", "staff_pk", "platform_admin"},
    ),
}


def snapshot() -> dict:
    """Every registry row, membership and audit entry: what a denied write must not touch."""
    models = [
        Sector,
        Authority,
        Zone,
        Zone.focus_sectors.through,
        Organisation,
        Organisation.sectors.through,
        OrganisationMembership,
        AuditEntry,
    ]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def written(write: str) -> bool:
    """Whether the write's change is in the database."""
    if write == "create sector":
        return Sector.objects.filter(code="ai.agents", parent__code="ai").exists()
    if write == "update sector":
        return Sector.objects.get(code="ai").name_en == "Artificial intelligence (AI)"
    if write == "create zone":
        return Zone.objects.filter(name_en="Lahore STZ", authority__code="stza").exists()
    if write == "update zone":
        zone = Zone.objects.get(slug="islamabad-stz")
        return zone.city == "Islamabad" and [s.code for s in zone.focus_sectors.all()] == ["ai"]
    if write == "create organisation":
        return Organisation.objects.filter(name="Quetta Institute of Technology").exists()
    organisation = Organisation.objects.get(slug="indus-robotics")
    return organisation.city == "Rawalpindi" and [s.code for s in organisation.sectors.all()] == [
        "robotics.industrial"
    ]


@pytest.fixture
def cast(request, organisation, zone_pk, zone_cn):
    """Every role of the standard cast exists, so each test runs against the same world."""
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(cast, role, write, how):
    method, path, body, allowed = WRITES[write]
    client, headers = client_for(cast[role], how)
    before = snapshot()

    response = getattr(client, method)(
        API + path, data=json.dumps(body), content_type="application/json", **headers
    )

    if role in allowed:
        assert response.status_code in (200, 201), response.content
        assert written(write)
        assert (
            AuditEntry.objects.filter(actor=cast[role])
            .exclude(verb__startswith="api_token")
            .exists()
        )
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.content
        assert response.json()["detail"]
        assert not written(write)
        assert snapshot() == before


def test_staff_cannot_create_a_zone_for_the_other_authority_even_without_naming_it(cast):
    """Staff of Z-Park who leave the authority out get a zone of their own authority, not STZA's."""
    client, headers = client_for(cast["staff_cn"], "token")
    response = client.post(
        f"{API}/zones",
        data=json.dumps({"kind": "incubator", "name_en": "Haidian Incubator", "country": "CN"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["authority"] == "zpark"


def test_zone_staff_cannot_move_their_zone_to_the_other_authority(cast):
    client, headers = client_for(cast["staff_pk"], "token")
    before = snapshot()
    response = client.patch(
        f"{API}/zones/islamabad-stz",
        data=json.dumps({"authority": "zpark"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert snapshot() == before
