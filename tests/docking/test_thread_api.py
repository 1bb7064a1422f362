"""The thread's API: GET/POST /interests/{id}/messages and GET /attachments/{id}.

Readers are the parties (while the introduction is open) and the brokering staff;
everyone else gets 404, signed in or not. Brokers writing get 403, bad input 422.
"""

import pytest
from django.test import Client

from corridor.core.models import Notification
from corridor.docking.models import Attachment, Message
from corridor.docking.services.interest import interest_withdraw
from corridor.docking.services.introductions import message_post

from ..api_client import API, bearer, client_for
from .thread_fixtures import *  # noqa: F403
from .thread_fixtures import PDF_TYPE, PNG_TYPE, docx_bytes, pdf_bytes, png_bytes, stored_files
from .thread_fixtures import upload as make_upload

BODY = "Here is our test report and a photo of the arm."

READERS = ["org_member", "org_admin", "other_member", "staff_pk", "staff_cn", "platform_admin"]
OTHERS = ["outsider", "third_staff"]


def _messages_path(interest) -> str:
    return f"/interests/{interest.pk}/messages"


def _get(client, path, user=None):
    return client.get(API + path, **(bearer(user) if user is not None else {}))


def _post(client, interest, user, data):
    return client.post(API + _messages_path(interest), data, **bearer(user))


@pytest.fixture
def posted(open_interest, other_member, org_member):
    message_post(
        interest=open_interest,
        by=other_member,
        body="我们想看看测试报告。",
        files=[make_upload("报告.pdf", pdf_bytes())],
    )
    message_post(interest=open_interest, by=org_member, body="Attached.")
    return open_interest


# --- Reading the thread ----------------------------------------------------------------


@pytest.mark.parametrize("who", READERS)
def test_parties_and_brokers_read_the_thread_oldest_first(client, posted, who, request):
    user = request.getfixturevalue(who)
    response = _get(client, _messages_path(posted), user)
    assert response.status_code == 200
    data = response.json()
    assert data["interest"] == posted.reference
    assert data["open"] is True
    assert data["can_write"] is (who in ("org_member", "org_admin", "other_member"))
    first, second = data["items"]
    assert (first["side"], first["organisation"], first["language"]) == (
        "sender",
        "Z-Park AI",
        "zh-hans",
    )
    assert (second["side"], second["organisation"], second["author"]) == (
        "owner",
        "Indus Robotics",
        "org_member",
    )
    [attachment] = first["attachments"]
    assert attachment["name"] == "报告.pdf"
    assert attachment["content_type"] == PDF_TYPE
    assert attachment["url"] == f"/api/v1/attachments/{attachment['id']}"
    assert set(first) == {
        "id", "side", "organisation", "author", "body", "language", "created_at", "attachments"
    }  # fmt: skip


@pytest.mark.parametrize("who", [*OTHERS, None])
def test_others_and_anonymous_get_404_for_the_thread(client, posted, who, request):
    user = request.getfixturevalue(who) if who else None
    response = _get(client, _messages_path(posted), user)
    assert response.status_code == 404
    assert "报告" not in response.content.decode()


def test_a_wrong_token_is_401_not_the_anonymous_404(client, posted):
    response = client.get(
        API + _messages_path(posted), HTTP_AUTHORIZATION="Bearer cor_not-a-real-token"
    )
    assert response.status_code == 401


def test_unknown_interest_is_404_like_a_hidden_one(client, posted, org_member):
    for interest_id in (999999, 2**63 - 1):
        assert _get(client, f"/interests/{interest_id}/messages", org_member).status_code == 404
    assert _get(client, f"/interests/{2**63}/messages", org_member).status_code == 422


def test_parties_of_an_unanswered_interest_have_no_thread_yet(client, sent, org_member, staff_pk):
    assert _get(client, _messages_path(sent), org_member).status_code == 404
    response = _get(client, _messages_path(sent), staff_pk)
    assert response.status_code == 200
    assert response.json() == {
        "interest": sent.reference,
        "open": False,
        "can_write": False,
        "items": [],
    }


def test_the_session_reads_the_thread_too(posted, other_member):
    browser, headers = client_for(other_member, "session")
    response = browser.get(API + _messages_path(posted), **headers)
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


def test_reading_a_long_thread_takes_constant_queries(
    client, open_interest, org_member, other_member, django_assert_max_num_queries
):
    for n in range(8):
        message_post(
            interest=open_interest,
            by=org_member if n % 2 else other_member,
            body=f"message {n}",
            files=[make_upload(f"{n}.pdf", pdf_bytes() + bytes([n]))],
        )
    headers = bearer(org_member)
    with django_assert_max_num_queries(12):
        response = client.get(API + _messages_path(open_interest), **headers)
    assert response.status_code == 200 and len(response.json()["items"]) == 8


# --- Writing -----------------------------------------------------------------------------


def test_party_posts_multipart_with_files(client, open_interest, org_member, private_root):
    response = _post(
        client,
        open_interest,
        org_member,
        {
            "body": BODY,
            "files": [make_upload("report.pdf", pdf_bytes()), make_upload("arm.png", png_bytes())],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["side"] == "owner" and data["body"] == BODY and data["language"] == "en"
    assert [(a["name"], a["content_type"]) for a in data["attachments"]] == [
        ("report.pdf", PDF_TYPE),
        ("arm.png", PNG_TYPE),
    ]
    assert len(stored_files(private_root)) == 2
    assert Notification.objects.filter(kind="message.received").count() == 2  # the CN side


def test_party_posts_a_message_without_files(client, open_interest, other_member):
    response = _post(client, open_interest, other_member, {"body": "Thank you!"})
    assert response.status_code == 201
    assert response.json()["attachments"] == []


def test_party_posts_a_docx(client, open_interest, other_member):
    response = _post(
        client,
        open_interest,
        other_member,
        {"body": BODY, "files": [make_upload("terms.docx", docx_bytes())]},
    )
    assert response.status_code == 201
    assert response.json()["attachments"][0]["content_type"].endswith("document")


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin"])
def test_brokers_writing_get_403(client, open_interest, who, request):
    response = _post(client, open_interest, request.getfixturevalue(who), {"body": BODY})
    assert response.status_code == 403
    assert Message.objects.count() == 0


@pytest.mark.parametrize("who", OTHERS)
def test_others_writing_get_404(client, open_interest, who, request):
    response = _post(client, open_interest, request.getfixturevalue(who), {"body": BODY})
    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_anonymous_writing_is_asked_to_sign_in(client, open_interest):
    response = client.post(API + _messages_path(open_interest), {"body": BODY})
    assert response.status_code == 401
    assert Message.objects.count() == 0


def test_a_session_write_without_csrf_is_refused(open_interest, org_member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_member)
    response = browser.post(API + _messages_path(open_interest), {"body": BODY})
    assert response.status_code == 403
    assert Message.objects.count() == 0
    browser.cookies["csrftoken"] = "c" * 32
    response = browser.post(
        API + _messages_path(open_interest), {"body": BODY}, HTTP_X_CSRFTOKEN="c" * 32
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "data, field",
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"body": "nul \x00"}, "body"),
        ({"body": BODY, "files": [make_upload("invoice.pdf", b"<html><script>x</script>")]},
         "files"),
        ({"body": BODY, "files": [make_upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 64)]},
         "files"),
        ({"body": BODY, "files": [make_upload(f"{n}.pdf", pdf_bytes()) for n in range(6)]},
         "files"),
    ],
    ids=["empty", "too-long", "nul", "html-as-pdf", "exe", "six-files"],
)  # fmt: skip
def test_bad_input_is_422_and_keeps_nothing(
    client, open_interest, org_member, private_root, data, field
):
    response = _post(client, open_interest, org_member, data)
    assert response.status_code == 422, response.content
    fields = [error["loc"][-1] for error in response.json()["detail"]]
    assert field in fields
    assert Message.objects.count() == 0 and Attachment.objects.count() == 0
    assert stored_files(private_root) == []


def test_missing_body_is_422(client, open_interest, org_member):
    response = _post(client, open_interest, org_member, {})
    assert response.status_code == 422


def test_oversize_file_is_422(client, open_interest, org_member, private_root, settings):
    settings.CORRIDOR_ATTACHMENT_MAX_BYTES = 512
    response = _post(
        client,
        open_interest,
        org_member,
        {"body": BODY, "files": [make_upload("big.pdf", pdf_bytes() + b"0" * 600)]},
    )
    assert response.status_code == 422
    assert "big.pdf" in response.json()["detail"][0]["msg"]
    assert stored_files(private_root) == []


def test_writing_to_a_closed_introduction_is_422(client, sent, org_member):
    response = _post(client, sent, org_member, {"body": BODY})
    # The party may read the interest, so not 404; the thread is not open yet.
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "status"


# --- Downloading ---------------------------------------------------------------------------


@pytest.fixture
def attachment(posted):
    return Attachment.objects.get()


def _download_path(attachment) -> str:
    return f"/attachments/{attachment.pk}"


@pytest.mark.parametrize("who", READERS)
def test_readers_download_the_file_with_safe_headers(client, attachment, who, request):
    response = _get(client, _download_path(attachment), request.getfixturevalue(who))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == PDF_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="__.pdf"; ')
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("who", [*OTHERS, None])
def test_others_and_anonymous_get_404_for_a_download(client, attachment, who, request):
    user = request.getfixturevalue(who) if who else None
    response = _get(client, _download_path(attachment), user)
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_unknown_attachment_is_404(client, attachment, org_member):
    assert _get(client, "/attachments/999999", org_member).status_code == 404


def test_after_the_introduction_ends_parties_lose_the_files_brokers_keep_them(
    client, attachment, posted, other_member, org_member, staff_cn
):
    interest_withdraw(interest=posted, by=other_member)
    assert _get(client, _download_path(attachment), org_member).status_code == 404
    assert _get(client, _messages_path(posted), org_member).status_code == 404
    assert _get(client, _download_path(attachment), staff_cn).status_code == 200
    assert _get(client, _messages_path(posted), staff_cn).json()["open"] is False
