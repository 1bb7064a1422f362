"""Interests nobody answers: a reminder to the owner before, expiry after; time given as now=."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import translation

from corridor.core.models import AuditEntry, Notification
from corridor.docking.models import Interest
from corridor.docking.services.interest import (
    interest_accept,
    interest_decline,
    interest_withdraw,
    interests_expire,
    interests_remind,
)

from .interest_cast import *  # noqa: F403
from .interest_cast import kinds_for, notifications_of

DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
Status = Interest.Status


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def command(name, *args) -> str:
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- Expiry ---------------------------------------------------------------------------------------


def test_an_unanswered_interest_expires_when_its_time_is_up_not_before(cast, sent):
    assert interests_expire(now=sent.expires_at - SECOND) == 0
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert interests_expire(now=sent.expires_at) == 1
    sent.refresh_from_db()
    assert sent.status == Status.EXPIRED
    entry = AuditEntry.objects.get(verb="interest.expire")
    assert entry.actor is None and entry.object_id == str(sent.pk)


def test_both_sides_hear_of_the_expiry_once(cast, sent):
    interests_expire(now=sent.expires_at)
    interests_expire(now=sent.expires_at + DAY)
    for who in ("owner_admin", "owner_member", "sender_admin", "sender_member"):
        (note,) = [n for n in notifications_of(cast[who]) if n.kind == "interest.expired"]
        assert note.data == {
            "profile": sent.profile.reference,
            "title": sent.profile.title,
            "interest": sent.reference,
        }
        assert note.key == f"interest:{sent.pk}:expired"
    for who in ("staff_pk", "staff_cn", "third_staff"):
        assert kinds_for(cast[who]) == []


@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
def test_answered_or_withdrawn_interests_do_not_expire(answer, cast, sent):
    if answer == "accept":
        interest_accept(interest=sent, by=cast["owner_member"])
    elif answer == "decline":
        interest_decline(interest=sent, by=cast["owner_member"])
    else:
        interest_withdraw(interest=sent, by=cast["sender_member"])
    sent.refresh_from_db()
    status = sent.status
    assert interests_expire(now=sent.expires_at + DAY) == 0
    sent.refresh_from_db()
    assert sent.status == status


def test_an_expired_interest_can_be_sent_again(cast, sent, profile, sender_org):
    from corridor.docking.services.interest import interest_send

    interests_expire(now=sent.expires_at)
    again = interest_send(
        profile=profile, organisation=sender_org, by=cast["sender_admin"], message="Once more."
    )
    assert again.status == Status.SENT


# --- Reminders -------------------------------------------------------------------------------------


def test_the_owner_is_reminded_five_days_before_and_only_once(cast, sent, sender_org):
    assert interests_remind(now=sent.expires_at - 5 * DAY - SECOND) == 0
    moment = sent.expires_at - 5 * DAY
    assert interests_remind(now=moment) == 1
    sent.refresh_from_db()
    assert sent.reminded_at == moment
    for who in ("owner_admin", "owner_member"):
        (note,) = [n for n in notifications_of(cast[who]) if n.kind == "interest.expiring"]
        assert note.data == {
            "profile": sent.profile.reference,
            "title": sent.profile.title,
            "interest": sent.reference,
            "organisation": sender_org.name,
            "days": "5",
        }
    for who in ("sender_admin", "sender_member", "staff_pk"):
        assert "interest.expiring" not in kinds_for(cast[who])
    # Never twice, however often the job runs.
    assert interests_remind(now=moment + DAY) == 0
    assert interests_remind(now=sent.expires_at - SECOND) == 0
    assert Notification.objects.filter(kind="interest.expiring").count() == 2


def test_the_days_left_are_rounded_up(cast, sent):
    interests_remind(now=sent.expires_at - 2 * DAY - datetime.timedelta(hours=3))
    (note,) = [n for n in notifications_of(cast["owner_admin"]) if n.kind == "interest.expiring"]
    assert note.data["days"] == "3"


def test_no_reminder_once_the_time_is_up(cast, sent):
    assert interests_remind(now=sent.expires_at) == 0


def test_no_reminder_for_an_answered_interest(cast, sent):
    interest_decline(interest=sent, by=cast["owner_admin"])
    assert interests_remind(now=sent.expires_at - DAY) == 0


@override_settings(CORRIDOR_INTEREST_REMINDER_DAYS=2)
def test_the_reminder_follows_the_setting(cast, sent):
    assert interests_remind(now=sent.expires_at - 3 * DAY) == 0
    assert interests_remind(now=sent.expires_at - 2 * DAY) == 1


def test_the_reminder_is_e_mailed_to_owners_who_want_it(
    cast, sent, django_capture_on_commit_callbacks
):
    cast["owner_member"].notify_by_email = False
    cast["owner_member"].save(update_fields=["notify_by_email"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        interests_remind(now=sent.expires_at - DAY)
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {cast["owner_admin"].email}


# --- Commands and tasks ---------------------------------------------------------------------------


def test_expire_interests_takes_the_moment_from_the_command_line(cast, sent):
    out = command("expire-interests", "--now", (sent.expires_at - SECOND).isoformat())
    assert "Expired 0 expressions of interest." in out
    out = command("expire-interests", "--now", sent.expires_at.isoformat())
    assert "Expired 1 expression of interest." in out
    sent.refresh_from_db()
    assert sent.status == Status.EXPIRED


def test_send_reminders_takes_the_moment_from_the_command_line(cast, sent):
    out = command("send-reminders", "--now", (sent.expires_at - DAY).isoformat())
    assert "Reminded 1 expression of interest." in out
    assert "whether a meeting was held" in out
    out = command("send-reminders", "--now", (sent.expires_at - DAY).isoformat())
    assert "Reminded 0 expressions of interest." in out


@pytest.mark.parametrize("name", ["expire-interests", "send-reminders"])
def test_a_bad_moment_is_a_command_error(name, db):
    with pytest.raises(CommandError, match="ISO 8601"):
        command(name, "--now", "next tuesday")


def test_the_tasks_run_the_same_work(cast, sent):
    from corridor.docking.tasks import expire_interests, send_reminders

    assert expire_interests() == 0
    report = send_reminders()
    assert report["interests"] == 0 and "meetings" in report


def test_periodic_expires_interests_and_sends_reminders(cast, sent):
    out = command("periodic")
    assert out.index("expire-profiles:") < out.index("expire-interests:")
    assert out.index("expire-interests:") < out.index("send-reminders:")
    assert "Expired 0 expressions of interest." in out
    assert "All periodic work done." in out
