"""Periodic work as commands: expire-profiles, index-profiles, send-digests, periodic."""

import datetime
import importlib
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from corridor.docking.models import CooperationProfile
from corridor.matching.embed import EmbedderError

Status = CooperationProfile.Status


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English, whatever an earlier test's request left active."""
    with translation.override("en"):
        yield


def command(name, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def command_module(name: str):
    return importlib.import_module(f"corridor.docking.management.commands.{name}")


@pytest.fixture
def live(draft, org_member, publish):
    return publish(draft, by=org_member)


# --- expire-profiles --------------------------------------------------------------------


def test_expire_profiles_expires_when_the_time_is_up_not_before(live):
    due = live.expires_at
    before = (due - datetime.timedelta(seconds=1)).isoformat()
    out, _ = command("expire-profiles", "--now", before)
    assert "Expired 0 profiles." in out
    live.refresh_from_db()
    assert live.status == Status.PUBLISHED

    out, _ = command("expire-profiles", "--now", due.isoformat())
    assert "Expired 1 profile." in out
    live.refresh_from_db()
    assert live.status == Status.EXPIRED
    assert live.needs_indexing  # the matcher must drop it


def test_expire_profiles_reads_dates_offsets_and_utc(live):
    due = live.expires_at.astimezone(datetime.UTC)
    # The same moment written with a +05:00 offset (Pakistan), one second early: not yet.
    early = (due - datetime.timedelta(seconds=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=5))
    )
    command("expire-profiles", "--now", early.isoformat())
    live.refresh_from_db()
    assert live.status == Status.PUBLISHED
    # A date alone is midnight UTC; "Z" is UTC.
    next_day = (due + datetime.timedelta(days=1)).date().isoformat()
    out, _ = command("expire-profiles", "--now", next_day)
    assert "Expired 1 profile." in out


def test_expire_profiles_without_now_uses_the_clock(live):
    out, _ = command("expire-profiles")
    assert "Expired 0 profiles." in out
    CooperationProfile.objects.filter(pk=live.pk).update(
        expires_at=live.expires_at - datetime.timedelta(days=400)
    )
    out, _ = command("expire-profiles")
    assert "Expired 1 profile." in out


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-01", "", "2026-01-01T25:00", "9999-12-31T23:59:59-23:00"]
)
def test_a_bad_now_is_refused_clearly_and_changes_nothing(live, value):
    with pytest.raises(CommandError, match="is not a date and time; use ISO 8601"):
        command("expire-profiles", "--now", value)
    live.refresh_from_db()
    assert live.status == Status.PUBLISHED


# --- index-profiles ---------------------------------------------------------------------


def test_index_profiles_retries_a_profile_that_failed(live, monkeypatch):
    CooperationProfile.objects.filter(pk=live.pk).update(needs_indexing=True)
    from corridor.docking import matching

    real_prepare = matching.Matcher.prepare

    def broken(self, profiles):
        raise EmbedderError("model file is missing")

    monkeypatch.setattr(matching.Matcher, "prepare", broken)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 profile could not be indexed") as failure:
        call_command("index-profiles", stdout=out, stderr=err)
    assert failure.value.returncode == 1
    assert "Indexed 0, removed 0, failed 1." in out.getvalue()
    assert f"{live.reference}: model file is missing" in err.getvalue()
    live.refresh_from_db()
    assert live.needs_indexing and live.index_error == "model file is missing"

    monkeypatch.setattr(matching.Matcher, "prepare", real_prepare)
    out, err = command("index-profiles")
    assert "Indexed 1, removed 0, failed 0." in out and err == ""
    live.refresh_from_db()
    assert not live.needs_indexing and live.index_error == ""


def test_index_profiles_all_queues_every_published_profile_again(live, cn_request, other_member):
    out, _ = command("index-profiles")
    assert "Indexed 0, removed 0, failed 0." in out  # nothing queued
    out, _ = command("index-profiles", "--all")
    assert "Indexed 1, removed 0, failed 0." in out  # the draft request is not published
    assert not CooperationProfile.objects.filter(needs_indexing=True, pk=live.pk).exists()


def test_index_profiles_takes_expired_profiles_out(live):
    command("expire-profiles", "--now", live.expires_at.isoformat())
    out, _ = command("index-profiles")
    assert "failed 0" in out
    live.refresh_from_db()
    assert not live.needs_indexing


def test_index_profiles_refuses_unknown_arguments(db):
    with pytest.raises(CommandError):
        command("index-profiles", "--everything")


# --- periodic ---------------------------------------------------------------------------


def test_periodic_runs_every_step_in_order(live, cn_request, other_member, publish):
    publish(cn_request, by=other_member)
    out, err = command("periodic")
    assert out.index("expire-profiles:") < out.index("index-profiles:") < out.index("send-digests")
    assert "Expired 0 profiles." in out and "failed 0" in out and "2 e-mails sent" in out
    assert "All periodic work done." in out and err == ""
    assert len(mail.outbox) == 2


def test_periodic_goes_on_after_a_step_fails_and_exits_non_zero(
    live, cn_request, other_member, publish, monkeypatch
):
    publish(cn_request, by=other_member)
    due = CooperationProfile.objects.filter(pk=live.pk)
    # The Pakistani offer is due; the Chinese request stays and still gets its digest.
    due.update(expires_at=live.expires_at - datetime.timedelta(days=400))

    def broken(**kwargs):
        raise RuntimeError("the index database is gone")

    monkeypatch.setattr(command_module("index-profiles"), "profiles_index", broken)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="1 step failed: index-profiles") as failure:
        call_command("periodic", stdout=out, stderr=err)
    assert failure.value.returncode == 1
    assert "index-profiles failed: the index database is gone" in err.getvalue()
    assert "Expired 1 profile." in out.getvalue()  # the step before ran
    assert "send-digests:" in out.getvalue()  # and the step after
    live.refresh_from_db()
    assert live.status == Status.EXPIRED


def test_periodic_reports_every_failed_step(live, monkeypatch):
    def broken_expiry(**kwargs):
        raise RuntimeError("locked")

    def broken_digests(**kwargs):
        raise RuntimeError("no mail server")

    monkeypatch.setattr(command_module("expire-profiles"), "profiles_expire", broken_expiry)
    monkeypatch.setattr(command_module("send-digests"), "digests_send", broken_digests)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 steps failed: expire-profiles, send-digests"):
        call_command("periodic", stdout=out, stderr=err)
    assert "Indexed 0, removed 0, failed 0." in out.getvalue()
    assert "expire-profiles failed: locked" in err.getvalue()
    assert "send-digests failed: no mail server" in err.getvalue()


def test_periodic_lives_in_core_and_takes_no_arguments(db):
    from django.core.management import get_commands

    assert get_commands()["periodic"] == "corridor.core"
    for name in ("expire-profiles", "index-profiles", "send-digests"):
        assert get_commands()[name] == "corridor.docking"
    with pytest.raises(CommandError):
        command("periodic", "--now", "2026-01-01")
