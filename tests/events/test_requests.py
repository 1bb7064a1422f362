"""Meeting requests: sending, answering, cancelling, organisers' meetings, expiry, races."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from corridor.core.models import AuditEntry, Notification
from corridor.events import services
from corridor.events.models import MeetingRequest, ScheduledMeeting
from corridor.events.services import requests as request_services

from .conftest import local

Status = MeetingRequest.Status


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def colleague(registration, org_admin, session_am):
    """A second participant of Indus Robotics (org_admin)."""
    return services.participant_add(
        registration=registration, user=org_admin, by=org_admin, sessions=[session_am]
    )


@pytest.fixture
def elsewhere(organiser, event_fields, clock, organisation_cn, other_member):
    """other_member at another event (published, Z-Park AI approved)."""
    event_fields["slug"] = "another-forum"
    other = services.event_create(by=organiser, **event_fields)
    session = services.session_add(
        event=other, by=organiser, name="Only", starts_at=local(clock.first_day, 9),
        ends_at=local(clock.first_day, 10), slot_minutes=20, tables=2,
    )  # fmt: skip
    services.event_publish(event=other, by=organiser)
    made = services.registration_create(event=other, organisation=organisation_cn, by=other_member)
    services.registration_approve(registration=made, by=organiser)
    return services.participant_add(
        registration=made, user=other_member, by=other_member, sessions=[session]
    )


def schedule(request, slot, table=1):
    return ScheduledMeeting.objects.create(
        request=request, event=request.event, slot=slot, table=table
    )


# --- Sending ----------------------------------------------------------------------------


def test_a_participant_asks_another_and_they_are_told(meeting_request, other_member, org_member):
    assert meeting_request.status == Status.PENDING
    assert meeting_request.priority == 1
    assert meeting_request.created_by == org_member
    told = Notification.objects.get(kind="event.request_received")
    assert told.user == other_member
    assert told.data["organisation"] == "Indus Robotics"
    assert told.data["person"] == "org_member"
    assert told.data["event_zh_hans"] == "中巴机器人论坛"
    assert AuditEntry.objects.filter(verb="meeting_request.send").exists()


def test_a_request_to_oneself_is_refused(participant, org_member):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=participant, by=org_member)
    assert "yourself" in str(errors_of(excinfo)["recipient"])
    assert not MeetingRequest.objects.exists()


@pytest.mark.parametrize("recipient", [None, "user", "unsaved"])
def test_a_request_to_a_non_participant_is_refused(
    participant, org_member, other_member, recipient
):
    given = {"user": other_member, "unsaved": MeetingRequest(), None: None}[recipient]
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=given, by=org_member)
    assert "recipient" in errors_of(excinfo)
    assert not MeetingRequest.objects.exists()


def test_a_request_to_a_participant_of_another_event_is_refused(participant, org_member, elsewhere):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=elsewhere, by=org_member)
    assert "does not take part" in str(errors_of(excinfo)["recipient"])
    assert not MeetingRequest.objects.exists()


def test_a_request_to_a_colleague_is_refused(participant, colleague, org_member):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=colleague, by=org_member)
    assert "same organisation" in str(errors_of(excinfo)["recipient"])


def test_both_organisations_must_be_approved(
    event, organisation_cn, other_member, participant, org_member, session_am
):
    pending = services.registration_create(
        event=event, organisation=organisation_cn, by=other_member
    )
    waiting = services.participant_add(
        registration=pending, user=other_member, by=other_member, sessions=[session_am]
    )
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=waiting, by=org_member)
    assert "approved" in str(errors_of(excinfo)["recipient"])
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=waiting, recipient=participant, by=other_member)
    assert "approved" in str(errors_of(excinfo)["requester"])


@pytest.mark.parametrize("who", ["other_member", "org_admin", "organiser", "outsider"])
def test_only_the_requester_sends_their_request(request, who, participant, participant_cn):
    with pytest.raises(PermissionDenied):
        services.request_send(
            requester=participant, recipient=participant_cn, by=request.getfixturevalue(who)
        )
    assert not MeetingRequest.objects.exists()


@pytest.mark.parametrize(
    "field, value", [("priority", 0), ("priority", 4), ("priority", "2"), ("message", "a\x00b"),
                     ("message", "x" * 1001)]
)  # fmt: skip
def test_bad_request_input_is_refused(participant, participant_cn, org_member, field, value):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(
            requester=participant, recipient=participant_cn, by=org_member, **{field: value}
        )
    assert field in errors_of(excinfo)
    assert not MeetingRequest.objects.exists()


def test_a_second_live_request_is_a_clear_error(
    meeting_request, participant, participant_cn, org_member, other_member
):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=participant_cn, by=org_member)
    assert "already asked this person" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant_cn, recipient=participant, by=other_member)
    assert "answer their request" in str(excinfo.value)
    assert MeetingRequest.objects.count() == 1
    # Once declined, asking again is allowed.
    services.request_decline(request=meeting_request, by=other_member)
    assert services.request_send(requester=participant, recipient=participant_cn, by=org_member)


def test_no_requests_for_a_cancelled_event(
    event, organiser, participant, participant_cn, org_member
):
    services.event_cancel(event=event, by=organiser)
    with pytest.raises(ValidationError):
        services.request_send(requester=participant, recipient=participant_cn, by=org_member)


def test_requests_close_when_the_last_day_begins(participant, participant_cn, org_member, clock):
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(
            requester=participant,
            recipient=participant_cn,
            by=org_member,
            now=clock.last_day_morning,
        )
    assert "closed" in str(excinfo.value)
    just_before = clock.last_day_morning - datetime.timedelta(minutes=2)
    assert services.request_send(
        requester=participant, recipient=participant_cn, by=org_member, now=just_before
    )


# --- Answering --------------------------------------------------------------------------


def test_the_recipient_accepts_and_the_requester_is_told(meeting_request, other_member, org_member):
    services.request_accept(request=meeting_request, by=other_member)
    meeting_request.refresh_from_db()
    assert meeting_request.status == Status.ACCEPTED
    assert meeting_request.answered_at is not None
    told = Notification.objects.get(kind="event.request_accepted")
    assert told.user == org_member
    assert told.data["organisation"] == "Z-Park AI"


@pytest.mark.parametrize("who", ["org_member", "org_admin", "staff_pk", "outsider"])
def test_others_cannot_answer(request, who, meeting_request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.request_accept(request=meeting_request, by=user)
    with pytest.raises(PermissionDenied):
        services.request_decline(request=meeting_request, by=user)
    meeting_request.refresh_from_db()
    assert meeting_request.status == Status.PENDING


def test_organisers_may_answer(meeting_request, organiser, platform_admin):
    services.request_accept(request=meeting_request, by=organiser)
    assert meeting_request.status == Status.ACCEPTED
    services.request_decline(request=meeting_request, by=platform_admin)
    assert meeting_request.status == Status.DECLINED


def test_an_answered_request_is_not_answered_again(meeting_request, other_member):
    services.request_decline(request=meeting_request, by=other_member)
    assert Notification.objects.filter(kind="event.request_declined").count() == 1
    with pytest.raises(ValidationError) as excinfo:
        services.request_accept(request=meeting_request, by=other_member)
    assert "declined" in str(errors_of(excinfo)["status"])


def test_no_accepting_after_requests_close(meeting_request, other_member, clock):
    with pytest.raises(ValidationError):
        services.request_accept(
            request=meeting_request, by=other_member, now=clock.last_day_morning
        )
    meeting_request.refresh_from_db()
    assert meeting_request.status == Status.PENDING


def test_declining_an_accepted_scheduled_request_cancels_the_meeting(
    meeting_request, other_member, org_member, session_am
):
    services.request_accept(request=meeting_request, by=other_member)
    meeting = schedule(meeting_request, session_am.slots.first())
    services.request_decline(request=meeting_request, by=other_member)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    changed = Notification.objects.filter(kind="event.meeting_changed")
    assert {n.user for n in changed} == {org_member, other_member}
    assert changed.first().data["starts"] == meeting.slot.starts_at.isoformat()


# --- Cancelling -------------------------------------------------------------------------


def test_the_requester_cancels_a_pending_request(meeting_request, org_member, other_member):
    with pytest.raises(PermissionDenied):
        services.request_cancel(request=meeting_request, by=other_member)
    services.request_cancel(request=meeting_request, by=org_member)
    assert meeting_request.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        services.request_cancel(request=meeting_request, by=org_member)


def test_cancelling_a_scheduled_meeting_raises_its_sequence(
    meeting_request, org_member, other_member, session_am
):
    services.request_accept(request=meeting_request, by=other_member)
    meeting = schedule(meeting_request, session_am.slots.first())
    ScheduledMeeting.objects.filter(pk=meeting.pk).update(sequence=2)
    services.request_cancel(request=meeting_request, by=org_member)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == ("cancelled", 3)
    assert meeting.uid == f"event-meeting-{meeting_request.pk}@corridor"
    assert Notification.objects.filter(kind="event.meeting_changed", user=other_member).exists()


def test_organisers_may_cancel_a_request(meeting_request, organiser):
    services.request_cancel(request=meeting_request, by=organiser)
    assert meeting_request.status == Status.CANCELLED


# --- Organisers' meetings ---------------------------------------------------------------


def test_organisers_add_an_accepted_meeting(
    event, organiser, participant, participant_cn, org_member, other_member
):
    request = services.organiser_meeting_add(
        event=event, by=organiser, a=participant, b=participant_cn
    )
    assert (request.status, request.added_by_organiser, request.priority) == (
        Status.ACCEPTED,
        True,
        2,
    )
    added = Notification.objects.filter(kind="event.meeting_added")
    assert {n.user for n in added} == {org_member, other_member}
    with pytest.raises(ValidationError):
        services.organiser_meeting_add(event=event, by=organiser, a=participant_cn, b=participant)


def test_an_organisers_meeting_accepts_a_pending_request(
    event, organiser, meeting_request, participant, participant_cn
):
    made = services.organiser_meeting_add(
        event=event, by=organiser, a=participant_cn, b=participant, priority=3
    )
    assert made.pk == meeting_request.pk
    meeting_request.refresh_from_db()
    assert (meeting_request.status, meeting_request.priority) == (Status.ACCEPTED, 3)
    assert MeetingRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["staff_pk", "org_member", "other_member"])
def test_only_organisers_add_meetings(request, who, event, participant, participant_cn):
    with pytest.raises(PermissionDenied):
        services.organiser_meeting_add(
            event=event, by=request.getfixturevalue(who), a=participant, b=participant_cn
        )


def test_an_organisers_meeting_has_the_same_rules(
    event, organiser, participant, colleague, elsewhere
):
    with pytest.raises(ValidationError) as excinfo:
        services.organiser_meeting_add(event=event, by=organiser, a=participant, b=participant)
    assert "b" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.organiser_meeting_add(event=event, by=organiser, a=participant, b=colleague)
    assert "same organisation" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        services.organiser_meeting_add(event=event, by=organiser, a=participant, b=elsewhere)
    assert "b" in errors_of(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.organiser_meeting_add(
            event=event, by=organiser, a=participant, b=elsewhere, priority=9
        )
    assert "priority" in errors_of(excinfo)
    assert not MeetingRequest.objects.exists()


# --- Expiry -----------------------------------------------------------------------------


def test_pending_requests_expire_when_the_last_day_begins_in_the_event_zone(
    meeting_request, colleague, participant_cn, org_admin, other_member, clock
):
    other = services.request_send(requester=colleague, recipient=participant_cn, by=org_admin)
    services.request_accept(request=other, by=other_member)
    starts = local(clock.last_day, 0)  # 16:00 UTC the day before
    assert services.requests_expire(now=starts - datetime.timedelta(minutes=1)) == 0
    assert services.requests_expire(now=starts + datetime.timedelta(minutes=1)) == 1
    meeting_request.refresh_from_db()
    other.refresh_from_db()
    assert (meeting_request.status, other.status) == (Status.EXPIRED, Status.ACCEPTED)
    assert services.requests_expire(now=clock.after) == 0


def test_requests_expire_for_one_event(meeting_request, event, elsewhere, clock):
    assert services.requests_expire(event=elsewhere.registration.event, now=clock.after) == 0
    assert services.requests_expire(event=event, now=clock.after) == 1


# --- Races ------------------------------------------------------------------------------


def test_a_request_sent_twice_at_once_is_one_request(
    participant, participant_cn, org_member, monkeypatch
):
    services.request_send(requester=participant, recipient=participant_cn, by=org_member)
    # As if the first had not committed when the second looked: the database constraint decides.
    monkeypatch.setattr(
        request_services, "_live_between", lambda a, b: MeetingRequest.objects.none()
    )
    with pytest.raises(ValidationError) as excinfo:
        services.request_send(requester=participant, recipient=participant_cn, by=org_member)
    assert "already asked" in str(excinfo.value)
    assert MeetingRequest.objects.count() == 1


def race(*calls):
    """Run ``calls`` at the same moment in threads; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one(participant, participant_cn, org_member, other_member):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the constraint path is tested above")
    results = race(
        lambda: services.request_send(
            requester=participant, recipient=participant_cn, by=org_member
        ),
        lambda: services.request_send(
            requester=participant, recipient=participant_cn, by=org_member
        ),
        lambda: services.request_send(
            requester=participant_cn, recipient=participant, by=other_member
        ),
    )
    made = [r for r in results if isinstance(r, MeetingRequest)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 2, results
    assert MeetingRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_one_wins(meeting_request, other_member, organiser):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers")
    results = race(
        lambda: services.request_accept(request=meeting_request, by=other_member),
        lambda: services.request_accept(request=meeting_request, by=organiser),
    )
    assert sum(isinstance(r, MeetingRequest) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    meeting_request.refresh_from_db()
    assert meeting_request.status == Status.ACCEPTED
    assert Notification.objects.filter(kind="event.request_accepted").count() == 1
