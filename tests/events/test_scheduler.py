"""The scheduler adapter: the instance an event makes, and each rule of the schedule
broken on purpose in a small event and kept by a run (with the reason given for what is
left out)."""

import datetime

from django.utils import translation

from corridor.events import services
from corridor.events.models import ScheduledMeeting, Slot
from corridor.events.scheduler import (
    build_instance,
    humanise,
    previous_schedule,
    unplaced_text,
)
from corridor.scheduling import parse_instance

from .conftest import SHANGHAI, local
from .schedule_cast import *  # noqa: F403
from .schedule_cast import accepted, person, placed, reasons, run


def utc(day: datetime.date, hour: int, minute: int = 0) -> str:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=datetime.UTC
    ).isoformat()


def slot_at(session, hour: int, minute: int = 0) -> Slot:
    """The slot of ``session`` starting at hour:minute in Shanghai."""
    return Slot.objects.get(
        session=session,
        starts_at=local(session.starts_at.astimezone(SHANGHAI).date(), hour, minute),
    )


# --- The instance -----------------------------------------------------------------------


def test_the_instance_of_an_event(
    event, session_am, session_pm, participant, participant_cn, organiser, clock
):
    services.participant_update(
        participant=participant_cn, by=participant_cn.user, sessions=[session_pm]
    )
    morning = person(event, organiser, "Amna", [session_am], cap=2)
    wanted = accepted(participant, participant_cn, priority=3)
    also = accepted(morning, participant)
    services.request_send(requester=morning, recipient=participant_cn, by=morning.user)  # pending

    data, ids = build_instance(event)

    day1, day2 = clock.first_day, clock.last_day
    # Shanghai is UTC+8: 09:00-12:00 with tea at 10:20-10:40, then 14:00-17:00 the next day.
    am = [(1, 0), (1, 20), (1, 40), (2, 0), (2, 40), (3, 0), (3, 20), (3, 40)]
    pm = [(6, 0), (6, 20), (6, 40), (7, 0), (7, 20), (7, 40), (8, 0), (8, 20), (8, 40)]
    slots_am = list(Slot.objects.filter(session=session_am).order_by("starts_at"))
    slots_pm = list(Slot.objects.filter(session=session_pm).order_by("starts_at"))
    s_am = [f"s{s.pk}" for s in slots_am]
    s_pm = [f"s{s.pk}" for s in slots_pm]
    end = lambda h, m: (h, m + 20) if m < 40 else (h + 1, 0)  # noqa: E731
    assert data == {
        "slots": [{"id": s, "start": utc(day1, h, m), "end": utc(day1, *end(h, m))}
                  for s, (h, m) in zip(s_am, am, strict=True)]
                 + [{"id": s, "start": utc(day2, h, m), "end": utc(day2, *end(h, m))}
                    for s, (h, m) in zip(s_pm, pm, strict=True)],
        "tables": {**dict.fromkeys(s_am, 10), **dict.fromkeys(s_pm, 5)},
        "participants": [
            {"id": f"p{participant.pk}", "available": s_am + s_pm, "max_meetings": 8},
            {"id": f"p{participant_cn.pk}", "available": s_pm, "max_meetings": 8},
            {"id": f"p{morning.pk}", "available": s_am, "max_meetings": 2},
        ],
        "requests": [
            {"id": f"r{wanted.pk}", "a": f"p{participant.pk}", "b": f"p{participant_cn.pk}", "priority": 3},
            {"id": f"r{also.pk}", "a": f"p{morning.pk}", "b": f"p{participant.pk}", "priority": 1},
        ],
        "locked": [],
    }  # fmt: skip
    assert ids[f"r{wanted.pk}"] == wanted and ids[f"p{morning.pk}"] == morning
    assert ids[s_pm[0]] == slots_pm[0]
    parse_instance(data)  # the engine takes it as it is


def test_the_instance_takes_five_queries_whatever_the_size(
    event, session_am, session_pm, participant, participant_cn, organiser, django_assert_num_queries
):
    people = [person(event, organiser, f"P{i}", [session_am, session_pm]) for i in range(4)]
    for other in people:
        accepted(participant, other)
    with django_assert_num_queries(5):
        data, ids = build_instance(event)
    assert len(data["requests"]) == 4
    with django_assert_num_queries(0):  # names for explanations come with it
        humanise(f"'r{data['requests'][0]['id'][1:]}'", ids, zone=SHANGHAI)


def test_people_of_registrations_not_approved_are_left_out(
    event, session_am, participant, participant_cn, organiser, organisation_cn, other_member
):
    accepted(participant, participant_cn)
    services.registration_reject(registration=participant_cn.registration, by=organiser)
    data, _ids = build_instance(event)
    assert [p["id"] for p in data["participants"]] == [f"p{participant.pk}"]
    assert data["requests"] == []  # the rejection cancelled it, and it names a person left out


def test_locked_and_begun_meetings_are_fixed_and_the_past_takes_nothing_new(
    event, session_am, participant, participant_cn, organiser, clock
):
    late = person(event, organiser, "Bilal", [session_am])
    first = slot_at(session_am, 9)
    request = accepted(participant, participant_cn)
    other = accepted(late, participant_cn)
    ScheduledMeeting.objects.create(request=request, event=event, slot=first, table=4)
    ScheduledMeeting.objects.create(
        request=other, event=event, slot=slot_at(session_am, 11), table=1, locked=True
    )

    data, _ids = build_instance(event, now=local(clock.first_day, 9, 10))

    assert data["locked"] == [
        {"request": f"r{request.pk}", "slot": f"s{first.pk}"},
        {"request": f"r{other.pk}", "slot": f"s{slot_at(session_am, 11).pk}"},
    ]
    available = {p["id"]: p["available"] for p in data["participants"]}
    # The begun slot stays only for those who meet in it.
    assert f"s{first.pk}" in available[f"p{participant.pk}"]
    assert f"s{first.pk}" in available[f"p{participant_cn.pk}"]
    assert f"s{first.pk}" not in available[f"p{late.pk}"]
    assert previous_schedule(event) == {
        "meetings": [
            {"request": f"r{request.pk}", "slot": f"s{first.pk}", "table": 4},
            {"request": f"r{other.pk}", "slot": f"s{slot_at(session_am, 11).pk}", "table": 1},
        ]
    }


def test_a_cap_below_the_meetings_already_held_does_not_undo_them(
    event, session_am, participant, participant_cn, organiser, clock
):
    request = accepted(participant, participant_cn)
    ScheduledMeeting.objects.create(
        request=request, event=event, slot=slot_at(session_am, 9), table=1
    )
    services.participant_update(participant=participant, by=participant.user, max_meetings=0)
    data, _ids = build_instance(event, now=local(clock.first_day, 9, 30))
    caps = {p["id"]: p["max_meetings"] for p in data["participants"]}
    assert caps[f"p{participant.pk}"] == 1
    parse_instance(data)


def test_a_run_during_the_event_keeps_the_past_and_fills_only_what_is_to_come(
    event, session_am, participant, participant_cn, organiser, clock
):
    before = accepted(participant, participant_cn)
    ScheduledMeeting.objects.create(
        request=before, event=event, slot=slot_at(session_am, 9), table=2
    )
    third = person(event, organiser, "Chen", [session_am], country="CN")
    newer = accepted(third, participant)
    now = local(clock.first_day, 10, 5)  # four slots have begun
    done = run(event, organiser, now=now)
    assert done.status == "done", done.error
    where = placed(event)
    assert where[before.pk] == (slot_at(session_am, 9).pk, 2)
    assert Slot.objects.get(pk=where[newer.pk][0]).starts_at > now


# --- The rules, each broken once --------------------------------------------------------


def test_nobody_is_in_two_meetings_at_once(tiny, organiser):
    event, session = tiny(slots=1, tables=5)
    a, b, c = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai"))
    first, second = accepted(a, b), accepted(a, c, priority=2)
    done = run(event, organiser)
    assert list(placed(event)) == [second.pk]  # the higher priority
    assert reasons(done) == {first.pk: "conflict"}
    assert done.placed == 1 and done.value == 2 and done.upper_bound == 2


def test_a_person_meets_only_in_the_sessions_they_attend(event, session_am, session_pm, organiser):
    both = person(event, organiser, "Ali", [session_am, session_pm])
    afternoon = person(event, organiser, "Bo", [session_pm])
    morning = person(event, organiser, "Cai", [session_am])
    late, never = accepted(both, afternoon), accepted(morning, afternoon)
    done = run(event, organiser)
    slot = Slot.objects.get(pk=placed(event)[late.pk][0])
    assert slot.session == session_pm  # though the morning is earlier and free
    assert reasons(done) == {never.pk: "no_common_slot"}
    assert never.pk not in placed(event)


def test_no_meeting_falls_in_a_break(tiny, organiser, clock):
    day = clock.first_day
    event, session = tiny(slots=2, tables=5, breaks=[(local(day, 9, 20), local(day, 9, 40), "Tea")])
    a, b, c = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai"))
    requests = [accepted(a, b), accepted(a, c), accepted(b, c)]
    done = run(event, organiser)
    starts = sorted(Slot.objects.get(pk=s).starts_at for s, _t in placed(event).values())
    assert starts == [local(day, 9), local(day, 9, 40)]  # not at 09:20, in the tea break
    assert len(done.unplaced) == 1 and done.unplaced[0]["reason"] == "conflict"
    assert {done.unplaced[0]["request"]} < {r.pk for r in requests}


def test_a_slot_holds_no_more_meetings_than_tables(tiny, organiser):
    event, session = tiny(slots=1, tables=1)
    a, b, c, d = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai", "Dan"))
    low, high = accepted(a, b, priority=1), accepted(c, d, priority=3)
    done = run(event, organiser)
    assert placed(event) == {high.pk: (Slot.objects.get(session=session).pk, 1)}
    assert reasons(done) == {low.pk: "tables_full"}
    (item,) = done.unplaced
    assert item["slots"] == [f"{item['slots'][0][:10]} 09:00"]
    assert item["detail"] == (
        "Ali Test (Ali Ltd) and Bo Test (Bo Ltd) are both free at "
        f"{item['slots'][0]} (Asia/Shanghai), but every table is taken then."
    )


def test_nobody_has_more_meetings_than_their_cap(tiny, organiser):
    event, session = tiny(slots=3, tables=5)
    busy = person(event, organiser, "Ali", [session], cap=1)
    b, c = person(event, organiser, "Bo", [session]), person(event, organiser, "Cai", [session])
    first, second = accepted(busy, b, priority=3), accepted(c, busy)
    done = run(event, organiser)
    assert list(placed(event)) == [first.pk]
    assert reasons(done) == {second.pk: "cap_reached"}
    (item,) = done.unplaced
    assert item["person"] == "Ali Test (Ali Ltd)" and item["count"] == 1
    assert item["detail"].startswith(
        "Ali Test (Ali Ltd) already has as many meetings as they take (1)"
    )


def test_pending_requests_never_take_a_slot(tiny, organiser):
    event, session = tiny(slots=1, tables=1)
    a, b, c, d = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai", "Dan"))
    pending = services.request_send(requester=a, recipient=b, by=a.user, priority=3)
    meeting = accepted(c, d)
    done = run(event, organiser)
    assert list(placed(event)) == [meeting.pk]
    assert done.unplaced == [] and done.placed == 1
    assert not ScheduledMeeting.objects.filter(request=pending).exists()


def test_every_request_left_out_is_explained_in_the_readers_language(tiny, organiser):
    event, session = tiny(slots=1, tables=1)
    a, b, c, d = (person(event, organiser, n, [session]) for n in ("Ali", "Bo", "Cai", "Dan"))
    accepted(a, b, priority=3)
    accepted(c, d)
    accepted(a, c)
    done = run(event, organiser)
    assert sorted(item["reason"] for item in done.unplaced) == ["conflict", "tables_full"]
    for item in done.unplaced:
        assert set(item) >= {"request", "reason", "detail", "between"}
        for language in ("en", "zh-hans", "ur"):
            with translation.override(language):
                assert str(unplaced_text(item, zone_name="Asia/Shanghai"))


def test_an_engine_message_names_people_and_times_not_ids(tiny, organiser):
    event, session = tiny(slots=1)
    a = person(event, organiser, "Ali", [session])
    data, ids = build_instance(event)
    slot = data["slots"][0]["id"]
    message = humanise(
        f"participant '{data['participants'][0]['id']}' is not available in '{slot}'",
        ids,
        zone=SHANGHAI,
    )
    assert message == (
        f"participant Ali Test (Ali Ltd) is not available in "
        f"{ids[slot].starts_at.astimezone(SHANGHAI):%Y-%m-%d} 09:00 (Asia/Shanghai)"
    )
    assert a.pk
