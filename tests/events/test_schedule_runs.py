"""Schedule runs: publishing, minimal change and SEQUENCE, locks, dry runs, changes made
while the engine ran, failures that leave the published schedule as it was, and two
organisers starting the scheduler at once."""

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from corridor.accounts.models import AuthorityStaff
from corridor.core.models import AuditEntry, Notification
from corridor.events import services
from corridor.events.models import ScheduledMeeting, ScheduleRun, Slot
from corridor.events.services import schedule as schedule_services
from corridor.scheduling import solve as real_solve

from ..factories import UserFactory
from .conftest import local
from .schedule_cast import *  # noqa: F403
from .schedule_cast import accepted, meetings_of, person, placed, reasons, run, small_event

Status = ScheduleRun.Status


@pytest.fixture
def two_slots(organiser, event_fields, clock):
    """An event of two one-slot sessions (09:00 and 09:20, five tables each), Ali and Bo
    attending both, with Ali–Bo accepted and published."""
    day = clock.first_day
    event, sessions = small_event(
        organiser, event_fields, slug="two-slots",
        sessions=[{"name": name, "starts_at": local(day, 9, m), "ends_at": local(day, 9, m + 20),
                   "slot_minutes": 20, "tables": 5} for name, m in (("First", 0), ("Second", 20))],
    )  # fmt: skip
    ali, bo = (person(event, organiser, n, sessions) for n in ("Ali", "Bo"))
    first = accepted(ali, bo)
    done = run(event, organiser)
    assert done.status == Status.DONE, done.error
    slot = Slot.objects.get(pk=placed(event)[first.pk][0])
    return event, sessions, ali, bo, first, slot


def newcomer_in(event, organiser, slot, ali):
    """Cai, who attends only ``slot``'s session, accepted by Ali: Ali–Bo must move to make room."""
    cai = person(event, organiser, "Cai", [slot.session], country="CN")
    return cai, accepted(cai, ali)


def notices(kind):
    return sorted(n.user.username for n in Notification.objects.filter(kind=kind))


# --- Publishing -------------------------------------------------------------------------


def test_a_run_publishes_the_schedule_and_tells_each_person_once(
    event, participant, participant_cn, organiser, org_member, other_member
):
    request = accepted(participant, participant_cn, priority=2)
    done = run(event, organiser)
    event.refresh_from_db()
    assert done.status == Status.DONE and done.error == ""
    assert (done.placed, done.value, done.upper_bound, done.moved) == (1, 2.0, 2.0, 0)
    assert done.solver_status == "optimal" and done.gap == 0
    assert done.published_at == event.schedule_published_at is not None
    assert done.finished_at >= done.started_at and done.started_by == organiser
    meeting = ScheduledMeeting.objects.get(request=request)
    assert (meeting.status, meeting.sequence, meeting.locked) == ("scheduled", 0, False)
    assert notices("event.schedule_published") == ["cn_member", "org_member"]
    assert (
        Notification.objects.filter(kind="event.schedule_published").first().data["meetings"] == "1"
    )
    entry = AuditEntry.objects.get(verb="schedule.publish")
    assert entry.actor == organiser and entry.data["created"] == 1 and entry.data["run"] == done.pk


def test_a_run_with_nothing_changed_touches_nothing_and_tells_nobody(
    event, participant, participant_cn, organiser
):
    accepted(participant, participant_cn)
    run(event, organiser)
    (before,) = ScheduledMeeting.objects.all()
    again = run(event, organiser)
    (after,) = ScheduledMeeting.objects.all()
    assert again.status == Status.DONE and again.moved == 0
    assert (after.slot_id, after.table, after.sequence, after.updated_at) == (
        before.slot_id, before.table, 0, before.updated_at,
    )  # fmt: skip
    assert Notification.objects.filter(kind__startswith="event.schedule").count() == 2
    assert ScheduleRun.objects.filter(status=Status.DONE).count() == 2


def test_a_late_request_is_added_without_moving_published_meetings(
    event, session_am, participant, participant_cn, organiser
):
    others = [person(event, organiser, n, [session_am], country="CN") for n in ("Ali", "Bo")]
    first = [accepted(participant, participant_cn), accepted(others[0], participant)]
    run(event, organiser)
    # An organiser moves one meeting to a later slot by hand; a fresh solve would put it first.
    meeting = ScheduledMeeting.objects.get(request=first[1])
    later = Slot.objects.filter(session=session_am).order_by("-starts_at").first()
    services.meeting_move(meeting=meeting, by=organiser, slot=later, lock=False)
    before = {r: (m.slot_id, m.table, m.sequence) for r, m in meetings_of(event).items()}

    late = accepted(others[1], participant_cn)
    again = run(event, organiser)

    rows = meetings_of(event)
    assert again.moved == 0 and again.placed == 3
    assert {r: (m.slot_id, m.table, m.sequence) for r, m in rows.items() if r != late.pk} == before
    assert rows[late.pk].sequence == 0 and rows[late.pk].status == "scheduled"


def test_a_meeting_that_must_move_gets_a_higher_sequence_and_its_people_are_told(
    two_slots, organiser
):
    event, sessions, ali, bo, first, slot = two_slots
    Notification.objects.all().delete()
    cai, second = newcomer_in(event, organiser, slot, ali)
    Notification.objects.all().delete()

    again = run(event, organiser)

    rows = meetings_of(event)
    assert again.moved == 1 and again.placed == 2 and again.unplaced == []
    assert rows[first.pk].slot_id != slot.pk and rows[first.pk].sequence == 1
    assert (rows[second.pk].slot_id, rows[second.pk].sequence) == (slot.pk, 0)
    # Bo's one meeting moved: told which; Ali (moved and new) and Cai (new): the schedule.
    assert notices("event.meeting_changed") == ["bo"]
    assert Notification.objects.get(kind="event.meeting_changed").data["starts"] == (
        slot.starts_at.isoformat()
    )
    assert notices("event.schedule_published") == ["ali", "cai"]


def test_a_meeting_no_longer_placed_is_cancelled_with_a_higher_sequence_and_comes_back(
    tiny, organiser
):
    event, session = tiny(slots=3, tables=5)
    ali = person(event, organiser, "Ali", [session], cap=2)
    bo, cai = person(event, organiser, "Bo", [session]), person(event, organiser, "Cai", [session])
    keep, lose = accepted(ali, bo, priority=2), accepted(ali, cai)
    run(event, organiser)
    services.participant_update(participant=ali, by=ali.user, max_meetings=1)

    again = run(event, organiser)

    rows = meetings_of(event)
    assert (rows[keep.pk].status, rows[keep.pk].sequence) == ("scheduled", 0)
    assert (rows[lose.pk].status, rows[lose.pk].sequence) == ("cancelled", 1)
    assert reasons(again) == {lose.pk: "cap_reached"}
    assert "cai" in notices("event.meeting_changed")

    services.participant_update(participant=ali, by=ali.user, max_meetings=2)
    run(event, organiser)
    back = ScheduledMeeting.objects.get(request=lose)
    assert (back.status, back.sequence) == ("scheduled", 2)  # same UID, newer than the cancel


def test_a_locked_meeting_stays_where_it_is(two_slots, organiser):
    event, sessions, ali, bo, first, slot = two_slots
    services.meeting_lock(meeting=ScheduledMeeting.objects.get(request=first), by=organiser)
    cai, second = newcomer_in(event, organiser, slot, ali)
    again = run(event, organiser)
    assert placed(event) == {first.pk: (slot.pk, 1)}
    assert reasons(again) == {second.pk: "conflict"}
    assert ScheduledMeeting.objects.get(request=first).sequence == 0


def test_a_dry_run_records_what_would_change_and_publishes_nothing(two_slots, organiser):
    event, sessions, ali, bo, first, slot = two_slots
    event.refresh_from_db()
    published = event.schedule_published_at
    cai, second = newcomer_in(event, organiser, slot, ali)
    before = {r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()}
    told = Notification.objects.count()

    dry = run(event, organiser, publish=False)

    assert dry.status == Status.DONE and dry.published_at is None
    assert (dry.placed, dry.moved, dry.value) == (2, 1, 2.0)
    assert {
        r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()
    } == before
    event.refresh_from_db()
    assert event.schedule_published_at == published
    assert Notification.objects.count() == told
    assert AuditEntry.objects.filter(verb="schedule_run.dry_run", object_id=str(dry.pk)).exists()


# --- Changes while the engine runs ------------------------------------------------------


def solve_then(monkeypatch, change):
    """The engine solves, then ``change`` happens before the result is written."""

    def solve(*args, **kwargs):
        result = real_solve(*args, **kwargs)
        change()
        return result

    monkeypatch.setattr(schedule_services, "engine_solve", solve)


def test_a_request_declined_during_the_run_is_dropped_and_the_rest_published(
    tiny, organiser, monkeypatch
):
    event, session = tiny(slots=2, tables=5)
    a, b, c = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai"))
    stays, goes = accepted(a, b), accepted(a, c)
    solve_then(monkeypatch, lambda: services.request_decline(request=goes, by=c.user))
    done = run(event, organiser)
    assert done.status == Status.DONE and done.placed == 1
    assert list(placed(event)) == [stays.pk] and done.unplaced == []


def test_a_request_accepted_during_the_run_is_listed_for_the_next(tiny, organiser, monkeypatch):
    event, session = tiny(slots=2, tables=5)
    a, b, c = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai"))
    first = accepted(a, b)
    asked = services.request_send(requester=c, recipient=a, by=c.user)
    solve_then(monkeypatch, lambda: services.request_accept(request=asked, by=a.user))
    done = run(event, organiser)
    assert list(placed(event)) == [first.pk]
    assert reasons(done) == {asked.pk: "late"}
    assert "run it again" in done.unplaced[0]["detail"]
    monkeypatch.undo()
    assert run(event, organiser).placed == 2


def test_a_change_that_breaks_the_result_fails_the_run_and_publishes_nothing(
    event, session_am, session_pm, organiser, monkeypatch
):
    ali, bo = (person(event, organiser, n, [session_am]) for n in ("Ali", "Bo"))
    accepted(ali, bo)
    solve_then(
        monkeypatch,
        lambda: services.participant_update(participant=ali, by=ali.user, sessions=[session_pm]),
    )
    failed = run(event, organiser)
    assert failed.status == Status.FAILED and failed.finished_at is not None
    assert failed.error.startswith("The event changed while the scheduler ran (")
    assert "Ali Test (Ali Ltd) is not available" in failed.error
    assert failed.error.endswith("run it again.")
    assert ScheduledMeeting.objects.count() == 0
    event.refresh_from_db()
    assert event.schedule_published_at is None


def test_a_slot_taken_out_during_the_run_fails_it(tiny, organiser, clock, monkeypatch):
    event, session = tiny(slots=2, tables=5)
    accepted(*(person(event, organiser, n, [session]) for n in ("Ali", "Bo")))

    def solve(instance, **kwargs):
        result = real_solve(instance, **kwargs)
        used = Slot.objects.get(pk=int(instance.slots[result.meetings[0].slot].id[1:]))
        services.break_add(session=session, by=organiser, starts_at=used.starts_at,
                           ends_at=used.ends_at, label="Speech")  # fmt: skip
        return result

    monkeypatch.setattr(schedule_services, "engine_solve", solve)
    failed = run(event, organiser)
    assert failed.status == Status.FAILED
    assert (
        "The event changed while the scheduler ran (unknown: meetings[0] names request"
        in failed.error
    )
    assert "(Asia/Shanghai)" in failed.error  # the slot gone is named by its time
    assert not ScheduledMeeting.objects.exists()


def test_a_lock_that_can_no_longer_hold_fails_the_run_with_names(
    event, session_am, session_pm, participant, participant_cn, organiser
):
    request = accepted(participant, participant_cn)
    run(event, organiser)
    meeting = services.meeting_lock(
        meeting=ScheduledMeeting.objects.get(request=request), by=organiser
    )
    if meeting.slot.session != session_am:  # pragma: no cover - the engine fills the morning first
        services.meeting_move(meeting=meeting, by=organiser, slot=session_am.slots.first())
    services.participant_update(participant=participant, by=participant.user, sessions=[session_pm])
    failed = run(event, organiser)
    assert failed.status == Status.FAILED
    assert failed.error.startswith("The event cannot be scheduled as it is: locked[0] (request ")
    assert "participant org_member (Indus Robotics) is not available then" in failed.error
    assert ScheduledMeeting.objects.get(request=request).status == "scheduled"


# --- Failures ---------------------------------------------------------------------------


def test_a_failing_engine_fails_the_run_and_leaves_the_schedule(two_slots, organiser, monkeypatch):
    event, sessions, ali, bo, first, slot = two_slots
    event.refresh_from_db()
    published = event.schedule_published_at
    newcomer_in(event, organiser, slot, ali)
    before = {r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()}

    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(schedule_services, "engine_solve", broken)
    failed = run(event, organiser)

    assert failed.status == Status.FAILED and "solver exploded" in failed.error
    assert "the published schedule is unchanged" in failed.error
    assert {
        r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()
    } == before
    event.refresh_from_db()
    assert event.schedule_published_at == published
    assert AuditEntry.objects.filter(verb="schedule_run.fail", object_id=str(failed.pk)).exists()
    monkeypatch.undo()
    assert run(event, organiser).status == Status.DONE  # nothing left running


def test_a_failure_while_writing_leaves_no_half_schedule(two_slots, organiser, monkeypatch):
    event, sessions, ali, bo, first, slot = two_slots
    newcomer_in(event, organiser, slot, ali)
    before = {r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()}

    def fail_after_writing(*args, **kwargs):
        assert ScheduledMeeting.objects.count() == 2  # the new meeting is written by now
        raise RuntimeError("disk full")

    monkeypatch.setattr(schedule_services, "_tell", fail_after_writing)
    failed = run(event, organiser)
    assert failed.status == Status.FAILED and "disk full" in failed.error
    assert {
        r: (m.slot_id, m.table, m.sequence, m.status) for r, m in meetings_of(event).items()
    } == before


# --- Who may, and bad input -------------------------------------------------------------


@pytest.mark.parametrize("who", ["org_member", "other_member", "staff_pk", "outsider"])
def test_only_organisers_run_the_scheduler(event, participant, participant_cn, who, request):
    accepted(participant, participant_cn)
    with pytest.raises(PermissionDenied):
        run(event, request.getfixturevalue(who))
    assert not ScheduleRun.objects.exists() and not ScheduledMeeting.objects.exists()


def test_a_platform_admin_may_run_it(event, participant, participant_cn, platform_admin):
    accepted(participant, participant_cn)
    assert run(event, platform_admin).status == Status.DONE


@pytest.mark.parametrize(
    "options",
    [{"time_limit": 0}, {"time_limit": -1}, {"time_limit": 601}, {"time_limit": "5"},
     {"time_limit": True}, {"time_limit": float("nan")}, {"time_limit": float("inf")},
     {"seed": -1}, {"seed": "x"}],
)  # fmt: skip
def test_bad_options_are_refused_before_any_run(event, organiser, options):
    with pytest.raises(ValidationError) as excinfo:
        run(event, organiser, **options)
    assert set(excinfo.value.message_dict) <= {"time_limit", "seed"}
    assert not ScheduleRun.objects.exists()


def test_drafts_and_cancelled_events_are_not_scheduled(draft_event, session_am, organiser):
    with pytest.raises(ValidationError, match="Only a published event"):
        run(draft_event, organiser)
    services.event_publish(event=draft_event, by=organiser)
    services.event_cancel(event=draft_event, by=organiser)
    with pytest.raises(ValidationError, match="Only a published event"):
        run(draft_event, organiser)
    assert not ScheduleRun.objects.exists()


# --- One run at a time ------------------------------------------------------------------


@pytest.fixture
def second_organiser(authority_cn):
    user = UserFactory(username="wang", first_name="Wang", last_name="Lei")
    AuthorityStaff.objects.create(user=user, authority=authority_cn)
    return user


def test_a_second_run_while_one_is_running_is_told_who_started_it(
    event, participant, participant_cn, organiser, second_organiser
):
    accepted(participant, participant_cn)
    started = timezone.now() - datetime.timedelta(minutes=1)
    ScheduleRun.objects.create(
        event=event, started_by=second_organiser, started_at=started, time_limit=20
    )
    organiser.time_zone = "Asia/Karachi"
    organiser.save(update_fields=["time_zone"])
    with pytest.raises(ValidationError) as excinfo:
        run(event, organiser)
    shown = timezone.localtime(started, datetime.timezone(datetime.timedelta(hours=5)))
    assert excinfo.value.messages == [
        "The scheduler is already running for this event (started by Wang Lei at "
        f"{shown:%Y-%m-%d %H:%M} (Asia/Karachi)); try again when it has finished."
    ]
    assert ScheduleRun.objects.count() == 1 and not ScheduledMeeting.objects.exists()


def test_a_run_abandoned_long_ago_is_marked_failed_by_the_next(
    event, participant, participant_cn, organiser, second_organiser
):
    accepted(participant, participant_cn)
    now = timezone.now()
    # Its limit (20 s) plus five minutes have passed: its process is gone.
    stale = ScheduleRun.objects.create(
        event=event, started_by=second_organiser, time_limit=20,
        started_at=now - datetime.timedelta(minutes=5, seconds=21),
    )  # fmt: skip
    done = run(event, organiser, now=now)
    stale.refresh_from_db()
    assert done.status == Status.DONE
    assert stale.status == Status.FAILED and stale.error.startswith("Stopped:")


def test_a_run_within_its_time_and_grace_still_blocks(event, organiser, second_organiser):
    now = timezone.now()
    ScheduleRun.objects.create(
        event=event, started_by=second_organiser, time_limit=20,
        started_at=now - datetime.timedelta(minutes=5, seconds=19),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already running"):
        run(event, organiser, now=now)


def test_runs_of_two_events_do_not_block_each_other(
    event, participant, participant_cn, organiser, tiny, second_organiser
):
    other, _session = tiny()
    ScheduleRun.objects.create(
        event=other, started_by=second_organiser, started_at=timezone.now(), time_limit=20
    )
    accepted(participant, participant_cn)
    assert run(event, organiser).status == Status.DONE


def race(*calls):
    """Run ``calls`` at the same moment in threads; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def go(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_organisers_at_once_one_run_wins_the_other_is_told(
    event, participant, participant_cn, organiser, second_organiser, monkeypatch
):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the constraint path is tested above")
    accepted(participant, participant_cn)

    def slow(*args, **kwargs):
        time.sleep(1.0)  # the first run is still solving when the second one starts
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(schedule_services, "engine_solve", slow)
    results = race(lambda: run(event, organiser), lambda: run(event, second_organiser))

    runs = [r for r in results if isinstance(r, ScheduleRun)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(runs) == 1 and len(refused) == 1, results
    assert runs[0].status == Status.DONE
    assert "already running" in refused[0].messages[0]
    winner = "Wang Lei" if runs[0].started_by == second_organiser else "staff_cn"
    assert f"started by {winner}" in refused[0].messages[0]
    assert ScheduleRun.objects.count() == 1
    assert ScheduledMeeting.objects.filter(status="scheduled").count() == 1
