"""The introduction thread: who writes, who reads, what files are accepted, what is kept.

Service, page and include; the API has its own module (test_thread_api.py).
"""

import datetime
import hashlib

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from corridor.core.models import Notification
from corridor.docking.models import Attachment, Interest, Message
from corridor.docking.selectors.introductions import attachment_for, thread_messages
from corridor.docking.services.interest import interest_decline, interest_withdraw
from corridor.docking.services.introductions import message_post
from corridor.docking.uploads import safe_name
from corridor.docking.views.introductions import content_disposition, thread_context

from .thread_fixtures import *  # noqa: F403
from .thread_fixtures import (
    DOCX_TYPE,
    PDF_TYPE,
    PNG_TYPE,
    docx_bytes,
    jpeg_bytes,
    office_bytes,
    pdf_bytes,
    png_bytes,
    stored_files,
    upload,
)

OOXML = "application/vnd.openxmlformats-officedocument."
BODY = "Thank you for accepting. Could we see the arm's test report?"


def _post(interest, user, body=BODY, files=(), **extra):
    return message_post(interest=interest, by=user, body=body, files=files, **extra)


def _refused(interest, user, private_root, *, files=(), body=BODY, error=ValidationError):
    """Posting is refused and leaves nothing behind: no message, no attachment, no file."""
    messages_before = Message.objects.count()
    notifications_before = Notification.objects.count()
    with pytest.raises(error) as caught:
        _post(interest, user, body=body, files=files)
    assert Message.objects.count() == messages_before
    assert Attachment.objects.count() == 0
    assert Notification.objects.count() == notifications_before
    assert stored_files(private_root) == []
    return caught.value


def _file_errors(error: ValidationError) -> str:
    return " ".join(error.message_dict.get("files", []))


# --- Who writes -----------------------------------------------------------------


def test_owner_side_posts_to_an_open_introduction(open_interest, org_member, organisation):
    message = _post(open_interest, org_member)
    assert message.organisation == organisation
    assert message.author == org_member
    assert message.body == BODY
    assert message.language == "en"


def test_sender_side_posts_and_the_language_is_detected(
    open_interest, other_member, organisation_cn
):
    message = _post(open_interest, other_member, body="感谢您接受我们的意向，我们想看看测试报告。")
    assert message.organisation == organisation_cn
    assert message.language == "zh-hans"


def test_urdu_message_is_tagged_urdu(open_interest, org_member):
    message = _post(open_interest, org_member, body="ہم آپ کی ٹیم سے اسلام آباد میں ملنا چاہیں گے۔")
    assert message.language == "ur"


@pytest.mark.parametrize("broker", ["staff_pk", "staff_cn", "platform_admin"])
def test_brokers_read_but_may_not_write(open_interest, broker, request, private_root):
    user = request.getfixturevalue(broker)
    _refused(open_interest, user, private_root, error=PermissionDenied)


@pytest.mark.parametrize("who", ["outsider", "third_staff"])
def test_others_may_not_write(open_interest, who, request, private_root):
    _refused(open_interest, request.getfixturevalue(who), private_root, error=PermissionDenied)


def test_anonymous_may_not_write(open_interest, private_root):
    from django.contrib.auth.models import AnonymousUser

    _refused(open_interest, AnonymousUser(), private_root, error=PermissionDenied)


# --- Closed introductions ---------------------------------------------------------


def test_not_yet_accepted_interest_has_no_thread(sent, org_member, other_member, private_root):
    for user in (org_member, other_member):
        error = _refused(sent, user, private_root, files=[upload("a.pdf", pdf_bytes())])
        assert "status" in error.message_dict


def test_declined_interest_has_no_thread(sent, org_member, private_root):
    declined = interest_decline(interest=sent, by=org_member, reason="not_relevant")
    _refused(declined, org_member, private_root)


def test_withdrawn_introduction_refuses_new_messages(open_interest, other_member, private_root):
    withdrawn = interest_withdraw(interest=open_interest, by=other_member)
    _refused(withdrawn, other_member, private_root)


def test_accepted_but_awaiting_staff_approval_refuses(sent, org_member, authority_pk, private_root):
    authority_pk.reveal_needs_approval = True
    authority_pk.save(update_fields=["reveal_needs_approval"])
    from corridor.docking.services.interest import interest_accept

    awaiting = interest_accept(interest=sent, by=org_member)
    assert awaiting.reveal == "awaiting_approval"
    _refused(awaiting, org_member, private_root)


def test_an_interest_object_that_is_stale_is_checked_again_under_lock(
    open_interest, org_member, other_member, private_root
):
    stale = Interest.objects.get(pk=open_interest.pk)
    interest_withdraw(interest=open_interest, by=other_member)
    # The caller's copy still says "accepted"; the locked row decides.
    _refused(stale, org_member, private_root)


# --- The body ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["", "   \n ", "x" * 4001, "nul\x00byte", None],
    ids=["empty", "blank", "too-long", "nul", "none"],
)
def test_bad_bodies_are_refused(open_interest, org_member, private_root, body):
    error = _refused(open_interest, org_member, private_root, body=body)
    assert "body" in error.message_dict


def test_body_of_exactly_4000_characters_is_kept(open_interest, org_member):
    assert len(_post(open_interest, org_member, body="x" * 4000).body) == 4000


# --- Attachments accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("report.pdf", pdf_bytes(), PDF_TYPE),
        ("arm.png", png_bytes(), PNG_TYPE),
        ("terms.docx", docx_bytes(), DOCX_TYPE),
        ("photo.JPG", jpeg_bytes(), "image/jpeg"),
        ("prices.xlsx", office_bytes("xl"), OOXML + "spreadsheetml.sheet"),
        ("pitch.pptx", office_bytes("ppt"), OOXML + "presentationml.presentation"),
        ("notes.txt", "Pricing: 12 000 ¥ per arm\n价格\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_accepted_files_are_stored_with_the_type_found_in_their_content(
    open_interest, org_member, private_root, name, content, content_type
):
    # The browser claims a wrong type; the content decides.
    message = _post(open_interest, org_member, files=[upload(name, content, "text/html")])
    attachment = message.attachments.get()
    assert attachment.name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    [path] = stored_files(private_root)
    assert path.read_bytes() == content
    # Stored by digest, under the interest, never by the sender's name.
    assert path.name == attachment.sha256
    assert path.parent.parent.name == str(open_interest.pk)


def test_five_files_in_one_message(open_interest, org_member, private_root):
    files = [upload(f"part-{n}.pdf", pdf_bytes() + bytes([n])) for n in range(5)]
    message = _post(open_interest, org_member, files=files)
    assert message.attachments.count() == 5
    assert len(stored_files(private_root)) == 5


def test_the_same_file_twice_keeps_two_copies(open_interest, org_member, private_root):
    _post(open_interest, org_member, files=[upload("a.pdf", pdf_bytes())])
    _post(open_interest, org_member, files=[upload("a.pdf", pdf_bytes())])
    assert len(stored_files(private_root)) == 2
    assert len(set(Attachment.objects.values_list("file", flat=True))) == 2


def test_path_traversal_name_is_stored_safely(open_interest, org_member, private_root, tmp_path):
    message = _post(
        open_interest, org_member, files=[upload("../../etc/passwd", b"root:x:0:0:root\n")]
    )
    attachment = message.attachments.get()
    assert attachment.name == "passwd"
    [path] = stored_files(private_root)
    assert path.is_relative_to(private_root)
    assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("C:\\Users\\ayesha\\Desktop\\offer.pdf", "offer.pdf"),
        ("..", "attachment"),
        ("  .hidden.txt ", "hidden.txt"),
        ("bad\x00na\x1bme\r\n.txt", "badname.txt"),
        ("invoice\u202egpj.pdf", "invoicegpj.pdf"),
        ("تجویز\u200c نامہ.pdf", "تجویز\u200c نامہ.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_file_names_are_cleaned(raw, safe):
    assert safe_name(raw) == safe


# --- Attachments refused; nothing kept ---------------------------------------------


def test_html_named_pdf_is_refused(open_interest, org_member, private_root):
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    error = _refused(
        open_interest, org_member, private_root, files=[upload("invoice.pdf", page, PDF_TYPE)]
    )
    assert "invoice.pdf" in _file_errors(error)
    assert "PDF" in _file_errors(error)


def test_html_with_its_own_name_is_refused_as_a_web_page(open_interest, org_member, private_root):
    page = b"\n  <html><body>hello</body></html>"
    for name in ("page.html", "page.txt", "page"):
        error = _refused(open_interest, org_member, private_root, files=[upload(name, page)])
        assert "web page" in _file_errors(error)


def test_windows_executable_is_refused(open_interest, org_member, private_root):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    for name in ("setup.exe", "report.pdf", "report"):
        error = _refused(open_interest, org_member, private_root, files=[upload(name, exe)])
        assert name in _file_errors(error)


def test_zip_named_pdf_and_plain_zip_are_refused(open_interest, org_member, private_root):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    for name in ("offer.pdf", "offer.zip", "offer.docx"):
        _refused(open_interest, org_member, private_root, files=[upload(name, buffer.getvalue())])


def test_an_office_name_on_a_broken_archive_is_refused(open_interest, org_member, private_root):
    # The first entry says "word/", as filetype looks for, but the archive is cut short.
    broken = docx_bytes()[:300]
    for name in ("terms.docx", "terms"):
        _refused(open_interest, org_member, private_root, files=[upload(name, broken)])


def test_a_workbook_named_docx_is_refused(open_interest, org_member, private_root):
    error = _refused(
        open_interest, org_member, private_root, files=[upload("terms.docx", office_bytes("xl"))]
    )
    assert "terms.docx" in _file_errors(error)


def test_a_pdf_named_exe_is_refused(open_interest, org_member, private_root):
    error = _refused(
        open_interest, org_member, private_root, files=[upload("report.exe", pdf_bytes())]
    )
    assert ".pdf" in _file_errors(error)


@pytest.mark.parametrize(
    "content",
    [b"plain text with a \x00 NUL", b"\xff\xfe\xfdnot utf-8 \x80\x81", b"GIF89a\x01\x00\x01\x00"],
    ids=["nul", "not-utf8", "gif"],
)
def test_binary_or_unlisted_content_is_refused(open_interest, org_member, private_root, content):
    _refused(open_interest, org_member, private_root, files=[upload("notes.txt", content)])


def test_empty_file_is_refused(open_interest, org_member, private_root):
    _refused(open_interest, org_member, private_root, files=[upload("empty.txt", b"")])


def test_oversize_file_is_refused(open_interest, org_member, private_root, settings):
    settings.CORRIDOR_ATTACHMENT_MAX_BYTES = 1024
    big = pdf_bytes() + b"0" * 1024
    error = _refused(open_interest, org_member, private_root, files=[upload("big.pdf", big)])
    assert "big.pdf" in _file_errors(error)
    exactly = pdf_bytes().ljust(1024, b" ")
    assert _post(open_interest, org_member, files=[upload("fits.pdf", exactly)])


def test_oversize_file_whose_declared_size_lies_is_counted(
    open_interest, org_member, private_root, settings
):
    settings.CORRIDOR_ATTACHMENT_MAX_BYTES = 1024
    liar = upload("small.pdf", pdf_bytes() + b"0" * 4096)
    liar.size = 10
    _refused(open_interest, org_member, private_root, files=[liar])


def test_six_files_are_refused(open_interest, org_member, private_root):
    files = [upload(f"{n}.pdf", pdf_bytes()) for n in range(6)]
    _refused(open_interest, org_member, private_root, files=files)


def test_one_bad_file_refuses_the_whole_message(open_interest, org_member, private_root):
    files = [upload("good.pdf", pdf_bytes()), upload("bad.pdf", b"MZ\x90\x00" + b"\x00" * 64)]
    error = _refused(open_interest, org_member, private_root, files=files)
    assert "bad.pdf" in _file_errors(error) and "good.pdf" not in _file_errors(error)


def test_files_written_before_a_database_failure_are_removed(
    open_interest, org_member, private_root, monkeypatch
):
    calls = []
    original = Attachment.save

    def fail_on_second(self, *args, **kwargs):
        calls.append(self.name)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Attachment, "save", fail_on_second)
    files = [upload("one.pdf", pdf_bytes()), upload("two.png", png_bytes())]
    with pytest.raises(RuntimeError):
        _post(open_interest, org_member, files=files)
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(private_root) == []


# --- Notifications -------------------------------------------------------------------


def test_the_other_side_is_notified_once_and_only_it(
    open_interest, org_member, org_admin, other_member, sender_admin, staff_pk, staff_cn
):
    Notification.objects.all().delete()
    message = _post(open_interest, other_member)
    rows = Notification.objects.filter(kind="message.received")
    assert {n.user for n in rows} == {org_member, org_admin}
    assert rows.count() == 2
    for row in rows:
        assert row.key == f"message:{message.pk}"
        assert row.data == {"interest": open_interest.reference, "organisation": "Z-Park AI"}
        assert row.url == f"/en/profiles/interests/{open_interest.pk}/#thread"
    assert not Notification.objects.filter(
        user__in=[other_member, sender_admin, staff_pk, staff_cn]
    )


# --- Reading ---------------------------------------------------------------------------


def test_thread_is_oldest_first_with_attachments_in_constant_queries(
    open_interest, org_member, other_member, django_assert_max_num_queries
):
    start = datetime.datetime(2030, 1, 1, 10, 0, tzinfo=datetime.UTC)
    for n in range(6):
        user = org_member if n % 2 else other_member
        files = [upload(f"{n}-{k}.pdf", pdf_bytes() + bytes([n, k])) for k in range(2)]
        _post(open_interest, user, body=f"message {n}", files=files,
              now=start + datetime.timedelta(minutes=10 * (5 - n)))  # fmt: skip
    with django_assert_max_num_queries(3):
        rows = list(thread_messages(open_interest))
        bodies = [m.body for m in rows]
        names = [a.name for m in rows for a in m.attachments.all()]
        organisations = [m.organisation.name for m in rows]
        authors = [m.author.username for m in rows]
    assert bodies == [f"message {n}" for n in reversed(range(6))]
    assert len(names) == 12 and len(organisations) == len(authors) == 6


def _render_thread(interest, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("docking/includes/thread.html", thread_context(interest, user), request)


def test_party_sees_messages_form_limits_and_language_tags(
    open_interest, org_member, other_member, settings
):
    _post(
        open_interest,
        other_member,
        body="我们想看看测试报告。",
        files=[upload("报告.pdf", pdf_bytes())],
    )
    html = _render_thread(open_interest, org_member)
    assert 'id="thread"' in html
    assert 'lang="zh-hans" dir="auto"' in html
    assert "我们想看看测试报告。" in html
    assert "报告.pdf" in html and "bytes" in html
    attachment = Attachment.objects.get()
    assert reverse("docking:attachment_download", args=[attachment.pk]) in html
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and "multiple" in html
    assert 'accept=".pdf,' in html
    assert "Up to 5 files, each at most 10.0" in html
    assert "cn_member" in html and "Z-Park AI" in html


def test_broker_reads_the_thread_without_a_form(open_interest, other_member, staff_pk):
    _post(open_interest, other_member)
    html = _render_thread(open_interest, staff_pk)
    assert BODY.replace("'", "&#x27;") in html
    assert "<form" not in html
    assert "brokering staff" in html
    assert thread_context(open_interest, staff_pk)["thread"].can_write is False


def test_times_are_shown_on_each_readers_clock(open_interest, org_member, other_member):
    sent_at = datetime.datetime(2030, 3, 1, 10, 0, tzinfo=datetime.UTC)
    _post(open_interest, org_member, now=sent_at)
    pakistan = _render_thread(open_interest, org_member)
    china = _render_thread(open_interest, other_member)
    assert 'datetime="2030-03-01T10:00:00+00:00"' in pakistan
    assert "3 p.m." in pakistan and "Asia/Karachi" in pakistan
    assert "6 p.m." in china and "Asia/Shanghai" in china


def test_rtl_page_keeps_names_and_bodies_isolated(open_interest, org_member, other_member):
    from django.utils import translation

    _post(open_interest, other_member, body="Hello from Beijing")
    with translation.override("ur"):
        html = _render_thread(open_interest, org_member)
    assert '<bdi dir="auto">Z-Park AI</bdi>' in html
    assert 'lang="en" dir="auto"' in html


def test_party_of_a_closed_introduction_sees_no_thread(open_interest, org_member, other_member):
    _post(open_interest, org_member)
    withdrawn = interest_withdraw(interest=open_interest, by=other_member)
    context = thread_context(withdrawn, org_member)
    assert context["thread"].readable is False and context["thread"].messages == []
    assert _render_thread(withdrawn, org_member).strip() == ""


# --- The page's write and the download ------------------------------------------------


def _messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _post_url(interest) -> str:
    return reverse("docking:message_post", args=[interest.pk])


def test_page_post_saves_and_redirects_back_to_the_thread(
    client, open_interest, org_member, private_root
):
    client.force_login(org_member)
    response = client.post(
        _post_url(open_interest),
        {"body": BODY, "files": [upload("a.pdf", pdf_bytes()), upload("b.png", png_bytes())]},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("docking:interest_detail", args=[open_interest.pk]) + "#thread"
    )
    message = Message.objects.get()
    assert sorted(a.name for a in message.attachments.all()) == ["a.pdf", "b.png"]
    assert _messages_of(response) == ["Your message was sent."]
    assert len(stored_files(private_root)) == 2


def test_page_post_with_a_bad_file_says_why_and_keeps_nothing(
    client, open_interest, org_member, private_root
):
    client.force_login(org_member)
    response = client.post(
        _post_url(open_interest),
        {"body": BODY, "files": [upload("invoice.pdf", b"<html><script></script></html>")]},
    )
    assert response.status_code == 302
    [error] = _messages_of(response)
    assert "invoice.pdf" in error
    assert Message.objects.count() == 0 and stored_files(private_root) == []


def test_page_post_without_a_body_says_so(client, open_interest, org_member):
    client.force_login(org_member)
    response = client.post(_post_url(open_interest), {"body": ""})
    assert response.status_code == 302
    assert _messages_of(response) == ["Message: This field is required."]
    assert Message.objects.count() == 0


def test_page_post_to_a_closed_introduction_says_so(client, sent, org_member):
    client.force_login(org_member)
    response = client.post(_post_url(sent), {"body": BODY})
    assert response.status_code == 302
    assert "open only after" in _messages_of(response)[0]
    assert Message.objects.count() == 0


def test_page_post_by_a_broker_is_forbidden(client, open_interest, staff_cn):
    client.force_login(staff_cn)
    assert client.post(_post_url(open_interest), {"body": BODY}).status_code == 403
    assert Message.objects.count() == 0


@pytest.mark.parametrize("who", ["outsider", "third_staff", None])
def test_page_post_by_others_is_not_found(client, open_interest, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert client.post(_post_url(open_interest), {"body": BODY}).status_code == 404
    assert client.post(_post_url(open_interest) .replace(
        str(open_interest.pk), "999999"), {"body": BODY}).status_code == 404  # fmt: skip
    assert Message.objects.count() == 0


def test_page_post_needs_csrf(open_interest, org_member):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_member)
    assert browser.post(_post_url(open_interest), {"body": BODY}).status_code == 403
    assert Message.objects.count() == 0


@pytest.fixture
def attachment(open_interest, other_member):
    message = _post(
        open_interest, other_member, files=[upload("Angebot «final» 报告.pdf", pdf_bytes())]
    )
    return message.attachments.get()


def _download(client, attachment):
    return client.get(reverse("docking:attachment_download", args=[attachment.pk]))


@pytest.mark.parametrize(
    "who", ["org_member", "org_admin", "other_member", "staff_pk", "staff_cn", "platform_admin"]
)
def test_parties_and_brokers_download_with_safe_headers(client, attachment, who, request):
    client.force_login(request.getfixturevalue(who))
    response = _download(client, attachment)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == PDF_TYPE
    assert response["Content-Length"] == str(len(pdf_bytes()))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Angebot _final_ __.pdf\"; filename*=UTF-8''"
        "Angebot%20%C2%ABfinal%C2%BB%20%E6%8A%A5%E5%91%8A.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["outsider", "third_staff", None])
def test_others_get_404_for_a_download(client, attachment, who, request):
    if who:
        client.force_login(request.getfixturevalue(who))
    assert _download(client, attachment).status_code == 404


def test_download_of_an_unknown_or_huge_id_is_404(client, attachment, org_member):
    client.force_login(org_member)
    for pk in ("999999", "99999999999999999999999"):
        url = reverse("docking:attachment_download", args=[1]).replace("/1/", f"/{pk}/")
        assert client.get(url).status_code == 404


def test_party_of_an_ended_introduction_may_no_longer_download(
    client, attachment, open_interest, org_member, other_member, staff_pk
):
    interest_withdraw(interest=open_interest, by=other_member)
    client.force_login(org_member)
    assert _download(client, attachment).status_code == 404
    # Brokering staff keep the record.
    assert attachment_for(staff_pk, attachment.pk) == attachment


def test_download_of_a_missing_file_is_404_not_500(client, attachment, org_member, private_root):
    for path in stored_files(private_root):
        path.unlink()
    client.force_login(org_member)
    assert _download(client, attachment).status_code == 404


def test_plain_text_is_served_as_text_with_charset(client, open_interest, org_member):
    message = _post(open_interest, org_member, files=[upload("notes.md", "# Notes\n价格".encode())])
    client.force_login(org_member)
    response = _download(client, message.attachments.get())
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_content_disposition_of_plain_ascii_names():
    assert content_disposition('a"b\\c.pdf') == (
        "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf"
    )


# --- On the interest page ------------------------------------------------------------------


def _page(client, interest, user):
    client.force_login(user)
    response = client.get(reverse("docking:interest_detail", args=[interest.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_interest_page_shows_the_thread_and_the_form_to_a_party(
    client, open_interest, org_member, other_member
):
    _post(open_interest, other_member, files=[upload("report.pdf", pdf_bytes())])
    html = _page(client, open_interest, org_member)
    assert 'id="thread"' in html
    assert f'action="{_post_url(open_interest)}"' in html
    assert "report.pdf" in html


def test_interest_page_shows_the_thread_read_only_to_a_broker(
    client, open_interest, other_member, staff_cn
):
    _post(open_interest, other_member)
    html = _page(client, open_interest, staff_cn)
    assert 'id="thread"' in html
    assert f'action="{_post_url(open_interest)}"' not in html
    assert "brokering staff" in html


def test_interest_page_has_no_thread_before_acceptance(client, sent, other_member):
    html = _page(client, sent, other_member)
    assert 'id="thread"' not in html
    assert _post_url(sent) not in html


def test_interest_page_queries_do_not_grow_with_the_thread(
    client, open_interest, org_member, other_member
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(org_member)
    url = reverse("docking:interest_detail", args=[open_interest.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _post(open_interest, other_member, files=[upload("0.pdf", pdf_bytes())])
    queries()  # the first visit stores the session's first messages and caches
    one = queries()
    for n in range(1, 7):
        files = [upload(f"{n}.pdf", pdf_bytes() + bytes([n]))]
        _post(open_interest, org_member if n % 2 else other_member, files=files)
    assert queries() == one
