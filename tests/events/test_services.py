"""Events, sessions, slots, registrations and participants: every rule allowed and refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from corridor.core.models import AuditEntry, Notification
from corridor.docking.services import profile_create
from corridor.events import services
from corridor.events.models import (
    Break,
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    Session,
    Slot,
)

from ..factories import OrganisationFactory, SectorFactory, UserFactory
from .conftest import SHANGHAI, local

UTC = datetime.UTC


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def schedule(request, slot, table=1):
    """Put an accepted request in a slot, as the scheduler would."""
    return ScheduledMeeting.objects.create(
        request=request, event=request.event, slot=slot, table=table
    )


def accepted(participant, participant_cn, org_member, other_member):
    request = services.request_send(requester=participant, recipient=participant_cn, by=org_member)
    return services.request_accept(request=request, by=other_member)


# --- Events -----------------------------------------------------------------------------


def test_authority_staff_create_a_draft_event(organiser, event_fields, authority_cn):
    event = services.event_create(by=organiser, **event_fields)
    assert event.status == Event.Status.DRAFT
    assert event.authority == authority_cn
    assert event.created_by == organiser
    assert event.default_max_meetings == 8 and event.requires_approval
    assert AuditEntry.objects.filter(verb="event.create", object_id=str(event.pk)).exists()


def test_platform_admin_may_create_an_event_for_any_authority(platform_admin, event_fields):
    assert services.event_create(by=platform_admin, **event_fields).pk


@pytest.mark.parametrize("who", ["staff_pk", "org_member", "outsider"])
def test_others_cannot_create_events_for_an_authority(request, who, event_fields):
    with pytest.raises(PermissionDenied):
        services.event_create(by=request.getfixturevalue(who), **event_fields)
    assert not Event.objects.exists()


def test_bad_event_input_names_every_field_and_saves_nothing(organiser, event_fields, clock):
    event_fields.update(
        time_zone="Mars/Olympus_Mons",
        starts_on=clock.last_day,
        ends_on=clock.first_day,
        eligible_countries=["XX"],
        eligible_kinds=["pirate"],
        eligible_sectors=["no-such-sector"],
        capacity=0,
        default_max_meetings=-1,
        format="carrier-pigeon",
        title_en="",
        registration_closes_at=clock.opens - datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=organiser, **event_fields)
    assert {
        "time_zone", "ends_on", "eligible_countries", "eligible_kinds", "eligible_sectors",
        "capacity", "default_max_meetings", "format", "title_en", "registration_closes_at",
    } <= set(errors_of(excinfo))  # fmt: skip
    assert not Event.objects.exists()


@pytest.mark.parametrize("field", ["starts_on", "ends_on", "registration_opens_at"])
def test_dates_far_away_are_refused_not_overflowed(organiser, event_fields, field):
    value = event_fields[field]
    event_fields[field] = value.replace(year=9999)
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=organiser, **event_fields)
    assert field in errors_of(excinfo)
    assert not Event.objects.exists()


def test_an_event_needs_an_authority(platform_admin, event_fields):
    event_fields["authority"] = None
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=platform_admin, **event_fields)
    assert "authority" in errors_of(excinfo)


def test_registration_must_close_by_the_end_of_the_event(organiser, event_fields, clock):
    event_fields["registration_closes_at"] = clock.after
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=organiser, **event_fields)
    assert "registration_closes_at" in errors_of(excinfo)


def test_a_cap_that_is_not_a_number_is_refused(organiser, event_fields):
    event_fields["default_max_meetings"] = "8"
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=organiser, **event_fields)
    assert "default_max_meetings" in errors_of(excinfo)


def test_naive_times_are_read_in_the_event_zone(organiser, event_fields, clock):
    event_fields["registration_closes_at"] = datetime.datetime.combine(
        clock.first_day - datetime.timedelta(days=2), datetime.time(18, 0)
    )
    event = services.event_create(by=organiser, **event_fields)
    event.refresh_from_db()
    assert event.registration_closes_at.astimezone(SHANGHAI).hour == 18
    assert event.registration_closes_at.astimezone(UTC).hour == 10


def test_an_event_identifier_is_used_once(organiser, event_fields):
    services.event_create(by=organiser, **event_fields)
    with pytest.raises(ValidationError) as excinfo:
        services.event_create(by=organiser, **event_fields)
    assert "slug" in errors_of(excinfo)
    assert Event.objects.count() == 1


def test_eligibility_is_stored_clean(organiser, event_fields, sector):
    event_fields.update(
        eligible_countries=["pk", "CN", "PK"], eligible_sectors=["robotics"],
        eligible_kinds=["enterprise"],
    )  # fmt: skip
    event = services.event_create(by=organiser, **event_fields)
    assert event.eligible_countries == ["CN", "PK"]
    assert list(event.eligible_sectors.all()) == [sector]


def test_organisers_update_an_event(event, organiser):
    services.event_update(event=event, by=organiser, venue="Hall 2", capacity=40)
    event.refresh_from_db()
    assert (event.venue, event.capacity) == ("Hall 2", 40)
    entry = AuditEntry.objects.get(verb="event.update")
    assert entry.data["fields"] == ["capacity", "venue"]


@pytest.mark.parametrize("who", ["staff_pk", "org_member", "outsider"])
def test_others_cannot_update_an_event(request, who, event):
    with pytest.raises(PermissionDenied):
        services.event_update(event=event, by=request.getfixturevalue(who), venue="Elsewhere")
    event.refresh_from_db()
    assert event.venue == "Zhongguancun Exhibition Centre"


def test_event_update_refuses_unknown_fields(event, organiser):
    with pytest.raises(ValidationError) as excinfo:
        services.event_update(event=event, by=organiser, status="draft")
    assert "status" in errors_of(excinfo)


def test_days_cannot_move_away_from_the_sessions(event, organiser, clock):
    with pytest.raises(ValidationError) as excinfo:
        services.event_update(event=event, by=organiser, starts_on=clock.last_day)
    assert "starts_on" in errors_of(excinfo)
    event.refresh_from_db()
    assert event.starts_on == clock.first_day


def test_a_new_zone_that_puts_sessions_outside_the_days_is_refused(event, organiser):
    # 09:00 in Shanghai is 21:00 the day before in Los Angeles: outside the event's days.
    with pytest.raises(ValidationError):
        services.event_update(event=event, by=organiser, time_zone="America/Los_Angeles")
    event.refresh_from_db()
    assert event.time_zone == "Asia/Shanghai"


def test_publishing_needs_a_session(draft_event, organiser):
    with pytest.raises(ValidationError) as excinfo:
        services.event_publish(event=draft_event, by=organiser)
    assert "sessions" in errors_of(excinfo)
    draft_event.refresh_from_db()
    assert draft_event.status == Event.Status.DRAFT


def test_publish_is_for_organisers_and_drafts(draft_event, session_am, organiser, staff_pk):
    with pytest.raises(PermissionDenied):
        services.event_publish(event=draft_event, by=staff_pk)
    services.event_publish(event=draft_event, by=organiser)
    assert draft_event.status == Event.Status.PUBLISHED
    with pytest.raises(ValidationError):
        services.event_publish(event=draft_event, by=organiser)


def test_cancelling_an_event_takes_meetings_off_the_calendars(
    event, organiser, registration, participant, participant_cn, org_member, org_admin,
    other_member, session_am,
):  # fmt: skip
    request = accepted(participant, participant_cn, org_member, other_member)
    meeting = schedule(request, session_am.slots.first())
    colleague = services.participant_add(
        registration=registration, user=org_admin, by=org_admin, sessions=[session_am]
    )
    pending = services.request_send(requester=colleague, recipient=participant_cn, by=org_admin)
    services.event_cancel(event=event, by=organiser)
    meeting.refresh_from_db()
    pending.refresh_from_db()
    request.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    assert pending.status == MeetingRequest.Status.CANCELLED
    assert request.status == MeetingRequest.Status.ACCEPTED  # what was agreed stays on record
    told = Notification.objects.filter(kind="event.meeting_changed")
    assert {n.user for n in told} == {org_member, other_member}
    with pytest.raises(ValidationError):
        services.event_update(event=event, by=organiser, venue="Anywhere")
    with pytest.raises(ValidationError):
        services.event_cancel(event=event, by=organiser)


def test_a_draft_is_deleted_not_cancelled(draft_event, organiser, staff_pk):
    with pytest.raises(ValidationError):
        services.event_cancel(event=draft_event, by=organiser)
    with pytest.raises(PermissionDenied):
        services.event_delete(event=draft_event, by=staff_pk)
    services.event_delete(event=draft_event, by=organiser)
    assert not Event.objects.exists()


def test_a_published_event_is_not_deleted(event, organiser):
    with pytest.raises(ValidationError):
        services.event_delete(event=event, by=organiser)
    assert Event.objects.filter(pk=event.pk).exists()


# --- Sessions and slots -----------------------------------------------------------------


def test_slots_are_made_from_the_session_minus_its_breaks(session_am, clock):
    slots = list(session_am.slots.values_list("starts_at", "ends_at"))
    starts = [s.astimezone(SHANGHAI).strftime("%H:%M") for s, _e in slots]
    assert starts == ["09:00", "09:20", "09:40", "10:00", "10:40", "11:00", "11:20", "11:40"]
    assert all(e - s == datetime.timedelta(minutes=20) for s, e in slots)
    assert slots[0][0] == datetime.datetime.combine(clock.first_day, datetime.time(1), tzinfo=UTC)
    assert session_am.breaks.get().label == "Tea"


def session_kwargs(event, day, start, end, **more):
    return {
        "event": event, "name": "Extra", "starts_at": local(day, *start),
        "ends_at": local(day, *end), "slot_minutes": 20, "tables": 4, **more,
    }  # fmt: skip


def assert_nothing_saved(event, sessions: int, slots: int):
    assert Session.objects.filter(event=event).count() == sessions
    assert Slot.objects.filter(session__event=event).count() == slots


def test_overlapping_sessions_are_refused(event, organiser, clock):
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **session_kwargs(event, clock.first_day, (11,), (13,)))
    assert "Morning" in str(errors_of(excinfo)["starts_at"])
    assert_nothing_saved(event, 2, 17)


def test_sessions_may_touch(event, organiser, clock):
    services.session_add(by=organiser, **session_kwargs(event, clock.first_day, (12,), (13,)))
    assert_nothing_saved(event, 3, 20)


def test_a_slot_length_that_does_not_divide_the_session_is_refused(event, organiser, clock):
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(
            by=organiser, **session_kwargs(event, clock.first_day, (13,), (14, 10))
        )
    assert "20 minutes" in str(errors_of(excinfo)["slot_minutes"])
    assert_nothing_saved(event, 2, 17)


def test_each_stretch_between_breaks_must_divide(event, organiser, clock):
    day = clock.first_day
    # 13:00–15:00 is 120 minutes (six slots), but the break leaves 70 and 30.
    kwargs = session_kwargs(
        event, day, (13,), (15,), breaks=[(local(day, 14, 10), local(day, 14, 30))]
    )
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **kwargs)
    assert "slot_minutes" in errors_of(excinfo)
    assert_nothing_saved(event, 2, 17)
    assert not Break.objects.filter(session__event=event).exclude(session__name="Morning").exists()


def test_sessions_lie_within_the_event_days_in_its_zone(event, organiser, clock):
    day_before = clock.first_day - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **session_kwargs(event, day_before, (22,), (23,)))
    assert "Asia/Shanghai" in str(errors_of(excinfo)["starts_at"])
    # 00:20 in Shanghai is still the previous day in UTC, and inside the event.
    services.session_add(by=organiser, **session_kwargs(event, clock.first_day, (0, 20), (1, 20)))
    assert_nothing_saved(event, 3, 20)
    after = clock.last_day + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.session_add(by=organiser, **session_kwargs(event, after, (9,), (10,)))


@pytest.mark.parametrize(
    "breaks",
    [
        [((12, 40), (13, 20))],  # starts inside, ends after the session
        [((10,), (10, 20))],  # before the session
        [((14,), (14, 40)), ((14, 20), (15,))],  # overlapping each other
        [((14, 20), (14,))],  # ends before it starts
    ],
)
def test_bad_breaks_are_refused(event, organiser, clock, breaks):
    day = clock.last_day
    given = [(local(day, *a), local(day, *b)) for a, b in breaks]
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **session_kwargs(event, day, (11,), (13,), breaks=given))
    assert "breaks" in errors_of(excinfo)
    assert_nothing_saved(event, 2, 17)


@pytest.mark.parametrize(
    "field, value",
    [("tables", 0), ("tables", -1), ("slot_minutes", 0), ("slot_minutes", "20"), ("tables", True)],
)
def test_bad_numbers_are_refused(event, organiser, clock, field, value):
    kwargs = session_kwargs(event, clock.last_day, (10,), (11,))
    kwargs[field] = value
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **kwargs)
    assert field in errors_of(excinfo)
    assert_nothing_saved(event, 2, 17)


def test_session_times_are_whole_minutes(event, organiser, clock):
    kwargs = session_kwargs(event, clock.last_day, (10,), (11,))
    kwargs["starts_at"] = kwargs["starts_at"].replace(second=30)
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **kwargs)
    assert "starts_at" in errors_of(excinfo)
    assert_nothing_saved(event, 2, 17)


@pytest.mark.parametrize(
    "template",
    ["https://meet.example.org/{room}", "https://x.example.org/{slot", "not a link {table}"],
)
def test_a_bad_video_link_pattern_is_refused(event, organiser, clock, template):
    kwargs = session_kwargs(event, clock.last_day, (10,), (11,), video_link_template=template)
    with pytest.raises(ValidationError) as excinfo:
        services.session_add(by=organiser, **kwargs)
    assert "video_link_template" in errors_of(excinfo)


@pytest.mark.parametrize("who", ["staff_pk", "org_member", "outsider"])
def test_only_organisers_change_sessions(request, who, event, clock, session_am):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.session_add(by=user, **session_kwargs(event, clock.last_day, (10,), (11,)))
    with pytest.raises(PermissionDenied):
        services.session_update(session=session_am, by=user, tables=1)
    with pytest.raises(PermissionDenied):
        services.session_remove(session=session_am, by=user)
    with pytest.raises(PermissionDenied):
        services.break_add(session=session_am, by=user, starts_at=local(clock.first_day, 9),
                           ends_at=local(clock.first_day, 9, 20))  # fmt: skip


def test_a_session_change_rewrites_its_slots_and_keeps_the_unchanged(session_pm, organiser, clock):
    before = dict(session_pm.slots.values_list("starts_at", "pk"))
    services.session_update(
        session=session_pm, by=organiser, ends_at=local(clock.last_day, 18), tables=6
    )
    after = dict(session_pm.slots.values_list("starts_at", "pk"))
    assert len(after) == 12
    assert all(after[start] == pk for start, pk in before.items())
    session_pm.refresh_from_db()
    assert session_pm.tables == 6


def test_a_session_change_may_not_drop_a_scheduled_meeting(
    event, organiser, session_pm, participant, participant_cn, org_member, other_member, clock
):
    request = accepted(participant, participant_cn, org_member, other_member)
    last = session_pm.slots.order_by("starts_at").last()
    meeting = schedule(request, last, table=5)
    with pytest.raises(ValidationError) as excinfo:
        services.session_update(session=session_pm, by=organiser, ends_at=local(clock.last_day, 16))
    assert "cancel or move it first" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        services.session_update(session=session_pm, by=organiser, tables=4)
    assert "tables" in errors_of(excinfo)
    with pytest.raises(ValidationError):
        services.break_add(session=session_pm, by=organiser, starts_at=local(clock.last_day, 16, 40),
                           ends_at=local(clock.last_day, 17))  # fmt: skip
    session_pm.refresh_from_db()
    assert (session_pm.ends_at, session_pm.tables) == (local(clock.last_day, 17), 5)
    assert session_pm.slots.count() == 9
    # Once the meeting is cancelled, the change goes through (the cancelled row goes too).
    services.request_cancel(request=request, by=org_member)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    services.session_update(session=session_pm, by=organiser, ends_at=local(clock.last_day, 16))
    assert session_pm.slots.count() == 6
    assert not ScheduledMeeting.objects.exists()


def test_session_remove_is_refused_while_meetings_are_scheduled(
    event, organiser, session_am, session_pm, participant, participant_cn, org_member, other_member
):
    request = accepted(participant, participant_cn, org_member, other_member)
    schedule(request, session_am.slots.first())
    with pytest.raises(ValidationError):
        services.session_remove(session=session_am, by=organiser)
    assert Session.objects.filter(pk=session_am.pk).exists()
    services.request_cancel(request=request, by=org_member)
    services.session_remove(session=session_am, by=organiser)
    assert not Session.objects.filter(pk=session_am.pk).exists()
    assert list(participant.sessions.all()) == [session_pm]
    # The last session of a published event stays.
    with pytest.raises(ValidationError):
        services.session_remove(session=session_pm, by=organiser)


def test_breaks_take_slots_away_and_give_them_back(session_pm, organiser, clock):
    day = clock.last_day
    pause = services.break_add(
        session=session_pm, by=organiser, starts_at=local(day, 15), ends_at=local(day, 15, 20),
        label="Coffee",
    )  # fmt: skip
    assert session_pm.slots.count() == 8
    assert not session_pm.slots.filter(starts_at=local(day, 15)).exists()
    with pytest.raises(ValidationError) as excinfo:
        services.break_add(session=session_pm, by=organiser, starts_at=local(day, 15, 10),
                           ends_at=local(day, 15, 30))  # fmt: skip
    assert "breaks" in errors_of(excinfo)
    pause = Break.objects.get(session=session_pm)
    services.break_remove(brk=pause, by=organiser)
    assert session_pm.slots.count() == 9
    assert not session_pm.breaks.exists()


def test_sessions_of_a_cancelled_event_do_not_change(event, organiser, session_am):
    services.event_cancel(event=event, by=organiser)
    with pytest.raises(ValidationError):
        services.session_update(session=session_am, by=organiser, tables=3)


# --- Registrations ----------------------------------------------------------------------


def test_a_member_registers_and_waits_for_approval(event, organisation, org_member, profile):
    registration = services.registration_create(
        event=event, organisation=organisation, by=org_member, profiles=[profile], note="Hello"
    )
    assert registration.status == Registration.Status.PENDING
    assert list(registration.profiles.all()) == [profile]
    assert registration.registered_by == org_member


def test_without_approval_a_registration_is_approved_at_once(
    event, organiser, organisation, org_admin
):
    services.event_update(event=event, by=organiser, requires_approval=False)
    registration = services.registration_create(
        event=event, organisation=organisation, by=org_admin
    )
    assert registration.status == Registration.Status.APPROVED


@pytest.mark.parametrize("who", ["outsider", "staff_pk", "organiser", "other_member"])
def test_only_the_organisation_registers_itself(request, who, event, organisation):
    with pytest.raises(PermissionDenied):
        services.registration_create(
            event=event, organisation=organisation, by=request.getfixturevalue(who)
        )
    assert not Registration.objects.exists()


def test_registration_needs_a_published_event(draft_event, organisation, org_member):
    with pytest.raises(ValidationError):
        services.registration_create(event=draft_event, organisation=organisation, by=org_member)


def test_registration_happens_inside_its_window(event, organisation, org_member, clock):
    for moment in (clock.before_opening, clock.after_closing):
        with pytest.raises(ValidationError):
            services.registration_create(
                event=event, organisation=organisation, by=org_member, now=moment
            )
    assert not Registration.objects.exists()


def test_eligible_countries_and_kinds(event, organiser, organisation, org_member):
    services.event_update(event=event, by=organiser, eligible_countries=["CN"])
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(event=event, organisation=organisation, by=org_member)
    assert "countries" in str(errors_of(excinfo)["organisation"])
    services.event_update(
        event=event, by=organiser, eligible_countries=[], eligible_kinds=["university"]
    )
    with pytest.raises(ValidationError):
        services.registration_create(event=event, organisation=organisation, by=org_member)
    services.event_update(event=event, by=organiser, eligible_kinds=["enterprise", "university"])
    assert services.registration_create(event=event, organisation=organisation, by=org_member)


def test_a_sub_sector_of_an_eligible_sector_may_register(
    event, organiser, organisation, org_member, sector
):
    services.event_update(event=event, by=organiser, eligible_sectors=[sector])
    with pytest.raises(ValidationError):  # no sectors at all
        services.registration_create(event=event, organisation=organisation, by=org_member)
    organisation.sectors.set([SectorFactory(code="fintech")])
    with pytest.raises(ValidationError):
        services.registration_create(event=event, organisation=organisation, by=org_member)
    organisation.sectors.set([SectorFactory(code="robotics.arms", parent=sector)])
    assert services.registration_create(event=event, organisation=organisation, by=org_member)


def test_capacity_counts_pending_and_approved(
    event, organiser, organisation, org_member, organisation_cn, other_member
):
    services.event_update(event=event, by=organiser, capacity=1)
    first = services.registration_create(event=event, organisation=organisation, by=org_member)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(event=event, organisation=organisation_cn, by=other_member)
    assert "full" in str(excinfo.value)
    services.registration_cancel(registration=first, by=org_member)
    assert services.registration_create(event=event, organisation=organisation_cn, by=other_member)
    # The cancelled one may come back only when there is room again.
    with pytest.raises(ValidationError):
        services.registration_create(event=event, organisation=organisation, by=org_member)


def test_profiles_must_be_the_organisations_published_ones(
    event, organisation, org_member, profile, draft_profile_cn
):
    draft = profile_create(organisation=organisation, by=org_member, kind="technology_offer",
                           title="A draft offer of sensors")  # fmt: skip
    for bad in ([draft], [draft_profile_cn], ["1"]):
        with pytest.raises(ValidationError) as excinfo:
            services.registration_create(
                event=event, organisation=organisation, by=org_member, profiles=bad
            )
        assert "profiles" in errors_of(excinfo)
    assert not Registration.objects.exists()


@pytest.fixture
def draft_profile_cn(organisation_cn, other_member):
    return profile_create(organisation=organisation_cn, by=other_member, kind="technology_request",
                          title="寻求机械臂")  # fmt: skip


def test_registering_twice_is_a_clear_error(event, organisation, org_member, org_admin):
    services.registration_create(event=event, organisation=organisation, by=org_member)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(event=event, organisation=organisation, by=org_admin)
    assert "already registered" in str(errors_of(excinfo)["organisation"])
    assert Registration.objects.count() == 1


def test_a_race_to_register_twice_gives_the_same_clear_error(
    event, organisation, org_member, monkeypatch
):
    services.registration_create(event=event, organisation=organisation, by=org_member)
    # The other request's row is not visible yet when this one looks: the constraint decides.
    from corridor.events.services import registrations

    real = registrations.Registration.objects.select_for_update

    class Blind:
        def __call__(self):
            return real().none()

    monkeypatch.setattr(registrations.Registration.objects, "select_for_update", Blind())
    monkeypatch.setattr(registrations, "_room_left", lambda *a, **k: True)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(event=event, organisation=organisation, by=org_member)
    assert "already registered" in str(excinfo.value)
    assert Registration.objects.count() == 1


def test_a_rejected_organisation_cannot_register_again(event, organisation, org_member, organiser):
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    services.registration_reject(registration=made, by=organiser)
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(event=event, organisation=organisation, by=org_member)
    assert "did not accept" in str(excinfo.value)


def test_organisers_approve_and_the_organisation_is_told(
    event, organisation, org_member, org_admin, organiser
):
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    services.registration_approve(registration=made, by=organiser)
    assert made.status == Registration.Status.APPROVED
    assert made.decided_by == organiser
    told = Notification.objects.filter(kind="event.registration_approved")
    assert {n.user for n in told} == {org_member, org_admin}
    assert told.first().data["event"] == "Pakistan–China robotics forum"
    assert told.first().data["organisation"] == "Indus Robotics"


@pytest.mark.parametrize("who", ["staff_pk", "org_admin", "outsider"])
def test_others_cannot_decide_on_registrations(request, who, event, organisation, org_member):
    made = services.registration_create(event=event, organisation=organisation, by=org_member)
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.registration_approve(registration=made, by=user)
    with pytest.raises(PermissionDenied):
        services.registration_reject(registration=made, by=user)
    made.refresh_from_db()
    assert made.status == Registration.Status.PENDING


def test_rejecting_an_approved_registration_ends_its_meetings(
    event,
    organiser,
    registration,
    participant,
    participant_cn,
    org_member,
    other_member,
    session_am,
):
    request = accepted(participant, participant_cn, org_member, other_member)
    meeting = schedule(request, session_am.slots.first())
    services.registration_reject(registration=registration, by=organiser)
    meeting.refresh_from_db()
    request.refresh_from_db()
    assert (meeting.status, meeting.sequence, request.status) == ("cancelled", 1, "cancelled")
    assert Notification.objects.filter(kind="event.registration_rejected", user=org_member).exists()
    assert Notification.objects.filter(kind="event.meeting_changed", user=other_member).exists()
    with pytest.raises(ValidationError):
        services.registration_reject(registration=registration, by=organiser)


def test_the_organisation_cancels_its_registration(
    registration, org_member, organiser, other_member
):
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, by=organiser)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, by=other_member)
    services.registration_cancel(registration=registration, by=org_member)
    assert registration.status == Registration.Status.CANCELLED
    with pytest.raises(ValidationError):
        services.registration_cancel(registration=registration, by=org_member)


def test_a_registration_with_a_nul_byte_in_its_note_is_refused(event, organisation, org_member):
    with pytest.raises(ValidationError) as excinfo:
        services.registration_create(
            event=event, organisation=organisation, by=org_member, note="a\x00b"
        )
    assert "note" in errors_of(excinfo)
    assert not Registration.objects.exists()


# --- Participants -----------------------------------------------------------------------


def test_participants_get_the_default_cap_and_their_sessions(participant, session_am, session_pm):
    assert participant.max_meetings == 8
    assert set(participant.sessions.all()) == {session_am, session_pm}
    assert len(participant.feed_token) >= 32


@pytest.mark.parametrize(
    "cap, ok", [(0, True), (200, True), (-1, False), (201, False), ("3", False), (2.5, False)]
)
def test_a_cap_below_zero_or_above_200_is_a_clear_error(
    registration, org_member, session_am, cap, ok
):
    call = {"registration": registration, "user": org_member, "by": org_member,
            "sessions": [session_am], "max_meetings": cap}  # fmt: skip
    if ok:
        assert services.participant_add(**call).max_meetings == cap
        return
    with pytest.raises(ValidationError) as excinfo:
        services.participant_add(**call)
    assert "max_meetings" in errors_of(excinfo)
    assert not Participant.objects.exists()


def test_availability_outside_the_event_is_refused(
    registration, org_member, session_am, organiser, event_fields, clock
):
    event_fields["slug"] = "another-forum"
    other = services.event_create(by=organiser, **event_fields)
    elsewhere = services.session_add(
        event=other, by=organiser, name="Elsewhere", starts_at=local(clock.first_day, 9),
        ends_at=local(clock.first_day, 10), slot_minutes=20, tables=2,
    )  # fmt: skip
    for sessions in ([session_am, elsewhere], [], [999_999], "1"):
        with pytest.raises(ValidationError) as excinfo:
            services.participant_add(
                registration=registration, user=org_member, by=org_member, sessions=sessions
            )
        assert "sessions" in errors_of(excinfo)
    assert not Participant.objects.exists()


def test_a_participant_works_for_the_organisation(
    registration, other_member, outsider, org_member, session_am
):
    for user in (other_member, outsider):
        with pytest.raises(ValidationError) as excinfo:
            services.participant_add(
                registration=registration, user=user, by=org_member, sessions=[session_am]
            )
        assert "user" in errors_of(excinfo)


def test_a_person_takes_part_once(participant, registration, org_member, session_am):
    with pytest.raises(ValidationError) as excinfo:
        services.participant_add(
            registration=registration, user=org_member, by=org_member, sessions=[session_am]
        )
    assert "user" in errors_of(excinfo)
    assert Participant.objects.count() == 1


def test_who_may_name_participants(
    registration, org_member, org_admin, organiser, other_member, staff_pk, session_am
):
    for user in (other_member, staff_pk):
        with pytest.raises(PermissionDenied):
            services.participant_add(
                registration=registration, user=org_member, by=user, sessions=[session_am]
            )
    assert services.participant_add(
        registration=registration, user=org_member, by=organiser, sessions=[session_am]
    )
    assert services.participant_add(
        registration=registration, user=org_admin, by=org_admin, sessions=[session_am]
    )


def test_no_participants_for_a_cancelled_registration(registration, org_member, session_am):
    services.registration_cancel(registration=registration, by=org_member)
    with pytest.raises(ValidationError):
        services.participant_add(
            registration=registration, user=org_member, by=org_member, sessions=[session_am]
        )


def test_participant_update_checks_like_add(
    participant, org_member, other_member, session_pm, session_am
):
    services.participant_update(
        participant=participant, by=org_member, sessions=[session_pm], max_meetings=3
    )
    participant.refresh_from_db()
    assert participant.max_meetings == 3
    assert list(participant.sessions.all()) == [session_pm]
    with pytest.raises(ValidationError) as excinfo:
        services.participant_update(
            participant=participant, by=org_member, max_meetings=-2, sessions=[]
        )
    assert {"max_meetings", "sessions"} <= set(errors_of(excinfo))
    participant.refresh_from_db()
    assert participant.max_meetings == 3
    assert list(participant.sessions.all()) == [session_pm]
    with pytest.raises(PermissionDenied):
        services.participant_update(participant=participant, by=other_member, max_meetings=1)


def test_removing_a_participant_cancels_their_meetings(
    participant, participant_cn, org_member, other_member, session_am
):
    request = accepted(participant, participant_cn, org_member, other_member)
    schedule(request, session_am.slots.first())
    with pytest.raises(PermissionDenied):
        services.participant_remove(participant=participant, by=other_member)
    services.participant_remove(participant=participant, by=org_member)
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert Notification.objects.filter(kind="event.meeting_changed", user=other_member).exists()


def test_feed_token_reset(participant, org_member, other_member, organiser):
    old = participant.feed_token
    with pytest.raises(PermissionDenied):
        services.feed_token_reset(participant=participant, by=other_member)
    services.feed_token_reset(participant=participant, by=org_member)
    participant.refresh_from_db()
    assert participant.feed_token != old
    services.feed_token_reset(participant=participant, by=organiser)


def test_organisers_include_platform_admins(event, platform_admin, staff_cn, staff_pk):
    assert services.can_organise(platform_admin, event)
    assert services.can_organise(staff_cn, event)
    assert not services.can_organise(staff_pk, event)
    assert not services.can_organise(UserFactory(username="nobody"), event)


def test_eligibility_errors_explain(event, organiser):
    org = OrganisationFactory(slug="uni", country="CN", kind="university")
    services.event_update(event=event, by=organiser, eligible_kinds=["enterprise"])
    assert services.eligibility_errors(event, org)
