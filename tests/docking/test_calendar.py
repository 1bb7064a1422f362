"""The .ics invitation, read back with icalendar: one UID for the life of a meeting, a
SEQUENCE that grows with each change, UTC times equal to the stored instant, CANCEL at
the end."""

import datetime

import pytest
from icalendar import Calendar

from corridor.docking.calendar import PRODID, meeting_ics
from corridor.docking.models import Interest, ProfileTranslation
from corridor.docking.services.meetings import (
    meeting_accept,
    meeting_cancel,
    meeting_propose,
    meeting_reschedule,
)

from .meeting_fixtures import *  # noqa: F403
from .meeting_fixtures import SHANGHAI, propose_args


def parsed(meeting, language="en"):
    meeting.refresh_from_db()
    calendar = Calendar.from_ical(meeting_ics(meeting, language=language))
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_invitation_carries_the_meeting(proposed, settings):
    calendar, event = parsed(proposed)
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == proposed.uid
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "TENTATIVE"
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == proposed.starts_at
    assert end == proposed.ends_at
    assert start.utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:" + proposed.starts_at.astimezone(datetime.UTC).strftime(
        "%Y%m%dT%H%M%SZ"
    ).encode() in meeting_ics(proposed, language="en")
    assert event.decoded("DTSTAMP").utcoffset() == datetime.timedelta(0)
    assert str(event["LOCATION"]) == "https://meet.example.org/indus-zpark"
    assert str(event["DESCRIPTION"]) == "Licence terms; a visit to the mill."
    assert str(event["URL"]) == (
        f"{settings.CORRIDOR_SITE_URL}/en/profiles/interests/{proposed.interest_id}/#meetings"
    )
    summary = str(event["SUMMARY"])
    assert proposed.interest.reference in summary
    assert "Low-cost robotic arm for textile mills" in summary
    assert "Indus Robotics" in summary and "Z-Park AI" in summary  # revealed to each other


def test_same_uid_and_a_growing_sequence_through_the_meetings_life(
    proposed, org_member, other_member, start
):
    seen = []

    def record():
        calendar, event = parsed(proposed)
        seen.append(
            (str(event["UID"]), int(event["SEQUENCE"]), str(calendar["METHOD"]),
             str(event["STATUS"]), event.decoded("DTSTART"))
        )  # fmt: skip

    record()
    meeting_accept(meeting=proposed, by=other_member)
    record()
    later = start + datetime.timedelta(days=1, hours=3)
    meeting_reschedule(
        meeting=proposed, by=other_member, starts_at=later.astimezone(SHANGHAI),
        duration_minutes=45, timezone="Asia/Shanghai",
    )  # fmt: skip
    record()
    meeting_accept(meeting=proposed, by=org_member)
    record()
    meeting_cancel(meeting=proposed, by=org_member)
    record()

    assert {uid for uid, *_ in seen} == {proposed.uid}
    sequences = [sequence for _uid, sequence, *_ in seen]
    assert sequences == sorted(set(sequences)) == [0, 1, 2, 3, 4]
    assert [(method, status) for _u, _s, method, status, _d in seen] == [
        ("REQUEST", "TENTATIVE"),
        ("REQUEST", "CONFIRMED"),
        ("REQUEST", "TENTATIVE"),
        ("REQUEST", "CONFIRMED"),
        ("CANCEL", "CANCELLED"),
    ]
    assert seen[0][4] == start
    assert seen[2][4] == later == proposed.starts_at


def test_in_person_meeting_is_located_at_its_place(introduction, org_member, start):
    meeting = meeting_propose(
        interest=introduction,
        by=org_member,
        **propose_args(
            start, format="in_person", place="Islamabad STZ, Block 4", link="", agenda=""
        ),
    )
    _calendar, event = parsed(meeting)
    assert str(event["LOCATION"]) == "Islamabad STZ, Block 4"
    assert "DESCRIPTION" not in event


def test_text_with_commas_semicolons_and_new_lines_comes_back_whole(
    introduction, org_member, start
):
    agenda = "1. Licence; royalties, terms\n2. 工厂参观\n3. اگلا قدم"
    meeting = meeting_propose(
        interest=introduction, by=org_member, **propose_args(start, agenda=agenda)
    )
    _calendar, event = parsed(meeting)
    assert str(event["DESCRIPTION"]) == agenda


def test_the_file_is_the_same_at_each_download(proposed):
    assert meeting_ics(proposed, language="en") == meeting_ics(proposed, language="en")


def test_the_summary_uses_the_authors_title_in_the_language_asked(proposed):
    ProfileTranslation.objects.create(
        profile=proposed.interest.profile, language="zh-hans", title="纺织厂用低成本机械臂"
    )
    _calendar, chinese = parsed(proposed, language="zh-hans")
    _calendar, urdu = parsed(proposed, language="ur")
    assert "纺织厂用低成本机械臂" in str(chinese["SUMMARY"])
    assert "Low-cost robotic arm for textile mills" in str(urdu["SUMMARY"])  # no Urdu version


@pytest.mark.parametrize("reveal", ["not_yet"])
def test_no_organisation_name_in_the_file_once_the_introduction_is_not_revealed(
    proposed, org_member, reveal
):
    """A withdrawn introduction returns to "not yet revealed"; its files name nobody."""
    Interest.objects.filter(pk=proposed.interest_id).update(
        status="withdrawn", reveal=reveal, revealed_at=None
    )
    meeting = type(proposed).objects.select_related("interest").get(pk=proposed.pk)
    content = meeting_ics(meeting, language="en")
    for identity in (b"Indus Robotics", b"indus-robotics", b"Z-Park AI", b"z-park-ai"):
        assert identity not in content
