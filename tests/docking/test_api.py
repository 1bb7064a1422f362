"""The cooperation profile API at /api/v1/profiles: lists, reads, writes, life cycle, matching.

Requests go through Django's test client against the real URLs, so middleware,
authentication and the exception handlers all run.
"""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from corridor.core.models import AuditEntry
from corridor.docking.models import CooperationProfile, ProfileTranslation
from corridor.docking.services import (
    profile_approve,
    profile_create,
    profile_submit,
    profile_translation_set,
)
from corridor.registry.models import Sector

from ..api_client import API, bearer, send
from ..factories import OrganisationFactory

Status = CooperationProfile.Status

pytestmark = pytest.mark.django_db


def _errors(response) -> dict:
    """Where → messages, from a 422 body; the key is the location without its last part's
    prefix, e.g. "title" for ["body", "payload", "title"], "query.q" for ["query", "q"]."""
    errors = {}
    for error in response.json()["detail"]:
        loc = [str(part) for part in error["loc"]]
        key = loc[-1] if loc[:2] == ["body", "payload"] else ".".join(loc)
        errors.setdefault(key, []).append(error["msg"])
    return errors


def _published(organisation, by, moderator, translation=None, **fields):
    """Submitted and approved without running the indexing (lists and reads need none)."""
    profile = profile_create(organisation=organisation, by=by, **fields)
    if translation:
        profile_translation_set(profile=profile, by=by, **translation)
    profile_submit(profile=profile, by=by)
    return profile_approve(profile=profile, by=moderator)


def _writes() -> tuple:
    """What a refused write must leave as it was."""
    return (
        list(CooperationProfile.objects.order_by("pk").values()),
        list(ProfileTranslation.objects.order_by("pk").values()),
        list(CooperationProfile.sectors.through.objects.order_by("pk").values()),
        AuditEntry.objects.exclude(verb__startswith="api_token").count(),
    )


# --- Reads ----------------------------------------------------------------------


def test_list_is_public_and_shows_only_published_profiles_without_identity(
    client, published, organisation, org_member, profile_fields
):
    profile_create(organisation=organisation, by=org_member, **profile_fields)  # a draft
    response = client.get(f"{API}/profiles")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == published.pk
    assert item["reference"] == published.reference
    assert item["status"] == "published"
    assert item["kind"] == "technology_offer"
    assert item["country"] == "PK"
    assert item["sectors"] == [{"code": "robotics", "name": "Robotics"}]
    assert item["keywords"] == ["robotics", "textiles"]
    assert item["modes"] == ["licence", "joint_venture"]
    assert item["trl"] == 6
    assert item["organisation"] is None
    assert item["management"] is None
    assert "created_by" not in item and "needs_indexing" not in item


def test_a_signed_in_reader_of_the_list_sees_only_what_the_selectors_allow(
    client, published, organisation, org_member, staff_pk, outsider
):
    def organisation_of(user):
        items = send(client, "get", "/profiles", user=user).json()["items"]
        return [i["organisation"] for i in items]

    assert organisation_of(outsider) == [None]
    # The organisation's own people and the authority's staff know who wrote it.
    for user in (org_member, staff_pk):
        [seen] = organisation_of(user)
        assert (seen["slug"], seen["name"]) == ("indus-robotics", "Indus Robotics")
        assert "id" not in seen
    # Still only published profiles: the org's drafts belong in /profiles/mine.
    assert send(client, "get", "/profiles", user=org_member).json()["count"] == 1


def test_list_paginates_with_a_total_count(organisation, org_member, staff_pk, profile_fields):
    made = [_published(organisation, org_member, staff_pk, **profile_fields) for _ in range(5)]
    body = Client().get(f"{API}/profiles?limit=2&offset=1").json()
    assert (body["count"], body["limit"], body["offset"]) == (5, 2, 1)
    # Newest first.
    newest_first = [p.pk for p in reversed(made)]
    assert [i["id"] for i in body["items"]] == newest_first[1:3]
    assert Client().get(f"{API}/profiles?offset=10").json()["items"] == []


def test_list_filters_by_kind_sector_country_language_mode_and_trl(
    client, organisation, org_member, staff_pk, organisation_cn, other_member, staff_cn, sector
):
    vision = Sector.objects.get(code="ai.vision")
    offer = _published(
        organisation, org_member, staff_pk, kind="technology_offer", trl=7,
        title="Machine vision for fabric defects", modes=["licence"], sectors=[vision],
    )  # fmt: skip
    request = _published(
        organisation_cn, other_member, staff_cn, kind="technology_request", trl_min=4,
        trl_max=6, title="寻求纺织机器人", modes=["joint_rnd"], sectors=[sector],
    )  # fmt: skip
    untranslated = _published(
        organisation, org_member, staff_pk, kind="rnd_partner", title="Partner for swarm robots",
    )  # fmt: skip

    def ids(query):
        response = client.get(f"{API}/profiles?{query}")
        assert response.status_code == 200, response.content
        return sorted(i["id"] for i in response.json()["items"])

    assert ids("kind=technology_request") == [request.pk]
    assert ids("sector=ai") == [offer.pk]  # a sector includes its sub-sectors
    assert ids("sector=robotics") == [request.pk]
    assert ids("country=cn") == [request.pk]
    assert ids("country=PK") == sorted([offer.pk, untranslated.pk])
    assert ids("language=zh-hans") == [request.pk]
    assert ids("mode=joint_rnd") == [request.pk]
    assert ids("trl=7") == [offer.pk]
    assert ids("trl=5") == [request.pk]
    assert ids("sector=no-such-sector") == []
    assert ids("kind=technology_offer&country=CN") == []


def test_list_language_filter_counts_the_authors_translations(client, draft, org_member, staff_pk):
    profile_translation_set(
        profile=draft, by=org_member, language="ur", title="ٹیکسٹائل ملوں کے لیے روبوٹک بازو"
    )
    profile_submit(profile=draft, by=org_member)
    profile_approve(profile=draft, by=staff_pk)
    [item] = client.get(f"{API}/profiles?language=ur").json()["items"]
    assert item["translations"] == [
        {
            "language": "ur",
            "title": "ٹیکسٹائل ملوں کے لیے روبوٹک بازو",
            "summary": "",
            "description": "",
        }
    ]


def test_list_with_words_ranks_profiles_in_other_languages(
    client, draft, cn_request, cn_unrelated, org_member, other_member, publish
):
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    publish(cn_unrelated, by=other_member)
    body = client.get(f"{API}/profiles", {"q": "ٹیکسٹائل ملوں کے لیے روبوٹک بازو"}).json()
    assert body["items"][0]["id"] == draft.pk
    body = client.get(f"{API}/profiles", {"q": "blockchain payments", "kind": "investment_offer"})
    assert [i["id"] for i in body.json()["items"]] == [cn_unrelated.pk]
    assert all(i["organisation"] is None for i in body.json()["items"])


def _count_queries(client, path, headers) -> int:
    client.get(path, **headers)  # the token's first use of the minute writes its timestamp
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("who", [None, "org_member", "staff_pk"])
def test_list_does_not_query_per_row(
    request, who, organisation, org_member, staff_pk, profile_fields, django_assert_num_queries
):
    user = request.getfixturevalue(who) if who else None
    headers = bearer(user) if user else {}
    profile_fields["sectors"] = list(Sector.objects.filter(code__in=["ai", "fintech"]))
    urdu = {"language": "ur", "title": "ٹیکسٹائل ملوں کے لیے روبوٹک بازو"}
    for _ in range(2):
        _published(organisation, org_member, staff_pk, translation=urdu, **profile_fields)
    few = _count_queries(Client(), f"{API}/profiles", headers)
    for _ in range(10):
        _published(organisation, org_member, staff_pk, translation=urdu, **profile_fields)
    many = _count_queries(Client(), f"{API}/profiles", headers)
    assert few == many
    if user is None:
        # count, page ids, visible ids, rows with organisation, sectors, translations.
        with django_assert_num_queries(6):
            assert len(Client().get(f"{API}/profiles").json()["items"]) == 12


def test_mine_and_moderation_do_not_query_per_row(
    organisation, org_member, staff_pk, profile_fields
):
    def queued(n):
        for _ in range(n):
            profile_submit(
                profile=profile_create(organisation=organisation, by=org_member, **profile_fields),
                by=org_member,
            )

    queued(2)
    member, staff = bearer(org_member), bearer(staff_pk)
    counts = (
        _count_queries(Client(), f"{API}/profiles/mine", member),
        _count_queries(Client(), f"{API}/profiles/moderation", staff),
    )
    queued(9)
    assert (
        _count_queries(Client(), f"{API}/profiles/mine", member),
        _count_queries(Client(), f"{API}/profiles/moderation", staff),
    ) == counts


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("kind=spaceship", "query.kind"),
        ("mode=teleport", "query.mode"),
        ("sector=AI%20stuff", "query.sector"),
        ("country=PAK", "query.country"),
        ("country=%00%00", "query.country"),
        ("language=fr", "query.language"),
        ("trl=0", "query.trl"),
        ("trl=10", "query.trl"),
        ("trl=many", "query.trl"),
        ("q=%00", "query.q"),
        ("q=%F0%9F%98%80%F0%9F%9A%80", "query.q"),
        ("q=" + "x" * 501, "query.q"),
        ("limit=0", "query.limit"),
        ("offset=-1", "query.offset"),
    ],
)
def test_bad_list_filters_are_422_naming_the_parameter(client, published, query, where):
    response = client.get(f"{API}/profiles?{query}")
    assert response.status_code == 422, response.content
    assert where in _errors(response), response.json()


def test_read_a_published_profile(client, published):
    response = client.get(f"{API}/profiles/{published.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == published.reference
    assert body["organisation"] is None
    assert body["published_at"] and body["expires_at"]
    assert body["management"] is None


def test_a_hidden_profile_and_a_missing_one_answer_the_same_404(client, draft, outsider):
    hidden = send(client, "get", f"/profiles/{draft.pk}", user=outsider)
    missing = send(client, "get", f"/profiles/{draft.pk + 1000}", user=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "Not found."}


def test_the_organisation_reads_its_draft_with_what_it_needs_to_act(client, draft, org_member):
    body = send(client, "get", f"/profiles/{draft.pk}", user=org_member).json()
    assert body["status"] == "draft"
    assert body["organisation"]["slug"] == "indus-robotics"
    assert body["management"] == {"is_anonymous": True, "rejection_reason": "", "extended": False}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/profiles/0", 422),
        ("/profiles/-1", 404),
        ("/profiles/abc", 404),
        ("/profiles/99999999999999999999", 422),
        ("/profiles/1.5", 404),
        ("/profiles/%00", 404),
    ],
)
def test_malformed_profile_ids_are_4xx(client, db, path, status):
    assert client.get(API + path).status_code == status


def test_fixed_paths_are_not_taken_for_a_profile_id(client, published, org_member, staff_pk):
    assert send(client, "get", "/profiles/mine", user=org_member).json()["count"] == 1
    assert send(client, "get", "/profiles/moderation", user=staff_pk).json()["count"] == 0
    response = client.get(f"{API}/profiles/search", {"q": "robot"})
    assert response.status_code == 200 and "items" in response.json()


def test_a_wrong_token_on_a_public_read_is_401_not_the_public_view(client, published):
    response = client.get(f"{API}/profiles", HTTP_AUTHORIZATION="Bearer cor_not-a-real-token")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


# --- The organisation's profiles and the moderation queue ---------------------------


def test_mine_lists_every_state_of_the_callers_organisations_only(
    client, draft, org_admin, org_member, organisation, profile_fields, cn_request, staff_pk
):
    queued = profile_create(organisation=organisation, by=org_member, **profile_fields)
    profile_submit(profile=queued, by=org_member)
    body = send(client, "get", "/profiles/mine", user=org_admin).json()
    assert body["count"] == 2
    assert {i["id"] for i in body["items"]} == {draft.pk, queued.pk}
    assert all(i["management"] and i["organisation"] for i in body["items"])
    assert [i["id"] for i in send(client, "get", "/profiles/mine?status=submitted",
                                  user=org_admin).json()["items"]] == [queued.pk]  # fmt: skip
    # Staff moderate PK profiles but belong to no organisation: nothing is theirs.
    assert send(client, "get", "/profiles/mine", user=staff_pk).json()["count"] == 0


def test_mine_needs_a_signed_in_caller(client, draft):
    response = client.get(f"{API}/profiles/mine")
    assert response.status_code == 401


def test_mine_with_an_unknown_status_is_422(client, draft, org_member):
    response = send(client, "get", "/profiles/mine?status=lost", user=org_member)
    assert response.status_code == 422
    assert "query.status" in _errors(response)


def test_moderation_queue_per_authority(
    client, draft, cn_request, org_member, other_member, staff_pk, staff_cn, platform_admin,
    outsider,
):  # fmt: skip
    profile_submit(profile=draft, by=org_member)
    profile_submit(profile=cn_request, by=other_member)

    def queue(user):
        response = send(client, "get", "/profiles/moderation", user=user)
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    assert queue(staff_pk) == [draft.pk]
    assert queue(staff_cn) == [cn_request.pk]
    assert sorted(queue(platform_admin)) == sorted([draft.pk, cn_request.pk])
    item = send(client, "get", "/profiles/moderation", user=staff_pk).json()["items"][0]
    assert item["organisation"]["slug"] == "indus-robotics"  # staff know who asks
    assert item["management"]["is_anonymous"] is True
    for user in (outsider, org_member):
        response = send(client, "get", "/profiles/moderation", user=user)
        assert response.status_code == 403
        assert response.json()["detail"]


# --- Writes ---------------------------------------------------------------------

GOOD = {
    "organisation": "indus-robotics",
    "kind": "technology_offer",
    "title": "Low-cost robotic arm for textile mills",
    "summary": "A six-axis arm that sorts fabric rolls.",
    "keywords": ["robotics", "textiles"],
    "sectors": ["robotics"],
    "modes": ["licence"],
    "target_countries": ["cn"],
    "trl": 6,
}


def test_create_a_draft(client, org_member, sector):
    deadline = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    response = send(
        client, "post", "/profiles", {**GOOD, "deadline": deadline, "is_anonymous": False},
        user=org_member,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    profile = CooperationProfile.objects.get(pk=body["id"])
    assert (profile.status, profile.created_by, profile.language) == ("draft", org_member, "en")
    assert body["status"] == "draft"
    assert body["language"] == "en"  # detected
    assert body["target_countries"] == ["CN"]
    assert body["deadline"] == deadline
    assert body["sectors"] == [{"code": "robotics", "name": "Robotics"}]
    assert body["organisation"]["slug"] == "indus-robotics"
    assert body["management"]["is_anonymous"] is False
    assert AuditEntry.objects.filter(verb="profile.create", actor=org_member).exists()


def test_create_a_request_with_a_wanted_readiness_range(client, org_admin, sector):
    payload = {**GOOD, "kind": "technology_request", "trl_min": 4, "trl_max": 7}
    del payload["trl"]
    response = send(client, "post", "/profiles", payload, user=org_admin)
    assert response.status_code == 201, response.content
    assert (response.json()["trl_min"], response.json()["trl_max"]) == (4, 7)


BAD_PROFILES = [
    # (what is wrong, payload change, field named in the answer)
    ("unknown kind", {"kind": "spaceship"}, "kind"),
    ("unknown mode", {"modes": ["teleport"]}, "0"),
    ("unknown sector", {"sectors": ["warp-drives"]}, "sectors"),
    ("malformed sector", {"sectors": ["AI Stuff"]}, "0"),
    ("unknown country", {"target_countries": ["XX"]}, "target_countries"),
    ("three-letter country", {"target_countries": ["PAK"]}, "0"),
    ("unknown language", {"language": "fr"}, "language"),
    ("TRL 0", {"trl": 0}, "trl"),
    ("TRL 10", {"trl": 10}, "trl"),
    ("TRL as text", {"trl": "high"}, "trl"),
    ("a range on an offer", {"trl_min": 3}, "trl_min"),
    ("title over 256 characters", {"title": "t" * 257}, "title"),
    ("empty title", {"title": ""}, "title"),
    ("null title", {"title": None}, "title"),
    ("NUL byte in the title", {"title": "Robot\x00arm"}, "title"),
    ("NUL byte in a keyword", {"keywords": ["ro\x00bot"]}, "keywords"),
    ("emoji-only title", {"title": "🤖🚀✨"}, "title"),
    ("11 keywords", {"keywords": [f"k{n}" for n in range(11)]}, "keywords"),
    ("keyword over 64 characters", {"keywords": ["k" * 65]}, "0"),
    ("keywords as a string", {"keywords": "robotics"}, "keywords"),
    ("summary over 500 characters", {"summary": "s" * 501}, "summary"),
    ("description over 4000", {"description": "d" * 4001}, "description"),
    ("deadline passed", {"deadline": "2001-01-01"}, "deadline"),
    ("deadline at the end of time", {"deadline": "9999-12-31"}, "deadline"),
    ("impossible date", {"deadline": "2030-02-30"}, "deadline"),
    ("unknown field", {"colour": "blue"}, "colour"),
    ("status set by the client", {"status": "published"}, "status"),
    ("unknown organisation", {"organisation": "atlantis"}, "organisation"),
    ("malformed organisation", {"organisation": "a b"}, "organisation"),
    ("no organisation", {"organisation": None}, "organisation"),
]


@pytest.mark.parametrize(
    ("what", "change", "field"), BAD_PROFILES, ids=[b[0] for b in BAD_PROFILES]
)
def test_bad_profile_is_422_naming_the_field_and_writes_nothing(
    client, org_member, sector, what, change, field
):
    before = _writes()
    response = send(client, "post", "/profiles", {**GOOD, **change}, user=org_member)
    assert response.status_code == 422, (what, response.content)
    assert field in _errors(response), response.json()
    assert _writes() == before


def test_a_request_with_an_upside_down_range_is_422(client, org_member, sector):
    payload = {**GOOD, "kind": "technology_request", "trl": None, "trl_min": 7, "trl_max": 3}
    response = send(client, "post", "/profiles", payload, user=org_member)
    assert response.status_code == 422
    assert "trl_max" in _errors(response)
    assert not CooperationProfile.objects.exists()


@pytest.mark.parametrize(
    "body", ['{"kind": ', "not json", "[]", '"text"', "null", "{}", "\xff\xfe"]
)
def test_malformed_or_wrong_shaped_json_is_4xx(client, org_member, body):
    response = send(client, "post", "/profiles", body, user=org_member)
    assert response.status_code in (400, 422), response.content
    assert not CooperationProfile.objects.exists()


def test_patch_changes_only_the_fields_sent(client, draft, org_member):
    response = send(
        client, "patch", f"/profiles/{draft.pk}",
        {"trl": None, "sectors": ["ai.vision", "robotics"], "is_anonymous": False},
        user=org_member,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.trl is None
    assert draft.title == "Low-cost robotic arm for textile mills"
    assert draft.keywords == ["robotics", "textiles"]
    assert sorted(draft.sectors.values_list("code", flat=True)) == ["ai.vision", "robotics"]
    assert response.json()["management"]["is_anonymous"] is False


def test_patch_with_a_new_text_detects_its_language_again(client, draft, org_admin):
    response = send(
        client, "patch", f"/profiles/{draft.pk}",
        {"title": "纺织厂用的低成本机械臂", "summary": "", "description": ""}, user=org_admin,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["language"] == "zh-hans"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"kind": None}, "kind"),
        ({"title": "\x00"}, "title"),
        ({"title": "🙂"}, "title"),
        ({"kind": "technology_request"}, "trl"),  # an offer's TRL does not fit a request
        ({"keywords": ["k"] * 5 + [f"w{n}" for n in range(11)]}, "keywords"),
        ({"sectors": ["nope"]}, "sectors"),
        ({"organisation": "z-park-ai"}, "organisation"),  # cannot move to another org
        ({"modes": ["licence", "teleport"]}, "1"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(client, draft, org_member, change, field):
    before = _writes()
    response = send(client, "patch", f"/profiles/{draft.pk}", change, user=org_member)
    assert response.status_code == 422, response.content
    assert field in _errors(response), response.json()
    assert _writes() == before


def test_a_published_profile_cannot_be_patched(client, published, org_member):
    response = send(client, "patch", f"/profiles/{published.pk}", {"trl": 7}, user=org_member)
    assert response.status_code == 422
    assert "status" in _errors(response)
    published.refresh_from_db()
    assert published.trl == 6


def test_translation_put_adds_and_replaces(client, draft, org_member):
    path = f"/profiles/{draft.pk}/translations/zh-hans"
    response = send(client, "put", path, {"title": "纺织机械臂"}, user=org_member)
    assert response.status_code == 200, response.content
    assert response.json()["translations"] == [
        {"language": "zh-hans", "title": "纺织机械臂", "summary": "", "description": ""}
    ]
    response = send(
        client, "put", path, {"title": "低成本纺织机械臂", "summary": "六轴"}, user=org_member
    )
    assert response.status_code == 200
    assert draft.translations.get().title == "低成本纺织机械臂"
    assert draft.translations.count() == 1


@pytest.mark.parametrize(
    ("language", "body", "where"),
    [
        ("en", {"title": "Same language"}, "path.language"),
        ("fr", {"title": "Bras robotique"}, "path.language"),
        ("ur", {"title": "\x00"}, "title"),
        ("ur", {"title": "x" * 257}, "title"),
        ("ur", {"title": "🙂🙂"}, "title"),
        ("ur", {}, "title"),
        ("ur", {"title": "بازو", "colour": "blue"}, "colour"),
    ],
)
def test_bad_translation_is_422_and_writes_nothing(
    client, draft, org_member, language, body, where
):
    before = _writes()
    response = send(
        client, "put", f"/profiles/{draft.pk}/translations/{language}", body, user=org_member
    )
    assert response.status_code == 422, response.content
    assert where in _errors(response), response.json()
    assert _writes() == before


def test_reject_needs_a_reason(client, draft, org_member, staff_pk):
    profile_submit(profile=draft, by=org_member)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "\x00"}, {"reason": "r" * 2001}):
        response = send(client, "post", f"/profiles/{draft.pk}/reject", body, user=staff_pk)
        assert response.status_code == 422, (body, response.content)
        assert "reason" in _errors(response), response.json()
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("submit", "published"),
        ("approve", "draft"),
        ("reject", "draft"),
        ("extend", "draft"),
        ("withdraw", "withdrawn"),
    ],
)
def test_a_step_from_the_wrong_state_is_422(
    client, draft, org_member, staff_pk, platform_admin, step, state
):
    if state == "published":
        profile_submit(profile=draft, by=org_member)
        profile_approve(profile=draft, by=staff_pk)
    elif state == "withdrawn":
        send(client, "post", f"/profiles/{draft.pk}/withdraw", user=org_member)
    user = platform_admin if step in ("approve", "reject") else org_member
    before = _writes()
    response = send(client, "post", f"/profiles/{draft.pk}/{step}", {"reason": "No."}, user=user)
    assert response.status_code == 422, response.content
    assert {"status", "extended"} & set(_errors(response))
    assert _writes() == before


# --- The life cycle, end to end -----------------------------------------------------


def test_full_life_cycle_through_the_api(
    client, org_member, org_admin, staff_pk, outsider, sector, cn_request, other_member, publish,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    publish(cn_request, by=other_member)

    created = send(client, "post", "/profiles", GOOD, user=org_member)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert send(client, "put", f"/profiles/{pk}/translations/ur",
                {"title": "ٹیکسٹائل ملوں کے لیے روبوٹک بازو"}, user=org_member).status_code == 200  # fmt: skip

    # Not public yet.
    assert client.get(f"{API}/profiles/{pk}").status_code == 404
    state = send(client, "post", f"/profiles/{pk}/submit", user=org_member).json()
    assert state["status"] == "submitted"
    assert [i["id"] for i in send(client, "get", "/profiles/moderation",
                                  user=staff_pk).json()["items"]] == [pk]  # fmt: skip

    rejected = send(
        client, "post", f"/profiles/{pk}/reject",
        {"reason": "Say which fabrics the arm handles."}, user=staff_pk,
    )  # fmt: skip
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "rejected"
    mine = send(client, "get", f"/profiles/{pk}", user=org_admin).json()
    assert mine["management"]["rejection_reason"] == "Say which fabrics the arm handles."

    fixed = send(
        client, "patch", f"/profiles/{pk}",
        {"summary": "Sorts cotton and polyester rolls up to 80 kg."}, user=org_admin,
    )  # fmt: skip
    assert fixed.status_code == 200, fixed.content
    assert send(client, "post", f"/profiles/{pk}/submit", user=org_admin).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        approved = send(client, "post", f"/profiles/{pk}/approve", user=staff_pk)
    assert approved.status_code == 200, approved.content
    state = approved.json()
    assert state["status"] == "published" and state["expires_at"]
    assert state["rejection_reason"] == ""

    # Public now, found by words in another language, and matched with the Chinese request.
    assert client.get(f"{API}/profiles/{pk}").json()["organisation"] is None
    found = client.get(f"{API}/profiles/search", {"q": "纺织 机械臂"}).json()["items"]
    assert pk in [r["profile"]["id"] for r in found]
    matches = send(client, "get", f"/profiles/{pk}/matches", user=org_member).json()["items"]
    assert matches[0]["profile"]["id"] == cn_request.pk

    extended = send(client, "post", f"/profiles/{pk}/extend", user=org_member)
    assert extended.status_code == 200 and extended.json()["extended"] is True
    again = send(client, "post", f"/profiles/{pk}/extend", user=org_member)
    assert again.status_code == 422 and "extended" in _errors(again)

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = send(client, "post", f"/profiles/{pk}/withdraw", user=org_admin)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"{API}/profiles/{pk}").status_code == 404
    assert send(client, "get", f"/profiles/{pk}", user=outsider).status_code == 404
    assert pk not in [i["id"] for i in client.get(f"{API}/profiles").json()["items"]]
    found = client.get(f"{API}/profiles/search", {"q": "纺织 机械臂"}).json()["items"]
    assert pk not in [r["profile"]["id"] for r in found]
    verbs = set(AuditEntry.objects.filter(object_id=str(pk)).values_list("verb", flat=True))
    assert {"profile.create", "profile.translation_set", "profile.submit", "profile.reject",
            "profile.update", "profile.approve", "profile.extend", "profile.withdraw"} <= verbs  # fmt: skip


# --- Matches and search -------------------------------------------------------------


@pytest.fixture
def matched(draft, cn_request, cn_unrelated, org_member, other_member, publish):
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    publish(cn_unrelated, by=other_member)
    return draft, cn_request, cn_unrelated


def test_matches_come_with_their_explanation(client, matched, org_member):
    offer, request, _unrelated = matched
    response = send(client, "get", f"/profiles/{offer.pk}/matches?k=2", user=org_member)
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert len(items) <= 2
    best = items[0]
    assert best["profile"]["id"] == request.pk
    assert best["profile"]["organisation"] is None
    assert abs(sum(best["parts"].values()) - best["score"]) < 1e-3
    assert {"semantic", "lexical", "complementarity", "sectors"} <= set(best["parts"])
    explanation = best["explanation"]
    assert explanation["shared_sectors"][0]["candidate"] == {"code": "robotics", "name": "Robotics"}
    assert explanation["shared_sectors"][0]["relation"] == "same"
    assert "robotics" in explanation["shared_keywords"]
    passages = explanation["passages"]
    assert (passages["query"]["language"], passages["candidate"]["language"]) == ("en", "zh-hans")
    assert passages["query"]["text"] and passages["candidate"]["text"]


@pytest.mark.parametrize("k", ["0", "51", "-3", "many"])
def test_matches_k_out_of_bounds_is_422(client, published, org_member, k):
    response = send(client, "get", f"/profiles/{published.pk}/matches?k={k}", user=org_member)
    assert response.status_code == 422
    assert "query.k" in _errors(response)


def test_search_in_any_language_with_explanations(client, matched):
    offer, request, unrelated = matched
    response = client.get(f"{API}/profiles/search", {"q": "robot arm for textile mills", "k": 3})
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    ids = [r["profile"]["id"] for r in items]
    assert ids.index(request.pk) < ids.index(unrelated.pk)
    for item in items:
        assert item["profile"]["organisation"] is None
        assert set(item["parts"]) and "explanation" in item
    urdu = client.get(f"{API}/profiles/search", {"q": "ٹیکسٹائل ملوں کے لیے روبوٹک بازو"})
    assert urdu.json()["items"][0]["profile"]["id"] == offer.pk


@pytest.mark.parametrize(
    "query", ["", "q=", "q=%00", "q=%F0%9F%98%80", "q=" + "x" * 501, "q=robot&k=0", "q=robot&k=51"]
)
def test_bad_search_is_422_naming_the_parameter(client, db, query):
    response = client.get(f"{API}/profiles/search?{query}")
    assert response.status_code == 422, response.content
    assert {"query.q", "query.k"} & set(_errors(response)), response.json()


def test_search_and_matches_do_not_query_per_result(
    organisation_cn, other_member, staff_cn, draft, org_member, publish
):
    member = bearer(org_member)

    def published_requests(n):
        for i in range(n):
            profile = profile_create(
                organisation=organisation_cn, by=other_member, kind="technology_request",
                title=f"寻求纺织机械臂 {i}", keywords=["robotics"], trl_min=4, trl_max=8,
                sectors=["robotics"], modes=["licence"],
            )  # fmt: skip
            publish(profile, by=other_member)

    published_requests(2)
    search = f"{API}/profiles/search?q=textile+robot+arm&k=50"
    matches = f"{API}/profiles/{draft.pk}/matches?k=50"
    counts = (_count_queries(Client(), search, {}), _count_queries(Client(), matches, member))
    published_requests(5)
    assert len(Client().get(search).json()["items"]) == 7
    assert (_count_queries(Client(), search, {}), _count_queries(Client(), matches, member)) == (
        counts
    )


def test_search_with_nothing_published_is_empty(client, draft):
    response = client.get(f"{API}/profiles/search", {"q": "robot"})
    assert response.status_code == 200
    assert response.json() == {"items": []}


# --- Session authentication ------------------------------------------------------


def test_session_write_needs_the_csrf_token(draft, org_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_member)
    response = browser.post(f"{API}/profiles/{draft.pk}/submit")
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT

    browser.cookies["csrftoken"] = "k" * 32
    response = browser.post(f"{API}/profiles/{draft.pk}/submit", HTTP_X_CSRFTOKEN="k" * 32)
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


def test_session_reads_need_no_csrf_token_and_know_the_reader(draft, org_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_member)
    assert browser.get(f"{API}/profiles/{draft.pk}").status_code == 200
    assert browser.get(f"{API}/profiles/mine").json()["count"] == 1


# --- The OpenAPI document ---------------------------------------------------------


def test_openapi_document_describes_the_profile_endpoints(client, db):
    document = client.get(f"{API}/openapi.json").json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/profiles"])
    assert {"get", "patch"} <= set(paths["/api/v1/profiles/{profile_id}"])
    assert "put" in paths["/api/v1/profiles/{profile_id}/translations/{language}"]
    for step in ("submit", "withdraw", "extend", "approve", "reject"):
        assert "post" in paths[f"/api/v1/profiles/{{profile_id}}/{step}"]
    for path in ("search", "mine", "moderation", "{profile_id}/matches"):
        assert "get" in paths[f"/api/v1/profiles/{path}"]
    # Public reads carry no security requirement; the rest do.
    for path in ("/api/v1/profiles", "/api/v1/profiles/search", "/api/v1/profiles/{profile_id}"):
        assert not paths[path]["get"].get("security")
    assert paths["/api/v1/profiles"]["post"]["security"]
    assert paths["/api/v1/profiles/mine"]["get"]["security"]
    schemas = document["components"]["schemas"]
    assert schemas["ProfileIn"]["additionalProperties"] is False
    assert schemas["ProfileIn"]["properties"]["title"]["maxLength"] == 256
    assert "cooperation profiles" in document["info"]["description"]


def test_an_organisation_outside_the_callers_is_403_on_create(client, outsider, sector):
    OrganisationFactory(slug="elsewhere", name="Elsewhere", country="PK")
    before = _writes()
    response = send(client, "post", "/profiles", {**GOOD, "organisation": "elsewhere"},
                    user=outsider)  # fmt: skip
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only the organisation's admins and members may write its profiles."
    )
    assert _writes() == before
