"""Who may do what with cooperation profiles through the API, and what no outsider learns.

The permission table runs each role × each endpoint, by token and by session (with
CSRF). Allowed calls answer 2xx; denied ones answer 401 (not signed in), 404 (a
profile the caller may not see: its existence is not theirs to know) or 403 (a
profile they see but may not act on), and leave the database exactly as it was.

The leak test reads every answer an outsider, another organisation's member or the
other authority's staff can get, and finds no trace of an anonymous profile's
organisation in any of them.
"""

import json

import pytest

from corridor.accounts.models import OrganisationMembership
from corridor.core.models import AuditEntry
from corridor.docking.models import CooperationProfile, ProfileTranslation
from corridor.docking.services import (
    profile_approve,
    profile_create,
    profile_submit,
    profile_translation_set,
)

from ..api_client import API, client_for
from ..factories import OrganisationFactory, UserFactory

ROLES = [
    "anonymous",
    "outsider",
    "org_member",
    "org_admin",
    "other_member",  # a member of the Chinese organisation
    "staff_pk",
    "staff_cn",
    "platform_admin",
]


def _statuses(*codes: int) -> dict[str, int]:
    return dict(zip(ROLES, codes, strict=True))


#                 anon outs memb admn othr stpk stcn padm
EVERYONE = _statuses(200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = _statuses(401, 200, 200, 200, 200, 200, 200, 200)
DRAFT_READ = _statuses(404, 404, 200, 200, 404, 404, 404, 200)
SUBMITTED_READ = _statuses(404, 404, 200, 200, 404, 200, 404, 200)
STAFF = _statuses(401, 403, 403, 403, 403, 200, 200, 200)
AUTHOR = _statuses(401, 403, 201, 201, 403, 403, 403, 403)
DRAFT_WRITE = _statuses(401, 404, 200, 200, 404, 404, 404, 403)
PUBLISHED_WRITE = _statuses(401, 403, 200, 200, 403, 403, 403, 403)
PK_MODERATION = _statuses(401, 404, 403, 403, 404, 200, 404, 200)
CN_MODERATION = _statuses(401, 404, 404, 404, 403, 404, 200, 200)
PUBLISHED_MATCHES = _statuses(401, 403, 200, 200, 403, 200, 403, 200)
DRAFT_MATCHES = _statuses(401, 404, 200, 200, 404, 404, 404, 200)

# operation → (method, path, body, status by role); {draft} etc. are profile ids.
OPERATIONS = {
    "list": ("get", "/profiles?limit=5", None, EVERYONE),
    "search": ("get", "/profiles/search?q=robot", None, EVERYONE),
    "read published": ("get", "/profiles/{published}", None, EVERYONE),
    "read draft": ("get", "/profiles/{draft}", None, DRAFT_READ),
    "read submitted": ("get", "/profiles/{submitted}", None, SUBMITTED_READ),
    "mine": ("get", "/profiles/mine", None, SIGNED_IN),
    "moderation queue": ("get", "/profiles/moderation", None, STAFF),
    "matches of a published profile": ("get", "/profiles/{published}/matches", None,
                                       PUBLISHED_MATCHES),
    "matches of a draft": ("get", "/profiles/{draft}/matches?k=3", None, DRAFT_MATCHES),
    "create": ("post", "/profiles", {"organisation": "indus-robotics", "kind": "rnd_partner",
                                     "title": "Partner for swarm robotics research"}, AUTHOR),
    "update draft": ("patch", "/profiles/{draft}", {"trl": 7}, DRAFT_WRITE),
    "translate draft": ("put", "/profiles/{draft}/translations/zh-hans",
                        {"title": "纺织厂用的低成本机械臂"}, DRAFT_WRITE),
    "submit draft": ("post", "/profiles/{draft}/submit", None, DRAFT_WRITE),
    "withdraw published": ("post", "/profiles/{published}/withdraw", None, PUBLISHED_WRITE),
    "extend published": ("post", "/profiles/{published}/extend", None, PUBLISHED_WRITE),
    "approve PK profile": ("post", "/profiles/{submitted}/approve", None, PK_MODERATION),
    "reject PK profile": ("post", "/profiles/{submitted}/reject",
                          {"reason": "Say which fabrics the arm handles."}, PK_MODERATION),
    "approve CN profile": ("post", "/profiles/{cn_submitted}/approve", None, CN_MODERATION),
}  # fmt: skip


def snapshot() -> dict:
    """Every profile row, translation, sector link and audit entry."""
    models = [
        CooperationProfile,
        ProfileTranslation,
        CooperationProfile.sectors.through,
        OrganisationMembership,
    ]
    rows = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    rows["audit"] = list(
        AuditEntry.objects.exclude(verb__startswith="api_token").order_by("pk").values()
    )
    return rows


@pytest.fixture
def cast(request, organisation, organisation_cn, zone_pk, zone_cn):
    """Every role of the standard cast (plus the Chinese organisation's member)."""
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


@pytest.fixture
def profiles(cast, organisation, organisation_cn, profile_fields):
    """A draft, a submitted and a published PK profile, and a submitted CN one."""
    member, other = cast["org_member"], cast["other_member"]

    def made(submit=False, approve=False):
        profile = profile_create(organisation=organisation, by=member, **profile_fields)
        if submit:
            profile_submit(profile=profile, by=member)
        if approve:
            profile_approve(profile=profile, by=cast["staff_pk"])
        return profile

    cn = profile_create(
        organisation=organisation_cn, by=other, kind="rnd_partner", title="寻找机器人视觉合作伙伴"
    )
    profile_submit(profile=cn, by=other)
    return {
        "draft": made().pk,
        "submitted": made(submit=True).pk,
        "published": made(submit=True, approve=True).pk,
        "cn_submitted": cn.pk,
    }


def call(client, headers, method, path, body=None):
    if method == "get":
        return client.get(API + path, **headers)
    data = json.dumps(body) if body is not None else ""
    return getattr(client, method)(
        API + path, data=data, content_type="application/json", **headers
    )


@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_permission_table(cast, profiles, role, operation, how):
    method, path, body, statuses = OPERATIONS[operation]
    client, headers = client_for(cast[role], how)
    before = snapshot()

    response = call(client, headers, method, path.format(**profiles), body)

    expected = statuses[role]
    assert response.status_code == expected, (role, operation, response.content)
    if expected >= 400:
        assert response.json()["detail"]
        assert snapshot() == before
    elif method != "get":
        assert (
            AuditEntry.objects.filter(actor=cast[role], verb__startswith="profile.")
            .exclude(pk__in=[e["id"] for e in before["audit"]])
            .exists()
        )


def test_staff_see_the_identity_of_their_own_countrys_profiles_only(cast, profiles):
    pk_staff, _ = client_for(cast["staff_pk"], "session")
    cn_staff, _ = client_for(cast["staff_cn"], "session")
    published = profiles["published"]
    assert pk_staff.get(f"{API}/profiles/{published}").json()["organisation"]["slug"] == (
        "indus-robotics"
    )
    assert cn_staff.get(f"{API}/profiles/{published}").json()["organisation"] is None
    assert cn_staff.get(f"{API}/profiles/{published}").json()["management"] is None


# --- The leak test ------------------------------------------------------------------

SECRET_ID = 97531864


@pytest.fixture
def hidden(zone_pk, publish, sector):
    """An anonymous organisation with every identifying field set, and its published offer."""
    organisation = OrganisationFactory(
        id=SECRET_ID,
        slug="hidden-dragon-labs",
        name="Hidden Dragon Labs",
        name_en="Hidden Dragon Laboratories",
        name_zh_hans="隐龙实验室",
        name_ur="ہڈن ڈریگن لیبز",
        website="https://hidden-dragon.example.pk/",
        city="Gwadar",
        country="PK",
        zone=zone_pk,
    )
    author = UserFactory(username="hd_author", email="mei.secret@hidden-dragon.example.pk")
    OrganisationMembership.objects.create(user=author, organisation=organisation, role="admin")
    offer = profile_create(
        organisation=organisation,
        by=author,
        kind="technology_offer",
        title="Robotic arm that sorts fabric rolls in textile mills",
        summary="A low-cost six-axis arm with machine vision for fabric.",
        keywords=["robotics", "textiles"],
        trl=7,
        modes=["licence"],
        sectors=[sector],
    )
    profile_translation_set(
        profile=offer, by=author, language="zh-hans", title="纺织厂用的布卷分拣机械臂"
    )
    publish(offer, by=author)
    draft = profile_create(
        organisation=organisation, by=author, kind="rnd_partner", title="Partner for soft robotics"
    )
    return {"organisation": organisation, "author": author, "offer": offer, "draft": draft}


SECRETS = [
    "Hidden Dragon",
    "hidden-dragon",
    "隐龙",
    "ہڈن ڈریگن",
    "Gwadar",
    str(SECRET_ID),
    "hd_author",
    "mei.secret",
]


def _answers(user, hidden, theirs) -> dict[str, object]:
    """Every answer ``user`` can get that concerns the hidden organisation's profiles."""
    client, headers = client_for(user, "token")
    offer, draft = hidden["offer"].pk, hidden["draft"].pk
    reads = {
        "list": "/profiles",
        "list by words": "/profiles?q=textile+robot+arm",
        "list filtered": "/profiles?country=PK&sector=robotics&kind=technology_offer",
        "list in Chinese": "/profiles?language=zh-hans",
        "read": f"/profiles/{offer}",
        "read the draft": f"/profiles/{draft}",
        "search": "/profiles/search?q=fabric+sorting+robot+arm",
        "search in Chinese": "/profiles/search?q=纺织+机械臂",
        "matches of the offer": f"/profiles/{offer}/matches",
    }
    if user is not None:
        reads |= {
            "mine": "/profiles/mine",
            "moderation": "/profiles/moderation",
            "matches of their own": f"/profiles/{theirs}/matches",
        }
    answers = {name: call(client, headers, "get", path) for name, path in reads.items()}
    writes = {
        "patch": ("patch", f"/profiles/{offer}", {"trl": 3}),
        "withdraw": ("post", f"/profiles/{offer}/withdraw", None),
        "extend": ("post", f"/profiles/{offer}/extend", None),
        "reject": ("post", f"/profiles/{offer}/reject", {"reason": "No."}),
        "translate": ("put", f"/profiles/{offer}/translations/ur", {"title": "روبوٹک بازو"}),
        "create for them": (
            "post",
            "/profiles",
            {"organisation": "hidden-dragon-labs", "kind": "rnd_partner", "title": "Mine now"},
        ),
    }
    for name, (method, path, body) in writes.items():
        answers[name] = call(client, headers, method, path, body)
    return {
        name: (response.status_code, response.content.decode(), dict(response.headers))
        for name, response in answers.items()
    }


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_member", "staff_cn"])
def test_no_answer_names_an_anonymous_organisation(
    request, who, hidden, cn_request, other_member, publish
):
    theirs = publish(cn_request, by=other_member).pk
    user = None if who == "anonymous" else request.getfixturevalue(who)
    answers = _answers(user, hidden, theirs)

    text = json.dumps(answers, ensure_ascii=False)
    for secret in SECRETS:
        assert secret.casefold() not in text.casefold(), (who, secret)
    # The answers are about the profile: it is listed, read, found and matched.
    reference = hidden["offer"].reference
    for name in ("list", "list by words", "list filtered", "list in Chinese", "read", "search",
                 "search in Chinese"):  # fmt: skip
        assert answers[name][0] == 200 and reference in answers[name][1], (name, answers[name])
    if who in ("other_member", "staff_cn"):
        # Their own request's best partner is the hidden offer, shown without its author.
        status, body, _ = answers["matches of their own"]
        assert status == 200
        matched = json.loads(body)["items"]
        assert matched[0]["profile"]["reference"] == reference
        assert matched[0]["profile"]["organisation"] is None
        assert matched[0]["explanation"]["passages"]
    assert answers["read the draft"][0] == 404
    assert CooperationProfile.objects.get(pk=hidden["offer"].pk).trl == 7


@pytest.mark.parametrize("who", ["author", "staff_pk", "platform_admin"])
def test_those_allowed_see_the_name_the_leak_test_looks_for(request, who, hidden):
    """The leak test's check would catch a leak: the same answers name the organisation here."""
    user = hidden["author"] if who == "author" else request.getfixturevalue(who)
    client, headers = client_for(user, "token")
    body = call(client, headers, "get", f"/profiles/{hidden['offer'].pk}").content.decode()
    assert "Hidden Dragon Labs" in body and "hidden-dragon-labs" in body and "Gwadar" in body
