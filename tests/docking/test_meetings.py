"""Meetings of an open introduction: every transition allowed and refused per role, time
zones, the outcome rule, reminders, races, and the pages."""

import datetime
import threading
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from corridor.core.models import AuditEntry, Notification
from corridor.docking.models import Interest, Meeting, MeetingOutcome
from corridor.docking.services.meetings import (
    MAX_UPCOMING,
    meeting_accept,
    meeting_actions,
    meeting_cancel,
    meeting_mark,
    meeting_outcome,
    meeting_propose,
    meeting_reschedule,
    meetings_cancel_upcoming,
    meetings_remind_outcomes,
)
from corridor.docking.views.meetings import meetings_context

from .meeting_fixtures import *  # noqa: F403
from .meeting_fixtures import KARACHI, SHANGHAI, meeting_at, propose_args

Status = Meeting.Status
HOUR = datetime.timedelta(hours=1)


def notices(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).select_related("user"))


def snapshot(meeting: Meeting) -> dict:
    meeting.refresh_from_db()
    return {
        f.attname: getattr(meeting, f.attname)
        for f in Meeting._meta.concrete_fields
        if f.attname != "updated_at"
    }


# --- Proposing -------------------------------------------------------------------------------


def test_a_party_proposes_a_meeting_stored_in_utc_and_the_other_side_hears_of_it(
    introduction, org_member, other_member, organisation, start
):
    meeting = meeting_propose(interest=introduction, by=org_member, **propose_args(start))

    meeting.refresh_from_db()
    assert meeting.status == Status.PROPOSED
    assert meeting.proposed_by == org_member
    assert meeting.proposed_by_organisation == organisation
    assert meeting.starts_at == start
    assert meeting.starts_at.astimezone(datetime.UTC).hour == 5
    assert meeting.ends_at - meeting.starts_at == HOUR
    assert meeting.timezone == "Asia/Karachi"
    assert meeting.sequence == 0
    assert meeting.uid == f"meeting-{meeting.pk}@corridor"
    [notice] = notices("meeting.proposed")
    assert notice.user == other_member
    assert notice.key == f"meeting:{meeting.pk}:proposed:0"
    assert notice.data == {
        "interest": introduction.reference,
        "organisation": "Indus Robotics",
        "starts": meeting.starts_at.astimezone(datetime.UTC).isoformat(),
    }
    assert notice.data["starts"].endswith("+00:00")
    assert AuditEntry.objects.filter(verb="meeting.propose", object_id=str(meeting.pk)).count() == 1


def test_a_naive_time_is_read_on_the_clock_of_the_zone_given(
    introduction, other_member, organisation_cn, start
):
    in_beijing = start.astimezone(SHANGHAI).replace(tzinfo=None)  # 13:00, no zone
    meeting = meeting_propose(
        interest=introduction,
        by=other_member,
        **propose_args(in_beijing, timezone="Asia/Shanghai"),
    )
    assert in_beijing.hour == 13
    assert meeting.starts_at == start  # the same instant as 10:00 in Karachi
    assert meeting.proposed_by_organisation == organisation_cn
    assert meeting.timezone == "Asia/Shanghai"


def test_an_aware_time_keeps_its_instant_whatever_zone_is_named(introduction, org_member, start):
    meeting = meeting_propose(
        interest=introduction,
        by=org_member,
        **propose_args(start.astimezone(SHANGHAI), timezone="Europe/London"),
    )
    assert meeting.starts_at == start
    assert meeting.timezone == "Europe/London"


def test_in_person_meeting_needs_a_place_and_keeps_it(introduction, org_member, start):
    meeting = meeting_propose(
        interest=introduction,
        by=org_member,
        **propose_args(start, format="in_person", link="", place="Islamabad STZ, Block 4"),
    )
    assert meeting.place == "Islamabad STZ, Block 4"
    assert meeting.link == ""


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin", "outsider"])
def test_only_parties_propose(request, introduction, start, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        meeting_propose(interest=introduction, by=user, **propose_args(start))
    assert not Meeting.objects.exists()
    assert not notices("meeting.proposed")


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "sent", "reveal": "not_yet", "revealed_at": None},
        {"reveal": "awaiting_approval", "revealed_at": None},
        {"reveal": "refused", "revealed_at": None},
        {"status": "withdrawn", "reveal": "not_yet", "revealed_at": None},
        {"status": "expired", "reveal": "not_yet", "revealed_at": None},
    ],
)
def test_no_meeting_unless_the_introduction_is_open(introduction, org_member, start, fields):
    Interest.objects.filter(pk=introduction.pk).update(**fields)
    with pytest.raises(ValidationError) as error:
        meeting_propose(interest=introduction, by=org_member, **propose_args(start))
    assert "interest" in error.value.message_dict
    assert not Meeting.objects.exists()


FAR = datetime.datetime(
    9999, 12, 31, 23, 0, tzinfo=datetime.timezone(-datetime.timedelta(hours=15))
)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"starts_at": "past"}, "starts_at"),
        ({"starts_at": "now"}, "starts_at"),
        ({"starts_at": "in three years"}, "starts_at"),
        ({"starts_at": "2030-01-01T10:00"}, "starts_at"),
        ({"starts_at": FAR}, "starts_at"),
        (
            {
                "starts_at": datetime.datetime(
                    2030, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=16))
                )
            },
            "starts_at",
        ),
        ({"duration_minutes": 14}, "duration_minutes"),
        ({"duration_minutes": 481}, "duration_minutes"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"timezone": " Asia/Karachi"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "Asia/Karachi\x00"}, "timezone"),
        ({"timezone": "A" * 65}, "timezone"),
        ({"format": "phone"}, "format"),
        ({"link": ""}, "link"),
        ({"link": "ftp://files.example.org/x"}, "link"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "https://" + "a" * 500 + ".org"}, "link"),
        ({"format": "in_person", "link": "", "place": ""}, "place"),
        ({"format": "in_person", "place": "x" * 301}, "place"),
        ({"agenda": "a\x00b"}, "agenda"),
        ({"agenda": "a" * 2001}, "agenda"),
    ],
)
def test_bad_proposals_are_refused_and_change_nothing(
    introduction, org_member, start, change, field
):
    now = timezone.now()
    moments = {
        "past": now - HOUR,
        "now": now,
        "in three years": now + datetime.timedelta(days=3 * 365),
    }
    if change.get("starts_at") in moments:
        change["starts_at"] = moments[change["starts_at"]]
    with pytest.raises(ValidationError) as error:
        meeting_propose(
            interest=introduction, by=org_member, now=now, **propose_args(start, **change)
        )
    assert field in error.value.message_dict
    assert not Meeting.objects.exists()
    assert not notices("meeting.proposed")
    assert not AuditEntry.objects.filter(verb="meeting.propose").exists()


def test_naive_time_with_an_unknown_zone_names_only_the_zone(introduction, org_member, start):
    with pytest.raises(ValidationError) as error:
        meeting_propose(
            interest=introduction,
            by=org_member,
            **propose_args(start.replace(tzinfo=None), timezone="Nowhere/Atlantis"),
        )
    assert set(error.value.message_dict) == {"timezone"}


def test_an_introduction_has_at_most_so_many_upcoming_meetings(introduction, org_member, start):
    # Two past meetings do not count.
    for days in (3, 2):
        meeting_at(
            introduction,
            introduction.profile.organisation,
            start - datetime.timedelta(days=days + 5),
        )
    for n in range(MAX_UPCOMING):
        meeting_propose(
            interest=introduction,
            by=org_member,
            **propose_args(start + datetime.timedelta(hours=2 * n)),
        )
    with pytest.raises(ValidationError) as error:
        meeting_propose(interest=introduction, by=org_member, **propose_args(start))
    assert "__all__" in error.value.message_dict
    assert Meeting.objects.count() == MAX_UPCOMING + 2
    # Cancelling one makes room again.
    meeting_cancel(meeting=Meeting.objects.filter(status=Status.PROPOSED).first(), by=org_member)
    meeting_propose(interest=introduction, by=org_member, **propose_args(start))


# --- Accepting ----------------------------------------------------------------------------------


def test_the_other_side_accepts_once_and_the_proposer_hears_of_it_once(
    proposed, other_member, org_member, org_admin
):
    meeting = meeting_accept(meeting=proposed, by=other_member)
    assert meeting.status == Status.ACCEPTED
    assert meeting.sequence == 1
    proposed.refresh_from_db()
    assert (proposed.status, proposed.sequence) == (Status.ACCEPTED, 1)
    told = notices("meeting.accepted")
    assert sorted(n.user.username for n in told) == ["org_admin", "org_member"]
    assert {n.data["organisation"] for n in told} == {"Z-Park AI"}

    with pytest.raises(ValidationError):
        meeting_accept(meeting=proposed, by=other_member)  # the double click
    proposed.refresh_from_db()
    assert (proposed.status, proposed.sequence) == (Status.ACCEPTED, 1)
    assert len(notices("meeting.accepted")) == 2
    assert AuditEntry.objects.filter(verb="meeting.accept").count() == 1


def test_the_proposing_side_cannot_accept_its_own_time(proposed, org_member, org_admin):
    for user in (org_member, org_admin):
        with pytest.raises(PermissionDenied):
            meeting_accept(meeting=proposed, by=user)
    assert snapshot(proposed)["status"] == Status.PROPOSED


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin", "outsider"])
def test_only_the_other_side_accepts(request, proposed, who):
    before = snapshot(proposed)
    with pytest.raises(PermissionDenied):
        meeting_accept(meeting=proposed, by=request.getfixturevalue(who))
    assert snapshot(proposed) == before


def test_a_time_that_has_passed_cannot_be_accepted(proposed, other_member):
    before = snapshot(proposed)
    with pytest.raises(ValidationError) as error:
        meeting_accept(meeting=proposed, by=other_member, now=proposed.starts_at)
    assert "starts_at" in error.value.message_dict
    assert snapshot(proposed) == before
    assert not notices("meeting.accepted")


def test_no_acceptance_once_the_introduction_has_closed(proposed, other_member):
    Interest.objects.filter(pk=proposed.interest_id).update(
        status="withdrawn", reveal="not_yet", revealed_at=None
    )
    with pytest.raises(ValidationError):
        meeting_accept(meeting=proposed, by=other_member)
    assert snapshot(proposed)["status"] == Status.PROPOSED


def test_a_cancelled_meeting_cannot_be_accepted(proposed, other_member, org_member):
    meeting_cancel(meeting=proposed, by=org_member)
    with pytest.raises(ValidationError):
        meeting_accept(meeting=proposed, by=other_member)
    assert snapshot(proposed)["status"] == Status.CANCELLED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
def test_two_simultaneous_acceptances_make_one(
    published, organisation_cn, other_member, org_member
):
    now = timezone.now()
    interest = Interest.objects.create(
        profile=published, organisation=organisation_cn, sent_by=other_member, message="Hello",
        language="en", status="accepted", reveal="revealed", revealed_at=now,
        expires_at=now + datetime.timedelta(days=21),
    )  # fmt: skip
    meeting = meeting_propose(
        interest=interest, by=org_member, **propose_args(now + datetime.timedelta(days=2))
    )
    barrier = threading.Barrier(2)
    results = []

    def accept():
        try:
            barrier.wait()
            with transaction.atomic():
                meeting_accept(meeting=Meeting.objects.get(pk=meeting.pk), by=other_member)
            results.append("accepted")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["accepted", "refused"]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (Status.ACCEPTED, 1)
    assert Notification.objects.filter(kind="meeting.accepted").count() == 1


# --- Rescheduling ------------------------------------------------------------------------------


@pytest.mark.parametrize("accepted_first", [False, True])
def test_either_side_reschedules_and_the_other_side_accepts_the_new_time(
    proposed, other_member, org_member, organisation_cn, start, accepted_first
):
    if accepted_first:
        meeting_accept(meeting=proposed, by=other_member)
    sequence = snapshot(proposed)["sequence"]
    later = start + datetime.timedelta(days=1)
    meeting = meeting_reschedule(
        meeting=proposed,
        by=other_member,
        starts_at=later.astimezone(SHANGHAI).replace(tzinfo=None),
        duration_minutes=90,
        timezone="Asia/Shanghai",
    )
    assert meeting.status == Status.PROPOSED
    assert meeting.starts_at == later
    assert meeting.ends_at - meeting.starts_at == datetime.timedelta(minutes=90)
    assert meeting.proposed_by_organisation == organisation_cn
    assert meeting.proposed_by == other_member
    assert meeting.timezone == "Asia/Shanghai"
    assert meeting.sequence == sequence + 1
    assert meeting.link == "https://meet.example.org/indus-zpark"  # kept when not given
    [notice] = notices("meeting.rescheduled")
    assert notice.user == org_member
    assert notice.data["starts"] == later.astimezone(datetime.UTC).isoformat()
    # Now the Pakistani side accepts, the Chinese side (the new proposer) cannot.
    with pytest.raises(PermissionDenied):
        meeting_accept(meeting=proposed, by=other_member)
    assert meeting_accept(meeting=proposed, by=org_member).status == Status.ACCEPTED


def test_rescheduling_may_move_a_meeting_in_person(proposed, org_member, start):
    meeting = meeting_reschedule(
        meeting=proposed, by=org_member, starts_at=start, duration_minutes=60,
        timezone="Asia/Karachi", format="in_person", link="", place="Z-Park, Building 2",
    )  # fmt: skip
    assert (meeting.format, meeting.place, meeting.link) == ("in_person", "Z-Park, Building 2", "")


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "past"},
        {"duration_minutes": 0},
        {"timezone": "Asia/Karach"},
        {"format": "online", "link": "not a link"},
        {"format": "in_person", "place": ""},
    ],
)
def test_bad_reschedules_change_nothing(proposed, org_member, start, change):
    if change.get("starts_at") == "past":
        change["starts_at"] = timezone.now() - HOUR
    arguments = {"starts_at": start, "duration_minutes": 60, "timezone": "Asia/Karachi"}
    arguments.update(change)
    before = snapshot(proposed)
    with pytest.raises(ValidationError):
        meeting_reschedule(meeting=proposed, by=org_member, **arguments)
    assert snapshot(proposed) == before
    assert not notices("meeting.rescheduled")


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin", "outsider"])
def test_only_parties_reschedule(request, proposed, start, who):
    before = snapshot(proposed)
    with pytest.raises(PermissionDenied):
        meeting_reschedule(
            meeting=proposed, by=request.getfixturevalue(who), starts_at=start,
            duration_minutes=60, timezone="UTC",
        )  # fmt: skip
    assert snapshot(proposed) == before


def test_a_cancelled_or_ended_meeting_is_not_rescheduled(proposed, org_member, other_member, start):
    meeting_accept(meeting=proposed, by=other_member)
    after_end = proposed.ends_at + HOUR
    with pytest.raises(ValidationError):
        meeting_reschedule(
            meeting=proposed, by=org_member, starts_at=after_end + datetime.timedelta(days=1),
            duration_minutes=60, timezone="UTC", now=after_end,
        )  # fmt: skip
    meeting_cancel(meeting=proposed, by=org_member)
    before = snapshot(proposed)
    with pytest.raises(ValidationError):
        meeting_reschedule(
            meeting=proposed, by=org_member, starts_at=start, duration_minutes=60, timezone="UTC"
        )
    assert snapshot(proposed) == before


def test_a_proposal_whose_time_passed_unanswered_may_get_a_new_time(proposed, other_member, start):
    later = proposed.starts_at + datetime.timedelta(days=2)
    meeting = meeting_reschedule(
        meeting=proposed, by=other_member, starts_at=later, duration_minutes=30,
        timezone="Asia/Shanghai", now=proposed.ends_at + HOUR,
    )  # fmt: skip
    assert meeting.starts_at == later


# --- Cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize("canceller", ["org_member", "other_member"])
def test_either_side_cancels_and_the_other_side_hears_of_it(request, proposed, canceller):
    user = request.getfixturevalue(canceller)
    meeting = meeting_cancel(meeting=proposed, by=user)
    assert meeting.status == Status.CANCELLED
    assert meeting.cancelled_by == user
    assert meeting.cancelled_at is not None
    assert meeting.sequence == 1
    [notice] = notices("meeting.cancelled")
    assert (
        notice.user.username == {"org_member": "cn_member", "other_member": "org_member"}[canceller]
    )
    with pytest.raises(ValidationError):
        meeting_cancel(meeting=proposed, by=user)
    assert snapshot(proposed)["sequence"] == 1
    assert len(notices("meeting.cancelled")) == 1


def test_an_accepted_meeting_can_be_cancelled_before_it_ends_but_not_after(
    proposed, other_member, org_member
):
    meeting_accept(meeting=proposed, by=other_member)
    with pytest.raises(ValidationError):
        meeting_cancel(meeting=proposed, by=org_member, now=proposed.ends_at)
    assert snapshot(proposed)["status"] == Status.ACCEPTED
    meeting_cancel(meeting=proposed, by=org_member, now=proposed.starts_at)
    assert snapshot(proposed)["status"] == Status.CANCELLED


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin", "outsider"])
def test_only_parties_cancel(request, proposed, who):
    with pytest.raises(PermissionDenied):
        meeting_cancel(meeting=proposed, by=request.getfixturevalue(who))
    assert snapshot(proposed)["status"] == Status.PROPOSED


# --- Held or not ---------------------------------------------------------------------------


@pytest.fixture
def accepted(proposed, other_member):
    return meeting_accept(meeting=proposed, by=other_member)


def test_marking_held_before_the_end_is_refused(accepted, org_member):
    with pytest.raises(ValidationError) as error:
        meeting_mark(meeting=accepted, by=org_member, held=True, now=accepted.ends_at - HOUR / 60)
    assert "held" in error.value.message_dict
    assert not MeetingOutcome.objects.exists()


def test_only_an_accepted_meeting_is_marked(proposed, org_member):
    with pytest.raises(ValidationError):
        meeting_mark(meeting=proposed, by=org_member, held=True, now=proposed.ends_at + HOUR)
    meeting_cancel(meeting=proposed, by=org_member)
    with pytest.raises(ValidationError):
        meeting_mark(meeting=proposed, by=org_member, held=False, now=proposed.ends_at + HOUR)
    assert not MeetingOutcome.objects.exists()


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin", "outsider"])
def test_only_parties_mark(request, accepted, who):
    with pytest.raises(PermissionDenied):
        meeting_mark(
            meeting=accepted, by=request.getfixturevalue(who), held=True,
            now=accepted.ends_at + HOUR,
        )  # fmt: skip
    assert not MeetingOutcome.objects.exists()


def test_held_must_be_yes_or_no(accepted, org_member):
    with pytest.raises(ValidationError):
        meeting_mark(meeting=accepted, by=org_member, held="yes", now=accepted.ends_at)
    assert not MeetingOutcome.objects.exists()


def test_each_side_marks_once_and_may_change_its_own_word(
    accepted, org_member, org_admin, other_member, organisation, organisation_cn
):
    after = accepted.ends_at + HOUR
    meeting_mark(meeting=accepted, by=org_member, held=True, now=after)
    meeting_mark(meeting=accepted, by=org_admin, held=True, now=after)  # same side, same word
    assert MeetingOutcome.objects.count() == 1
    assert AuditEntry.objects.filter(verb="meeting.mark").count() == 1
    outcome = meeting_mark(meeting=accepted, by=org_admin, held=False, now=after)
    assert (outcome.organisation, outcome.held, outcome.marked_by) == (
        organisation,
        False,
        org_admin,
    )
    assert MeetingOutcome.objects.count() == 1
    meeting_mark(meeting=accepted, by=other_member, held=True, now=after)
    assert dict(MeetingOutcome.objects.values_list("organisation__slug", "held")) == {
        organisation.slug: False,
        organisation_cn.slug: True,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingOutcome.objects.create(
            meeting=accepted, organisation=organisation, held=True, marked_at=after
        )


@pytest.mark.parametrize(
    ("owner", "sender", "expected"),
    [
        (None, None, "unknown"),
        (True, None, "held"),
        (None, True, "held"),
        (True, True, "held"),
        (False, None, "not_held"),
        (True, False, "not_held"),
        (False, False, "not_held"),
    ],
)
def test_outcome_rule(accepted, org_member, other_member, owner, sender, expected):
    after = accepted.ends_at + HOUR
    if owner is not None:
        meeting_mark(meeting=accepted, by=org_member, held=owner, now=after)
    if sender is not None:
        meeting_mark(meeting=accepted, by=other_member, held=sender, now=after)
    assert meeting_outcome(Meeting.objects.get(pk=accepted.pk)) == expected


# --- Reminders ---------------------------------------------------------------------------------


def test_each_side_that_has_not_marked_is_reminded_once(
    introduction, organisation, organisation_cn, org_member, other_member, cn_admin_m
):
    now = timezone.now()
    ended = meeting_at(introduction, organisation, now - 3 * HOUR)  # ended 2 h ago
    meeting_at(introduction, organisation, now - HOUR - HOUR / 2)  # ended 30 min ago
    meeting_at(introduction, organisation, now - 3 * HOUR, status=Status.PROPOSED)
    meeting_at(introduction, organisation, now - 3 * HOUR, status=Status.CANCELLED)
    meeting_mark(meeting=ended, by=org_member, held=True, now=now)

    assert meetings_remind_outcomes(now=now) == 2  # both people of the Chinese side
    told = notices("meeting.outcome_due")
    assert sorted(n.user.username for n in told) == ["cn_admin_m", "cn_member"]
    assert {n.key for n in told} == {f"meeting:{ended.pk}:outcome_due:{organisation_cn.pk}"}
    assert told[0].data == {
        "interest": introduction.reference,
        "starts": ended.starts_at.astimezone(datetime.UTC).isoformat(),
    }
    assert meetings_remind_outcomes(now=now) == 0
    assert meetings_remind_outcomes(now=now + HOUR) == 3  # the second meeting, both sides
    assert meetings_remind_outcomes(now=now + 2 * HOUR) == 0


def test_closing_an_introduction_cancels_only_meetings_still_to_come(
    introduction, organisation, proposed, other_member, org_member
):
    now = timezone.now()
    held = meeting_at(introduction, organisation, now - 3 * HOUR)
    running = meeting_at(introduction, organisation, now - HOUR / 2)
    Interest.objects.filter(pk=introduction.pk).update(
        status="withdrawn", reveal="not_yet", revealed_at=None
    )
    assert meetings_cancel_upcoming(interest=introduction, by=other_member, now=now) == 1
    assert snapshot(proposed)["status"] == Status.CANCELLED
    assert snapshot(proposed)["sequence"] == 1
    assert {snapshot(held)["status"], snapshot(running)["status"]} == {Status.ACCEPTED}
    assert AuditEntry.objects.filter(verb="meeting.cancel").count() == 1
    assert meetings_cancel_upcoming(interest=introduction, by=other_member, now=now) == 0


# --- What each person may do ----------------------------------------------------------------


def test_actions_offered_per_role(proposed, org_member, other_member, staff_pk, staff_cn):
    assert meeting_actions(proposed, org_member) == {"reschedule", "cancel"}
    assert meeting_actions(proposed, other_member) == {"accept", "reschedule", "cancel"}
    assert meeting_actions(proposed, staff_pk) == set()
    assert meeting_actions(proposed, staff_cn) == set()
    meeting_accept(meeting=proposed, by=other_member)
    assert meeting_actions(proposed, other_member) == {"reschedule", "cancel"}
    after = proposed.ends_at + HOUR
    assert meeting_actions(proposed, org_member, now=after) == {"mark"}


# --- Pages ---------------------------------------------------------------------------------------


def _page(client, user, interest):
    client.force_login(user)
    return client.get(reverse("docking:interest_detail", args=[interest.pk]))


def test_each_party_sees_the_meeting_on_its_own_clock_and_the_proposers(
    client, proposed, org_member, other_member, staff_cn
):
    pakistan = _page(client, org_member, proposed.interest).content.decode()
    china = _page(client, other_member, proposed.interest).content.decode()
    assert "10:00–11:00 Asia/Karachi" in pakistan
    assert "Asia/Shanghai" not in pakistan.split('id="meetings"')[1].split("</ul>")[0]
    assert "13:00–14:00 Asia/Shanghai" in china
    assert '(<bdi dir="ltr">10:00–11:00 Asia/Karachi</bdi>)' in china
    # Brokers read along on their own clock (their authority's country unless they chose a
    # zone), with no buttons.
    broker = _page(client, staff_cn, proposed.interest).content.decode()
    assert "13:00–14:00 Asia/Shanghai</bdi>" in broker
    assert '(<bdi dir="ltr">10:00–11:00 Asia/Karachi</bdi>)' in broker
    assert reverse("docking:meeting_accept", args=[proposed.pk]) not in broker
    assert reverse("docking:meeting_cancel", args=[proposed.pk]) not in broker


def test_a_viewer_who_chose_a_zone_sees_times_in_it(client, proposed, other_member):
    other_member.time_zone = "Europe/London"
    other_member.save(update_fields=["time_zone"])
    html = _page(client, other_member, proposed.interest).content.decode()
    hour = proposed.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/London")).hour
    assert f"{hour:02d}:00–{hour + 1:02d}:00 Europe/London" in html


def test_the_page_shows_only_the_buttons_the_reader_may_use(
    client, proposed, org_member, other_member
):
    accept = reverse("docking:meeting_accept", args=[proposed.pk])
    assert accept not in _page(client, org_member, proposed.interest).content.decode()
    assert accept in _page(client, other_member, proposed.interest).content.decode()


def test_dates_and_labels_follow_the_reader_language(client, proposed, other_member):
    client.force_login(other_member)
    with translation.override("zh-hans"):
        url = reverse("docking:interest_detail", args=[proposed.interest.pk])
    html = client.get(url).content.decode()
    local = proposed.starts_at.astimezone(SHANGHAI)
    assert f"{local.year}年{local.month}月{local.day}日" in html


def test_in_urdu_times_and_zones_stay_left_to_right_inside_the_rtl_page(
    client, proposed, other_member
):
    client.force_login(other_member)
    with translation.override("ur"):
        url = reverse("docking:interest_detail", args=[proposed.interest.pk])
    html = client.get(url).content.decode()
    assert '<html lang="ur" dir="rtl">' in html
    assert '<bdi dir="ltr" class="meeting__local">13:00–14:00 Asia/Shanghai</bdi>' in html
    assert '<option value="Asia/Shanghai" selected>Asia/Shanghai (UTC+08:00)</option>' in html


def test_the_meetings_part_of_the_page_reads_the_same_number_of_rows_for_many_meetings(
    introduction, org_member, other_member, start, django_assert_max_num_queries
):
    meeting_propose(interest=introduction, by=org_member, **propose_args(start))
    rf = RequestFactory().get("/")
    rf.user = other_member

    def render(user):
        user = type(user).objects.get(pk=user.pk)  # no cached memberships
        return render_to_string(
            "docking/includes/meetings.html", meetings_context(introduction, user), request=rf
        )

    with django_assert_max_num_queries(6) as one:
        render(other_member)
    for n in range(1, 8):
        meeting = meeting_propose(
            interest=introduction, by=org_member,
            **propose_args(start + datetime.timedelta(hours=2 * n)),
        )  # fmt: skip
        if n % 2:
            meeting_accept(meeting=meeting, by=other_member)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = render(other_member)
    assert html.count('class="card meeting"') == 8


def test_propose_through_the_form_in_the_readers_zone(client, introduction, other_member, start):
    client.force_login(other_member)
    local = start.astimezone(SHANGHAI)
    response = client.post(
        reverse("docking:meeting_propose", args=[introduction.pk]),
        {
            "date": local.date().isoformat(),
            "time": "13:00",
            "timezone": "Asia/Shanghai",
            "duration_minutes": "60",
            "format": "in_person",
            "place": "Z-Park, Building 2",
            "agenda": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("docking:interest_detail", args=[introduction.pk]) + "#meetings"
    )
    meeting = Meeting.objects.get()
    assert meeting.starts_at == start
    assert meeting.timezone == "Asia/Shanghai"


def test_the_form_offers_the_readers_zone_first_and_the_corridor_zones(
    client, introduction, other_member
):
    client.force_login(other_member)
    response = client.get(reverse("docking:meeting_propose", args=[introduction.pk]))
    form = response.context["form"]
    assert form.fields["timezone"].initial == "Asia/Shanghai"
    names = [name for name, _label in form.fields["timezone"].choices]
    assert names[:3] == ["Asia/Karachi", "Asia/Shanghai", "UTC"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2001-01-01"}, "date"),
        ({"time": "25:00"}, "time"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"duration_minutes": "1000"}, "duration_minutes"),
        ({"format": "online", "link": "javascript:alert(1)"}, "link"),
        ({"format": "online", "link": ""}, "link"),
        ({"place": ""}, "place"),
    ],
)
def test_a_bad_form_shows_its_errors_and_changes_nothing(
    client, introduction, org_member, start, change, field
):
    client.force_login(org_member)
    data = {
        "date": start.date().isoformat(), "time": "10:00", "timezone": "Asia/Karachi",
        "duration_minutes": "60", "format": "in_person", "place": "Block 4", "agenda": "",
    }  # fmt: skip
    data.update(change)
    response = client.post(reverse("docking:meeting_propose", args=[introduction.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_outsiders_get_404_and_brokers_403_on_every_meeting_page(
    client, proposed, outsider, staff_pk, start
):
    pages = [
        ("post", reverse("docking:meeting_propose", args=[proposed.interest_id])),
        ("post", reverse("docking:meeting_accept", args=[proposed.pk])),
        ("post", reverse("docking:meeting_cancel", args=[proposed.pk])),
        ("post", reverse("docking:meeting_reschedule", args=[proposed.pk])),
        ("post", reverse("docking:meeting_mark", args=[proposed.pk])),
        ("get", reverse("docking:meeting_ics", args=[proposed.pk])),
    ]
    client.force_login(outsider)
    for method, url in pages:
        assert getattr(client, method)(url, {"held": "yes"}).status_code == 404, url
    client.force_login(staff_pk)
    for method, url in pages[:4]:
        assert getattr(client, method)(url).status_code == 403, url
    assert client.get(pages[-1][1]).status_code == 200  # brokers may read the invitation
    assert snapshot(proposed)["status"] == Status.PROPOSED
    client.logout()
    assert client.get(pages[-1][1]).status_code == 302  # to the sign-in page


def test_accept_cancel_and_mark_through_the_page(client, proposed, org_member, other_member):
    client.force_login(other_member)
    client.post(reverse("docking:meeting_accept", args=[proposed.pk]))
    assert snapshot(proposed)["status"] == Status.ACCEPTED
    # Too early to say whether it was held: a message, nothing recorded.
    response = client.post(
        reverse("docking:meeting_mark", args=[proposed.pk]), {"held": "yes"}, follow=True
    )
    assert not MeetingOutcome.objects.exists()
    assert list(response.context["messages"])
    Meeting.objects.filter(pk=proposed.pk).update(
        starts_at=timezone.now() - 2 * HOUR, ends_at=timezone.now() - HOUR
    )
    client.post(reverse("docking:meeting_mark", args=[proposed.pk]), {"held": "no"})
    assert MeetingOutcome.objects.get().held is False
    client.post(reverse("docking:meeting_mark", args=[proposed.pk]), {"held": "maybe"})
    assert MeetingOutcome.objects.get().held is False


def test_reschedule_through_the_page(client, proposed, other_member, start):
    client.force_login(other_member)
    url = reverse("docking:meeting_reschedule", args=[proposed.pk])
    form = client.get(url).context["form"]
    assert form.initial["timezone"] == "Asia/Karachi"
    assert form.initial["time"] == datetime.time(10, 0)
    later = (start + datetime.timedelta(days=1)).astimezone(SHANGHAI)
    response = client.post(
        url,
        {
            "date": later.date().isoformat(), "time": "15:30", "timezone": "Asia/Shanghai",
            "duration_minutes": "30", "format": "online",
            "link": "https://meet.example.org/new",
        },
    )  # fmt: skip
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at.astimezone(SHANGHAI).time() == datetime.time(15, 30)
    assert meeting.starts_at.astimezone(KARACHI).time() == datetime.time(12, 30)
    assert (meeting.status, meeting.sequence, meeting.link) == (
        Status.PROPOSED, 1, "https://meet.example.org/new",
    )  # fmt: skip


def test_the_invitation_is_an_ics_attachment(client, proposed, org_member):
    client.force_login(org_member)
    response = client.get(reverse("docking:meeting_ics", args=[proposed.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{proposed.interest.reference}-meeting-{proposed.pk}.ics"'
    )
    assert response.content.startswith(b"BEGIN:VCALENDAR")
