"""``corridor schedule-event``: the scheduler from the command line, as an organiser."""

import io

import pytest
from django.core.management import CommandError, call_command

from corridor.events.models import ScheduledMeeting, ScheduleRun

from .schedule_cast import *  # noqa: F403
from .schedule_cast import accepted, person


def schedule_event(*args) -> str:
    out = io.StringIO()
    call_command("schedule-event", *args, "--time-limit", "1", "--seed", "7", stdout=out)
    return out.getvalue()


def test_the_command_publishes_and_says_what_it_left_out(tiny, organiser):
    event, session = tiny(slots=1, tables=1)
    a, b, c, d = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai", "Dan"))
    accepted(a, b, priority=3)
    accepted(c, d)
    output = schedule_event(event.slug, "--user", organiser.username)
    assert output.splitlines() == [
        "Placed 1 of 2 accepted requests; value 3, upper bound 3 (optimal).",
        "Not placed: 1 tables full.",
        f"  - {ScheduleRun.objects.get().unplaced[0]['detail']}",
        "Published: 0 published meetings moved.",
    ]
    assert ScheduledMeeting.objects.count() == 1


def test_a_dry_run_publishes_nothing(event, participant, participant_cn, organiser):
    accepted(participant, participant_cn)
    output = schedule_event(event.slug, "--user", organiser.username, "--dry-run")
    assert "Dry run: 0 published meetings would move; nothing was published." in output
    assert not ScheduledMeeting.objects.exists()
    assert ScheduleRun.objects.get().published_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-event", "--user", "staff_cn"], "No event has the identifier “no-such-event”."),
        (["pk-cn-robotics-forum", "--user", "nobody"], "No user named “nobody”."),
        (["pk-cn-robotics-forum", "--user", "org_member"], "Only the event's organisers"),
    ],
)
def test_the_command_refuses_unknown_events_users_and_non_organisers(
    event, participant, organiser, args, message
):
    with pytest.raises(CommandError, match=message):
        schedule_event(*args)
    assert not ScheduleRun.objects.exists()


def test_a_failed_run_ends_in_an_error(event, participant, participant_cn, organiser, monkeypatch):
    from corridor.events.services import schedule

    accepted(participant, participant_cn)
    monkeypatch.setattr(schedule, "engine_solve", lambda *a, **k: 1 / 0)
    with pytest.raises(CommandError, match="The run failed: The scheduler failed"):
        schedule_event(event.slug, "--user", organiser.username)
