"""The organisers' scheduler page: who may open it, running the scheduler (dry run and
publish), the runs' figures, the unplaced requests explained in words, a run already going
on, bad input, and lock, unlock and check-in on the schedule table."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from corridor.events import services
from corridor.events.models import ScheduledMeeting, ScheduleRun, Slot

from .schedule_cast import *  # noqa: F403 (the ``tiny`` fixture)
from .schedule_cast import accepted, person

pytestmark = pytest.mark.django_db


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(f"events:{name}", kwargs=kwargs)


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def apart(event, participant, participant_cn, session_am, session_pm):
    """An accepted request the scheduler cannot place: one attends the morning only, the other
    the afternoon only."""
    services.participant_update(participant=participant, by=participant.user, sessions=[session_am])
    services.participant_update(
        participant=participant_cn, by=participant_cn.user, sessions=[session_pm]
    )
    return accepted(participant, participant_cn)


@pytest.fixture
def meeting(event, session_am, participant, participant_cn):
    request = accepted(participant, participant_cn)
    slot = Slot.objects.filter(session=session_am).order_by("starts_at").first()
    return ScheduledMeeting.objects.create(request=request, event=event, slot=slot, table=2)


@pytest.mark.parametrize(
    "who, status",
    [("outsider", 403), ("org_member", 403), ("staff_pk", 403), ("organiser", 200),
     ("platform_admin", 200)],
)  # fmt: skip
def test_only_organisers_open_the_scheduler(client, request, event, participant, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("schedule", slug=event.slug)).status_code == status


def test_a_visitor_is_sent_to_sign_in(client, event):
    assert client.get(url("schedule", slug=event.slug)).status_code == 302


def test_a_drafts_scheduler_is_not_found_for_other_staff(client, staff_pk, draft_event):
    client.force_login(staff_pk)
    assert client.get(url("schedule", slug=draft_event.slug)).status_code == 404


def test_a_dry_run_shows_its_figures_and_why_requests_were_left_out(
    client, organiser, apart, participant, participant_cn
):
    event = apart.event
    client.force_login(organiser)
    response = client.post(
        url("schedule", slug=event.slug), {"time_limit": "2", "publish": "no"}, follow=True
    )
    page = html(response)
    assert "Dry run: 0 meetings would be placed, 1 left out" in page
    run = ScheduleRun.objects.get()
    assert run.status == ScheduleRun.Status.DONE and run.published_at is None
    assert f'data-run="{run.pk}"' in page
    item = page[page.index(f'data-request="{apart.pk}"') :]
    item = item[: item.index("</li>")]
    assert 'data-reason="no_common_slot"' in item
    assert "no common free slot" in item
    assert "have no free slot in common" in item
    assert "Indus Robotics" in item and "Z-Park AI" in item
    assert not ScheduledMeeting.objects.exists()


def test_a_published_run_places_meetings_and_lists_them(
    client, organiser, participant, participant_cn
):
    request = accepted(participant, participant_cn)
    event = request.event
    client.force_login(organiser)
    response = client.post(
        url("schedule", slug=event.slug), {"time_limit": "2", "publish": "yes"}, follow=True
    )
    page = html(response)
    assert "The schedule is published: 1 meeting placed, 0 left out." in page
    meeting = ScheduledMeeting.objects.get(request=request)
    assert f'data-meeting="{meeting.pk}"' in page
    assert "Every accepted request was placed." in page
    run = ScheduleRun.objects.get()
    row = page[page.index(f'data-run="{run.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "published" in row and ">1<" in row  # placed
    assert run.upper_bound == run.value == 1 and "0.00 %" in row  # the gap


def test_each_reason_reads_in_words_with_its_detail(client, organiser, tiny):
    event, session = tiny(slots=1, tables=1)
    ann = person(event, organiser, "Ann", [session])
    ben = person(event, organiser, "Ben", [session], country="CN")
    cai = person(event, organiser, "Cai", [session])
    dan = person(event, organiser, "Dan", [session], country="CN")
    eve = person(event, organiser, "Eve", [session], cap=0)
    first = accepted(ann, ben, priority=3)
    second = accepted(cai, dan)  # the one table is taken by the first meeting
    capped = accepted(eve, dan)  # Eve takes no meeting
    services.schedule_run(event=event, by=organiser, time_limit=1, publish=False, seed=1)
    client.force_login(organiser)
    page = html(client.get(url("schedule", slug=event.slug)))
    assert f'data-request="{first.pk}"' not in page.split('id="unplaced-heading"')[1]

    def item(request):
        found = page[page.index(f'data-request="{request.pk}"') :]
        return found[: found.index("</li>")]

    assert "tables full" in item(second)
    assert "but every table is taken then" in item(second)
    assert "Cai Test (Cai Ltd)" in item(second)
    assert "a cap is reached" in item(capped)
    assert "Eve Test (Eve Ltd) already has as many meetings as they take (0)" in item(capped)


def test_unplaced_reasons_read_in_the_readers_language(client, organiser, apart):
    event = apart.event
    services.schedule_run(event=event, by=organiser, time_limit=1, publish=False, seed=1)
    client.force_login(organiser)
    page = html(client.get(url("schedule", lang="ur", slug=event.slug)))
    assert 'dir="rtl"' in page
    assert 'data-reason="no_common_slot"' in page


@pytest.mark.parametrize("limit", ["0", "-3", "601", "abc"])
def test_a_bad_time_limit_is_a_form_error_and_runs_nothing(client, organiser, event, limit):
    client.force_login(organiser)
    response = client.post(url("schedule", slug=event.slug), {"time_limit": limit, "publish": "no"})
    assert response.status_code == 200
    assert "time_limit" in response.context["form"].errors
    assert not ScheduleRun.objects.exists()


def test_a_run_already_going_on_is_said_and_no_second_one_starts(
    client, organiser, staff_cn, event, participant
):
    running = ScheduleRun.objects.create(
        event=event, started_by=organiser, started_at=timezone.now(), time_limit=60
    )
    client.force_login(organiser)
    page = html(client.get(url("schedule", slug=event.slug)))
    assert f'data-running="{running.pk}"' in page
    assert "The scheduler is already running for this event" in page
    response = client.post(
        url("schedule", slug=event.slug), {"time_limit": "1", "publish": "yes"}, follow=True
    )
    assert "The scheduler is already running for this event" in html(response)
    assert ScheduleRun.objects.count() == 1


def test_others_may_not_run_the_scheduler(client, org_member, staff_pk, event, participant):
    for user in (org_member, staff_pk):
        client.force_login(user)
        response = client.post(url("schedule", slug=event.slug), {"time_limit": "1"})
        assert response.status_code == 403
    assert not ScheduleRun.objects.exists()


def test_the_organiser_locks_and_unlocks_a_meeting(client, organiser, meeting):
    event = meeting.event
    client.force_login(organiser)
    response = client.post(url("meeting_action", slug=event.slug, pk=meeting.pk, action="lock"))
    assert response.status_code == 302 and response.url.endswith(f"#meeting-{meeting.pk}")
    meeting.refresh_from_db()
    assert meeting.locked
    page = html(client.get(url("schedule", slug=event.slug)))
    assert url("meeting_action", slug=event.slug, pk=meeting.pk, action="unlock") in page
    client.post(url("meeting_action", slug=event.slug, pk=meeting.pk, action="unlock"))
    meeting.refresh_from_db()
    assert not meeting.locked


def test_check_in_before_the_meeting_begins_is_a_message(client, organiser, meeting):
    event = meeting.event
    client.force_login(organiser)
    page = html(client.get(url("schedule", slug=event.slug)))
    assert url("meeting_action", slug=event.slug, pk=meeting.pk, action="held") not in page
    response = client.post(
        url("meeting_action", slug=event.slug, pk=meeting.pk, action="held"), follow=True
    )
    assert "has not begun yet" in html(response)
    meeting.refresh_from_db()
    assert meeting.held is None


def test_the_organiser_checks_in_a_begun_meeting(client, organiser, meeting):
    event = meeting.event
    begun = timezone.now() - datetime.timedelta(hours=1)
    Slot.objects.filter(pk=meeting.slot_id).update(
        starts_at=begun, ends_at=begun + datetime.timedelta(minutes=20)
    )
    client.force_login(organiser)
    page = html(client.get(url("schedule", slug=event.slug)))
    held = url("meeting_action", slug=event.slug, pk=meeting.pk, action="held")
    assert held in page
    client.post(held)
    meeting.refresh_from_db()
    assert meeting.held is True
    client.post(url("meeting_action", slug=event.slug, pk=meeting.pk, action="not_held"))
    meeting.refresh_from_db()
    assert meeting.held is False
    assert "not held" in html(client.get(url("schedule", slug=event.slug)))


@pytest.mark.parametrize("who", ["org_member", "other_member", "staff_pk"])
def test_others_may_not_lock_or_check_in(client, request, meeting, who):
    event = meeting.event
    client.force_login(request.getfixturevalue(who))
    for action in ("lock", "held"):
        response = client.post(url("meeting_action", slug=event.slug, pk=meeting.pk, action=action))
        assert response.status_code == 403
    meeting.refresh_from_db()
    assert not meeting.locked and meeting.held is None


def test_an_unknown_action_is_not_found(client, organiser, meeting):
    client.force_login(organiser)
    response = client.post(
        url("meeting_action", slug=meeting.event.slug, pk=meeting.pk, action="explode")
    )
    assert response.status_code == 404


def test_schedule_queries_do_not_grow_with_the_meetings(
    client, organiser, event, session_am, participant, participant_cn
):
    slots = list(Slot.objects.filter(session=session_am).order_by("starts_at"))
    request = accepted(participant, participant_cn)
    ScheduledMeeting.objects.create(request=request, event=event, slot=slots[0], table=1)
    services.schedule_run(event=event, by=organiser, time_limit=1, publish=False, seed=1)
    client.force_login(organiser)
    with CaptureQueriesContext(connection) as few:
        client.get(url("schedule", slug=event.slug))
    for n, name in enumerate(("Ali", "Bo", "Chen")):
        a = person(event, organiser, name, [session_am])
        b = person(event, organiser, f"{name}x", [session_am], country="CN")
        ScheduledMeeting.objects.create(
            request=accepted(a, b), event=event, slot=slots[n + 1], table=1
        )
    with CaptureQueriesContext(connection) as many:
        assert html(client.get(url("schedule", slug=event.slug))).count("data-meeting=") == 4
    assert len(many) == len(few)
