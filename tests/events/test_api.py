"""The events API per role: who reads and writes what (404 for what the caller may not see,
403 for what they see but may not do), times with their offsets on each person's clock,
and bad input as a 422 that saves nothing, including what only PostgreSQL refuses
(too-long strings, NUL bytes, offsets beyond ±15:59, negative caps)."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from corridor.events import services
from corridor.events.models import (
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    ScheduleRun,
    Session,
    Slot,
)

from ..api_client import bearer, send
from .conftest import local
from .schedule_cast import LIMIT, SEED, accepted, person

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def api():
    return Client()


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def event_body(authority_code: str, clock, **extra) -> dict:
    body = {
        "authority": authority_code,
        "slug": "lahore-forum",
        "title_en": "Lahore robotics forum",
        "title_zh_hans": "拉合尔机器人论坛",
        "title_ur": "لاہور روبوٹکس فورم",
        "format": "in_person",
        "time_zone": "Asia/Shanghai",
        "starts_on": clock.first_day.isoformat(),
        "ends_on": clock.last_day.isoformat(),
        "registration_opens_at": clock.opens.isoformat(),
        "registration_closes_at": clock.closes.isoformat(),
        "eligible_countries": ["pk", "CN"],
    }
    body.update(extra)
    return body


def session_body(day: datetime.date, **extra) -> dict:
    body = {
        "name": "Evening",
        "starts_at": f"{day.isoformat()}T18:00:00+08:00",
        "ends_at": f"{day.isoformat()}T19:00:00+08:00",
        "slot_minutes": 20,
        "tables": 4,
        "location": "Hall B",
    }
    body.update(extra)
    return body


def messages(response) -> str:
    return json.dumps(response.json()["detail"], ensure_ascii=False)


# --- Reading events ----------------------------------------------------------------------


def test_everyone_lists_published_events_and_only_organisers_see_drafts(
    api, event, organiser, event_fields, outsider, staff_pk
):
    services.event_create(by=organiser, **{**event_fields, "slug": "still-a-draft"})
    public = send(api, "get", "/events")
    assert public.status_code == 200
    assert [e["slug"] for e in public.json()["items"]] == [event.slug]
    for user in (outsider, staff_pk):
        assert [e["slug"] for e in send(api, "get", "/events", user=user).json()["items"]] == [
            event.slug
        ]
    mine = send(api, "get", "/events", user=organiser).json()
    assert {e["slug"] for e in mine["items"]} == {event.slug, "still-a-draft"}
    assert mine["count"] == 2
    drafts = send(api, "get", "/events", {"status": "draft"}, user=organiser).json()
    assert [e["slug"] for e in drafts["items"]] == ["still-a-draft"]
    for user in (None, outsider, staff_pk):
        assert send(api, "get", "/events/still-a-draft", user=user).status_code == 404
    assert send(api, "get", "/events/still-a-draft", user=organiser).status_code == 200


def test_an_event_reads_with_its_times_on_its_own_clock(api, event, session_am, session_pm):
    response = send(api, "get", f"/events/{event.slug}")
    assert response.status_code == 200
    data = response.json()
    assert data["authority"] == "zpark"
    assert data["time_zone"] == "Asia/Shanghai"
    assert data["title_zh_hans"] == "中巴机器人论坛"
    assert data["organiser"] is False
    morning, afternoon = data["sessions"]
    assert morning["starts_at"].endswith("T09:00:00+08:00")
    assert at(morning["starts_at"]) == session_am.starts_at
    assert morning["slots"] == 8 and morning["tables"] == 10
    assert morning["breaks"] == [
        {
            "starts_at": morning["breaks"][0]["starts_at"],
            "ends_at": morning["breaks"][0]["ends_at"],
            "label": "Tea",
        }
    ]
    assert morning["breaks"][0]["starts_at"].endswith("T10:20:00+08:00")
    assert data["registration_opens_at"].endswith("+08:00")
    # The video link pattern is for the organisers; the public sees "online".
    assert afternoon["online"] is True
    assert afternoon["video_link_template"] is None
    assert "meet.example.org" not in response.content.decode()


def test_organisers_read_the_video_link_pattern(api, event, organiser):
    data = send(api, "get", f"/events/{event.slug}", user=organiser).json()
    assert data["organiser"] is True
    assert data["sessions"][1]["video_link_template"].startswith("https://meet.example.org/")


def test_a_wrong_token_is_told_not_served_the_public_view(api, event):
    response = api.get(f"/api/v1/events/{event.slug}", HTTP_AUTHORIZATION="Bearer cor_nope")
    assert response.status_code == 401


def test_the_event_list_costs_the_same_queries_for_many_events(
    api, organiser, event_fields, django_assert_max_num_queries
):
    for n in range(12):
        made = services.event_create(by=organiser, **{**event_fields, "slug": f"forum-{n}"})
        made.status = Event.Status.PUBLISHED
        made.save(update_fields=["status"])
    with django_assert_max_num_queries(3):
        response = send(api, "get", "/events", {"limit": 50})
    assert response.json()["count"] == 12


# --- Creating events and sessions --------------------------------------------------------


def test_authority_staff_create_a_draft_and_publish_it_after_adding_a_session(api, staff_cn, clock):
    created = send(api, "post", "/events", event_body("zpark", clock), user=staff_cn)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["organiser"] is True
    assert data["eligible_countries"] == ["CN", "PK"]
    refused = send(api, "post", "/events/lahore-forum/publish", user=staff_cn)
    assert refused.status_code == 422
    session = send(
        api, "post", "/events/lahore-forum/sessions", session_body(clock.first_day), user=staff_cn
    )
    assert session.status_code == 201, session.content
    assert session.json()["slots"] == 3
    published = send(api, "post", "/events/lahore-forum/publish", user=staff_cn)
    assert published.status_code == 200
    assert published.json()["status"] == "published"


@pytest.mark.parametrize("who", ["outsider", "org_member", "staff_pk"])
def test_only_the_authoritys_staff_create_its_events(api, clock, request, who, authority_cn):
    response = send(
        api, "post", "/events", event_body("zpark", clock), user=request.getfixturevalue(who)
    )
    assert response.status_code == 403
    assert not Event.objects.exists()


def test_creating_needs_a_signed_in_caller(api, clock, authority_cn):
    assert send(api, "post", "/events", event_body("zpark", clock)).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"authority": "nobody"},
        {"title_en": "x" * 201},
        {"title_en": "Forum\x00"},
        {"description": "d" * 4001},
        {"venue": "Hall\x00A"},
        {"slug": "has space"},
        {"slug": "s" * 101},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "Asia/Shang\x00hai"},
        {"format": "telepathy"},
        {"registration_opens_at": "2026-01-01T10:00:00+16:00"},
        {"registration_closes_at": "2026-01-01T10:00:00-23:59"},
        {"registration_opens_at": "9999-12-31T23:59:59-10:00"},
        {"starts_on": "9999-12-31"},
        {"default_max_meetings": -1},
        {"default_max_meetings": 201},
        {"capacity": 0},
        {"eligible_countries": ["XX"]},
        {"eligible_sectors": ["no-such-sector"]},
        {"eligible_kinds": ["guild"]},
        {"unexpected": True},
    ],
)
def test_bad_events_are_refused_and_nothing_is_saved(api, staff_cn, clock, change):
    response = send(api, "post", "/events", event_body("zpark", clock, **change), user=staff_cn)
    assert response.status_code == 422, response.content
    assert not Event.objects.exists()


def test_an_event_ending_before_it_starts_is_refused_with_the_field_named(api, staff_cn, clock):
    body = event_body("zpark", clock, ends_on=(clock.first_day - HOUR * 24).isoformat())
    response = send(api, "post", "/events", body, user=staff_cn)
    assert response.status_code == 422
    assert ["body", "payload", "ends_on"] in [e["loc"] for e in response.json()["detail"]]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "n" * 201}, None),
        ({"name": "Even\x00ing"}, "name"),
        ({"location": "Hall\x00B"}, "location"),
        ({"slot_minutes": 25}, "slot_minutes"),  # 60 minutes are not whole 25-minute slots
        ({"slot_minutes": 4}, None),
        ({"tables": 0}, None),
        ({"tables": -3}, None),
        ({"video_link_template": "https://meet.example.org/{room}"}, "video_link_template"),
        ({"ends_at": "2026-01-01T10:00:00+16:00"}, None),
        ({"breaks": [{"starts_at": "2026-01-01T10:00:00+08:00"}]}, None),
    ],
)
def test_bad_sessions_are_refused_and_nothing_is_saved(
    api, draft_event, organiser, clock, change, field
):
    before = Session.objects.count()
    body = session_body(clock.first_day, **change)
    response = send(api, "post", f"/events/{draft_event.slug}/sessions", body, user=organiser)
    assert response.status_code == 422, response.content
    if field:
        assert ["body", "payload", field] in [e["loc"] for e in response.json()["detail"]]
    assert Session.objects.count() == before
    assert Slot.objects.filter(session__name="Evening").count() == 0


def test_an_overlapping_session_is_refused(api, draft_event, organiser, clock):
    services.session_add(
        event=draft_event, by=organiser, name="Late", starts_at=local(clock.first_day, 18, 40),
        ends_at=local(clock.first_day, 20), slot_minutes=20, tables=2,
    )  # fmt: skip
    response = send(api, "post", f"/events/{draft_event.slug}/sessions",
                    session_body(clock.first_day), user=organiser)  # fmt: skip
    assert response.status_code == 422
    assert "Overlaps the session" in messages(response)
    assert list(Session.objects.values_list("name", flat=True)) == ["Late"]


def test_a_session_outside_the_events_days_is_refused(api, draft_event, organiser, clock):
    later = clock.last_day + datetime.timedelta(days=3)
    response = send(
        api, "post", f"/events/{draft_event.slug}/sessions", session_body(later), user=organiser
    )
    assert response.status_code == 422
    assert "within the event's days" in messages(response)


def test_sessions_of_a_draft_are_hidden_and_of_a_published_event_forbidden(
    api, draft_event, organiser, staff_pk, clock
):
    body = session_body(clock.first_day)
    assert send(api, "post", f"/events/{draft_event.slug}/sessions", body,
                user=staff_pk).status_code == 404  # fmt: skip
    services.session_add(
        event=draft_event, by=organiser, name="Morning", starts_at=local(clock.first_day, 9),
        ends_at=local(clock.first_day, 10), slot_minutes=20, tables=2,
    )  # fmt: skip
    services.event_publish(event=draft_event, by=organiser)
    assert send(api, "post", f"/events/{draft_event.slug}/sessions", body,
                user=staff_pk).status_code == 403  # fmt: skip
    assert (
        send(api, "post", f"/events/{draft_event.slug}/publish", user=staff_pk).status_code == 403
    )


# --- Registrations and participants ------------------------------------------------------


def test_a_member_registers_their_organisation_and_the_organiser_approves(
    api, event, organisation, org_member, organiser
):
    response = send(
        api, "post", f"/events/{event.slug}/registrations",
        {"organisation": "indus-robotics", "note": "Two engineers"}, user=org_member,
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "pending"
    assert data["organisation"] == {"slug": "indus-robotics", "name": "Indus Robotics",
                                    "country": "PK"}  # fmt: skip
    registration = data["id"]
    assert (
        send(api, "post", f"/registrations/{registration}/approve", user=org_member).status_code
        == 403
    )
    approved = send(api, "post", f"/registrations/{registration}/approve", user=organiser)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_at"]


def test_the_organiser_rejects_a_registration(api, event, organisation, org_member, organiser):
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    response = send(api, "post", f"/registrations/{made.pk}/reject", user=organiser)
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_registrations_are_hidden_from_outsiders_and_other_authorities(
    api, event, organisation, org_member, outsider, staff_pk, other_member
):
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    for user in (outsider, staff_pk, other_member):
        for action in ("approve", "reject"):
            assert (
                send(api, "post", f"/registrations/{made.pk}/{action}", user=user).status_code
                == 404
            )
    assert send(api, "post", "/registrations/999999/approve", user=org_member).status_code == 404
    made.refresh_from_db()
    assert made.status == Registration.Status.PENDING


def test_only_an_organisations_people_register_it(api, event, organisation, outsider, other_member):
    for user in (outsider, other_member):
        response = send(api, "post", f"/events/{event.slug}/registrations",
                        {"organisation": "indus-robotics"}, user=user)  # fmt: skip
        assert response.status_code == 403
    assert not Registration.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"organisation": "no-such-org"},
        {"organisation": "indus robotics"},
        {"organisation": "indus-robotics", "note": "n" * 1001},
        {"organisation": "indus-robotics", "note": "bad\x00note"},
        {"organisation": "indus-robotics", "profiles": [424242]},
        {"organisation": "indus-robotics", "profiles": [-1]},
        {"organisation": "indus-robotics", "profiles": [2**63]},
        {"organisation": "indus-robotics", "extra": 1},
    ],
)
def test_bad_registrations_are_refused(api, event, organisation, org_member, body):
    response = send(api, "post", f"/events/{event.slug}/registrations", body, user=org_member)
    assert response.status_code == 422, response.content
    assert not Registration.objects.exists()


def test_registering_for_a_draft_is_a_404(api, draft_event, organisation, org_member):
    response = send(api, "post", f"/events/{draft_event.slug}/registrations",
                    {"organisation": "indus-robotics"}, user=org_member)  # fmt: skip
    assert response.status_code == 404


def test_a_member_names_themselves_with_sessions_and_a_cap(
    api, registration, org_member, session_am
):
    response = send(api, "post", f"/registrations/{registration.pk}/participants",
                    {"sessions": [session_am.pk], "max_meetings": 3}, user=org_member)  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["sessions"] == [session_am.pk]
    assert data["max_meetings"] == 3
    assert data["organisation"]["slug"] == "indus-robotics"
    assert "feed_token" not in response.content.decode()


def test_an_organisation_admin_names_a_colleague_by_username(
    api, registration, org_admin, org_member, session_pm
):
    response = send(api, "post", f"/registrations/{registration.pk}/participants",
                    {"user": "org_member", "sessions": [session_pm.pk]}, user=org_admin)  # fmt: skip
    assert response.status_code == 201
    assert Participant.objects.get().user == org_member
    assert response.json()["max_meetings"] == 8  # the event's default


@pytest.mark.parametrize(
    "body",
    [
        {"sessions": []},
        {"sessions": [987654]},
        {"sessions": "all"},
        {"max_meetings": -1},
        {"max_meetings": 201},
        {"user": "nobody-here"},
        {"user": "org\x00member"},
        {"user": "u" * 151},
        {"user": "outsider"},
    ],
)
def test_bad_participants_are_refused(api, registration, org_member, session_am, outsider, body):
    body = {"sessions": [session_am.pk], **body}
    response = send(api, "post", f"/registrations/{registration.pk}/participants", body,
                    user=org_member)  # fmt: skip
    assert response.status_code == 422, response.content
    assert not Participant.objects.exists()


def test_a_session_of_another_event_is_availability_outside_the_event(
    api, registration, org_member, organiser, event_fields, clock
):
    other = services.event_create(by=organiser, **{**event_fields, "slug": "other-forum"})
    elsewhere = services.session_add(
        event=other, by=organiser, name="Other", starts_at=local(clock.first_day, 9),
        ends_at=local(clock.first_day, 10), slot_minutes=20, tables=1,
    )  # fmt: skip
    response = send(api, "post", f"/registrations/{registration.pk}/participants",
                    {"sessions": [elsewhere.pk]}, user=org_member)  # fmt: skip
    assert response.status_code == 422
    assert "outside the event" in messages(response)


def test_people_of_other_organisations_cannot_name_participants(
    api, registration, other_member, session_am, outsider
):
    for user in (other_member, outsider):
        response = send(api, "post", f"/registrations/{registration.pk}/participants",
                        {"sessions": [session_am.pk]}, user=user)  # fmt: skip
        assert response.status_code == 404


def test_the_participants_are_for_organisers_and_approved_participants(
    api, event, participant, participant_cn, organiser, org_member, outsider, staff_pk,
    organisation_cn,
):  # fmt: skip
    for user in (organiser, org_member):
        response = send(api, "get", f"/events/{event.slug}/participants", user=user)
        assert response.status_code == 200
        names = {p["organisation"]["slug"] for p in response.json()["items"]}
        assert names == {"indus-robotics", "z-park-ai"}
    for user in (outsider, staff_pk):
        assert send(api, "get", f"/events/{event.slug}/participants", user=user).status_code == 403
    assert send(api, "get", f"/events/{event.slug}/participants").status_code == 401
    headers = bearer(organiser)
    path = f"/api/v1/events/{event.slug}/participants"
    api.get(path, **headers)  # the token's first use is written down once
    with CaptureQueriesContext(connection) as two:
        api.get(path, **headers)
    for n in range(5):
        person(event, organiser, f"Guest{n}", [participant.sessions.first()])
    with CaptureQueriesContext(connection) as seven:
        response = api.get(path, **headers)
    assert len(response.json()["items"]) == 7
    assert len(seven.captured_queries) == len(two.captured_queries) <= 12


# --- Meeting requests --------------------------------------------------------------------


def test_a_participant_asks_another_who_accepts(api, event, participant, participant_cn,
                                                org_member, other_member):  # fmt: skip
    sent = send(api, "post", f"/events/{event.slug}/requests",
                {"recipient": participant_cn.pk, "message": "Robotic arms?", "priority": 2},
                user=org_member)  # fmt: skip
    assert sent.status_code == 201, sent.content
    data = sent.json()
    assert data["status"] == "pending" and data["priority"] == 2
    assert data["requester"]["participant"] == participant.pk
    assert data["recipient"]["organisation"] == "Z-Park AI"
    pk = data["id"]
    assert send(api, "post", f"/meeting-requests/{pk}/accept", user=org_member).status_code == 403
    accepted_now = send(api, "post", f"/meeting-requests/{pk}/accept", user=other_member)
    assert accepted_now.status_code == 200
    assert accepted_now.json()["status"] == "accepted"
    again = send(api, "post", f"/meeting-requests/{pk}/accept", user=other_member)
    assert again.status_code == 422


def test_the_recipient_declines_and_the_requester_cancels(
    api, meeting_request, participant, participant_cn, org_member, other_member
):
    assert send(api, "post", f"/meeting-requests/{meeting_request.pk}/cancel",
                user=other_member).status_code == 403  # fmt: skip
    declined = send(api, "post", f"/meeting-requests/{meeting_request.pk}/decline",
                    user=other_member)  # fmt: skip
    assert declined.json()["status"] == "declined"
    second = services.request_send(requester=participant, recipient=participant_cn, by=org_member)
    cancelled = send(api, "post", f"/meeting-requests/{second.pk}/cancel", user=org_member)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


def test_meeting_requests_are_hidden_from_everyone_but_the_two_and_the_organisers(
    api, meeting_request, outsider, org_admin, staff_pk, organiser
):
    for user in (outsider, org_admin, staff_pk):
        for action in ("accept", "decline", "cancel"):
            response = send(api, "post", f"/meeting-requests/{meeting_request.pk}/{action}",
                            user=user)  # fmt: skip
            assert response.status_code == 404
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.PENDING
    assert send(api, "post", f"/meeting-requests/{meeting_request.pk}/accept",
                user=organiser).status_code == 200  # fmt: skip


def test_only_participants_send_requests(api, event, participant_cn, outsider, organiser):
    for user in (outsider, organiser):
        response = send(api, "post", f"/events/{event.slug}/requests",
                        {"recipient": participant_cn.pk}, user=user)  # fmt: skip
        assert response.status_code == 403
    assert not MeetingRequest.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"recipient": "self"},
        {"recipient": 987654},
        {"recipient": 0},
        {"recipient": "other", "priority": 4},
        {"recipient": "other", "priority": 0},
        {"recipient": "other", "message": "m" * 1001},
        {"recipient": "other", "message": "hello\x00"},
        {"recipient": "other", "added_by_organiser": True},
    ],
)
def test_bad_requests_are_refused(api, event, participant, participant_cn, org_member, body):
    body = dict(body)
    body["recipient"] = {"self": participant.pk, "other": participant_cn.pk}.get(
        body["recipient"], body["recipient"]
    )
    response = send(api, "post", f"/events/{event.slug}/requests", body, user=org_member)
    assert response.status_code == 422, response.content
    assert not MeetingRequest.objects.exists()


def test_a_request_to_someone_of_another_event_is_refused(
    api, event, participant, org_member, organiser, event_fields, clock
):
    other, _sessions = _other_event(organiser, event_fields, clock)
    stranger = person(other, organiser, "Stranger", _sessions, country="CN")
    response = send(api, "post", f"/events/{event.slug}/requests",
                    {"recipient": stranger.pk}, user=org_member)  # fmt: skip
    assert response.status_code == 422
    assert "does not take part" in messages(response)


def _other_event(organiser, event_fields, clock):
    other = services.event_create(by=organiser, **{**event_fields, "slug": "other-forum"})
    session = services.session_add(
        event=other, by=organiser, name="Other", starts_at=local(clock.first_day, 9),
        ends_at=local(clock.first_day, 10), slot_minutes=20, tables=1,
    )  # fmt: skip
    return services.event_publish(event=other, by=organiser), [session]


# --- Schedule runs, the schedule, check-in -----------------------------------------------


@pytest.fixture
def capped(event, organiser, session_am):
    """Someone who takes no meetings (cap 0), with an accepted request from org_member."""
    return person(event, organiser, "Busy", [session_am], cap=0, country="CN")


def test_the_organiser_runs_and_publishes_with_figures_and_reasons(
    api, event, participant, participant_cn, capped, organiser
):
    accepted(participant, participant_cn, priority=2)
    accepted(participant, capped)
    response = send(api, "post", f"/events/{event.slug}/schedule-runs",
                    {"time_limit": LIMIT, "seed": SEED}, user=organiser)  # fmt: skip
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "done"
    assert run["placed"] == 1
    assert run["value"] == 2.0
    assert run["upper_bound"] >= run["value"]
    assert run["gap"] == pytest.approx((run["upper_bound"] - run["value"]) / run["upper_bound"])
    assert run["published_at"] and run["published_at"].endswith("+08:00")
    [left_out] = run["unplaced"]
    assert left_out["reason"] == "cap_reached"
    assert "Busy Test" in left_out["detail"]
    assert ScheduledMeeting.objects.filter(status="scheduled").count() == 1


def test_a_dry_run_writes_no_meeting(api, event, participant, participant_cn, organiser):
    accepted(participant, participant_cn)
    response = send(api, "post", f"/events/{event.slug}/schedule-runs",
                    {"time_limit": LIMIT, "seed": SEED, "publish": False}, user=organiser)  # fmt: skip
    assert response.status_code == 201
    assert response.json()["placed"] == 1
    assert response.json()["published_at"] is None
    assert not ScheduledMeeting.objects.exists()


@pytest.mark.parametrize("who", ["staff_pk", "org_member", "outsider"])
def test_only_organisers_run_the_scheduler(api, event, participant, request, who):
    response = send(api, "post", f"/events/{event.slug}/schedule-runs", {"time_limit": LIMIT},
                    user=request.getfixturevalue(who))  # fmt: skip
    assert response.status_code == 403
    assert not ScheduleRun.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"time_limit": 0}',
        '{"time_limit": -1}',
        '{"time_limit": 601}',
        '{"time_limit": NaN}',
        '{"time_limit": Infinity}',
        '{"time_limit": "fast"}',
        '{"seed": -1}',
        '{"publish": "maybe"}',
        '{"dry": true}',
    ],
)
def test_bad_schedule_runs_are_refused(api, event, organiser, body):
    response = send(api, "post", f"/events/{event.slug}/schedule-runs", body, user=organiser)
    assert response.status_code == 422, response.content
    assert not ScheduleRun.objects.exists()


def test_a_draft_is_not_scheduled(api, draft_event, organiser, staff_pk):
    assert send(api, "post", f"/events/{draft_event.slug}/schedule-runs", {},
                user=staff_pk).status_code == 404  # fmt: skip
    assert send(api, "post", f"/events/{draft_event.slug}/schedule-runs", {},
                user=organiser).status_code == 422  # fmt: skip


@pytest.fixture
def scheduled(event, participant, participant_cn, organiser):
    accepted(participant, participant_cn)
    services.schedule_run(event=event, by=organiser, time_limit=LIMIT, seed=SEED)
    return ScheduledMeeting.objects.get(status="scheduled")


def test_each_participant_reads_their_meeting_on_their_own_clock(
    api, event, scheduled, org_member, other_member, participant
):
    pakistan = send(api, "get", f"/events/{event.slug}/schedule", user=org_member).json()
    china = send(api, "get", f"/events/{event.slug}/schedule", user=other_member).json()
    [mine], [theirs] = pakistan["items"], china["items"]
    assert mine["id"] == theirs["id"] == scheduled.pk
    assert pakistan["viewer_timezone"] == "Asia/Karachi"
    assert china["viewer_timezone"] == "Asia/Shanghai"
    assert mine["starts_at_local"].endswith("+05:00")
    assert theirs["starts_at_local"].endswith("+08:00")
    assert at(mine["starts_at_local"]) == at(theirs["starts_at_local"]) == scheduled.slot.starts_at
    assert at(theirs["starts_at_local"]).hour - at(mine["starts_at_local"]).hour == 3
    assert mine["starts_at"] == theirs["starts_at"]  # the event's clock
    assert mine["starts_at"].endswith("+08:00")
    assert mine["uid"] == scheduled.uid
    assert pakistan["calendar_feed"].endswith(f"/{participant.feed_token}.ics")
    assert pakistan["calendar_feed"] != china["calendar_feed"]


def test_participants_read_only_their_own_meetings_and_organisers_all(
    api, event, scheduled, participant, organiser, org_member, session_am
):
    a = person(event, organiser, "Asif", [session_am])
    b = person(event, organiser, "Bo", [session_am], country="CN")
    accepted(a, b)
    services.schedule_run(event=event, by=organiser, time_limit=LIMIT, seed=SEED)
    everything = send(api, "get", f"/events/{event.slug}/schedule", user=organiser).json()
    assert len(everything["items"]) == 2
    assert everything["calendar_feed"] is None
    mine = send(api, "get", f"/events/{event.slug}/schedule", user=org_member).json()
    assert [m["id"] for m in mine["items"]] == [scheduled.pk]


def test_the_schedule_is_forbidden_to_others_and_a_drafts_hidden(
    api, event, scheduled, outsider, staff_pk, organiser, event_fields
):
    draft = services.event_create(by=organiser, **{**event_fields, "slug": "a-draft"})
    for user in (outsider, staff_pk):
        assert send(api, "get", f"/events/{event.slug}/schedule", user=user).status_code == 403
        assert send(api, "get", f"/events/{draft.slug}/schedule", user=user).status_code == 404
    assert send(api, "get", f"/events/{event.slug}/schedule").status_code == 401


def _begun(meeting: ScheduledMeeting) -> None:
    """Move the meeting's slot into the past (the API takes no ``now``)."""
    now = timezone.now()
    Slot.objects.filter(pk=meeting.slot_id).update(
        starts_at=now - HOUR, ends_at=now - HOUR + datetime.timedelta(minutes=20)
    )


def test_the_organiser_checks_a_meeting_in_once_it_has_begun(api, scheduled, organiser):
    early = send(api, "post", f"/scheduled-meetings/{scheduled.pk}/check-in", {"held": True},
                 user=organiser)  # fmt: skip
    assert early.status_code == 422
    assert "not begun" in messages(early)
    _begun(scheduled)
    done = send(api, "post", f"/scheduled-meetings/{scheduled.pk}/check-in", {"held": True},
                user=organiser)  # fmt: skip
    assert done.status_code == 200
    assert done.json()["held"] is True
    scheduled.refresh_from_db()
    assert scheduled.held is True and scheduled.checked_in_by == organiser


def test_check_in_is_for_organisers_and_hidden_from_outsiders(
    api, scheduled, org_member, other_member, outsider, staff_pk
):
    _begun(scheduled)
    for user in (org_member, other_member):
        response = send(api, "post", f"/scheduled-meetings/{scheduled.pk}/check-in",
                        {"held": True}, user=user)  # fmt: skip
        assert response.status_code == 403
    for user in (outsider, staff_pk):
        response = send(api, "post", f"/scheduled-meetings/{scheduled.pk}/check-in",
                        {"held": True}, user=user)  # fmt: skip
        assert response.status_code == 404
    scheduled.refresh_from_db()
    assert scheduled.held is None


@pytest.mark.parametrize(
    "body", [{}, {"held": "yes please"}, {"held": None}, {"held": True, "x": 1}]
)
def test_bad_check_ins_are_refused(api, scheduled, organiser, body):
    _begun(scheduled)
    response = send(api, "post", f"/scheduled-meetings/{scheduled.pk}/check-in", body,
                    user=organiser)  # fmt: skip
    assert response.status_code == 422
    scheduled.refresh_from_db()
    assert scheduled.held is None


@pytest.mark.parametrize(
    "path",
    [
        "/registrations/0/approve",
        f"/registrations/{2**63}/approve",
        "/meeting-requests/-1/accept",
        "/scheduled-meetings/abc/check-in",
    ],
)
def test_impossible_ids_are_a_422_or_404_never_a_500(api, organiser, path):
    response = send(api, "post", path, {"held": True}, user=organiser)
    assert response.status_code in (404, 422)


def test_impossible_slugs_are_refused(api, organiser):
    for slug in ("a%00b", "s" * 101, "has%20space"):
        assert send(api, "get", f"/events/{slug}", user=organiser).status_code in (404, 422)
