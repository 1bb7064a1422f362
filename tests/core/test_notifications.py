"""Notifications: every kind renders in every language, once per event, and only for its reader."""

import logging
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from corridor.core import notifications
from corridor.core.models import Notification
from corridor.core.notifications import (
    KINDS,
    MISSING,
    localized_url,
    notifications_mark_read,
    notify,
    register_kind,
    render,
    unread_count,
)

from ..factories import UserFactory

LANGUAGES = ["en", "zh-hans", "ur"]
# The kinds the docking pipeline sends (shared brief), and the data each sender gives.
DOCKING_KINDS = {
    "interest.received": {"profile", "title", "interest", "organisation"},
    "interest.accepted": {"profile", "title", "interest"},
    "interest.declined": {"profile", "title", "interest", "reason"},
    "interest.withdrawn": {"profile", "title", "interest", "organisation"},
    "interest.expiring": {"profile", "title", "interest", "organisation", "days"},
    "interest.expired": {"profile", "title", "interest"},
    "reveal.awaiting": {"interest", "profile"},
    "reveal.done": {"interest", "profile", "organisation"},
    "reveal.refused": {"interest", "profile"},
    "message.received": {"interest", "organisation"},
    "meeting.proposed": {"interest", "organisation", "starts"},
    "meeting.accepted": {"interest", "organisation", "starts"},
    "meeting.rescheduled": {"interest", "organisation", "starts"},
    "meeting.cancelled": {"interest", "organisation", "starts"},
    "meeting.outcome_due": {"interest", "starts"},
    "agreement.recorded": {"agreement", "title", "kind"},
}
SAMPLE = {
    "profile": "CP-000012",
    "title": "Low-cost robotic arm",
    "interest": "EI-000003",
    "organisation": "Indus Robotics",
    "reason": "too_early",
    "days": "5",
    "starts": "2025-03-03T09:00:00+00:00",
    "agreement": "AG-000007",
    "kind": "mou",
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def stored(user, kind, data, *, key=None, url="") -> Notification:
    return Notification.objects.create(
        user=user, kind=kind, key=key or f"test:{kind}", data=data, url=url
    )


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", time_zone="Asia/Karachi")


@pytest.fixture
def test_kind():
    """A kind registered by the test, removed afterwards."""
    codes = []

    def register(code, **kwargs):
        codes.append(code)
        return register_kind(code, **kwargs)

    yield register
    for code in codes:
        KINDS.pop(code, None)


# --- The kinds -----------------------------------------------------------------------


def test_every_docking_kind_is_registered_with_the_data_its_senders_give():
    assert {code: set(KINDS[code].keys) for code in DOCKING_KINDS} == DOCKING_KINDS


@pytest.mark.parametrize("code", sorted(DOCKING_KINDS))
def test_each_kind_is_translatable_and_uses_only_its_data_keys(code):
    kind = KINDS[code]
    for text in (kind.subject, kind.body):
        assert isinstance(text, Promise)  # gettext_lazy: translated when read, not at start-up
        assert set(PLACEHOLDER.findall(str(text))) <= set(kind.keys)
        assert "%(" not in PLACEHOLDER.sub("", str(text))  # no %(name)d or stray placeholders


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", sorted(DOCKING_KINDS))
def test_every_kind_renders_in_every_language(reader, code, language):
    data = {key: SAMPLE[key] for key in DOCKING_KINDS[code]}
    shown = render(stored(reader, code, data, url="/en/profiles/interests/3/"), language=language)
    assert shown.subject and shown.body
    for text in (shown.subject, shown.body):
        assert "%(" not in text and MISSING not in text
    assert "\n" not in shown.subject
    assert shown.url == f"/{language}/profiles/interests/3/"
    # References are what both sides may see: they are always in the text.
    for key in ("interest", "agreement"):
        if key in data:
            assert data[key] in shown.subject + shown.body


def test_codes_and_times_are_shown_as_words_and_local_time(reader):
    declined = render(stored(reader, "interest.declined", {**SAMPLE, "reason": "no_capacity"}))
    assert "no capacity" in declined.body and "no_capacity" not in declined.body
    agreement = render(stored(reader, "agreement.recorded", SAMPLE))
    assert "memorandum of understanding" in agreement.body
    expiring = render(stored(reader, "interest.expiring", {**SAMPLE, "days": "3"}))
    assert "3" in expiring.body
    # 09:00 UTC is 2 p.m. in Karachi (UTC+5) and 5 p.m. in Shanghai (UTC+8).
    meeting = render(stored(reader, "meeting.proposed", SAMPLE))
    assert "March 3, 2025, 2 p.m." in meeting.body and "Asia/Karachi" in meeting.body
    reader.time_zone = "Asia/Shanghai"
    meeting = render(stored(reader, "meeting.accepted", SAMPLE))
    assert "5 p.m." in meeting.body and "Asia/Shanghai" in meeting.body
    assert "T09:00" not in meeting.body


def test_without_a_zone_of_their_own_times_are_in_the_zone_of_their_organisations_country(
    org_member,
):
    assert org_member.time_zone == ""
    meeting = render(stored(org_member, "meeting.cancelled", SAMPLE))
    assert "2 p.m." in meeting.body and "Asia/Karachi" in meeting.body


def test_an_unknown_decline_reason_or_bad_time_still_reads(reader):
    declined = render(stored(reader, "interest.declined", {**SAMPLE, "reason": "gone fishing"}))
    assert "other reason" in declined.body
    no_reason = render(stored(reader, "interest.declined", {**SAMPLE, "reason": ""}, key="b"))
    assert "no reason given" in no_reason.body
    meeting = render(stored(reader, "meeting.proposed", {**SAMPLE, "starts": "next Tuesday"}))
    assert "next Tuesday" in meeting.body
    naive = render(stored(reader, "meeting.accepted", {**SAMPLE, "starts": "2025-03-03T09:00"}))
    assert "2 p.m." in naive.body  # stored times are UTC


# --- The reader's language -------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_render_works_in_the_readers_language_by_default(reader, test_kind, language):
    seen = []

    def params(data, reader):
        seen.append(translation.get_language())
        return {}

    # "January" is in Django's own catalogues of all three languages.
    test_kind(
        "test.month", subject=gettext_lazy("January"), body=gettext_lazy("January"), params=params
    )
    reader.language = language
    with translation.override("en"):  # the request's language is not the reader's
        shown = render(stored(reader, "test.month", {}))
    assert seen == [language]
    with translation.override(language):
        assert shown.subject == str(gettext_lazy("January"))
    if language != "en":
        assert shown.subject != "January"


def test_render_in_a_language_asked_for_overrides_the_readers_own(reader, test_kind):
    test_kind("test.month", subject=gettext_lazy("January"), body=gettext_lazy("January"))
    reader.language = "ur"
    shown = render(stored(reader, "test.month", {}), language="zh-hans")
    with translation.override("zh-hans"):
        assert shown.subject == str(gettext_lazy("January"))
    assert render(stored(reader, "test.month", {}, key="2"), language="xx").subject == "January"


# --- Bad data never breaks a page ------------------------------------------------------


def test_missing_data_renders_a_placeholder_and_is_logged(reader, caplog):
    notification = stored(reader, "interest.received", {"interest": "EI-000003"})
    with caplog.at_level(logging.WARNING, logger="corridor.core.notifications"):
        shown = render(notification)
    assert "EI-000003" in shown.body and MISSING in shown.body and "%(" not in shown.body
    assert "'organisation'" in caplog.text


def test_notify_logs_data_its_kind_needs_but_stores_it_anyway(reader, caplog):
    with caplog.at_level(logging.WARNING, logger="corridor.core.notifications"):
        assert notify(users=[reader], kind="interest.accepted", key="k", data={}) == 1
    assert "sent without profile, title, interest" in caplog.text


def test_an_unknown_kind_or_a_broken_text_still_renders(reader, test_kind, caplog):
    unknown = stored(reader, "kind.that.was.removed", {"x": 1})
    assert render(unknown).subject == "Notification"
    test_kind("test.broken", subject=gettext_lazy("%(count)d items"), body=gettext_lazy("100%"))
    shown = render(stored(reader, "test.broken", {"count": "many"}))
    assert shown.subject == "%(count)d items" and shown.body == "100%"
    data_not_a_dict = stored(reader, "interest.expired", ["not", "a", "dict"], key="list")
    assert MISSING in render(data_not_a_dict).body


def test_a_failing_value_preparation_is_logged_and_the_raw_values_shown(reader, test_kind, caplog):
    def broken(data, reader):
        raise RuntimeError("boom")

    test_kind(
        "test.params", subject=gettext_lazy("%(x)s"), body=gettext_lazy("%(x)s"), params=broken
    )
    assert render(stored(reader, "test.params", {"x": "raw"})).body == "raw"
    assert "values could not be prepared" in caplog.text


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/en/profiles/interests/3/", "/ur/profiles/interests/3/"),
        ("/zh-hans/accounts/", "/ur/accounts/"),
        ("/en/", "/ur/"),
        ("/en", "/ur/"),
        ("/api/v1/interests/3", "/api/v1/interests/3"),
        ("", ""),
        ("https://evil.example/en/", ""),
        ("//evil.example/en/", ""),
        ("/\\evil.example", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_links_are_given_in_the_readers_language_and_only_to_this_site(url, expected):
    assert localized_url(url, "ur") == expected


# --- Once only -------------------------------------------------------------------------


def test_the_same_event_twice_is_one_notification_per_person(reader, org_member):
    data = {key: SAMPLE[key] for key in DOCKING_KINDS["interest.accepted"]}
    first = notify(
        users=[reader, org_member], kind="interest.accepted", key="interest:3:accepted", data=data
    )
    again = notify(
        users=[reader, org_member], kind="interest.accepted", key="interest:3:accepted", data=data
    )
    assert (first, again) == (2, 0)
    assert Notification.objects.filter(key="interest:3:accepted").count() == 2


def test_the_database_keeps_one_notification_per_person_and_key(reader):
    from django.db import IntegrityError, transaction

    stored(reader, "interest.expired", SAMPLE, key="once")
    with pytest.raises(IntegrityError), transaction.atomic():
        stored(reader, "interest.expired", SAMPLE, key="once")


def test_inactive_people_are_not_notified_and_unknown_kinds_are_refused(reader):
    reader.is_active = False
    assert notify(users=[reader], kind="interest.expired", key="x", data=SAMPLE) == 0
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(users=[reader], kind="interest.exploded", key="y", data=SAMPLE)
    assert not Notification.objects.exists()


def test_email_is_waiting_only_for_those_who_want_it_and_have_an_address(db):
    wants = UserFactory(username="wants")
    declines = UserFactory(username="declines", notify_by_email=False)
    no_address = UserFactory(username="no_address", email="")
    notify(users=[wants, declines, no_address], kind="interest.expired", key="k", data=SAMPLE)
    states = dict(Notification.objects.values_list("user__username", "email"))
    assert states == {"wants": "pending", "declines": "skipped", "no_address": "skipped"}


# --- Reading ---------------------------------------------------------------------------


def test_unread_count_counts_only_ones_own_unread(reader, org_member, outsider):
    for n in range(3):
        stored(reader, "interest.expired", SAMPLE, key=f"r{n}")
    stored(org_member, "interest.expired", SAMPLE, key="m")
    Notification.objects.filter(key="r0").update(read_at="2025-01-01T00:00Z")
    assert unread_count(reader) == 2
    assert unread_count(outsider) == 0
    from django.contrib.auth.models import AnonymousUser

    assert unread_count(AnonymousUser()) == 0


def test_marking_read_touches_only_ones_own(reader, org_member):
    mine = stored(reader, "interest.expired", SAMPLE, key="mine")
    other = stored(reader, "interest.expired", SAMPLE, key="other")
    theirs = stored(org_member, "interest.expired", SAMPLE, key="theirs")
    assert notifications_mark_read(user=reader, ids=[mine.pk, theirs.pk]) == 1
    assert notifications_mark_read(user=reader, ids=[mine.pk]) == 0  # already read
    theirs.refresh_from_db()
    other.refresh_from_db()
    assert theirs.read_at is None and other.read_at is None
    assert notifications_mark_read(user=reader) == 1
    assert unread_count(reader) == 0 and unread_count(org_member) == 1


def test_marking_read_needs_a_signed_in_person_and_numbers(reader):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        notifications_mark_read(user=AnonymousUser())
    with pytest.raises(ValidationError):
        notifications_mark_read(user=reader, ids=["1"])
    with pytest.raises(ValidationError):
        notifications_mark_read(user=reader, ids=[True])


def test_the_module_keeps_notify_signature():
    import inspect

    params = inspect.signature(notifications.notify).parameters
    assert list(params) == ["users", "kind", "key", "data", "url"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
