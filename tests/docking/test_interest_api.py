"""The interest API: who may read and act, bad input, and what the JSON says of whom.

Non-readers get 404 (existence does not leak); readers who may not act get 403.
"""

import json

import pytest
from django.test import Client
from django.utils import translation

from corridor.docking.models import Interest, RevealApproval
from corridor.docking.services import profile_create
from corridor.docking.services.interest import interest_accept, interest_decline

from ..api_client import client_for, send
from .interest_cast import *  # noqa: F403
from .interest_cast import MESSAGE, leaks, owner_identity, snapshot

Reveal = Interest.Reveal


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def everyone(cast, outsider, platform_admin):
    return {**cast, "outsider": outsider, "platform_admin": platform_admin, "anonymous": None}


def call(method, path, user, body=None):
    return send(Client(), method, path, body, user)


def owner_needles(owner_org, cast):
    return owner_identity(owner_org, cast["owner_admin"], cast["owner_member"])


# --- Sending --------------------------------------------------------------------------------


def test_a_sender_expresses_interest(cast, profile, sender_org):
    response = call(
        "post",
        f"/profiles/{profile.pk}/interests",
        cast["sender_member"],
        {"organisation": sender_org.slug, "message": MESSAGE},
    )
    assert response.status_code == 201, response.content
    data = response.json()
    interest = Interest.objects.get()
    assert data["id"] == interest.pk and data["reference"] == interest.reference
    assert data["status"] == "sent" and data["side"] == "sender" and data["language"] == "en"
    assert data["owner"] == {"organisation": None, "contacts": []}
    assert data["sender"]["organisation"]["slug"] == sender_org.slug


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("owner_member", 422),  # its own profile
        ("staff_pk", 403),
        ("staff_cn", 403),
        ("third_staff", 403),
        ("outsider", 403),
        ("platform_admin", 403),
        ("anonymous", 401),
    ],
)
def test_others_cannot_send_for_the_organisation(
    who, status, everyone, profile, sender_org, owner_org
):
    slug = owner_org.slug if who == "owner_member" else sender_org.slug
    response = call(
        "post",
        f"/profiles/{profile.pk}/interests",
        everyone[who],
        {"organisation": slug, "message": MESSAGE},
    )
    assert response.status_code == status, response.content
    assert not Interest.objects.exists()


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"message": MESSAGE, "extra": 1}, "extra"),
        ({"message": ""}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": "a\x00b"}, "message"),
        ({"message": MESSAGE, "language": "fr"}, "language"),
        ({"message": MESSAGE, "organisation": "no-such-org"}, "organisation"),
        ({"message": MESSAGE, "organisation": "Bad Slug!"}, "organisation"),
        ({"message": MESSAGE, "sender_profile": 0}, "sender_profile"),
        ({"message": MESSAGE, "sender_profile": 2**70}, "sender_profile"),
        ({"message": ["list"]}, "message"),
    ],
)
def test_bad_input_is_a_422_and_changes_nothing(body, where, cast, profile, sender_org):
    body = {"organisation": sender_org.slug, **body}
    response = call("post", f"/profiles/{profile.pk}/interests", cast["sender_member"], body)
    assert response.status_code == 422, response.content
    assert where in json.dumps(response.json())
    assert not Interest.objects.exists()


def test_a_sender_profile_of_another_organisation_is_refused(
    cast, profile, sender_org, owner_org, owner_member, profile_fields
):
    theirs = profile_create(organisation=owner_org, by=owner_member, **profile_fields)
    response = call(
        "post",
        f"/profiles/{profile.pk}/interests",
        cast["sender_member"],
        {"organisation": sender_org.slug, "message": MESSAGE, "sender_profile": theirs.pk},
    )
    assert response.status_code == 422
    assert "sender_profile" in json.dumps(response.json())


def test_a_second_interest_is_a_clear_422(cast, sent, profile, sender_org):
    response = call(
        "post",
        f"/profiles/{profile.pk}/interests",
        cast["sender_admin"],
        {"organisation": sender_org.slug, "message": MESSAGE},
    )
    assert response.status_code == 422
    assert "already expressed interest" in response.json()["detail"][0]["msg"]
    assert Interest.objects.count() == 1


def test_an_unpublished_or_unknown_profile_is_not_found(
    cast, sender_org, owner_org, owner_member, profile_fields
):
    draft = profile_create(organisation=owner_org, by=owner_member, **profile_fields)
    for pk in (draft.pk, 999999, 2**63 - 1):
        response = call(
            "post",
            f"/profiles/{pk}/interests",
            cast["sender_member"],
            {"organisation": sender_org.slug, "message": MESSAGE},
        )
        assert response.status_code == 404
    assert call("post", f"/profiles/{2**63}/interests", cast["sender_member"], {}).status_code in (
        404,
        422,
    )


def test_the_browser_sends_with_its_session_and_csrf_token(cast, profile, sender_org):
    browser, headers = client_for(cast["sender_member"], "session")
    response = browser.post(
        f"/api/v1/profiles/{profile.pk}/interests",
        data=json.dumps({"organisation": sender_org.slug, "message": MESSAGE}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    without = Client(enforce_csrf_checks=True)
    without.force_login(cast["sender_admin"])
    response = without.post(
        f"/api/v1/profiles/{profile.pk}/interests",
        data=json.dumps({"organisation": sender_org.slug, "message": MESSAGE}),
        content_type="application/json",
    )
    assert response.status_code in (401, 403)
    assert Interest.objects.count() == 1


# --- Reading --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "side"),
    [
        ("owner_admin", 200, "owner"),
        ("owner_member", 200, "owner"),
        ("sender_admin", 200, "sender"),
        ("sender_member", 200, "sender"),
        ("staff_pk", 200, "broker"),
        ("staff_cn", 200, "broker"),
        ("platform_admin", 200, "broker"),
        ("third_staff", 404, None),
        ("outsider", 404, None),
        ("anonymous", 401, None),
    ],
)
def test_who_reads_an_interest(who, status, side, everyone, sent):
    response = call("get", f"/interests/{sent.pk}", everyone[who])
    assert response.status_code == status
    if side:
        assert response.json()["side"] == side


def test_an_unknown_interest_is_not_found_like_a_hidden_one(cast, outsider, sent):
    hidden = call("get", f"/interests/{sent.pk}", outsider)
    missing = call("get", "/interests/999999", cast["sender_member"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_the_sender_side_json_names_no_owner_before_the_reveal(cast, sent, owner_org):
    needles = owner_needles(owner_org, cast)
    sender = cast["sender_member"]
    for path in (f"/interests/{sent.pk}", "/interests?box=sent"):
        response = call("get", path, sender)
        assert response.status_code == 200
        assert leaks(response.content.decode(), needles) == []
    interest_decline(
        interest=sent, by=cast["owner_admin"], reason="other", note="Indus Robotics says no"
    )
    response = call("get", f"/interests/{sent.pk}", sender)
    assert response.json()["decline_reason"] == "other"
    assert response.json()["decline_note"] is None
    assert leaks(response.content.decode(), needles) == []


def test_awaiting_approval_the_json_still_names_no_owner(cast, sent, owner_org, needs_approval_pk):
    interest_accept(interest=sent, by=cast["owner_admin"])
    for path in (f"/interests/{sent.pk}", "/interests?box=sent"):
        response = call("get", path, cast["sender_admin"])
        assert leaks(response.content.decode(), owner_needles(owner_org, cast)) == []
    assert response.json()["items"][0]["reveal"] == "awaiting_approval"


def test_after_the_reveal_the_sender_side_json_names_the_owner_and_its_people(
    cast, sent, owner_org
):
    interest_accept(interest=sent, by=cast["owner_admin"])
    data = call("get", f"/interests/{sent.pk}", cast["sender_member"]).json()
    assert data["owner"]["organisation"]["name"] == owner_org.name
    assert data["owner"]["organisation"]["website"] == owner_org.website
    assert {c["email"] for c in data["owner"]["contacts"]} == {
        cast["owner_admin"].email,
        cast["owner_member"].email,
    }
    assert data["open_for_introduction"] is True
    rows = call("get", "/interests", cast["sender_member"], {"box": "sent"}).json()["items"]
    assert rows[0]["counterpart"]["slug"] == owner_org.slug


def test_the_owner_side_sees_the_sending_organisation_but_not_its_people_before_the_reveal(
    cast, sent, sender_org
):
    data = call("get", f"/interests/{sent.pk}", cast["owner_member"]).json()
    assert data["sender"]["organisation"]["name"] == sender_org.name
    assert data["sender"]["contacts"] == []
    assert data["message"] == MESSAGE
    text = json.dumps(data)
    assert cast["sender_member"].email not in text and "cn_member" not in text
    rows = call("get", "/interests", cast["owner_member"]).json()["items"]
    assert rows[0]["counterpart"]["name"] == sender_org.name


def test_brokers_read_their_own_side_and_the_other_after_the_reveal(
    cast, sent, owner_org, sender_org
):
    data = call("get", f"/interests/{sent.pk}", cast["staff_cn"]).json()
    assert data["owner"]["organisation"] is None  # the Pakistani owner has not consented yet
    assert owner_org.slug not in json.dumps(data)
    assert data["sender"]["organisation"]["slug"] == sender_org.slug
    interest_accept(interest=sent, by=cast["owner_admin"])
    data = call("get", f"/interests/{sent.pk}", cast["staff_cn"]).json()
    assert data["owner"]["organisation"]["slug"] == owner_org.slug


def test_the_boxes_hold_each_sides_interests(cast, sent, outsider):
    received = call("get", "/interests", cast["owner_admin"], {"box": "received"}).json()
    assert received["count"] == 1 and received["items"][0]["side"] == "owner"
    assert call("get", "/interests", cast["owner_admin"], {"box": "sent"}).json()["count"] == 0
    sent_box = call("get", "/interests", cast["sender_admin"], {"box": "sent"}).json()
    assert sent_box["count"] == 1 and sent_box["items"][0]["side"] == "sender"
    assert call("get", "/interests", cast["staff_pk"]).json()["count"] == 0
    assert call("get", "/interests", outsider).json()["count"] == 0
    assert call("get", "/interests", None).status_code == 401
    filtered = call("get", "/interests", cast["owner_admin"], {"status": "accepted"}).json()
    assert filtered["count"] == 0
    bad = call("get", "/interests", cast["owner_admin"], {"box": "mine", "status": "lost"})
    assert bad.status_code == 422


def test_the_list_does_not_query_per_row(
    cast,
    sent,
    profile,
    owner_org,
    owner_member,
    profile_fields,
    publish,
    django_assert_max_num_queries,
):
    from corridor.docking.services.interest import interest_send

    sender = cast["sender_member"]
    client = Client()
    client.force_login(sender)
    with django_assert_max_num_queries(20) as one:
        assert client.get("/api/v1/interests?box=sent").status_code == 200
    for _ in range(3):
        other = publish(
            profile_create(organisation=owner_org, by=owner_member, **profile_fields),
            by=owner_member,
        )
        interest_send(profile=other, organisation=sent.organisation, by=sender, message=MESSAGE)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/api/v1/interests?box=sent")
    assert response.json()["count"] == 4


# --- Answering --------------------------------------------------------------------------------


ACTIONS = {
    "accept": ("owner", None),
    "decline": ("owner", {"reason": "too_early", "note": "Come back next year."}),
    "withdraw": ("sender", None),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(
    "who",
    [
        "owner_admin",
        "owner_member",
        "sender_admin",
        "sender_member",
        "staff_pk",
        "staff_cn",
        "platform_admin",
        "third_staff",
        "outsider",
        "anonymous",
    ],
)
def test_who_may_answer_or_withdraw(action, who, everyone, sent):
    side, body = ACTIONS[action]
    before = snapshot(sent)
    response = call("post", f"/interests/{sent.pk}/{action}", everyone[who], body)
    if who.startswith(side):
        assert response.status_code == 200, response.content
        sent.refresh_from_db()
        assert sent.status == {"accept": "accepted", "decline": "declined"}.get(action, "withdrawn")
        return
    expected = {"third_staff": 404, "outsider": 404, "anonymous": 401}.get(who, 403)
    assert response.status_code == expected, response.content
    assert snapshot(sent) == before


def test_accepting_answers_with_the_revealed_sender(cast, sent, sender_org):
    response = call("post", f"/interests/{sent.pk}/accept", cast["owner_member"])
    data = response.json()
    assert data["status"] == "accepted" and data["reveal"] == "revealed"
    assert {c["email"] for c in data["sender"]["contacts"]} == {
        cast["sender_admin"].email,
        cast["sender_member"].email,
    }


def test_a_second_acceptance_is_a_clear_422(cast, sent):
    assert call("post", f"/interests/{sent.pk}/accept", cast["owner_member"]).status_code == 200
    response = call("post", f"/interests/{sent.pk}/accept", cast["owner_admin"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "This expression of interest has already been answered."
    )


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "bored"},
        {"note": "n" * 1001},
        {"note": "x\x00"},
        {"reason": "other", "extra": True},
        {"reason": None},
    ],
)
def test_a_bad_decline_is_a_422_and_changes_nothing(body, cast, sent):
    before = snapshot(sent)
    response = call("post", f"/interests/{sent.pk}/decline", cast["owner_member"], body)
    assert response.status_code == 422, response.content
    assert snapshot(sent) == before


def test_the_decline_note_stays_with_the_owner_and_brokers(cast, sent):
    call(
        "post",
        f"/interests/{sent.pk}/decline",
        cast["owner_member"],
        {"reason": "no_capacity", "note": "Busy until spring."},
    )
    assert call("get", f"/interests/{sent.pk}", cast["owner_admin"]).json()["decline_note"] == (
        "Busy until spring."
    )
    assert call("get", f"/interests/{sent.pk}", cast["staff_pk"]).json()["decline_note"] == (
        "Busy until spring."
    )
    assert call("get", f"/interests/{sent.pk}", cast["sender_admin"]).json()["decline_note"] is None


# --- Reveal approvals ---------------------------------------------------------------------------


@pytest.fixture
def awaiting(needs_approval_pk, sent, cast):
    interest_accept(interest=sent, by=cast["owner_admin"])
    return RevealApproval.objects.get(interest=sent)


@pytest.mark.parametrize(
    ("who", "status", "count"),
    [
        ("staff_pk", 200, 1),
        ("platform_admin", 200, 1),
        ("staff_cn", 200, 0),
        ("third_staff", 200, 0),
        ("owner_admin", 403, None),
        ("sender_member", 403, None),
        ("outsider", 403, None),
        ("anonymous", 401, None),
    ],
)
def test_who_lists_reveals_to_approve(
    who, status, count, everyone, awaiting, owner_org, sender_org
):
    response = call("get", "/reveal-approvals", everyone[who])
    assert response.status_code == status
    if count is not None:
        items = response.json()["items"]
        assert len(items) == count
        if items:
            assert items[0]["authority"] == "stza"
            assert items[0]["interest"]["owner"]["slug"] == owner_org.slug
            assert items[0]["interest"]["sender"]["slug"] == sender_org.slug


@pytest.mark.parametrize("decision", ["approve", "refuse"])
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff_pk", 200),
        ("platform_admin", 200),
        ("staff_cn", 403),  # brokers the interest, but its authority was not asked
        ("owner_admin", 403),
        ("sender_member", 403),
        ("third_staff", 404),
        ("outsider", 404),
        ("anonymous", 401),
    ],
)
def test_who_decides_a_reveal(decision, who, status, everyone, awaiting):
    body = {"note": "Checked."} if decision == "refuse" else None
    before = snapshot(awaiting.interest)
    response = call("post", f"/reveal-approvals/{awaiting.pk}/{decision}", everyone[who], body)
    assert response.status_code == status, response.content
    awaiting.refresh_from_db()
    if status == 200:
        assert awaiting.decision == {"approve": "approved", "refuse": "refused"}[decision]
        assert response.json()["decision"] == awaiting.decision
        assert response.json()["interest"]["reveal"] == (
            "revealed" if decision == "approve" else "refused"
        )
    else:
        assert awaiting.decision == "pending"
        assert snapshot(awaiting.interest) == before


def test_approval_reveals_the_owner_to_the_sender_in_the_api(cast, awaiting, owner_org):
    sender = cast["sender_member"]
    path = f"/interests/{awaiting.interest_id}"
    assert leaks(call("get", path, sender).content.decode(), owner_needles(owner_org, cast)) == []
    call("post", f"/reveal-approvals/{awaiting.pk}/approve", cast["staff_pk"])
    assert call("get", path, sender).json()["owner"]["organisation"]["name"] == owner_org.name


@pytest.mark.parametrize("body", [{"note": "n" * 1001}, {"note": "a\x00"}, {"nope": 1}])
def test_a_bad_refusal_is_a_422(body, cast, awaiting):
    response = call("post", f"/reveal-approvals/{awaiting.pk}/refuse", cast["staff_pk"], body)
    assert response.status_code == 422
    awaiting.refresh_from_db()
    assert awaiting.decision == "pending"


def test_deciding_twice_is_a_422(cast, awaiting):
    assert (
        call("post", f"/reveal-approvals/{awaiting.pk}/approve", cast["staff_pk"]).status_code
        == 200
    )
    response = call("post", f"/reveal-approvals/{awaiting.pk}/refuse", cast["staff_pk"], {})
    assert response.status_code == 422
    assert "no longer waiting" in response.json()["detail"][0]["msg"]


def test_an_unknown_approval_is_not_found(cast, awaiting):
    for pk in (999999, 2**63 - 1):
        assert call("post", f"/reveal-approvals/{pk}/approve", cast["staff_pk"]).status_code == 404
