"""Notification e-mails: in the recipient's language, once, only when wanted, and never
blocking or breaking the request that caused them (failures are retried later)."""

import datetime
import io
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from corridor.accounts.models import OrganisationMembership
from corridor.core import notifications, tasks
from corridor.core.models import Notification
from corridor.core.notifications import (
    KINDS,
    MAX_EMAIL_ATTEMPTS,
    notification_emails_due,
    notification_emails_send,
    notify,
    register_kind,
)

from ..factories import OrganisationFactory, SectorFactory, UserFactory

BROKEN = "tests.core.test_notification_emails.BrokenBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
DATA = {
    "profile": "CP-000012",
    "title": "Low-cost robotic arm",
    "interest": "EI-000003",
    "organisation": "Indus Robotics",
}


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down (the backend is not what these tests are about)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


class SlowBackend(BaseEmailBackend):
    """A mail server that answers only when the test lets it; records what it sent."""

    release = threading.Event()
    sent: list = []

    def send_messages(self, email_messages):
        assert SlowBackend.release.wait(timeout=10), "the test never released the mail server"
        SlowBackend.sent.extend(email_messages)
        return len(email_messages)


@pytest.fixture
def slow_backend(settings):
    settings.EMAIL_BACKEND = "tests.core.test_notification_emails.SlowBackend"
    SlowBackend.release.clear()
    SlowBackend.sent = []
    yield SlowBackend
    SlowBackend.release.set()


@pytest.fixture
def month_kind():
    """A kind whose text Django's own catalogues translate ("January" in every language)."""
    register_kind(
        "test.month",
        subject=gettext_lazy("January"),
        body=gettext_lazy("January"),
        keys=("organisation",),
    )
    yield "test.month"
    KINDS.pop("test.month", None)


@pytest.fixture
def site(settings):
    settings.CORRIDOR_SITE_URL = "https://corridor.example.org"


def person(username, **fields):
    return UserFactory(username=username, **fields)


def tell(users, *, kind="interest.received", key="interest:3:received", data=DATA, url=None):
    return notify(
        users=users,
        kind=kind,
        key=key,
        data=data,
        url="/en/profiles/interests/3/" if url is None else url,
    )


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# --- Language and content ------------------------------------------------------------


@pytest.mark.parametrize(
    "language, month, direction, subject",
    [
        ("en", "January", "ltr", "Corridor: January"),
        ("zh-hans", "一月", "ltr", "Corridor：一月"),
        ("ur", "جنوری", "rtl", "کوریڈور: جنوری"),
    ],
)
def test_email_is_written_in_the_recipients_language(
    db,
    site,
    month_kind,
    mailoutbox,
    django_capture_on_commit_callbacks,
    language,
    month,
    direction,
    subject,
):
    reader = person("reader", language=language)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        tell([reader], kind=month_kind, data={"organisation": "X"})
    [message] = mailoutbox
    assert message.to == [reader.email]
    assert message.subject == subject  # the product name too is in the reader's script
    assert month in message.body
    html = html_of(message)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert month in html
    assert f'href="https://corridor.example.org/{language}/profiles/interests/3/"' in html
    assert f"https://corridor.example.org/{language}/accounts/notifications/" in message.body
    assert message.extra_headers["Content-Language"] == language
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<https://corridor.example.org/{language}/accounts/>"
    )
    notification = Notification.objects.get()
    assert notification.email == Notification.Email.SENT and notification.emailed_at
    assert notification.email_attempts == 1


def test_email_text_and_html_carry_the_rendered_notification(db, mailoutbox, site):
    reader = person("reader")
    tell([reader])
    notification_emails_send(Notification.objects.values_list("pk", flat=True))
    [message] = mailoutbox
    assert message.subject == "Corridor: Indus Robotics is interested in your profile CP-000012"
    assert "Indus Robotics has sent an expression of interest (EI-000003)" in message.body
    assert "https://corridor.example.org/en/profiles/interests/3/" in message.body
    assert "%(" not in message.body + html_of(message)


def test_data_is_escaped_in_the_html_email(db, mailoutbox):
    reader = person("reader")
    tell([reader], data={**DATA, "organisation": "<script>alert(1)</script>"})
    notification_emails_send(Notification.objects.values_list("pk", flat=True))
    [message] = mailoutbox
    assert "<script>" not in html_of(message)
    assert "&lt;script&gt;" in html_of(message)


def test_a_link_less_notification_has_no_link(db, mailoutbox):
    tell([person("reader")], url="")
    notification_emails_send(Notification.objects.values_list("pk", flat=True))
    assert "Open in Corridor" not in html_of(mailoutbox[0])


def test_a_newline_in_the_data_cannot_add_mail_headers(db, mailoutbox):
    tell([person("reader")], data={**DATA, "organisation": "Evil\nBcc: victim@example.org"})
    notification_emails_send(Notification.objects.values_list("pk", flat=True))
    [message] = mailoutbox
    assert "\n" not in message.subject and message.bcc == []


# --- Who gets e-mail, and how often ---------------------------------------------------


def test_someone_who_does_not_want_email_gets_the_notification_only_in_the_app(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    quiet = person("quiet", notify_by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([quiet]) == 1
    assert mailoutbox == []
    assert Notification.objects.get(user=quiet).email == Notification.Email.SKIPPED


def test_the_same_event_twice_sends_one_email(db, mailoutbox, django_capture_on_commit_callbacks):
    reader = person("reader")
    with django_capture_on_commit_callbacks(execute=True):
        tell([reader])
    with django_capture_on_commit_callbacks(execute=True):
        tell([reader])
    # A double click inside one request:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        tell([reader])
        tell([reader])
    assert len(mailoutbox) == 1
    assert Notification.objects.count() == 1


def test_no_email_leaves_before_the_transaction_commits(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tell([person("reader")])
        assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_rolled_back_event_sends_nothing(transactional_db, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell([person("reader")])
        raise RuntimeError("the service failed after notifying")
    assert mailoutbox == [] and not Notification.objects.exists()


def test_a_change_of_mind_before_sending_is_respected(db, mailoutbox):
    reader = person("reader")
    tell([reader])
    reader.notify_by_email = False
    reader.save(update_fields=["notify_by_email"])
    report = notification_emails_send(Notification.objects.values_list("pk", flat=True))
    assert (report.sent, report.skipped, mailoutbox) == (0, 1, [])
    assert Notification.objects.get().email == Notification.Email.SKIPPED


def test_sending_the_same_ids_twice_sends_once(db, mailoutbox):
    tell([person("reader"), person("second")])
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notification_emails_send(ids).sent == 2
    assert notification_emails_send(ids).sent == 0
    assert len(mailoutbox) == 2


def test_two_senders_at_once_send_each_email_once(transactional_db, slow_backend):
    # Stored directly: notify() here (no transaction) would send at once.
    pk = Notification.objects.create(
        user=person("reader"), kind="interest.received", key="k", data=DATA
    ).pk
    start = threading.Barrier(2)
    reports = []

    def sender():
        start.wait()
        try:
            reports.append(notification_emails_send([pk]))
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    slow_backend.release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(slow_backend.sent) == 1
    assert Notification.objects.get().email == Notification.Email.SENT


# --- Never blocks, never breaks ---------------------------------------------------------


@pytest.fixture
def pipeline(zone_pk, zone_cn, org_member, staff_pk):
    """A published Pakistani profile and a Chinese organisation's member who may answer it."""
    from corridor.docking.services import profile_approve, profile_create, profile_submit

    profile = profile_create(
        organisation=org_member.memberships.get().organisation,
        by=org_member,
        kind="technology_offer",
        title="Low-cost robotic arm for textile mills",
        summary="A six-axis arm that sorts fabric rolls.",
        keywords=["robotics"],
        trl=6,
        modes=["licence"],
        target_countries=["CN"],
        sectors=[SectorFactory(code="robotics", name_en="Robotics")],
    )
    profile_submit(profile=profile, by=org_member)
    profile_approve(profile=profile, by=staff_pk)
    sender = OrganisationFactory(slug="z-park-ai", name="Z-Park AI", country="CN", zone=zone_cn)
    writer = person("cn_member", language="zh-hans")
    OrganisationMembership.objects.create(user=writer, organisation=sender, role="member")
    return profile, sender, writer


def test_a_failing_mail_server_does_not_fail_the_service_and_is_retried_later(
    pipeline, settings, mailoutbox, django_capture_on_commit_callbacks, org_member
):
    from corridor.docking.services.interest import interest_send

    profile, sender, writer = pipeline
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        interest = interest_send(
            profile=profile, organisation=sender, by=writer, message="We would like to talk."
        )
    assert interest.pk
    notification = Notification.objects.get(user=org_member, kind="interest.received")
    assert notification.email == Notification.Email.FAILED
    assert notification.email_attempts == 1
    assert "Z-Park AI" in notifications.render(notification).subject

    settings.EMAIL_BACKEND = LOCMEM
    out = io.StringIO()
    call_command("send-notifications", stdout=out)  # too soon: it has just been tried
    assert "0 notification e-mails due" in out.getvalue() and mailoutbox == []
    later = (timezone.now() + datetime.timedelta(minutes=2)).isoformat()
    call_command("send-notifications", "--now", later, stdout=out)
    assert "1 notification e-mails due: 1 sent" in out.getvalue()
    [message] = mailoutbox
    assert message.to == [org_member.email]
    notification.refresh_from_db()
    assert notification.email == Notification.Email.SENT and notification.email_attempts == 2


def test_the_retry_command_reports_failures_and_exits_non_zero(db, settings):
    settings.EMAIL_BACKEND = BROKEN
    tell([person("reader")])
    later = (timezone.now() + datetime.timedelta(minutes=2)).isoformat()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 notification e-mail failed") as failure:
        call_command("send-notifications", "--now", later, stdout=io.StringIO(), stderr=err)
    assert failure.value.returncode == 1
    assert "the mail server is down" in err.getvalue()


def test_retries_stop_after_the_last_attempt(db, settings):
    settings.EMAIL_BACKEND = BROKEN
    tell([person("reader")])
    moment = timezone.now()
    for attempt in range(1, MAX_EMAIL_ATTEMPTS + 1):
        moment += datetime.timedelta(minutes=2)
        assert notification_emails_send(notification_emails_due(now=moment), now=moment).failed
        assert Notification.objects.get().email_attempts == attempt
    moment += datetime.timedelta(hours=1)
    assert notification_emails_due(now=moment) == []


def test_pending_emails_are_sent_by_the_retry_once_a_minute_has_passed(db, mailoutbox):
    tell([person("reader")])  # the process that should have sent it died
    now = timezone.now()
    assert notification_emails_due(now=now) == []
    assert len(notification_emails_due(now=now + datetime.timedelta(minutes=2))) == 1
    call_command(
        "send-notifications",
        "--now",
        (now + datetime.timedelta(minutes=2)).isoformat(),
        stdout=io.StringIO(),
    )
    assert len(mailoutbox) == 1


def test_an_email_being_sent_is_not_taken_by_the_retry(db):
    tell([person("reader")])
    now = timezone.now()
    # A sender claimed it a moment ago and is still talking to the mail server.
    Notification.objects.update(email_attempts=1, emailed_at=now)
    assert notification_emails_due(now=now + datetime.timedelta(seconds=30)) == []
    assert notification_emails_send(Notification.objects.values_list("pk", flat=True)).sent == 0
    # A sender that died mid-way: its attempt is retried later.
    assert len(notification_emails_due(now=now + datetime.timedelta(minutes=2))) == 1


def test_bad_now_is_refused_by_the_retry_command(db):
    with pytest.raises(CommandError, match="is not a date and time"):
        call_command("send-notifications", "--now", "yesterday")


def test_the_retry_is_part_of_the_periodic_work():
    from corridor.core.management.commands.periodic import STEPS

    assert STEPS[-1] == "send-notifications"


def test_without_a_broker_sending_happens_on_a_background_thread(
    transactional_db, settings, slow_backend
):
    settings.CORRIDOR_EMAIL_IN_BACKGROUND = True
    assert settings.CELERY_TASK_ALWAYS_EAGER
    reader = person("reader")
    with transaction.atomic():
        tell([reader])
    # The "request" is done while the mail server has not answered yet.
    notification = Notification.objects.get()
    assert notification.email == Notification.Email.PENDING and slow_backend.sent == []
    [thread] = [t for t in threading.enumerate() if t.name == "notification-emails"]
    assert thread.daemon
    assert notifications.wait_for_background_emails(timeout=0.1) is False
    slow_backend.release.set()
    assert notifications.wait_for_background_emails(timeout=10) is True
    assert not thread.is_alive()
    notification.refresh_from_db()
    assert notification.email == Notification.Email.SENT
    assert [m.to for m in slow_backend.sent] == [[reader.email]]


def test_the_retry_waits_for_emails_this_process_is_sending(
    transactional_db, settings, slow_backend
):
    settings.CORRIDOR_EMAIL_IN_BACKGROUND = True
    with transaction.atomic():
        tell([person("reader")])
    threading.Timer(0.3, slow_backend.release.set).start()
    out = io.StringIO()
    call_command("send-notifications", stdout=out)
    # The thread sent it, so the retry found nothing left to do.
    assert "0 notification e-mails due" in out.getvalue()
    assert len(slow_backend.sent) == 1
    assert Notification.objects.get().email == Notification.Email.SENT


def test_with_a_broker_the_worker_is_asked_to_send(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.send_notification_emails, "delay", lambda **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        tell([person("reader"), person("quiet", notify_by_email=False)])
    assert queued == [
        {"ids": list(Notification.objects.filter(email="pending").values_list("pk", flat=True))}
    ]
    assert len(queued[0]["ids"]) == 1


def test_a_broker_that_is_down_does_not_break_the_request(
    db, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def down(**kwargs):
        raise ConnectionError("no broker")

    monkeypatch.setattr(tasks.send_notification_emails, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert tell([person("reader")]) == 1
    assert Notification.objects.get().email == Notification.Email.PENDING  # retried later
    assert "were not queued" in caplog.text


def test_the_task_never_raises(db, monkeypatch, caplog):
    def broken(ids, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(notifications, "notification_emails_send", broken)
    assert tasks.send_notification_emails(ids=[1, 2]) == {"sent": 0, "skipped": 0, "failed": 2}
    assert "database gone" in caplog.text


def test_the_task_reports_what_it_did(db, mailoutbox):
    tell([person("reader"), person("second")])
    ids = list(Notification.objects.values_list("pk", flat=True))
    result = tasks.send_notification_emails.delay(ids=ids)  # inline: no broker under test
    assert result.get() == {"sent": 2, "skipped": 0, "failed": 0}
    assert len(mailoutbox) == 2


# --- Django's real backends ---------------------------------------------------------------


def test_the_file_backend_writes_the_email(db, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    tell([person("reader", language="ur")])
    assert notification_emails_send(Notification.objects.values_list("pk", flat=True)).sent == 1
    [written] = list(tmp_path.iterdir())
    text = written.read_text(encoding="utf-8")
    assert "Content-Language: ur" in text and "reader@example.org" in text
    assert Notification.objects.get().email == Notification.Email.SENT


def test_an_unreachable_smtp_server_marks_the_email_failed(db, settings):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    tell([person("reader")])
    report = notification_emails_send(Notification.objects.values_list("pk", flat=True))
    assert report.sent == 0 and len(report.failed) == 1
    assert Notification.objects.get().email == Notification.Email.FAILED
    assert mail.outbox == []


# --- Identity before consent ----------------------------------------------------------------


def test_the_sender_learns_nothing_of_the_owner_from_notifications_before_the_reveal(
    pipeline, org_member, staff_pk, client, mailoutbox, django_capture_on_commit_callbacks
):
    from corridor.docking.services.interest import interest_accept, interest_send

    from ..api_client import send

    profile, sender, writer = pipeline
    owner = profile.organisation
    owner.website = "https://indus-robotics.example.pk"
    owner.save()
    authority = owner.zone.authority
    authority.reveal_needs_approval = True  # acceptance alone reveals nothing
    authority.save()
    with django_capture_on_commit_callbacks(execute=True):
        interest = interest_send(profile=profile, organisation=sender, by=writer, message="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        interest_accept(interest=interest, by=org_member)
    interest.refresh_from_db()
    assert interest.reveal != "revealed"
    assert Notification.objects.filter(user=writer, kind="interest.accepted").exists()
    client.force_login(writer)
    page = client.get("/zh-hans/accounts/notifications/").content.decode()
    api = send(client, "get", "/notifications", user=writer).content.decode()
    emails = [m for m in mailoutbox if m.to == [writer.email]]
    assert emails
    surfaces = {
        "data": str(list(Notification.objects.filter(user=writer).values("data", "url"))),
        "page": page,
        "api": api,
        "email": " ".join(m.subject + m.body + html_of(m) for m in emails),
    }
    for name, text in surfaces.items():
        for secret in (owner.name, owner.slug, "indus-robotics.example.pk"):
            assert secret not in text, (name, secret)
