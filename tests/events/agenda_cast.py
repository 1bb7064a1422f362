"""The cast of the agenda, calendar and export tests: the event of ``conftest.py`` (Shanghai,
two sessions) with its schedule published, and the two people living on their own clocks:
Amina Khan (org_member, Indus Robotics, Asia/Karachi, UTC+5) and Wei Zhang (other_member,
Z-Park AI, Asia/Shanghai, UTC+8).

``published`` puts their meeting at day one 09:00 Shanghai (06:00 in Karachi), table 1,
Hall A. Imported with ``from .agenda_cast import *`` by the test modules.
"""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from corridor.events import services
from corridor.events.models import MeetingRequest, ScheduledMeeting, Slot

from .schedule_cast import run

__all__ = [
    "accepted_with",
    "back_to_english",
    "document_text",
    "first_slot",
    "html",
    "meet",
    "people",
    "published",
    "url",
]


def url(name: str, lang: str = "en", **kwargs) -> str:
    with translation.override(lang):
        return reverse(name if ":" in name or name == "event_feed" else f"events:{name}",
                       kwargs=kwargs or None)  # fmt: skip


def document_text(document) -> str:
    """The text WeasyPrint laid out on the pages (what the PDF shows)."""
    from weasyprint.formatting_structure.boxes import TextBox

    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    )


def html(response) -> str:
    return response.content.decode()


def accepted_with(a, b, message: str = "", priority: int = 1) -> MeetingRequest:
    """``a`` asks ``b`` (with ``message``) and ``b`` accepts."""
    request = services.request_send(
        requester=a, recipient=b, by=a.user, message=message, priority=priority
    )
    return services.request_accept(request=request, by=b.user)


def first_slot(session) -> Slot:
    return Slot.objects.filter(session=session).order_by("starts_at").first()


def meet(meeting: ScheduledMeeting, slot: Slot, organiser, table: int = 1) -> ScheduledMeeting:
    """The meeting at ``slot`` and ``table`` (moved there by the organiser if elsewhere)."""
    meeting.refresh_from_db()
    if (meeting.slot_id, meeting.table) != (slot.pk, table):
        services.meeting_move(meeting=meeting, by=organiser, slot=slot, table=table)
    meeting.refresh_from_db()
    return meeting


@pytest.fixture(autouse=True)
def back_to_english():
    """A request to /ur/ or /zh-hans/ leaves that language active in the thread (the
    locale middleware activates it and nothing deactivates it): later tests would read
    Urdu messages. Each test here ends in the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def people(org_member, other_member):
    """Names, zones and languages of the two participants' people."""
    org_member.first_name, org_member.last_name = "Amina", "Khan"
    org_member.time_zone, org_member.language = "Asia/Karachi", "en"
    org_member.save()
    other_member.first_name, other_member.last_name = "Wei", "Zhang"
    other_member.time_zone, other_member.language = "Asia/Shanghai", "zh-hans"
    other_member.save()
    return org_member, other_member


@pytest.fixture
def published(event, session_am, participant, participant_cn, organiser, people):
    """Amina asked Wei ("Shall we talk about textile robots?"), Wei accepted, the schedule is
    published, and the meeting is at day one 09:00–09:20 Shanghai, table 1."""
    request = accepted_with(participant, participant_cn, "Shall we talk about textile robots?")
    done = run(event, organiser)
    assert done.status == "done", done.error
    meeting = meet(ScheduledMeeting.objects.get(request=request), first_slot(session_am), organiser)
    event.refresh_from_db()
    assert meeting.slot.starts_at.astimezone(datetime.UTC).hour == 1  # 09:00 in Shanghai
    return meeting
