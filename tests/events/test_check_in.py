"""Check-in (the organisers mark meetings held or not, once they have begun), and the
organisers' hand on one meeting: lock, unlock, move."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from corridor.core.models import AuditEntry, Notification
from corridor.events import services
from corridor.events.models import ScheduledMeeting, Slot

from .conftest import local
from .schedule_cast import *  # noqa: F403
from .schedule_cast import accepted, person


@pytest.fixture
def meeting(event, session_am, participant, participant_cn):
    """org_member and other_member meet at 09:00 on day one, table 3."""
    request = accepted(participant, participant_cn)
    slot = Slot.objects.filter(session=session_am).order_by("starts_at").first()
    return ScheduledMeeting.objects.create(request=request, event=event, slot=slot, table=3)


def slot_at(session, day, hour, minute=0):
    return Slot.objects.get(session=session, starts_at=local(day, hour, minute))


# --- Check-in ---------------------------------------------------------------------------


def test_an_organiser_marks_a_meeting_held_once_it_has_begun(meeting, organiser, clock):
    now = local(clock.first_day, 9, 5)
    done = services.meeting_check_in(meeting=meeting, by=organiser, held=True, now=now)
    meeting.refresh_from_db()
    assert done.held is True and meeting.held is True
    assert (meeting.checked_in_by, meeting.checked_in_at) == (organiser, now)
    entry = AuditEntry.objects.get(verb="scheduled_meeting.check_in")
    assert entry.data == {"held": True, "before": None} and entry.actor == organiser


def test_a_check_in_may_be_corrected(meeting, organiser, clock):
    now = local(clock.first_day, 9, 30)
    services.meeting_check_in(meeting=meeting, by=organiser, held=True, now=now)
    services.meeting_check_in(meeting=meeting, by=organiser, held=False, now=now)
    meeting.refresh_from_db()
    assert meeting.held is False
    assert [
        e.data for e in AuditEntry.objects.filter(verb="scheduled_meeting.check_in").order_by("pk")
    ] == [
        {"held": True, "before": None},
        {"held": False, "before": True},
    ]


def test_a_meeting_is_not_checked_in_before_it_begins(meeting, organiser, clock):
    with pytest.raises(ValidationError, match="has not begun yet"):
        services.meeting_check_in(
            meeting=meeting, by=organiser, held=True, now=local(clock.first_day, 8, 59)
        )
    meeting.refresh_from_db()
    assert meeting.held is None and meeting.checked_in_at is None


@pytest.mark.parametrize("who", ["org_member", "other_member", "org_admin", "staff_pk", "outsider"])
def test_only_organisers_check_meetings_in(meeting, clock, who, request):
    with pytest.raises(PermissionDenied):
        services.meeting_check_in(
            meeting=meeting, by=request.getfixturevalue(who), held=True, now=clock.after
        )
    meeting.refresh_from_db()
    assert meeting.held is None


def test_a_platform_admin_may_check_in(meeting, platform_admin, clock):
    assert (
        services.meeting_check_in(
            meeting=meeting, by=platform_admin, held=False, now=clock.after
        ).held
        is False
    )


@pytest.mark.parametrize("held", [None, "yes", 1, 0])
def test_held_is_yes_or_no(meeting, organiser, clock, held):
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_check_in(meeting=meeting, by=organiser, held=held, now=clock.after)
    assert "held" in excinfo.value.message_dict


def test_a_cancelled_meeting_is_not_checked_in(meeting, organiser, clock, participant_cn):
    services.request_decline(request=meeting.request, by=participant_cn.user)
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_check_in(meeting=meeting, by=organiser, held=True, now=clock.after)


# --- Lock and unlock --------------------------------------------------------------------


def test_an_organiser_locks_and_unlocks_a_meeting(meeting, organiser):
    assert services.meeting_lock(meeting=meeting, by=organiser).locked is True
    assert services.meeting_lock(meeting=meeting, by=organiser).locked is True  # a double click
    assert services.meeting_unlock(meeting=meeting, by=organiser).locked is False
    meeting.refresh_from_db()
    assert meeting.locked is False and meeting.sequence == 0  # calendars see no change
    assert list(
        AuditEntry.objects.filter(verb__startswith="scheduled_meeting.")
        .values_list("verb", flat=True)
        .order_by("pk")
    ) == ["scheduled_meeting.lock", "scheduled_meeting.unlock"]


@pytest.mark.parametrize("who", ["org_member", "other_member", "staff_pk"])
def test_only_organisers_lock_meetings(meeting, who, request):
    with pytest.raises(PermissionDenied):
        services.meeting_lock(meeting=meeting, by=request.getfixturevalue(who))
    meeting.refresh_from_db()
    assert meeting.locked is False


def test_a_cancelled_meeting_is_not_locked(meeting, organiser, participant_cn):
    services.request_decline(request=meeting.request, by=participant_cn.user)
    with pytest.raises(ValidationError, match="cancelled"):
        services.meeting_lock(meeting=meeting, by=organiser)


# --- Moving by hand ---------------------------------------------------------------------


def test_an_organiser_moves_a_meeting_and_both_people_are_told(
    meeting, organiser, session_am, clock
):
    target = slot_at(session_am, clock.first_day, 11)
    before = meeting.slot.starts_at
    moved = services.meeting_move(meeting=meeting, by=organiser, slot=target)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.sequence, meeting.locked) == (target, 1, 1, True)
    assert moved.slot_id == target.pk
    told = Notification.objects.filter(kind="event.meeting_changed")
    assert sorted(n.user.username for n in told) == ["cn_member", "org_member"]
    assert told.first().data["starts"] == before.isoformat()
    assert AuditEntry.objects.get(verb="scheduled_meeting.move").data["to"] == [target.pk, 1]


def test_a_move_to_a_chosen_table_unlocked(meeting, organiser, session_pm, clock):
    target = slot_at(session_pm, clock.last_day, 15)
    services.meeting_move(meeting=meeting, by=organiser, slot=target, table=5, lock=False)
    meeting.refresh_from_db()
    assert (meeting.slot, meeting.table, meeting.locked) == (target, 5, False)


def test_a_move_needs_both_people_attending_that_session(
    meeting, organiser, participant_cn, session_am, session_pm, clock
):
    services.participant_update(
        participant=participant_cn, by=participant_cn.user, sessions=[session_am]
    )
    with pytest.raises(ValidationError, match="does not attend"):
        services.meeting_move(
            meeting=meeting, by=organiser, slot=slot_at(session_pm, clock.last_day, 14)
        )
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_a_move_needs_both_people_free(meeting, organiser, event, participant, session_am, clock):
    third = person(event, organiser, "Chen", [session_am], country="CN")
    other = accepted(third, participant)
    target = slot_at(session_am, clock.first_day, 11)
    ScheduledMeeting.objects.create(request=other, event=event, slot=target, table=1)
    with pytest.raises(ValidationError, match="already has another meeting then"):
        services.meeting_move(meeting=meeting, by=organiser, slot=target)


def test_a_move_needs_a_free_table(meeting, organiser, event, session_am, clock):
    target = slot_at(session_am, clock.first_day, 11)
    a, b = (
        person(event, organiser, "Ali", [session_am]),
        person(event, organiser, "Bo", [session_am], country="CN"),
    )
    ScheduledMeeting.objects.create(request=accepted(a, b), event=event, slot=target, table=2)
    with pytest.raises(ValidationError) as excinfo:
        services.meeting_move(meeting=meeting, by=organiser, slot=target, table=2)
    assert excinfo.value.message_dict == {"table": ["Table 2 is taken at that time."]}
    for bad in (0, 11, "3"):
        with pytest.raises(ValidationError) as excinfo:
            services.meeting_move(meeting=meeting, by=organiser, slot=target, table=bad)
        assert "table" in excinfo.value.message_dict
    assert services.meeting_move(meeting=meeting, by=organiser, slot=target).table == 1


def test_a_move_to_a_full_slot_is_refused(tiny, organiser):
    event, session = tiny(slots=2, tables=1)
    a, b, c, d = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai", "Dan"))
    first, second = Slot.objects.filter(session=session).order_by("starts_at")
    mine = ScheduledMeeting.objects.create(request=accepted(a, b), event=event, slot=first, table=1)
    ScheduledMeeting.objects.create(request=accepted(c, d), event=event, slot=second, table=1)
    with pytest.raises(ValidationError, match="Every table is taken"):
        services.meeting_move(meeting=mine, by=organiser, slot=second)


def test_no_move_into_or_out_of_the_past_nor_to_another_event(
    meeting, organiser, session_am, clock, tiny
):
    later = slot_at(session_am, clock.first_day, 11)
    with pytest.raises(ValidationError, match="has begun or is over"):
        services.meeting_move(
            meeting=meeting, by=organiser, slot=later, now=local(clock.first_day, 9, 1)
        )
    meeting.slot = later
    meeting.save()
    with pytest.raises(ValidationError, match="not begun"):
        services.meeting_move(
            meeting=meeting, by=organiser, slot=slot_at(session_am, clock.first_day, 9, 20),
            now=local(clock.first_day, 9, 30),
        )  # fmt: skip
    _other, session = tiny(slug="elsewhere")
    with pytest.raises(ValidationError, match="Choose a slot of this event"):
        services.meeting_move(meeting=meeting, by=organiser, slot=session.slots.first())
    with pytest.raises(ValidationError, match="already there"):
        services.meeting_move(meeting=meeting, by=organiser, slot=later, table=meeting.table)


@pytest.mark.parametrize("who", ["org_member", "other_member", "staff_pk"])
def test_only_organisers_move_meetings(meeting, session_am, clock, who, request):
    with pytest.raises(PermissionDenied):
        services.meeting_move(
            meeting=meeting,
            by=request.getfixturevalue(who),
            slot=slot_at(session_am, clock.first_day, 11),
        )
