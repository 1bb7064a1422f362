"""The notifications page, the unread count in the navigation, the preferences, and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from corridor.accounts.services import user_preferences_update
from corridor.core.models import AuditEntry, Notification
from corridor.core.notifications import KINDS, register_kind

from ..api_client import client_for, send
from ..factories import UserFactory

DATA = {"profile": "CP-000012", "title": "Robotic arm", "interest": "EI-000003"}


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def stored(user, n=0, *, kind="interest.accepted", url="/en/profiles/interests/3/", read=False):
    return Notification.objects.create(
        user=user,
        kind=kind,
        key=f"test:{n}",
        data=DATA,
        url=url,
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def month_kind():
    """A kind whose text Django's own catalogues translate ("January" in every language)."""
    register_kind("test.month", subject=gettext_lazy("January"), body=gettext_lazy("January"))
    yield "test.month"
    KINDS.pop("test.month", None)


@pytest.fixture
def signed_in(client, org_member):
    client.force_login(org_member)
    return client


# --- The page ----------------------------------------------------------------------------


def test_the_page_needs_sign_in(client, db):
    for name in ("accounts:notifications", "accounts:notifications_read"):
        response = client.post(url(name)) if name.endswith("read") else client.get(url(name))
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(url("accounts:notification_open", pk=1))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_lists_ones_own_notifications_unread_highlighted(signed_in, org_member, outsider):
    unread = stored(org_member, 1)
    stored(org_member, 2, read=True)
    stored(outsider, 3, kind="interest.expired")
    response = signed_in.get(url("accounts:notifications"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="card notification notification--unread"') == 1
    assert page.count('class="card notification"') == 1
    assert "Your expression of interest EI-000003 was accepted" in page
    assert "expired" not in page  # the outsider's
    assert url("accounts:notification_open", pk=unread.pk) in page
    assert "Mark all read" in page


@pytest.mark.parametrize("language, month", [("zh-hans", "一月"), ("ur", "جنوری")])
def test_the_page_shows_notifications_in_the_pages_language(
    signed_in, org_member, month_kind, language, month
):
    stored(org_member, kind=month_kind)
    page = signed_in.get(url("accounts:notifications", language)).content.decode()
    assert month in page and "January" not in page


def test_the_page_in_urdu_is_right_to_left(signed_in, org_member):
    stored(org_member)
    page = signed_in.get(url("accounts:notifications", "ur")).content.decode()
    assert '<html lang="ur" dir="rtl">' in page


def test_the_page_makes_a_fixed_number_of_queries(
    signed_in, org_member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(3):
        stored(org_member, n, kind="meeting.proposed")
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(url("accounts:notifications")).status_code == 200
    for n in range(3, 40):
        stored(org_member, n, kind="meeting.proposed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(url("accounts:notifications"))
    assert response.content.decode().count("notification--unread") == 25  # one page
    assert signed_in.get(url("accounts:notifications") + "?page=2").status_code == 200


def test_mark_all_read_marks_only_ones_own(signed_in, org_member, outsider):
    stored(org_member, 1)
    stored(org_member, 2)
    theirs = stored(outsider, 3)
    response = signed_in.post(url("accounts:notifications_read"))
    assert response.status_code == 302 and response["Location"] == url("accounts:notifications")
    assert not Notification.objects.filter(user=org_member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert signed_in.get(url("accounts:notifications_read")).status_code == 405


def test_opening_a_notification_marks_it_read_and_goes_to_its_page_in_the_readers_language(
    signed_in, org_member
):
    notification = stored(org_member)
    response = signed_in.post(url("accounts:notification_open", "zh-hans", pk=notification.pk))
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/profiles/interests/3/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert signed_in.get(url("accounts:notification_open", pk=notification.pk)).status_code == 405


def test_a_notification_without_a_page_opens_the_list(signed_in, org_member):
    for link in ("", "https://evil.example/"):
        notification = stored(org_member, len(link), url=link)
        response = signed_in.post(url("accounts:notification_open", pk=notification.pk))
        assert response["Location"] == url("accounts:notifications")


def test_someone_elses_notification_is_not_found(signed_in, outsider):
    theirs = stored(outsider)
    assert signed_in.post(url("accounts:notification_open", pk=theirs.pk)).status_code == 404
    assert signed_in.post(url("accounts:notification_open", pk=2**70)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- The unread count in the navigation ---------------------------------------------------


def test_the_navigation_shows_the_unread_count_to_the_signed_in(client, org_member, outsider):
    stored(org_member, 1)
    stored(org_member, 2)
    stored(org_member, 3, read=True)
    stored(outsider, 4)
    home = url("registry:home")
    assert url("accounts:notifications") not in client.get(home).content.decode()
    client.force_login(org_member)
    page = client.get(home).content.decode()
    assert url("accounts:notifications") in page
    assert '<span class="count">2<span class="visually-hidden"> unread</span></span>' in page
    Notification.objects.filter(user=org_member).update(read_at=timezone.now())
    page = client.get(home).content.decode()
    assert 'class="count">0' not in page and 'visually-hidden"> unread' not in page


def test_the_unread_count_costs_one_query(client, org_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stored(org_member)
    client.force_login(org_member)
    with CaptureQueriesContext(connection) as queries:
        client.get(url("registry:home"))
    counting = [q["sql"] for q in queries if '"core_notification"' in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0].upper()


# --- Preferences --------------------------------------------------------------------------


def test_preferences_save_email_notifications_and_time_zone(signed_in, org_member):
    response = signed_in.post(
        url("accounts:account"), {"match_digest": "on", "time_zone": "Asia/Shanghai"}
    )
    assert response.status_code == 302
    org_member.refresh_from_db()
    assert (org_member.notify_by_email, org_member.time_zone) == (False, "Asia/Shanghai")
    entry = AuditEntry.objects.get(verb="user.preferences")
    assert entry.data == {"notify_by_email": False, "time_zone": "Asia/Shanghai"}
    signed_in.post(url("accounts:account"), {"notify_by_email": "on", "time_zone": ""})
    org_member.refresh_from_db()
    assert (org_member.notify_by_email, org_member.time_zone) == (True, "")


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", " Asia/Karachi", "../../etc/passwd", "x" * 500]
)
def test_a_bad_time_zone_changes_nothing(signed_in, org_member, zone):
    response = signed_in.post(url("accounts:account"), {"time_zone": zone})  # boxes unticked too
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    org_member.refresh_from_db()
    assert (org_member.match_digest, org_member.notify_by_email, org_member.time_zone) == (
        True,
        True,
        "",
    )


def test_the_zone_list_offers_the_partner_countries_and_keeps_a_rarer_zone(signed_in, org_member):
    page = signed_in.get(url("accounts:account", "ur")).content.decode()
    assert '<option value="Asia/Karachi" lang="en" dir="ltr">Asia/Karachi</option>' in page
    assert '<option value="Asia/Shanghai" lang="en" dir="ltr">' in page
    org_member.time_zone = "Pacific/Tahiti"
    org_member.save()
    page = signed_in.get(url("accounts:account")).content.decode()
    assert '<option value="Pacific/Tahiti" selected lang="en" dir="ltr">' in page


def test_the_preferences_service_checks_every_value_before_writing(org_member, outsider):
    with pytest.raises(ValidationError) as error:
        user_preferences_update(
            user=org_member, by=org_member, notify_by_email=False, time_zone="Nowhere/Land"
        )
    assert set(error.value.message_dict) == {"time_zone"}
    with pytest.raises(ValidationError):
        user_preferences_update(user=org_member, by=org_member, notify_by_email="no")
    with pytest.raises(PermissionDenied):
        user_preferences_update(user=org_member, by=outsider, notify_by_email=False)
    org_member.refresh_from_db()
    assert org_member.notify_by_email is True and org_member.time_zone == ""
    assert not AuditEntry.objects.filter(verb="user.preferences").exists()


# --- API ----------------------------------------------------------------------------------

FIELDS = {"id", "kind", "subject", "body", "url", "created_at", "read"}


def test_the_api_needs_a_signed_in_caller(client, db):
    assert send(client, "get", "/notifications").status_code == 401
    assert send(client, "post", "/notifications/read", {"all": True}).status_code == 401


@pytest.mark.parametrize("who", ["org_member", "staff_pk", "platform_admin", "outsider"])
def test_the_api_lists_only_the_callers_own_notifications(client, request, who, org_member):
    caller = request.getfixturevalue(who)
    mine = stored(caller, 1)
    stored(caller, 2, read=True)
    other = org_member if caller != org_member else UserFactory(username="someone")
    stored(other, 3)
    response = send(client, "get", "/notifications", user=caller)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["unread"]) == (2, 1)
    assert [item["id"] for item in body["items"]] == [n.pk for n in caller.notifications.all()]
    item = body["items"][-1]
    assert set(item) == FIELDS and item["id"] == mine.pk and item["read"] is False
    assert item["subject"] == "Your expression of interest EI-000003 was accepted"
    assert item["url"] == "/en/profiles/interests/3/"


def test_the_api_speaks_the_requests_language(client, org_member, month_kind):
    stored(org_member, kind=month_kind)
    by_header = send(
        client, "get", "/notifications", user=org_member, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()["items"][0]
    assert by_header["subject"] == "一月" and by_header["url"].startswith("/zh-hans/")
    by_query = send(
        client, "get", "/notifications", {"lang": "ur"}, user=org_member,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).json()["items"][0]  # fmt: skip
    assert by_query["subject"] == "جنوری" and by_query["url"].startswith("/ur/")
    assert send(client, "get", "/notifications", {"lang": "fr"}, user=org_member).status_code == 422


def test_the_api_filters_unread_and_pages(client, org_member):
    for n in range(5):
        stored(org_member, n, read=n < 2)
    unread = send(client, "get", "/notifications", {"unread": "true"}, user=org_member).json()
    assert unread["count"] == 3 and all(not i["read"] for i in unread["items"])
    page = send(client, "get", "/notifications", {"limit": 2, "offset": 4}, user=org_member).json()
    assert (page["count"], len(page["items"]), page["limit"], page["offset"]) == (5, 1, 2, 4)
    for bad in ({"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"offset": 10**12}):
        assert send(client, "get", "/notifications", bad, user=org_member).status_code == 422


def test_the_api_list_makes_a_fixed_number_of_queries(
    client, org_member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stored(org_member, 0, kind="meeting.proposed")
    with CaptureQueriesContext(connection) as few:
        send(client, "get", "/notifications", user=org_member)
    for n in range(1, 30):
        stored(org_member, n, kind="meeting.proposed")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(send(client, "get", "/notifications", user=org_member).json()["items"]) == 30


def test_the_api_marks_read_only_the_callers_own(client, org_member, outsider):
    mine = [stored(org_member, n) for n in range(3)]
    theirs = stored(outsider, 9)
    response = send(
        client, "post", "/notifications/read", {"ids": [mine[0].pk, theirs.pk]}, user=org_member
    )
    assert response.status_code == 200 and response.json() == {"marked": 1, "unread": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = send(client, "post", "/notifications/read", {"all": True}, user=org_member)
    assert response.json() == {"marked": 2, "unread": 0}
    assert Notification.objects.filter(user=outsider, read_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"all": False},
        {"ids": [1], "all": True},
        {"ids": ["x"]},
        {"ids": [0]},
        {"ids": [2**64]},
        {"ids": list(range(1, 1002))},
        {"all": True, "extra": 1},
        "not json",
    ],
)
def test_bad_mark_read_requests_are_refused_and_change_nothing(client, org_member, body):
    stored(org_member)
    response = send(client, "post", "/notifications/read", body, user=org_member)
    assert response.status_code in (400, 422)
    assert Notification.objects.get().read_at is None


def test_the_browser_needs_its_csrf_token_to_mark_read(org_member):
    browser, headers = client_for(org_member, "session")
    stored(org_member)
    assert (
        browser.post(
            "/api/v1/notifications/read", {"all": True}, content_type="application/json"
        ).status_code
        == 403
    )
    response = browser.post(
        "/api/v1/notifications/read", {"all": True}, content_type="application/json", **headers
    )
    assert response.status_code == 200 and response.json()["marked"] == 1
