"""Personal agendas: each person's meetings at their own local times (UTC+5 and UTC+8 see
the same meeting at 06:00 and 09:00), who may read whose agenda, the note before a
schedule is published, cancelled meetings struck out, video links, the PDF in three
languages, the calendar address and its renewal, single-meeting files."""

import datetime
import re

import pytest
from django.utils import timezone

from corridor.core.pdf import render_html
from corridor.events import agendas, services
from corridor.events.models import Participant, ScheduledMeeting
from corridor.events.views_agendas import agenda_html

from .agenda_cast import *  # noqa: F403
from .agenda_cast import accepted_with, document_text, first_slot, html, meet, url
from .schedule_cast import person, run

pytestmark = pytest.mark.django_db


def row(page: str, meeting) -> str:
    start = page.index(f'data-meeting="{meeting.pk}"')
    return page[start : page.index("</tr>", start)]


# --- The page: times, the other person, where, the message ------------------------------


def test_each_person_sees_the_meeting_at_their_own_local_time(client, published, people):
    amina, wei = people
    client.force_login(amina)
    mine = html(client.get(url("agenda", slug=published.event.slug)))
    line = row(mine, published)
    # Karachi (UTC+5) is three hours behind Shanghai (UTC+8): 06:00 there is 09:00 here.
    assert "06:00–06:20" in line
    assert "09:00–09:20" in line  # the event's clock beside it
    assert 'data-zone="Asia/Karachi"' in line and 'data-zone="Asia/Shanghai"' in line
    assert "Asia/Karachi" in mine and "Asia/Shanghai" in mine

    client.force_login(wei)
    theirs = html(client.get(url("agenda", slug=published.event.slug)))
    line = row(theirs, published)
    assert "09:00–09:20" in line and "06:00" not in line
    assert "Event time" not in theirs  # same clock as the event: one time column
    # The same instant underneath, written on each reader's clock.
    assert re.search(r'datetime="[^"]*T09:00:00\+08:00"', line)
    assert re.search(r'datetime="[^"]*T06:00:00\+05:00"', row(mine, published))


def test_the_agenda_shows_the_other_person_where_and_the_message(client, published, people):
    amina, wei = people
    client.force_login(amina)
    line = row(html(client.get(url("agenda", slug=published.event.slug))), published)
    assert "Wei Zhang" in line and "Z-Park AI" in line
    assert "Amina Khan" not in line  # the other side, not oneself
    assert "Hall A, table 1" in line and "Morning" in line
    assert "Shall we talk about textile robots?" in line and "Your message:" in line
    assert "scheduled" in line
    assert url("meeting_ics", slug=published.event.slug, pk=published.pk) in line

    client.force_login(wei)
    line = row(html(client.get(url("agenda", slug=published.event.slug))), published)
    assert "Amina Khan" in line and "Indus Robotics" in line
    assert "Shall we talk about textile robots?" in line and "Your message:" not in line


def test_an_online_meeting_shows_its_video_link(client, published, session_pm, organiser, people):
    slot = first_slot(session_pm)
    meeting = meet(published, slot, organiser, table=3)
    client.force_login(people[0])
    line = row(html(client.get(url("agenda", slug=meeting.event.slug))), meeting)
    assert f'href="https://meet.example.org/forum-{slot.pk}-3"' in line
    assert "Video room 3" in line


def test_the_agenda_is_in_time_order_with_a_heading_per_day(
    client, published, session_pm, participant, organiser, event, people
):
    later = person(event, organiser, "Bo", [session_pm], country="CN")
    request = accepted_with(participant, later)
    run(event, organiser)
    second = ScheduledMeeting.objects.get(request=request)
    client.force_login(people[0])
    page = html(client.get(url("agenda", slug=event.slug)))
    assert page.index(f'data-meeting="{published.pk}"') < page.index(f'data-meeting="{second.pk}"')
    assert page.count('class="agenda-day"') == 2


def test_before_the_schedule_is_published_the_page_says_so(client, event, participant, people):
    client.force_login(people[0])
    page = html(client.get(url("agenda", slug=event.slug)))
    assert "data-unpublished" in page
    assert "have not published the schedule yet" in page
    assert "agenda-table" not in page


def test_a_recently_cancelled_meeting_is_struck_out_then_gone(client, published, people):
    services.request_cancel(request=published.request, by=people[0])
    client.force_login(people[1])
    line = row(html(client.get(url("agenda", slug=published.event.slug))), published)
    assert "agenda-item--cancelled" in line and "<del>" in line and "cancelled" in line
    assert "Remove from calendar" in line

    participant_cn = published.request.recipient
    later = timezone.now() + agendas.RECENTLY + datetime.timedelta(minutes=1)
    assert agendas.agenda(participant_cn, now=later).items == []
    assert [i.cancelled for i in agendas.agenda(participant_cn).items] == [True]


# --- Who may read whose agenda ------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client, published):
    response = client.get(url("agenda", slug=published.event.slug))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(url("agenda_pdf", slug=published.event.slug))
    assert response.status_code == 302


def test_people_outside_the_event_get_404(client, published, outsider, staff_pk):
    for user in (outsider, staff_pk):  # staff of the other authority do not organise it
        client.force_login(user)
        assert client.get(url("agenda", slug=published.event.slug)).status_code == 404
        assert client.get(url("agenda_pdf", slug=published.event.slug)).status_code == 404


def test_the_other_participant_cannot_read_my_agenda(client, published, participant, people):
    client.force_login(people[1])
    mine = f"{url('agenda', slug=published.event.slug)}?participant={participant.pk}"
    assert client.get(mine).status_code == 404
    pdf = f"{url('agenda_pdf', slug=published.event.slug)}?participant={participant.pk}"
    assert client.get(pdf).status_code == 404


def test_naming_oneself_is_fine_and_nonsense_is_404(client, published, participant, people):
    client.force_login(people[0])
    base = url("agenda", slug=published.event.slug)
    assert client.get(f"{base}?participant={participant.pk}").status_code == 200
    for bad in ("x", "-1", "99999999999999999999999", "٣", "0"):
        assert client.get(f"{base}?participant={bad}").status_code == 404


def test_the_organiser_reads_anyones_agenda_but_not_their_calendar_address(
    client, published, participant, participant_cn, organiser
):
    client.force_login(organiser)
    base = url("agenda", slug=published.event.slug)
    chooser = html(client.get(base))
    assert f"?participant={participant.pk}" in chooser
    assert f"?participant={participant_cn.pk}" in chooser
    page = html(client.get(f"{base}?participant={participant.pk}"))
    line = row(page, published)
    assert "Agenda of <bdi>Amina Khan</bdi>" in page
    assert "06:00–06:20" in line and "Wei Zhang" in line  # on Amina's clock
    assert participant.feed_token not in page and participant_cn.feed_token not in page
    assert "calendar-heading" not in page
    # A participant of another event is not found through this one.
    other = Participant.objects.exclude(registration__event=published.event).first()
    assert other is None or client.get(f"{base}?participant={other.pk}").status_code == 404


def test_a_draft_events_agenda_is_404_for_participants_of_nothing(
    client, draft_event, outsider, organiser
):
    client.force_login(outsider)
    assert client.get(url("agenda", slug=draft_event.slug)).status_code == 404
    client.force_login(organiser)
    assert client.get(url("agenda", slug=draft_event.slug)).status_code == 200


def test_the_page_makes_as_many_queries_for_many_meetings_as_for_one(
    client, published, event, session_pm, participant, organiser, people,
    django_assert_max_num_queries,
):  # fmt: skip
    client.force_login(people[0])
    page = url("agenda", slug=event.slug)
    with django_assert_max_num_queries(20) as few:
        client.get(page)
    for name in ("Bo", "Cai", "Dee"):
        accepted_with(participant, person(event, organiser, name, [session_pm], country="CN"))
    run(event, organiser)
    assert ScheduledMeeting.objects.filter(status="scheduled").count() == 4
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page)
    assert html(response).count('class="agenda-item') == 4


# --- The PDF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ["Agenda of", "Wei Zhang", "Z-Park AI", "Hall A, table 1", "06:00–06:20"]),
        ("zh-hans", ["Wei Zhang", "Z-Park AI", "06:00–06:20", "中巴机器人论坛"]),
        ("ur", ["Wei Zhang", "Z-Park AI", "06:00–06:20", "پاکستان چین روبوٹکس فورم"]),
    ],
)
def test_the_pdf_is_laid_out_in_each_language(published, participant, language, words):
    page = agenda_html(participant, language=language)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ur" else "ltr"}">' in page
    assert not re.search(r"(src|href)=|url\(|@import", page)  # nothing to fetch
    text = document_text(render_html(page))
    for word in words:
        assert word in text


@pytest.mark.parametrize("language", ["en", "zh-hans", "ur"])
def test_the_pdf_downloads_in_each_language(client, published, people, language):
    client.force_login(people[0])
    response = client.get(f"{url('agenda_pdf', slug=published.event.slug)}?lang={language}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 3000
    assert f"-{language}.pdf" in response["Content-Disposition"]


def test_the_pdf_is_in_the_participants_language_unless_asked(client, published, people, organiser):
    wei = people[1]  # prefers Chinese
    client.force_login(wei)
    base = url("agenda_pdf", slug=published.event.slug)
    assert "-zh-hans.pdf" in client.get(base)["Content-Disposition"]
    assert "-zh-hans.pdf" in client.get(f"{base}?lang=fr")["Content-Disposition"]
    assert "-ur.pdf" in client.get(f"{base}?lang=ur")["Content-Disposition"]
    # The organiser's copy of Wei's agenda is in Wei's language too.
    client.force_login(organiser)
    participant_cn = published.request.recipient
    response = client.get(f"{base}?participant={participant_cn.pk}")
    assert response.status_code == 200 and "-zh-hans.pdf" in response["Content-Disposition"]


def test_the_pdf_before_publication_says_so(event, participant, people):
    text = document_text(render_html(agenda_html(participant, language="en")))
    assert "have not published the schedule yet" in text


# --- The calendar address -----------------------------------------------------------------


def test_the_agenda_shows_ones_own_calendar_address(client, published, participant, people):
    client.force_login(people[0])
    page = html(client.get(url("agenda", slug=published.event.slug)))
    address = url("event_feed", token=participant.feed_token)
    assert address == f"/feeds/events/{participant.feed_token}.ics"
    assert f'value="http://testserver{address}"' in page or address in page
    assert "webcal://" in page
    assert published.request.recipient.feed_token not in page


def test_renewing_the_calendar_address_retires_the_old_one(client, published, participant, people):
    old = participant.feed_token
    client.force_login(people[0])
    reset = url("feed_reset", slug=published.event.slug)
    assert client.get(reset).status_code == 405
    response = client.post(reset, follow=True)
    participant.refresh_from_db()
    assert participant.feed_token != old
    page = html(response)
    assert url("event_feed", token=participant.feed_token) in page  # shown in the message
    assert client.get(url("event_feed", token=old)).status_code == 404
    assert client.get(url("event_feed", token=participant.feed_token)).status_code == 200


def test_only_participants_renew_an_address(client, published, outsider, organiser):
    for user in (outsider, organiser):
        client.force_login(user)
        assert client.post(url("feed_reset", slug=published.event.slug)).status_code == 404


# --- One meeting as a file ----------------------------------------------------------------


def test_a_meeting_file_for_its_people_and_the_organisers_only(
    client, published, event, session_am, organiser, outsider, people
):
    third = person(event, organiser, "Bo", [session_am], country="CN")
    path = url("meeting_ics", slug=event.slug, pk=published.pk)
    for user, status in ((people[0], 200), (people[1], 200), (organiser, 200),
                         (third.user, 404), (outsider, 404)):  # fmt: skip
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "text/calendar; charset=utf-8"
            assert "attachment;" in response["Content-Disposition"]
    client.logout()
    assert client.get(path).status_code == 302
    client.force_login(organiser)
    assert (
        client.get(url("meeting_ics", slug=event.slug, pk=published.pk + 1000)).status_code == 404
    )
