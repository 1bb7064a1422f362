"""The registry API at /api/v1: reads, lists, writes, and what it says to bad input.

Requests go through Django's test client against the real URLs, so middleware,
authentication and the exception handlers all run.
"""

import json

import pytest
from django.test import Client

from corridor.core.models import AuditEntry
from corridor.registry.models import Organisation, Sector, Zone

from ..api_client import API, bearer, send
from ..factories import OrganisationFactory, ZoneFactory

pytestmark = pytest.mark.django_db


# --- Reads ----------------------------------------------------------------------


def test_organisation_read_is_public_and_gives_codes_not_ids(client, organisation):
    organisation.sectors.set(Sector.objects.filter(code__in=["robotics", "ai.vision"]))
    response = client.get(f"{API}/organisations/indus-robotics")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "indus-robotics"
    assert body["name"] == "Indus Robotics"
    assert body["country"] == "PK"
    assert body["zone"] == "islamabad-stz"
    assert body["sectors"] == ["ai.vision", "robotics"]
    assert body["url"] == "http://testserver/en/organisations/indus-robotics/"
    # Fields outside the output schema stay inside.
    assert "search_document" not in body and "id" not in body and "registration_number" not in body


def test_unknown_organisation_is_404_with_a_message(client, db):
    response = client.get(f"{API}/organisations/nobody-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_inactive_organisation_is_not_shown(client, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    assert client.get(f"{API}/organisations/indus-robotics").status_code == 404
    assert client.get(f"{API}/organisations").json()["count"] == 0


def test_zone_read_gives_parent_authority_children_and_focus_sectors(client, zone_cn):
    ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")
    ZoneFactory(slug="changping", kind="member_park", parent=zone_cn, country="CN")
    zone_cn.focus_sectors.set(Sector.objects.filter(code__in=["ai", "semiconductors"]))
    body = client.get(f"{API}/zones/z-park").json()
    assert body["authority"] == "zpark"
    assert body["parent"] is None
    assert body["children"] == ["changping", "haidian"]
    assert body["focus_sectors"] == ["ai", "semiconductors"]
    assert body["name_zh_hans"] == "中关村科技园区"
    child = client.get(f"{API}/zones/haidian").json()
    assert (child["parent"], child["children"]) == ("z-park", [])


def test_sector_read_gives_parent_code_and_three_names(client, db):
    body = client.get(f"{API}/sectors/ai.vision").json()
    assert body["code"] == "ai.vision"
    assert body["parent"] == "ai"
    assert body["name_zh_hans"] and body["name_ur"] and body["name_en"]


# --- Lists ----------------------------------------------------------------------


def test_organisation_list_paginates_with_a_total_count(client, zone_pk):
    for n in range(7):
        OrganisationFactory(slug=f"org-{n}", name=f"Org {n}", zone=zone_pk)
    body = client.get(f"{API}/organisations?limit=3&offset=2").json()
    assert (body["count"], body["limit"], body["offset"]) == (7, 3, 2)
    assert [o["slug"] for o in body["items"]] == ["org-2", "org-3", "org-4"]
    beyond = client.get(f"{API}/organisations?limit=3&offset=100").json()
    assert (beyond["count"], beyond["items"]) == (7, [])


@pytest.mark.parametrize("limit", ["0", "-1", "max+1", "99999999999999999999", "abc"])
def test_page_size_outside_the_bounds_is_422(client, db, settings, limit):
    limit = limit.replace("max+1", str(settings.CORRIDOR_API_MAX_PAGE_SIZE + 1))
    response = client.get(f"{API}/organisations?limit={limit}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_the_largest_page_is_allowed(client, db, settings):
    response = client.get(f"{API}/sectors?limit={settings.CORRIDOR_API_MAX_PAGE_SIZE}")
    assert response.status_code == 200
    assert response.json()["limit"] == settings.CORRIDOR_API_MAX_PAGE_SIZE


@pytest.mark.parametrize("offset", ["-1", "9223372036854775808", "1e3"])
def test_offset_outside_the_bounds_is_422(client, db, offset):
    assert client.get(f"{API}/zones?offset={offset}").status_code == 422


def test_organisation_list_filters_by_country_zone_kind_and_sector(client, zone_pk, zone_cn):
    park = ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")
    vision = Sector.objects.get(code="ai.vision")
    chips = Sector.objects.get(code="semiconductors")
    OrganisationFactory(slug="pk-uni", name="PK Uni", kind="university", country="PK", zone=zone_pk)
    OrganisationFactory(
        slug="cn-vision", name="CN Vision", country="CN", zone=park, sectors=[vision]
    )
    OrganisationFactory(
        slug="cn-chips", name="CN Chips", country="CN", zone=zone_cn, sectors=[chips]
    )

    def slugs(query):
        response = client.get(f"{API}/organisations?{query}")
        assert response.status_code == 200, response.content
        return sorted(o["slug"] for o in response.json()["items"])

    assert slugs("country=cn") == ["cn-chips", "cn-vision"]
    assert slugs("kind=university") == ["pk-uni"]
    # A zone includes its member parks; a sector includes its sub-sectors.
    assert slugs("zone=z-park") == ["cn-chips", "cn-vision"]
    assert slugs("zone=haidian") == ["cn-vision"]
    assert slugs("sector=ai") == ["cn-vision"]
    assert slugs("sector=ai&country=PK") == []
    assert slugs("zone=no-such-zone") == []


def test_organisation_list_full_text_search_finds_chinese_and_urdu(client, zone_cn):
    OrganisationFactory(
        slug="star-core",
        name="北京星芯微电子有限公司",
        country="CN",
        description="低功耗人工智能芯片",
    )
    OrganisationFactory(
        slug="lahore-fin", name="Lahore Fintech", description="ڈیجیٹل ادائیگی کا نظام"
    )
    OrganisationFactory(slug="other", name="Other Co", description="Textile machinery")

    def found(q):
        return [o["slug"] for o in client.get(f"{API}/organisations", {"q": q}).json()["items"]]

    assert found("芯片") == ["star-core"]
    assert found("ادائیگی") == ["lahore-fin"]
    assert found("textile") == ["other"]


def test_organisation_list_does_not_query_per_row(client, zone_pk, django_assert_num_queries):
    sectors = list(Sector.objects.filter(code__in=["ai", "robotics", "fintech"]))
    for n in range(12):
        OrganisationFactory(slug=f"org-{n}", name=f"Org {n}", zone=zone_pk, sectors=sectors)
    # count, page (with its zone), the page's sectors.
    with django_assert_num_queries(3):
        body = client.get(f"{API}/organisations?limit=10").json()
    assert len(body["items"]) == 10
    assert all(o["zone"] == "islamabad-stz" and len(o["sectors"]) == 3 for o in body["items"])


def test_zone_list_does_not_query_per_row(client, zone_cn, django_assert_num_queries):
    sectors = list(Sector.objects.filter(code__in=["ai", "robotics"]))
    for n in range(8):
        park = ZoneFactory(slug=f"park-{n}", kind="member_park", parent=zone_cn, country="CN")
        park.focus_sectors.set(sectors)
        ZoneFactory(slug=f"incubator-{n}", kind="incubator", parent=park, country="CN")
    # count, page (with parent and authority), focus sectors, children.
    with django_assert_num_queries(4):
        body = client.get(f"{API}/zones?limit=50").json()
    assert body["count"] == 17
    parks = [z for z in body["items"] if z["slug"].startswith("park-")]
    assert len(parks) == 8
    assert all(z["parent"] == "z-park" and z["focus_sectors"] == ["ai", "robotics"] for z in parks)
    assert all(len(z["children"]) == 1 for z in parks)


def test_sector_list_does_not_query_per_row(client, db, django_assert_num_queries):
    with django_assert_num_queries(2):
        body = client.get(f"{API}/sectors?limit=200").json()
    assert body["count"] == Sector.objects.count() > 40
    assert {s["parent"] for s in body["items"] if s["code"].startswith("ai.")} == {"ai"}


def test_zone_list_filters(client, zone_pk, zone_cn):
    ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")
    zone_pk.focus_sectors.set([Sector.objects.get(code="fintech.payments")])

    def slugs(query):
        return sorted(z["slug"] for z in client.get(f"{API}/zones?{query}").json()["items"])

    assert slugs("country=PK") == ["islamabad-stz"]
    assert slugs("authority=zpark") == ["z-park"]
    assert slugs("parent=z-park") == ["haidian"]
    assert slugs("top=true") == ["islamabad-stz", "z-park"]
    assert slugs("kind=member_park") == ["haidian"]
    assert slugs("sector=fintech") == ["islamabad-stz"]


def test_sector_list_filters(client, db):
    top = client.get(f"{API}/sectors?top=true&limit=200").json()
    assert [s["code"] for s in top["items"]][:3] == ["semiconductors", "cloud", "ai"]
    assert top["count"] == 7
    children = client.get(f"{API}/sectors?parent=robotics").json()["items"]
    assert children and all(s["code"].startswith("robotics.") for s in children)


# --- Writes ---------------------------------------------------------------------


def test_registering_an_organisation_through_the_api_makes_the_caller_its_admin(
    client, outsider, zone_pk
):
    response = send(
        client,
        "post",
        "/organisations",
        {
            "kind": "enterprise",
            "name": "Karachi Chips",
            "country": "pk",
            "zone": "islamabad-stz",
            "sectors": ["semiconductors.ic-design", "ai"],
            "year_founded": 2019,
            "description": "We design low-power chips for sensors.",
        },
        user=outsider,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "karachi-chips"
    assert body["country"] == "PK"
    assert body["sectors"] == ["ai", "semiconductors.ic-design"]
    assert body["description_language"] == "en"
    org = Organisation.objects.get(slug="karachi-chips")
    assert org.memberships.get().user == outsider
    assert AuditEntry.objects.filter(verb="organisation.create", actor=outsider).exists()


def test_patch_changes_only_the_fields_sent(client, organisation, org_admin):
    organisation.sectors.set([Sector.objects.get(code="robotics")])
    Organisation.objects.filter(pk=organisation.pk).update(city="Islamabad", year_founded=2001)
    response = send(
        client, "patch", "/organisations/indus-robotics", {"year_founded": 2005}, user=org_admin
    )
    assert response.status_code == 200, response.content
    organisation.refresh_from_db()
    assert (organisation.year_founded, organisation.city) == (2005, "Islamabad")
    assert list(organisation.sectors.values_list("code", flat=True)) == ["robotics"]
    # Null clears a nullable field; an empty list clears the sectors.
    send(
        client,
        "patch",
        "/organisations/indus-robotics",
        {"year_founded": None, "sectors": [], "zone": None},
        user=org_admin,
    )
    organisation.refresh_from_db()
    assert (organisation.year_founded, organisation.zone) == (None, None)
    assert not organisation.sectors.exists()


def test_staff_create_a_zone_under_a_parent_with_focus_sectors(client, staff_cn, zone_cn):
    response = send(
        client,
        "post",
        "/zones",
        {
            "kind": "member_park",
            "name_en": "Haidian Park",
            "name_zh_hans": "海淀园",
            "country": "CN",
            "parent": "z-park",
            "area_km2": "133.06",
            "year_founded": 1988,
            "focus_sectors": ["ai", "semiconductors"],
        },
        user=staff_cn,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["parent"], body["authority"]) == ("haidian-park", "z-park", "zpark")
    assert body["area_km2"] == "133.06"
    assert client.get(f"{API}/zones/z-park").json()["children"] == ["haidian-park"]


def test_staff_patch_a_zone(client, staff_pk, zone_pk):
    response = send(
        client,
        "patch",
        "/zones/islamabad-stz",
        {"city": "Islamabad", "focus_sectors": ["fintech"]},
        user=staff_pk,
    )
    assert response.status_code == 200, response.content
    assert response.json()["focus_sectors"] == ["fintech"]
    zone_pk.refresh_from_db()
    assert zone_pk.city == "Islamabad"


def test_sector_create_and_patch(client, platform_admin):
    response = send(
        client,
        "post",
        "/sectors",
        {"code": "ai.agents", "parent": "ai", "name_en": "AI agents", "name_zh_hans": "智能体"},
        user=platform_admin,
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == "ai"
    response = send(
        client, "patch", "/sectors/ai.agents", {"name_ur": "اے آئی ایجنٹس"}, user=platform_admin
    )
    assert response.status_code == 200
    assert Sector.objects.get(code="ai.agents").name_ur == "اے آئی ایجنٹس"


def test_a_sector_cannot_be_moved_under_its_own_child(client, platform_admin):
    response = send(client, "patch", "/sectors/ai", {"parent": "ai.vision"}, user=platform_admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "parent"]
    assert Sector.objects.get(code="ai").parent is None


# --- Bad input ------------------------------------------------------------------


def _errors(response) -> dict:
    """Field name → messages, from the 422 body."""
    errors = {}
    for error in response.json()["detail"]:
        errors.setdefault(str(error["loc"][-1]), []).append(error["msg"])
    return errors


BAD_ORGANISATIONS = [
    # (what is wrong, payload change, field named in the answer)
    ("over-long name", {"name": "x" * 301}, "name"),
    ("over-long city", {"city": "c" * 101}, "city"),
    ("over-long ROR id", {"ror_id": "0123456789"}, "ror_id"),
    ("NUL byte", {"name": "Bad\x00Name"}, "name"),
    ("NUL byte in description", {"description": "a\x00b"}, "description"),
    ("unknown country", {"country": "XX"}, "country"),
    ("three-letter country", {"country": "PAK"}, "country"),
    ("year far in the future", {"year_founded": 99999}, "year_founded"),
    ("negative year", {"year_founded": -5}, "year_founded"),
    ("year beyond bigint", {"year_founded": 2**70}, "year_founded"),
    ("fractional year", {"year_founded": 2001.5}, "year_founded"),
    ("year as text", {"year_founded": "soon"}, "year_founded"),
    ("unknown kind", {"kind": "spaceship"}, "kind"),
    ("unknown size", {"size": "huge"}, "size"),
    ("unknown description language", {"description_language": "fr"}, "description_language"),
    ("unknown field", {"colour": "blue"}, "colour"),
    ("name as a list", {"name": ["a", "b"]}, "name"),
    ("sectors as a string", {"sectors": "ai"}, "sectors"),
    ("unknown sector", {"sectors": ["ai", "warp-drives"]}, "sectors"),
    ("malformed sector code", {"sectors": ["AI Stuff"]}, "0"),
    ("unknown zone", {"zone": "atlantis"}, "zone"),
    ("bad website", {"website": "not a url"}, "website"),
    ("bad slug", {"slug": "a slug with spaces"}, "slug"),
    ("slug taken", {"slug": "indus-robotics"}, "slug"),
]


@pytest.mark.parametrize(
    ("what", "change", "field"), BAD_ORGANISATIONS, ids=[b[0] for b in BAD_ORGANISATIONS]
)
def test_bad_organisation_gets_422_naming_the_field_and_writes_nothing(
    client, platform_admin, organisation, what, change, field
):
    payload = {"kind": "enterprise", "name": "Good Name", "country": "PK", **change}
    before = (
        Organisation.objects.count(),
        AuditEntry.objects.exclude(verb__startswith="api_token").count(),
    )
    response = send(client, "post", "/organisations", payload, user=platform_admin)
    assert response.status_code == 422, (what, response.content)
    assert field in _errors(response), response.json()
    assert (
        Organisation.objects.count(),
        AuditEntry.objects.exclude(verb__startswith="api_token").count(),
    ) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"area_km2": -1}, "area_km2"),
        ({"area_km2": 0}, "area_km2"),
        ({"area_km2": "1e20"}, "area_km2"),
        ({"area_km2": "12.345"}, "area_km2"),
        ({"area_km2": "NaN"}, "area_km2"),
        ({"area_km2": "Infinity"}, "area_km2"),
        ({"year_founded": 1700}, "year_founded"),
        ({"year_founded": 99999}, "year_founded"),
        ({"authority": "atlantis"}, "authority"),
        ({"parent": "atlantis"}, "parent"),
        ({"operator": "nobody"}, "operator"),
        ({"kind": "moonbase"}, "kind"),
        ({"focus_sectors": ["nope"]}, "focus_sectors"),
        ({"name_en": "n" * 201}, "name_en"),
        ({"name_ur": "\x00"}, "name_ur"),
        ({"description": "d" * 4001}, "description"),
    ],
)
def test_bad_zone_gets_422_and_writes_nothing(client, platform_admin, authority_pk, change, field):
    payload = {
        "kind": "technology_zone",
        "name_en": "New Zone",
        "country": "PK",
        "authority": "stza",
    }
    response = send(client, "post", "/zones", {**payload, **change}, user=platform_admin)
    assert response.status_code == 422, response.content
    assert field in _errors(response), response.json()
    assert not Zone.objects.exists()


def test_a_zone_cannot_become_part_of_its_own_member_park(client, platform_admin, zone_cn):
    ZoneFactory(slug="haidian", kind="member_park", parent=zone_cn, country="CN")
    response = send(client, "patch", "/zones/z-park", {"parent": "haidian"}, user=platform_admin)
    assert response.status_code == 422
    assert "parent" in _errors(response)
    zone_cn.refresh_from_db()
    assert zone_cn.parent is None


def test_null_for_a_required_field_in_a_patch_is_422(client, platform_admin, organisation):
    for field in ("name", "kind", "country", "city"):
        response = send(
            client, "patch", "/organisations/indus-robotics", {field: None}, user=platform_admin
        )
        assert response.status_code == 422, (field, response.content)
    organisation.refresh_from_db()
    assert organisation.name == "Indus Robotics"


@pytest.mark.parametrize(
    "body",
    [
        '{"kind": "enterprise", "name": ',
        "not json at all",
        "\xff\xfe",
        "[]",
        '"a string"',
        "null",
        "{}",
    ],
)
def test_malformed_or_wrong_shaped_json_is_4xx(client, platform_admin, body):
    response = send(client, "post", "/organisations", body, user=platform_admin)
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()
    assert not Organisation.objects.exists()


def test_form_encoded_body_is_4xx(client, platform_admin):
    response = client.post(
        f"{API}/organisations",
        {"kind": "enterprise", "name": "X", "country": "PK"},
        **bearer(platform_admin),
    )
    assert response.status_code in (400, 422)
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=" + "x" * 201,
        "q=%22%27%3A*%26%7C!()",
        "q=%E2%80%AE%F0%9F%98%80",
        "country=%00%00",
        "country=PAK",
        "zone=%00",
        "zone=" + "z" * 101,
        "sector=AI%20stuff",
        "kind=spaceship",
        "limit=10&offset=99999999999999999999",
    ],
)
def test_bad_filters_are_4xx_or_empty_never_5xx(client, organisation, query):
    response = client.get(f"{API}/organisations?{query}")
    assert response.status_code in (200, 422), response.content
    assert (
        "detail" in response.json() if response.status_code == 422 else "items" in response.json()
    )


@pytest.mark.parametrize(
    "path", ["/organisations/%00", "/zones/a%00b", "/sectors/AI%20X", "/zones/" + "z" * 101]
)
def test_malformed_identifiers_in_the_path_are_4xx(client, db, path):
    response = client.get(API + path)
    assert response.status_code in (404, 422)


def test_anonymous_write_is_401_with_a_message(client, organisation):
    response = send(client, "patch", "/organisations/indus-robotics", {"city": "Lahore"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_a_bad_or_revoked_token_is_401(client, outsider, organisation):
    response = send(
        client,
        "post",
        "/organisations",
        {"kind": "enterprise", "name": "X", "country": "PK"},
        HTTP_AUTHORIZATION="Bearer cor_not-a-real-token",
    )
    assert response.status_code == 401
    response = send(
        client,
        "post",
        "/organisations",
        {"kind": "enterprise", "name": "X", "country": "PK"},
        HTTP_AUTHORIZATION="Bearer " + "\x00" * 300,
    )
    assert response.status_code == 401
    assert Organisation.objects.count() == 1


def test_permission_denied_is_403_with_the_services_message(client, outsider, organisation):
    response = send(
        client, "patch", "/organisations/indus-robotics", {"city": "Lahore"}, user=outsider
    )
    assert response.status_code == 403
    assert (
        response.json()["detail"]
        == "Only the organisation's admins and its authority's staff may edit it."
    )


def test_a_unique_slug_lost_in_a_race_is_409(client, platform_admin, monkeypatch):
    """full_clean passes, then another request saves the same slug first: the database decides."""
    original = Organisation.full_clean

    def clean_then_lose_the_race(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.pk is None:
            Organisation.objects.create(
                slug=self.slug, name="Rival", kind="enterprise", country="PK"
            )

    monkeypatch.setattr(Organisation, "full_clean", clean_then_lose_the_race)
    response = send(
        client,
        "post",
        "/organisations",
        {"kind": "enterprise", "name": "Twin", "country": "PK"},
        user=platform_admin,
    )
    assert response.status_code == 409, response.content
    assert "try again" in response.json()["detail"]
    # The rival here shared our transaction, so it went too; a real rival commits on its own.
    assert not Organisation.objects.exists()


# --- Session authentication ------------------------------------------------------


def test_session_write_needs_the_csrf_token(organisation, org_admin):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_admin)
    response = browser.patch(
        f"{API}/organisations/indus-robotics",
        data=json.dumps({"city": "Lahore"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.city == ""

    # The browser holds the CSRF cookie and sends its value back in the header.
    token_value = "k" * 32
    browser.cookies["csrftoken"] = token_value
    response = browser.patch(
        f"{API}/organisations/indus-robotics",
        data=json.dumps({"city": "Lahore"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token_value,
    )
    assert response.status_code == 200, response.content
    organisation.refresh_from_db()
    assert organisation.city == "Lahore"


def test_session_reads_need_no_csrf_token(organisation, outsider):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    assert browser.get(f"{API}/organisations/indus-robotics").status_code == 200


# --- The OpenAPI document and docs page -------------------------------------------


def test_openapi_document_describes_every_endpoint_and_both_authentications(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path in ("/api/v1/organisations", "/api/v1/zones", "/api/v1/sectors"):
        assert {"get", "post"} <= set(paths[path])
    for path in ("/api/v1/organisations/{slug}", "/api/v1/zones/{slug}", "/api/v1/sectors/{code}"):
        assert {"get", "patch"} <= set(paths[path])
    assert {"get", "post"} <= set(paths["/api/v1/tokens"])
    assert "delete" in paths["/api/v1/tokens/{token_id}"]
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"http", "apiKey"}
    # Reads are public: no security requirement on them.
    assert not paths["/api/v1/organisations"]["get"].get("security")
    assert paths["/api/v1/organisations"]["post"]["security"]
    # Input schemas reject unknown fields and bound their strings.
    organisation_in = document["components"]["schemas"]["OrganisationIn"]
    assert organisation_in["additionalProperties"] is False
    assert organisation_in["properties"]["name"]["maxLength"] == 300


def test_docs_page_is_served(client, db):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    assert b"/api/v1/openapi.json" in response.content
    # Swagger UI from the project's own static files: the platform runs without a CDN.
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
