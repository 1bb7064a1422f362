"""The meetings API: the same meeting on each party's clock, every change per role, 404
for outsiders, 422 (never 500) for bad times, zones and offsets."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from corridor.core.models import Notification
from corridor.docking.models import Meeting, MeetingOutcome
from corridor.docking.services.meetings import meeting_accept, meeting_propose

from ..api_client import client_for, send
from .meeting_fixtures import *  # noqa: F403
from .meeting_fixtures import KARACHI, SHANGHAI, meeting_at, propose_args

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def api():
    return Client()


def body(start, **extra) -> dict:
    data = {
        "starts_at": start.isoformat(),
        "duration_minutes": 60,
        "timezone": "Asia/Karachi",
        "format": "online",
        "link": "https://meet.example.org/indus-zpark",
        "agenda": "Licence terms",
    }
    data.update(extra)
    return data


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- Reading ---------------------------------------------------------------------------------


def test_each_party_reads_the_same_meeting_on_its_own_clock(
    api, proposed, org_member, other_member, start
):
    pakistan = send(api, "get", f"/interests/{proposed.interest_id}/meetings", user=org_member)
    china = send(api, "get", f"/interests/{proposed.interest_id}/meetings", user=other_member)
    assert pakistan.status_code == china.status_code == 200
    [mine], [theirs] = pakistan.json()["items"], china.json()["items"]
    assert mine["id"] == theirs["id"] == proposed.pk
    assert mine["starts_at"] == theirs["starts_at"]
    assert at(mine["starts_at"]) == start and at(
        mine["starts_at"]
    ).utcoffset() == datetime.timedelta(0)
    assert mine["viewer_timezone"] == "Asia/Karachi"
    assert mine["starts_at_local"].endswith("T10:00:00+05:00")
    assert mine["ends_at_local"].endswith("T11:00:00+05:00")
    assert theirs["viewer_timezone"] == "Asia/Shanghai"
    assert theirs["starts_at_local"].endswith("T13:00:00+08:00")
    assert at(theirs["starts_at_local"]) == at(mine["starts_at_local"]) == start
    assert mine["timezone"] == theirs["timezone"] == "Asia/Karachi"
    assert theirs["starts_at_proposer"].endswith("T10:00:00+05:00")
    assert (mine["your_side"], theirs["your_side"]) == ("owner", "sender")
    assert mine["proposed_by"] == theirs["proposed_by"] == "owner"
    assert mine["actions"] == ["cancel", "reschedule"]
    assert theirs["actions"] == ["accept", "cancel", "reschedule"]
    assert mine["duration_minutes"] == 60
    assert mine["outcome"] == "unknown"
    assert mine["marks"] == {"owner": None, "sender": None}
    assert mine["interest"] == proposed.interest.reference
    assert send(api, "get", f"/meetings/{proposed.pk}", user=other_member).json() == theirs


def test_brokers_of_either_side_read_but_may_not_act(api, proposed, staff_pk, staff_cn):
    for staff in (staff_pk, staff_cn):
        read = send(api, "get", f"/meetings/{proposed.pk}", user=staff)
        assert read.status_code == 200
        assert read.json()["actions"] == []
        assert read.json()["your_side"] is None
        for action in ("accept", "cancel"):
            assert (
                send(api, "post", f"/meetings/{proposed.pk}/{action}", user=staff).status_code
                == 403
            )
    assert Meeting.objects.get().status == "proposed"


def test_outsiders_get_404_everywhere(api, proposed, outsider, start, staff_de_m):
    for user in (outsider, staff_de_m):
        for method, path, data in [
            ("get", f"/interests/{proposed.interest_id}/meetings", None),
            ("post", f"/interests/{proposed.interest_id}/meetings", body(start)),
            ("get", f"/meetings/{proposed.pk}", None),
            ("get", f"/meetings/{proposed.pk}/ics", None),
            ("post", f"/meetings/{proposed.pk}/accept", None),
            ("post", f"/meetings/{proposed.pk}/cancel", None),
            ("post", f"/meetings/{proposed.pk}/mark", {"held": True}),
            (
                "post",
                f"/meetings/{proposed.pk}/reschedule",
                {"starts_at": start.isoformat(), "duration_minutes": 30, "timezone": "UTC"},
            ),
        ]:
            response = send(api, method, path, data, user=user)
            assert response.status_code == 404, (user, path)
    assert send(api, "get", "/meetings/999999", user=outsider).status_code == 404
    assert Meeting.objects.count() == 1


@pytest.fixture
def staff_de_m(db):
    from corridor.accounts.models import AuthorityStaff

    from ..factories import AuthorityFactory, UserFactory

    authority = AuthorityFactory(code="de-parks", name_en="German Science Parks", country="DE")
    user = UserFactory(username="staff_de_m")
    AuthorityStaff.objects.create(user=user, authority=authority)
    return user


def test_anonymous_callers_must_sign_in(api, proposed):
    assert send(api, "get", f"/meetings/{proposed.pk}").status_code == 401
    assert send(api, "get", f"/meetings/{proposed.pk}/ics").status_code == 401


def test_the_list_reads_a_fixed_number_of_rows(
    api, introduction, org_member, other_member, start, django_assert_max_num_queries
):
    meeting_propose(interest=introduction, by=org_member, **propose_args(start))
    with django_assert_max_num_queries(30) as one:
        send(api, "get", f"/interests/{introduction.pk}/meetings", user=other_member)
    for n in range(1, 10):
        meeting = meeting_propose(
            interest=introduction, by=org_member,
            **propose_args(start + datetime.timedelta(hours=2 * n)),
        )  # fmt: skip
        if n % 3 == 0:
            meeting_accept(meeting=meeting, by=other_member)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = send(api, "get", f"/interests/{introduction.pk}/meetings", user=other_member)
    assert len(response.json()["items"]) == 10


# --- Writing -----------------------------------------------------------------------------


def test_propose_with_an_offset(api, introduction, other_member, organisation_cn, start):
    response = send(
        api, "post", f"/interests/{introduction.pk}/meetings",
        body(start.astimezone(SHANGHAI), timezone="Asia/Shanghai"), user=other_member,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "proposed"
    assert data["starts_at_local"].endswith("T13:00:00+08:00")
    assert data["proposed_by"] == "sender"
    meeting = Meeting.objects.get()
    assert meeting.starts_at == start
    assert meeting.proposed_by_organisation == organisation_cn
    assert Notification.objects.filter(kind="meeting.proposed").count() == 1


def test_propose_without_an_offset_reads_the_time_in_the_zone_given(
    api, introduction, org_member, start
):
    response = send(
        api, "post", f"/interests/{introduction.pk}/meetings",
        body(start.astimezone(KARACHI).replace(tzinfo=None)), user=org_member,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert Meeting.objects.get().starts_at == start


def test_propose_by_session_needs_the_csrf_token(introduction, org_member, start):
    browser, headers = client_for(org_member, "session")
    path = f"/api/v1/interests/{introduction.pk}/meetings"
    data = json.dumps(body(start))
    assert browser.post(path, data, content_type="application/json").status_code in (401, 403)
    assert browser.post(path, data, content_type="application/json", **headers).status_code == 201


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "2030-01-01T10:00:00+16:00"},
        {"starts_at": "2030-01-01T10:00:00-16:30"},
        {"starts_at": "2030-01-01T10:00:00+24:00"},
        {"starts_at": "2030-01-01T10:00:00+99:99"},
        {"starts_at": "9999-12-31T23:59:59-15:00"},
        {"starts_at": "0001-01-01T00:00:00+15:00"},
        {"starts_at": "2001-01-01T10:00:00+05:00"},
        {"starts_at": "tomorrow at ten"},
        {"starts_at": None},
        {"starts_at": 10**20},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "Asia/Karachi\u0000"},
        {"timezone": ""},
        {"timezone": "x" * 65},
        {"duration_minutes": 0},
        {"duration_minutes": 10_000},
        {"duration_minutes": 2**70},
        {"format": "carrier pigeon"},
        {"link": "javascript:alert(1)"},
        {"link": ""},
        {"format": "in_person", "place": ""},
        {"place": "a\u0000b", "format": "in_person"},
        {"agenda": "x" * 2001},
        {"agenda": "a\u0000b"},
        {"organisation": "indus-robotics"},
    ],
)
def test_bad_proposals_are_422_and_change_nothing(api, introduction, org_member, start, change):
    data = body(start)
    data.update(change)
    response = send(api, "post", f"/interests/{introduction.pk}/meetings", data, user=org_member)
    assert response.status_code == 422, response.content
    assert not Meeting.objects.exists()
    assert not Notification.objects.filter(kind="meeting.proposed").exists()


def test_accept_reschedule_cancel_through_the_api(api, proposed, org_member, other_member, start):
    accepted = send(api, "post", f"/meetings/{proposed.pk}/accept", user=other_member)
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["sequence"]) == ("accepted", 1)
    again = send(api, "post", f"/meetings/{proposed.pk}/accept", user=other_member)
    assert again.status_code == 422
    assert Notification.objects.filter(kind="meeting.accepted").count() == 1

    later = (start + datetime.timedelta(days=1)).astimezone(SHANGHAI)
    moved = send(
        api, "post", f"/meetings/{proposed.pk}/reschedule",
        {"starts_at": later.isoformat(), "duration_minutes": 30, "timezone": "Asia/Shanghai",
         "format": "in_person", "place": "Z-Park, Building 2"},
        user=other_member,
    )  # fmt: skip
    assert moved.status_code == 200, moved.content
    data = moved.json()
    assert (data["status"], data["sequence"], data["proposed_by"]) == ("proposed", 2, "sender")
    assert data["place"] == "Z-Park, Building 2"
    assert at(data["starts_at"]) == later
    assert (
        send(api, "post", f"/meetings/{proposed.pk}/accept", user=other_member).status_code == 403
    )
    assert send(api, "post", f"/meetings/{proposed.pk}/accept", user=org_member).status_code == 200

    cancelled = send(api, "post", f"/meetings/{proposed.pk}/cancel", user=org_member)
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert cancelled.json()["actions"] == []
    assert send(api, "post", f"/meetings/{proposed.pk}/cancel", user=org_member).status_code == 422


@pytest.mark.parametrize(
    "payload",
    [
        {"starts_at": "2030-01-01T10:00:00+16:00", "duration_minutes": 60, "timezone": "UTC"},
        {"starts_at": "2001-01-01T10:00:00Z", "duration_minutes": 60, "timezone": "UTC"},
        {"duration_minutes": 60, "timezone": "UTC"},
        {"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60, "timezone": "Nowhere"},
        {"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60, "timezone": "UTC",
         "link": "ftp://x"},
        {"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 60, "timezone": "UTC",
         "agenda": "new"},
    ],
)  # fmt: skip
def test_bad_reschedules_are_422_and_change_nothing(api, proposed, org_member, payload):
    before = Meeting.objects.values().get()
    response = send(api, "post", f"/meetings/{proposed.pk}/reschedule", payload, user=org_member)
    assert response.status_code == 422, response.content
    assert Meeting.objects.values().get() == before


def test_mark_held_after_the_meeting_and_not_before(
    api, introduction, organisation, org_member, other_member, proposed
):
    meeting_accept(meeting=proposed, by=other_member)
    early = send(api, "post", f"/meetings/{proposed.pk}/mark", {"held": True}, user=org_member)
    assert early.status_code == 422
    past = meeting_at(introduction, organisation, timezone.now() - 3 * HOUR)
    path = f"/meetings/{past.pk}/mark"
    assert send(api, "post", path, {"held": "perhaps"}, user=org_member).status_code == 422
    first = send(api, "post", path, {"held": True}, user=org_member)
    assert first.status_code == 200
    assert first.json()["outcome"] == "held"
    assert first.json()["marks"] == {"owner": True, "sender": None}
    second = send(api, "post", path, {"held": False}, user=other_member)
    assert second.json()["outcome"] == "not_held"
    assert second.json()["marks"] == {"owner": True, "sender": False}
    assert MeetingOutcome.objects.filter(meeting=past).count() == 2


def test_ics_for_parties_and_brokers_in_the_language_asked(
    api, proposed, other_member, staff_pk, settings
):
    response = send(api, "get", f"/meetings/{proposed.pk}/ics", user=other_member)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == proposed.uid
    assert event.decoded("DTSTART") == proposed.starts_at
    assert send(api, "get", f"/meetings/{proposed.pk}/ics", user=staff_pk).status_code == 200
    chinese = send(
        api, "get", f"/meetings/{proposed.pk}/ics", {"language": "zh-hans"}, user=staff_pk
    )
    assert chinese.status_code == 200
    assert (
        send(
            api, "get", f"/meetings/{proposed.pk}/ics", {"language": "klingon"}, user=staff_pk
        ).status_code
        == 422
    )


@pytest.mark.parametrize("bad_id", ["0", "-1", str(2**63), "abc"])
def test_bad_ids_are_never_a_server_error(api, proposed, org_member, bad_id):
    for method, path in [
        ("get", f"/meetings/{bad_id}"),
        ("get", f"/meetings/{bad_id}/ics"),
        ("post", f"/meetings/{bad_id}/accept"),
        ("get", f"/interests/{bad_id}/meetings"),
    ]:
        assert send(api, method, path, user=org_member).status_code in (404, 422)
