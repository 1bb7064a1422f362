"""Calendar feeds and single-meeting files, read back with icalendar: one UID per meeting
for its whole life, SEQUENCE up on every change, a meeting taken out of the schedule sent
as CANCELLED, the same UTC instant in a UTC+5 and a UTC+8 feed, nobody else's meetings,
unknown tokens 404, and what common clients need (CRLF, folding, no METHOD, polling)."""

import datetime

import pytest
from django.conf import settings
from icalendar import Calendar

from corridor.events import services
from corridor.events.calendar import PRODID, feed_ics
from corridor.events.models import ScheduledMeeting, Slot

from .agenda_cast import *  # noqa: F403
from .agenda_cast import accepted_with, first_slot, html, meet, url
from .conftest import local
from .schedule_cast import person, run, small_event

pytestmark = pytest.mark.django_db


def feed(client, participant) -> Calendar:
    response = client.get(url("event_feed", token=participant.feed_token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def vevents(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- The feed ------------------------------------------------------------------------------


def test_the_feed_carries_each_meeting(client, published, participant, settings):
    response = client.get(url("event_feed", token=participant.feed_token))
    raw = response.content
    calendar = Calendar.from_ical(raw)
    assert str(calendar["PRODID"]) == PRODID and str(calendar["VERSION"]) == "2.0"
    assert "METHOD" not in calendar  # a subscription is not an iTIP message
    assert str(calendar["X-WR-CALNAME"]) == "Pakistan–China robotics forum: my meetings"
    assert calendar["REFRESH-INTERVAL"].dt == datetime.timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Karachi"
    assert participant.feed_token not in raw.decode()  # not even in the calendar's UID

    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == published.uid == f"event-meeting-{published.request_id}@corridor"
    assert int(event["SEQUENCE"]) == published.sequence
    assert str(event["STATUS"]) == "CONFIRMED"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == published.slot.starts_at and end == published.slot.ends_at
    assert start.utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:" + start.strftime("%Y%m%dT%H%M%SZ").encode() in raw
    assert event.decoded("DTSTAMP") == published.updated_at.replace(microsecond=0)
    assert str(event["SUMMARY"]) == (
        "Meeting with Wei Zhang (Z-Park AI) — Pakistan–China robotics forum"
    )
    assert str(event["LOCATION"]) == "Hall A, table 1"
    description = str(event["DESCRIPTION"])
    assert "Morning" in description and "Shall we talk about textile robots?" in description
    assert (
        str(event["URL"])
        == f"{settings.CORRIDOR_SITE_URL}/en/events/{published.event.slug}/agenda/"
    )


def test_what_calendar_clients_need_crlf_folding_and_headers(client, published, participant):
    response = client.get(url("event_feed", token=participant.feed_token))
    raw = response.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded at 75 octets
    assert response["Cache-Control"] == "private, no-cache"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["ETag"]
    again = client.get(
        url("event_feed", token=participant.feed_token), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304  # nothing changed: clients keep their copy
    assert client.head(url("event_feed", token=participant.feed_token)).status_code == 200
    assert client.post(url("event_feed", token=participant.feed_token)).status_code == 405


def test_the_feed_is_in_the_participants_language_whatever_the_address(
    client, published, participant_cn
):
    stable = client.get(url("event_feed", token=participant_cn.feed_token)).content
    prefixed = client.get(url("feed", lang="ur", token=participant_cn.feed_token)).content
    assert stable == prefixed  # the language of the address does not matter
    [event] = Calendar.from_ical(stable).walk("VEVENT")
    summary = str(event["SUMMARY"])
    assert "Amina Khan" in summary and "Indus Robotics" in summary
    assert "中巴机器人论坛" in summary  # Wei reads Chinese: the event's Chinese title


def test_two_zones_see_the_same_instant(client, published, participant, participant_cn):
    """Amina (Asia/Karachi, UTC+5) and Wei (Asia/Shanghai, UTC+8): one DTSTART, in UTC."""
    [hers] = feed(client, participant).walk("VEVENT")
    [his] = feed(client, participant_cn).walk("VEVENT")
    assert str(hers["UID"]) == str(his["UID"])
    assert (
        hers.decoded("DTSTART")
        == his.decoded("DTSTART")
        == local(published.slot.starts_at.astimezone(datetime.UTC).date(), 9)
    )
    assert hers["DTSTART"].to_ical().endswith(b"Z") and his["DTSTART"].to_ical().endswith(b"Z")
    # ... and their agenda pages show it on their own clocks.
    client.force_login(participant.user)
    assert "06:00–06:20" in html(client.get(url("agenda", slug=published.event.slug)))
    client.force_login(participant_cn.user)
    page = html(client.get(url("agenda", slug=published.event.slug)))
    assert "09:00–09:20" in page and "06:00" not in page


def test_an_online_meeting_has_its_link_as_location(client, published, session_pm, organiser):
    slot = first_slot(session_pm)
    meet(published, slot, organiser, table=2)
    [event] = feed(client, published.request.requester).walk("VEVENT")
    assert str(event["LOCATION"]) == f"https://meet.example.org/forum-{slot.pk}-2"
    assert f"https://meet.example.org/forum-{slot.pk}-2" in str(event["DESCRIPTION"])


# --- Stability across changes -----------------------------------------------------------


def test_a_meeting_moved_by_the_organiser_keeps_its_uid_with_a_higher_sequence(
    client, published, participant, participant_cn, session_am, organiser
):
    before = vevents(feed(client, participant))[published.uid]
    later = Slot.objects.filter(session=session_am).order_by("-starts_at").first()
    services.meeting_move(meeting=published, by=organiser, slot=later)
    for person_ in (participant, participant_cn):
        events = vevents(feed(client, person_))
        assert list(events) == [published.uid]  # the same event, not a second one
        after = events[published.uid]
        assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
        assert after.decoded("DTSTART") == later.starts_at != before.decoded("DTSTART")
        assert after.decoded("DTSTAMP") >= before.decoded("DTSTAMP")


def test_a_reschedule_that_moves_a_meeting_keeps_its_uid(client, organiser, event_fields, clock):
    """Ali–Bo published in the first slot; Cai, who attends only the first slot, is accepted
    by Ali: the next run moves Ali–Bo to the second slot (as in the schedule-run tests)."""
    day = clock.first_day
    event, sessions = small_event(
        organiser, event_fields, slug="two-slots",
        sessions=[{"name": name, "starts_at": local(day, 9, m), "ends_at": local(day, 9, m + 20),
                   "slot_minutes": 20, "tables": 5} for name, m in (("First", 0), ("Second", 20))],
    )  # fmt: skip
    ali, bo = (person(event, organiser, n, sessions) for n in ("Ali", "Bo"))
    first = accepted_with(ali, bo)
    run(event, organiser)
    meeting = ScheduledMeeting.objects.select_related("slot").get(request=first)
    if meeting.slot.session_id != sessions[0].pk:  # the engine chose the second: move it back
        meeting = meet(meeting, first_slot(sessions[0]), organiser)
        services.meeting_unlock(meeting=meeting, by=organiser)
    before = vevents(feed(client, ali))[meeting.uid]

    cai = person(event, organiser, "Cai", [sessions[0]], country="CN")
    late = accepted_with(cai, ali)
    done = run(event, organiser)
    assert done.status == "done" and done.moved == 1, done.error

    after = vevents(feed(client, ali))
    assert set(after) == {meeting.uid, f"event-meeting-{late.pk}@corridor"}
    moved = after[meeting.uid]
    assert int(moved["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert moved.decoded("DTSTART") == local(day, 9, 20) != before.decoded("DTSTART")
    assert str(moved["STATUS"]) == "CONFIRMED"
    # Bo's feed has the same event, moved the same way.
    bos = vevents(feed(client, bo))
    assert list(bos) == [meeting.uid] and int(bos[meeting.uid]["SEQUENCE"]) == int(
        moved["SEQUENCE"]
    )


def test_a_meeting_dropped_from_the_schedule_is_sent_cancelled(
    client, published, participant, participant_cn, organiser
):
    before = vevents(feed(client, participant_cn))[published.uid]
    services.request_cancel(request=published.request, by=participant.user)
    for person_ in (participant, participant_cn):
        after = vevents(feed(client, person_))[published.uid]  # still there, same UID
        assert str(after["STATUS"]) == "CANCELLED"
        assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
        assert after.decoded("DTSTART") == before.decoded("DTSTART")
    # Amina reads English (Wei's copy says the same in Chinese).
    assert "taken out of the schedule" in str(
        vevents(feed(client, participant))[published.uid]["DESCRIPTION"]
    )
    # A later run does not bring it back or forget it.
    run(published.event, organiser)
    assert str(vevents(feed(client, participant))[published.uid]["STATUS"]) == "CANCELLED"


# --- Secrets --------------------------------------------------------------------------------


def test_an_unknown_token_is_404(client, published, participant):
    for token in ("nope", participant.feed_token[:-1], participant.feed_token + "x", "x" * 300):
        assert client.get(url("event_feed", token=token)).status_code == 404
    assert client.get(f"/feeds/events/{participant.feed_token}.ics/").status_code == 404
    for raw in ("%00", "a%00b", "%E2%80%AE", "a%20b"):  # never a query, never a 500
        assert client.get(f"/feeds/events/{raw}.ics").status_code == 404


def test_the_feed_makes_as_many_queries_for_many_meetings_as_for_one(
    client, published, event, session_pm, participant, organiser, django_assert_max_num_queries
):
    path = url("event_feed", token=participant.feed_token)
    with django_assert_max_num_queries(10) as few:
        client.get(path)
    for name in ("Bo", "Cai", "Dee"):
        accepted_with(participant, person(event, organiser, name, [session_pm], country="CN"))
    run(event, organiser)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(path)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 4


def test_a_feed_holds_no_one_elses_meetings(
    client, published, event, session_am, participant, participant_cn, organiser
):
    ali, bo = (person(event, organiser, n, [session_am], country="CN") for n in ("Ali", "Bo"))
    theirs = accepted_with(ali, bo, "Private: our pricing")
    run(event, organiser)
    assert ScheduledMeeting.objects.filter(status="scheduled").count() == 2
    for person_ in (participant, participant_cn):
        raw = client.get(url("event_feed", token=person_.feed_token)).content.decode()
        assert list(vevents(Calendar.from_ical(raw))) == [published.uid]
        assert "Ali" not in raw and "pricing" not in raw
    ali_feed = vevents(feed(client, ali))
    assert list(ali_feed) == [f"event-meeting-{theirs.pk}@corridor"]


def test_the_feed_needs_no_sign_in_and_is_the_same_for_anyone_with_the_address(
    client, published, participant, outsider
):
    anonymous = client.get(url("event_feed", token=participant.feed_token)).content
    client.force_login(outsider)
    assert client.get(url("event_feed", token=participant.feed_token)).content == anonymous


def test_a_feed_before_publication_is_an_empty_calendar(client, event, participant, people):
    calendar = feed(client, participant)
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-CALNAME"]).endswith(": my meetings")


# --- One meeting as a file ---------------------------------------------------------------


def test_a_meeting_file_is_the_feeds_event_published(client, published, participant, organiser):
    client.force_login(participant.user)
    path = url("meeting_ics", slug=published.event.slug, pk=published.pk)
    calendar = Calendar.from_ical(client.get(path).content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "ORGANIZER" not in calendar.to_ical().decode()  # no address in the file
    [event] = calendar.walk("VEVENT")
    [in_feed] = feed(client, participant).walk("VEVENT")
    for name in ("UID", "SEQUENCE", "DTSTART", "DTEND", "DTSTAMP", "SUMMARY", "LOCATION"):
        assert event[name].to_ical() == in_feed[name].to_ical(), name
    # The organiser's copy names both people.
    client.force_login(organiser)
    [copy] = Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert "Amina Khan (Indus Robotics)" in str(copy["SUMMARY"])
    assert "Wei Zhang (Z-Park AI)" in str(copy["SUMMARY"])
    assert str(copy["UID"]) == published.uid


def test_a_meeting_file_follows_the_page_language(client, published, participant):
    client.force_login(participant.user)
    path = url("meeting_ics", lang="zh-hans", slug=published.event.slug, pk=published.pk)
    [event] = Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert "中巴机器人论坛" in str(event["SUMMARY"])
    assert str(event["URL"]).startswith(f"{settings.CORRIDOR_SITE_URL}/zh-hans/events/")


def test_a_cancelled_meetings_file_says_cancelled(client, published, participant):
    services.request_cancel(request=published.request, by=participant.user)
    client.force_login(participant.user)
    path = url("meeting_ics", slug=published.event.slug, pk=published.pk)
    [event] = Calendar.from_ical(client.get(path).content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) >= 1


def test_feed_ics_function_in_any_language(published, participant):
    for language in ("en", "zh-hans", "ur", "fr"):
        [event] = Calendar.from_ical(feed_ics(participant, language=language)).walk("VEVENT")
        assert str(event["UID"]) == published.uid
