"""The events pages: the list, an event, create and edit, sessions, registration and
participation, registrations to decide, participants (with the matching engine's
suggestions), meeting requests.

Each page per role: a visitor, an outsider, a participant (org_member for Indus Robotics),
the other organisation's participant (other_member for Z-Park AI), the organiser (staff of
Z-Park's authority) and the other authority's staff (staff_pk). Bad input is a form error
and saves nothing; list pages make as many queries for many rows as for few; an anonymous
profile's organisation never shows on the participants page.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.events import services
from corridor.events.models import (
    Event,
    MeetingRequest,
    Participant,
    Registration,
    Session,
    Slot,
)

from .conftest import SHANGHAI, local
from .schedule_cast import person

pytestmark = pytest.mark.django_db


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(f"events:{name}", kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


def part(page: str, marker: str, end: str = "</li>") -> str:
    """The piece of ``page`` from ``marker`` to the next ``end`` after it."""
    start = page.index(marker)
    return page[start : page.index(end, start)]


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("visitor", "outsider", "participant", "other_participant", "organiser", "other_staff")


@pytest.fixture
def cast(request, outsider, staff_pk, organiser):
    """Role name → user (None for the visitor); the participants only when asked for."""

    def who(role):
        if role == "visitor":
            return None
        if role == "participant":
            return request.getfixturevalue("participant").user
        if role == "other_participant":
            return request.getfixturevalue("participant_cn").user
        return {"outsider": outsider, "organiser": organiser, "other_staff": staff_pk}[role]

    return who


def make_event(organiser, event_fields, slug, *, status="published", **changes):
    """An event with no session, put straight into ``status`` (for the list)."""
    event = services.event_create(by=organiser, **{**event_fields, "slug": slug, **changes})
    Event.objects.filter(pk=event.pk).update(status=status)
    event.refresh_from_db()
    return event


# --- The list ---------------------------------------------------------------------------------


def test_list_shows_published_events_to_everyone_and_drafts_to_their_organisers(
    client, event, draft_event, organiser, event_fields, staff_pk
):
    other = make_event(organiser, event_fields, "draft-two", status="draft")
    page = html(client.get(url("event_list")))
    assert 'data-event="pk-cn-robotics-forum"' in page
    assert 'data-event="draft-two"' not in page
    login(client, staff_pk)
    assert 'data-event="draft-two"' not in html(client.get(url("event_list")))
    login(client, organiser)
    page = html(client.get(url("event_list")))
    assert 'data-event="draft-two"' in page
    assert "draft" in part(page, f'data-event="{other.slug}"')


def test_list_says_where_registration_stands_in_the_events_zone(
    client, organiser, event_fields, clock
):
    now = timezone.now()
    make_event(organiser, event_fields, "open-now")
    soon = local(clock.first_day - datetime.timedelta(days=10), 9, 30)
    make_event(organiser, event_fields, "opens-later", registration_opens_at=soon)
    make_event(
        organiser, event_fields, "closed-already",
        registration_opens_at=now - datetime.timedelta(days=5),
        registration_closes_at=now - datetime.timedelta(days=1),
    )  # fmt: skip
    page = html(client.get(url("event_list")))
    assert 'data-window="open"' in part(page, 'data-event="open-now"')
    later = part(page, 'data-event="opens-later"')
    assert 'data-window="soon"' in later and "Registration opens on" in later
    assert "9:30" in later  # 09:30 in Shanghai, not 01:30 UTC
    assert "Asia/Shanghai" in later
    assert "Registration closed" in part(page, 'data-event="closed-already"')


def test_list_puts_past_events_apart(client, organiser, event_fields):
    today = timezone.localdate()
    make_event(
        organiser, event_fields, "last-year",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=399),
        registration_opens_at=timezone.now() - datetime.timedelta(days=420),
        registration_closes_at=timezone.now() - datetime.timedelta(days=410),
    )  # fmt: skip
    make_event(organiser, event_fields, "next-month")
    page = html(client.get(url("event_list")))
    past = page[page.index('id="past-heading"') :]
    upcoming = page[page.index('id="upcoming-heading"') : page.index('id="past-heading"')]
    assert 'data-event="last-year"' in past and 'data-event="last-year"' not in upcoming
    assert 'data-event="next-month"' in upcoming


def test_list_queries_do_not_grow_with_the_events(client, organiser, event_fields):
    for n in range(2):
        make_event(organiser, event_fields, f"few-{n}")
    login(client, organiser)
    with CaptureQueriesContext(connection) as few:
        client.get(url("event_list"))
    for n in range(6):
        make_event(organiser, event_fields, f"many-{n}")
    with CaptureQueriesContext(connection) as many:
        assert html(client.get(url("event_list"))).count("data-event=") == 8
    assert len(many) == len(few)


def test_list_offers_new_event_to_authority_staff_only(client, db, outsider, organiser):
    assert "New event" not in html(client.get(url("event_list")))
    login(client, outsider)
    assert "New event" not in html(client.get(url("event_list")))
    login(client, organiser)
    assert url("event_create") in html(client.get(url("event_list")))


# --- One event --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_published_event_is_public_with_its_sessions_and_slots_on_its_clock(
    client, cast, event, role
):
    login(client, cast(role))
    response = client.get(url("event_detail", slug=event.slug))
    assert response.status_code == 200
    page = html(response)
    assert "Pakistan–China robotics forum" in page
    assert "Asia/Shanghai" in page
    assert "Morning" in page and "Afternoon online" in page
    assert "09:00–09:20" in page  # the first slot, in Shanghai
    assert "10:20–10:40" in page and "Tea" in page  # the break
    assert "10:00–10:20" in page and "10:40–11:00" in page
    assert "10:20–10:40</bdi></li>" not in page  # no slot in the break
    organiser_panel = 'id="organiser-heading"' in page
    assert organiser_panel == (role == "organiser")


@pytest.mark.parametrize("role", ("visitor", "outsider", "other_staff"))
def test_a_draft_is_not_found_but_by_its_organisers(client, cast, draft_event, role):
    login(client, cast(role))
    assert client.get(url("event_detail", slug=draft_event.slug)).status_code == 404


def test_the_organiser_sees_a_draft_with_its_tools(client, organiser, draft_event):
    login(client, organiser)
    page = html(client.get(url("event_detail", slug=draft_event.slug)))
    for name in ("event_edit", "session_list", "registrations", "requests", "schedule"):
        assert url(name, slug=draft_event.slug) in page, name
    assert url("event_publish", slug=draft_event.slug) in page


def test_a_visitor_is_asked_to_sign_in_to_register(client, event):
    page = html(client.get(url("event_detail", slug=event.slug)))
    assert "Sign in to register" in page
    assert url("register", slug=event.slug) not in page


def test_a_member_of_an_unregistered_organisation_may_register(client, event, org_member):
    login(client, org_member)
    assert url("register", slug=event.slug) in html(client.get(event.get_absolute_url()))


def test_a_participant_sees_their_participation_requests_and_agenda(
    client, participant, participant_cn, meeting_request
):
    login(client, participant_cn.user)
    page = html(client.get(participant_cn.registration.event.get_absolute_url()))
    mine = page[page.index('id="participation-heading"') :]
    assert "Your participation" in mine
    assert "You represent Z-Park AI" in mine
    assert "1 waiting for your answer" in mine
    event = participant.registration.event
    assert url("requests", slug=event.slug) in mine
    assert url("agenda", slug=event.slug) in mine
    assert reverse("event_feed", kwargs={"token": participant_cn.feed_token}) in mine
    assert participant.feed_token not in page  # nobody else's calendar address


def test_the_organiser_publishes_and_cancels(client, organiser, draft_event, session_am):
    login(client, organiser)
    client.post(url("event_publish", slug=draft_event.slug))
    draft_event.refresh_from_db()
    assert draft_event.status == Event.Status.PUBLISHED
    client.post(url("event_cancel", slug=draft_event.slug))
    draft_event.refresh_from_db()
    assert draft_event.status == Event.Status.CANCELLED


def test_publishing_without_sessions_is_refused_with_a_message(client, organiser, draft_event):
    login(client, organiser)
    response = client.post(url("event_publish", slug=draft_event.slug), follow=True)
    assert "Add at least one session" in html(response)
    draft_event.refresh_from_db()
    assert draft_event.status == Event.Status.DRAFT


@pytest.mark.parametrize("role", ("participant", "other_staff"))
def test_others_may_not_publish_or_cancel(client, cast, event, role):
    login(client, cast(role))
    assert client.post(url("event_cancel", slug=event.slug)).status_code == 403
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


# --- Create and edit --------------------------------------------------------------------------


@pytest.fixture
def event_form(authority_cn, clock):
    return {
        "authority": authority_cn.pk,
        "slug": "ai-docking-day",
        "title_en": "AI docking day",
        "title_zh_hans": "人工智能对接日",
        "description": "One day of meetings.",
        "format": "online",
        "time_zone": "Asia/Shanghai",
        "starts_on": clock.first_day.isoformat(),
        "ends_on": clock.first_day.isoformat(),
        "registration_opens_at": (clock.first_day - datetime.timedelta(days=20)).isoformat()
        + "T09:00",
        "registration_closes_at": (clock.first_day - datetime.timedelta(days=2)).isoformat()
        + "T18:00",
        "capacity": "",
        "requires_approval": "on",
        "default_max_meetings": "6",
    }


def test_the_organiser_creates_a_draft_with_times_on_the_events_clock(
    client, organiser, event_form, clock
):
    login(client, organiser)
    assert client.get(url("event_create")).status_code == 200
    response = client.post(url("event_create"), event_form)
    assert response.status_code == 302
    assert response.url == url("session_list", slug="ai-docking-day")
    event = Event.objects.get(slug="ai-docking-day")
    assert event.status == Event.Status.DRAFT
    opens = datetime.datetime.combine(
        clock.first_day - datetime.timedelta(days=20), datetime.time(9), tzinfo=SHANGHAI
    )
    assert event.registration_opens_at == opens
    assert event.default_max_meetings == 6 and event.requires_approval


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"default_max_meetings": "-1"}, "default_max_meetings", "Must be at least 0"),
        ({"ends_on": "2000-01-01"}, "ends_on", "The last day must not be before the first day."),
        (
            {"registration_closes_at": "2001-01-01T09:00"},
            "registration_closes_at",
            "Registration must close after it opens.",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Select a valid choice"),
    ],
)
def test_bad_event_input_is_a_form_error_and_saves_nothing(
    client, organiser, event_form, change, field, message
):
    login(client, organiser)
    response = client.post(url("event_create"), {**event_form, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not Event.objects.exists()


@pytest.mark.parametrize("role", ("outsider", "participant"))
def test_only_authority_staff_create_events(client, cast, role, event_form):
    login(client, cast(role))
    assert client.get(url("event_create")).status_code == 403
    assert client.post(url("event_create"), event_form).status_code == 403
    assert not Event.objects.filter(slug="ai-docking-day").exists()


@pytest.mark.parametrize(
    "name",
    ["event_edit", "session_list", "register", "participation", "registrations",
     "participants", "requests", "schedule"],
)  # fmt: skip
def test_a_visitor_is_sent_to_sign_in(client, event, name):
    response = client.get(url(name, slug=event.slug))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    response = client.get(url("event_create"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_staff_may_not_organise_for_another_authority(client, staff_pk, event_form, authority_cn):
    login(client, staff_pk)
    response = client.post(url("event_create"), event_form)  # authority_cn is not a choice
    assert response.status_code == 200
    assert "authority" in response.context["form"].errors
    assert not Event.objects.exists()


def test_the_organiser_edits_the_event(client, organiser, event):
    login(client, organiser)
    form = client.get(url("event_edit", slug=event.slug)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["eligible_sectors"] = [s.pk for s in data.get("eligible_sectors", [])]
    data["registration_opens_at"] = data["registration_opens_at"].strftime("%Y-%m-%dT%H:%M")
    data["registration_closes_at"] = data["registration_closes_at"].strftime("%Y-%m-%dT%H:%M")
    data["requires_approval"] = "on"
    data["title_en"] = "Robotics forum 2"
    response = client.post(url("event_edit", slug=event.slug), data)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert event.title_en == "Robotics forum 2"
    assert event.registration_closes_at == form.initial["registration_closes_at"].replace(
        tzinfo=SHANGHAI
    )


def test_event_edit_errors_save_nothing(client, organiser, event, clock):
    login(client, organiser)
    form = client.get(url("event_edit", slug=event.slug)).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        eligible_sectors=[],
        title_en="Changed",
        # The sessions would fall outside the event's days.
        starts_on=(clock.first_day + datetime.timedelta(days=5)).isoformat(),
        ends_on=(clock.first_day + datetime.timedelta(days=6)).isoformat(),
    )
    response = client.post(url("event_edit", slug=event.slug), data)
    assert response.status_code == 200
    assert "Some sessions would fall outside" in html(response)
    event.refresh_from_db()
    assert event.title_en == "Pakistan–China robotics forum"


@pytest.mark.parametrize("role, status", [("other_staff", 403), ("participant", 403)])
def test_others_may_not_edit(client, cast, event, role, status):
    login(client, cast(role))
    assert client.get(url("event_edit", slug=event.slug)).status_code == status


def test_a_draft_edit_page_is_not_found_for_other_staff(client, staff_pk, draft_event):
    login(client, staff_pk)
    assert client.get(url("event_edit", slug=draft_event.slug)).status_code == 404


# --- Sessions ---------------------------------------------------------------------------------


def session_form(day, start, end, **extra):
    return {
        "name": "Extra",
        "starts_at": f"{day.isoformat()}T{start}",
        "ends_at": f"{day.isoformat()}T{end}",
        "slot_minutes": "20",
        "tables": "4",
        "location": "Hall B",
        "video_link_template": "",
        "breaks": "",
        **extra,
    }


def test_the_organiser_adds_a_session_with_breaks_on_the_events_clock(
    client, organiser, draft_event, clock
):
    login(client, organiser)
    response = client.post(
        url("session_list", slug=draft_event.slug),
        session_form(clock.last_day, "09:00", "11:00", breaks="10:00-10:20 Coffee"),
    )
    assert response.status_code == 302
    session = Session.objects.get(event=draft_event)
    assert session.starts_at == local(clock.last_day, 9)
    assert [(b.starts_at, b.label) for b in session.breaks.all()] == [
        (local(clock.last_day, 10), "Coffee")
    ]
    assert Slot.objects.filter(session=session).count() == 5  # 3 before, 2 after the break
    page = html(client.get(url("session_list", slug=draft_event.slug)))
    assert "10:40–11:00" in page and "Coffee" in page


@pytest.mark.parametrize(
    "start, end, extra, field, message",
    [
        ("11:00", "13:00", {}, "starts_at", "Overlaps the session “Morning”"),
        ("13:00", "14:10", {"slot_minutes": "20"}, "slot_minutes", "do not divide the session"),
        ("13:00", "14:00", {"breaks": "13:10-13:30"}, "slot_minutes", "do not fill"),
        ("13:00", "14:00", {"breaks": "tea at ten"}, "breaks", "Line 1"),
        ("13:00", "14:00", {"breaks": "15:00-15:20"}, "breaks", "outside its session"),
        ("13:00", "14:00", {"tables": "0"}, "tables", "at least 1"),
        ("13:00", "14:00", {"video_link_template": "https://x.org/{room}"}, "video_link_template",
         "Only {slot} and {table}"),
    ],
)  # fmt: skip
def test_bad_sessions_are_form_errors_and_save_nothing(
    client, organiser, session_am, clock, start, end, extra, field, message
):
    event = session_am.event
    login(client, organiser)
    response = client.post(
        url("session_list", slug=event.slug), session_form(clock.first_day, start, end, **extra)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, [])), response.context[
        "form"
    ].errors
    assert Session.objects.filter(event=event).count() == 1
    assert Slot.objects.filter(session__event=event).count() == 8


def test_the_organiser_changes_and_removes_a_session(client, organiser, session_am, clock):
    event = session_am.event
    login(client, organiser)
    edit = url("session_edit", slug=event.slug, pk=session_am.pk)
    initial = client.get(edit).context["form"].initial
    assert initial["breaks"] == "10:20-10:40 Tea"
    response = client.post(
        edit, session_form(clock.first_day, "09:00", "11:00", name="Morning", breaks="")
    )
    assert response.status_code == 302
    assert Slot.objects.filter(session=session_am).count() == 6
    client.post(url("session_remove", slug=event.slug, pk=session_am.pk))
    assert not Session.objects.filter(pk=session_am.pk).exists()


@pytest.mark.parametrize("role", ("participant", "other_staff"))
def test_others_may_not_touch_sessions(client, cast, event, session_am, role, clock):
    login(client, cast(role))
    assert client.get(url("session_list", slug=event.slug)).status_code == 403
    response = client.post(
        url("session_list", slug=event.slug), session_form(clock.last_day, "08:00", "09:00")
    )
    assert response.status_code == 403
    remove = url("session_remove", slug=event.slug, pk=session_am.pk)
    assert client.post(remove).status_code == 403
    assert Session.objects.filter(event=event).count() == 2


# --- Registering ------------------------------------------------------------------------------


def test_a_member_registers_the_organisation_and_themselves(
    client, event, organisation, org_member, profile, session_am
):
    login(client, org_member)
    page = html(client.get(url("register", slug=event.slug)))
    assert profile.reference in page
    response = client.post(
        url("register", slug=event.slug),
        {
            "organisation": organisation.pk,
            "profiles": [profile.pk],
            "note": "Two engineers come.",
            "sessions": [session_am.pk],
            "max_meetings": "3",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event, organisation=organisation)
    assert registration.status == Registration.Status.PENDING
    assert list(registration.profiles.all()) == [profile]
    me = Participant.objects.get(registration=registration)
    assert me.user == org_member and me.max_meetings == 3
    assert list(me.sessions.all()) == [session_am]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"max_meetings": "-1"}, "max_meetings", "Must be at least 0"),
        ({"sessions": []}, "sessions", "This field is required"),
        ({"max_meetings": "999"}, "max_meetings", "Must be at most 200"),
    ],
)
def test_bad_registrations_are_form_errors_and_save_nothing(
    client, event, organisation, org_member, session_am, change, field, message
):
    login(client, org_member)
    data = {"organisation": organisation.pk, "sessions": [session_am.pk], "max_meetings": "3"}
    response = client.post(url("register", slug=event.slug), {**data, **change})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not Registration.objects.exists() and not Participant.objects.exists()


def test_another_organisations_profile_is_refused(
    client, event, organisation, org_member, session_am, organisation_cn, other_member
):
    theirs = profile_create(
        organisation=organisation_cn, by=other_member, kind="technology_request",
        title="Robotic arm wanted", summary="For textiles.", modes=["licence"],
    )  # fmt: skip
    login(client, org_member)
    data = {"organisation": organisation.pk, "sessions": [session_am.pk], "max_meetings": "3",
            "profiles": [theirs.pk]}  # fmt: skip
    response = client.post(url("register", slug=event.slug), data)
    assert response.status_code == 200 and "profiles" in response.context["form"].errors
    assert not Registration.objects.exists()


def test_a_member_of_two_organisations_chooses_which_to_register(
    client, event, organisation, organisation_cn, org_member, session_am
):
    from corridor.accounts.models import OrganisationMembership

    OrganisationMembership.objects.create(
        user=org_member, organisation=organisation_cn, role="admin"
    )
    login(client, org_member)
    page = html(client.get(url("register", slug=event.slug)))
    assert '<select name="organisation"' in page
    assert "Indus Robotics" in page and "Z-Park AI" in page
    response = client.post(
        url("register", slug=event.slug),
        {"organisation": organisation_cn.pk, "sessions": [session_am.pk], "max_meetings": "4"},
    )
    assert response.status_code == 302
    assert Registration.objects.get().organisation == organisation_cn


def test_an_outsider_has_no_organisation_to_register(client, event, outsider):
    login(client, outsider)
    response = client.get(url("register", slug=event.slug))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert "You act for no organisation" in html(response)


def test_registration_before_the_window_opens_is_refused(
    client, organiser, event_fields, organisation, org_member
):
    later = make_event(
        organiser, event_fields, "later",
        registration_opens_at=timezone.now() + datetime.timedelta(days=3),
    )  # fmt: skip
    login(client, org_member)
    response = client.get(url("register", slug=later.slug))
    assert response.context["form"] is None
    assert client.post(url("register", slug=later.slug), {"organisation": organisation.pk})
    assert not Registration.objects.exists()


def test_a_colleague_joins_and_changes_their_participation(
    client, registration, org_admin, session_am, session_pm
):
    event = registration.event
    login(client, org_admin)
    assert url("participation", slug=event.slug) in html(client.get(event.get_absolute_url()))
    response = client.post(
        url("participation", slug=event.slug), {"sessions": [session_pm.pk], "max_meetings": "2"}
    )
    assert response.status_code == 302
    me = Participant.objects.get(user=org_admin)
    assert list(me.sessions.all()) == [session_pm]
    response = client.post(
        url("participation", slug=event.slug), {"sessions": [session_am.pk], "max_meetings": "-4"}
    )
    assert response.status_code == 200
    assert "Must be at least 0" in " ".join(response.context["form"].errors["max_meetings"])
    me.refresh_from_db()
    assert me.max_meetings == 2 and list(me.sessions.all()) == [session_pm]


def test_a_participant_leaves(client, participant, participant_cn, meeting_request):
    event = participant.registration.event
    login(client, participant.user)
    client.post(url("participation", slug=event.slug), {"action": "leave"})
    assert not Participant.objects.filter(pk=participant.pk).exists()


def test_the_organisation_withdraws_its_registration(client, registration, org_member):
    login(client, org_member)
    client.post(url("registration_cancel", slug=registration.event.slug, pk=registration.pk))
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_nobody_else_withdraws_a_registration(client, registration, other_member, organiser):
    for user in (other_member, organiser):
        login(client, user)
        cancel = url("registration_cancel", slug=registration.event.slug, pk=registration.pk)
        response = client.post(cancel)
        assert response.status_code in (302, 404)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.APPROVED


# --- Registrations (organisers) -------------------------------------------------------------


@pytest.fixture
def pending(event, organisation, org_member):
    return services.registration_create(event=event, organisation=organisation, by=org_member)


def test_the_organiser_approves_and_rejects(client, organiser, pending):
    event = pending.event
    login(client, organiser)
    page = html(client.get(url("registrations", slug=event.slug)))
    assert "Indus Robotics" in page and "waiting for approval" in page
    approve = url("registration_decide", slug=event.slug, pk=pending.pk, decision="approve")
    assert client.post(approve).status_code == 302
    pending.refresh_from_db()
    assert pending.status == Registration.Status.APPROVED
    reject = url("registration_decide", slug=event.slug, pk=pending.pk, decision="reject")
    client.post(reject)
    pending.refresh_from_db()
    assert pending.status == Registration.Status.REJECTED
    wrong = url("registration_decide", slug=event.slug, pk=pending.pk, decision="maybe")
    assert client.post(wrong).status_code == 404


def test_a_decision_refused_by_the_service_is_a_message(client, organiser, pending):
    event = pending.event
    login(client, organiser)
    reject = url("registration_decide", slug=event.slug, pk=pending.pk, decision="reject")
    client.post(reject)
    response = client.post(reject, follow=True)  # already rejected
    assert "This registration is rejected." in html(response)


@pytest.mark.parametrize("role, status", [("outsider", 403), ("other_staff", 403),
                                          ("participant", 403)])  # fmt: skip
def test_only_organisers_see_and_decide_registrations(client, cast, pending, role, status):
    event = pending.event
    login(client, cast(role) if role != "participant" else pending.registered_by)
    assert client.get(url("registrations", slug=event.slug)).status_code == status
    approve = url("registration_decide", slug=event.slug, pk=pending.pk, decision="approve")
    assert client.post(approve).status_code == status
    pending.refresh_from_db()
    assert pending.status == Registration.Status.PENDING


def test_registrations_filter_by_status(client, organiser, pending, registration_cn):
    login(client, organiser)
    page = html(client.get(url("registrations", slug=pending.event.slug) + "?status=pending"))
    assert "Indus Robotics" in page and "Z-Park AI" not in page


def test_registrations_queries_do_not_grow(client, organiser, event, session_am):
    login(client, organiser)
    for name in ("Ali", "Bo"):
        person(event, organiser, name, [session_am])
    with CaptureQueriesContext(connection) as few:
        client.get(url("registrations", slug=event.slug))
    for name in ("Chen", "Dina", "Emre", "Fang"):
        person(event, organiser, name, [session_am])
    with CaptureQueriesContext(connection) as many:
        assert (
            html(client.get(url("registrations", slug=event.slug))).count("data-registration=") == 6
        )
    assert len(many) == len(few)


# --- Participants -------------------------------------------------------------------------------


@pytest.fixture
def index_profiles(django_capture_on_commit_callbacks):
    """Profiles published with their indexing run, and a fresh matcher for each test."""
    from corridor.docking.matching import reset_matcher

    reset_matcher()

    def publish(profile, *, by, moderator):
        with django_capture_on_commit_callbacks(execute=True):
            profile_submit(profile=profile, by=by)
            profile_approve(profile=profile, by=moderator)
        profile.refresh_from_db()
        return profile

    yield publish
    reset_matcher()


@pytest.fixture
def cn_request(organisation_cn, other_member, sector, staff_cn, index_profiles):
    """Z-Park AI's anonymous request for a robotic arm, published and indexed."""
    made = profile_create(
        organisation=organisation_cn, by=other_member, kind="technology_request",
        title="寻求纺织厂用的低成本机械臂", summary="我们需要一种能自动分拣布卷的六轴机械臂。",
        keywords=["机器人", "robotics"], trl_min=5, trl_max=8, modes=["licence"],
        target_countries=["PK"], sectors=[sector],
    )  # fmt: skip
    return index_profiles(made, by=other_member, moderator=staff_cn)


@pytest.fixture
def brought(registration_cn, cn_request, registration, profile):
    """Each organisation brings its (anonymous) profile to the event."""
    registration_cn.profiles.set([cn_request])
    registration.profiles.set([profile])
    return cn_request


@pytest.mark.parametrize(
    "role, status",
    [("outsider", 403), ("other_staff", 403), ("participant", 200),
     ("other_participant", 200), ("organiser", 200)],
)  # fmt: skip
def test_participants_are_shown_to_organisers_and_approved_participants(
    client, cast, participant, participant_cn, role, status
):
    login(client, cast(role))
    response = client.get(url("participants", slug=participant.registration.event.slug))
    assert response.status_code == status
    if status == 200:
        page = html(response)
        assert "Indus Robotics" in page and "Z-Park AI" in page


def test_a_visitor_is_sent_to_sign_in_for_participants(client, event):
    response = client.get(url("participants", slug=event.slug))
    assert response.status_code == 302


def test_a_pending_organisation_does_not_browse_participants(client, pending, participant_cn):
    login(client, pending.registered_by)
    assert client.get(url("participants", slug=pending.event.slug)).status_code == 403


def test_participants_never_show_an_anonymous_profiles_organisation(
    client, participant, participant_cn, brought, profile
):
    event = participant.registration.event
    login(client, participant.user)
    page = html(client.get(url("participants", slug=event.slug)))
    cn_row = part(page, f'id="organisation-{participant_cn.registration.pk}"', "</ul>\n    </li>")
    assert "Z-Park AI" in cn_row  # the organisation takes part: public at the event
    assert brought.reference not in cn_row
    anonymous = page[page.index('id="anonymous-heading"') :]
    assert brought.reference in anonymous
    assert "Z-Park AI" not in anonymous
    # The viewer's own anonymous profile: they know whose it is.
    own_row = part(page, f'id="organisation-{participant.registration.pk}"', "</ul>\n    </li>")
    assert profile.reference in own_row


def test_the_organiser_of_the_profiles_country_sees_it_under_its_organisation(
    client, organiser, participant, participant_cn, brought
):
    login(client, organiser)  # staff of Z-Park's authority: they moderate CN profiles
    page = html(client.get(url("participants", slug=participant.registration.event.slug)))
    cn_row = part(page, f'id="organisation-{participant_cn.registration.pk}"', "</ul>\n    </li>")
    assert brought.reference in cn_row


def test_participants_show_the_engines_suggestions_for_this_event(
    client, participant, participant_cn, brought, profile, index_profiles
):
    event = participant.registration.event
    login(client, participant.user)
    page = html(client.get(url("participants", slug=event.slug)))
    suggestions = page[
        page.index('id="suggestions-heading"') : page.index('id="participants-heading"')
    ]
    assert f'data-own="{profile.reference}"' in suggestions
    item = part(suggestions, f'data-reference="{brought.reference}"')
    assert re.search(r"<bdi dir=\"ltr\">\d+%</bdi>", item)
    why = reverse("docking:profile_detail", kwargs={"pk": profile.pk}) + "#matches-heading"
    assert why in item
    assert "Z-Park AI" not in item and "z-park-ai" not in item


def test_suggestions_leave_out_profiles_not_at_the_event(
    client, participant, participant_cn, registration, profile, cn_request
):
    registration.profiles.set([profile])  # Z-Park AI brings nothing
    login(client, participant.user)
    page = html(client.get(url("participants", slug=participant.registration.event.slug)))
    assert cn_request.reference not in page
    assert "No suggestion yet" in page


def test_participants_queries_do_not_grow(client, organiser, participant, participant_cn):
    event = participant.registration.event
    sessions = list(event.sessions.all())
    login(client, participant.user)
    with CaptureQueriesContext(connection) as few:
        client.get(url("participants", slug=event.slug))
    for name in ("Ali", "Bo", "Chen"):
        person(event, organiser, name, sessions, country="CN")
    with CaptureQueriesContext(connection) as many:
        assert html(client.get(url("participants", slug=event.slug))).count('class="person"') == 5
    assert len(many) == len(few)


def test_a_participant_has_a_request_form_for_other_organisations_only(
    client, participant, participant_cn, org_admin, session_am
):
    event = participant.registration.event
    colleague = services.participant_add(
        registration=participant.registration, user=org_admin, by=org_admin, sessions=[session_am]
    )
    login(client, participant.user)
    page = html(client.get(url("participants", slug=event.slug)))
    assert url("request_send", slug=event.slug, pk=participant_cn.pk) in page
    assert url("request_send", slug=event.slug, pk=participant.pk) not in page
    assert url("request_send", slug=event.slug, pk=colleague.pk) not in page


def test_a_participant_requests_a_meeting(client, participant, participant_cn):
    event = participant.registration.event
    login(client, participant.user)
    response = client.post(
        url("request_send", slug=event.slug, pk=participant_cn.pk),
        {"message": "Shall we talk about arms?", "priority": "3"},
    )
    assert response.status_code == 302 and response.url == url("requests", slug=event.slug)
    request = MeetingRequest.objects.get()
    assert (request.requester, request.recipient, request.priority) == (
        participant, participant_cn, 3
    )  # fmt: skip
    page = html(client.get(url("participants", slug=event.slug)))
    assert "You asked for a meeting: pending." in page


@pytest.mark.parametrize(
    "target, data, field, message",
    [
        ("self", {"priority": "1"}, None, "You cannot ask yourself for a meeting."),
        ("other", {"priority": "9"}, "priority", "Select a valid choice"),
        ("other", {"priority": "1", "message": "x" * 1001}, "message", "at most 1000"),
    ],
)
def test_bad_requests_are_form_errors_and_save_nothing(
    client, participant, participant_cn, target, data, field, message
):
    event = participant.registration.event
    recipient = participant if target == "self" else participant_cn
    login(client, participant.user)
    response = client.post(url("request_send", slug=event.slug, pk=recipient.pk), data)
    assert response.status_code == 200
    errors = response.context["form"].errors.get(field or "__all__", [])
    assert message in " ".join(errors), response.context["form"].errors
    assert not MeetingRequest.objects.exists()


def test_a_request_twice_is_a_form_error(client, meeting_request, participant, participant_cn):
    login(client, participant.user)
    event = participant.registration.event
    response = client.post(
        url("request_send", slug=event.slug, pk=participant_cn.pk), {"priority": "1"}
    )
    assert "already asked this person" in html(response)
    assert MeetingRequest.objects.count() == 1


@pytest.mark.parametrize("role", ("organiser", "other_staff", "outsider"))
def test_only_approved_participants_send_requests(client, cast, participant, participant_cn, role):
    login(client, cast(role))
    event = participant.registration.event
    response = client.post(
        url("request_send", slug=event.slug, pk=participant_cn.pk), {"priority": "1"}
    )
    assert response.status_code == 403
    assert not MeetingRequest.objects.exists()


# --- Requests -----------------------------------------------------------------------------------


def test_each_side_sees_its_requests(client, meeting_request, participant, participant_cn):
    event = participant.registration.event
    login(client, participant.user)
    page = html(client.get(url("requests", slug=event.slug)))
    sent = page[page.index('id="sent-heading"') :]
    assert f'data-request="{meeting_request.pk}"' in sent
    assert url("request_answer", slug=event.slug, pk=meeting_request.pk, action="cancel") in sent
    assert (
        url("request_answer", slug=event.slug, pk=meeting_request.pk, action="accept") not in page
    )
    login(client, participant_cn.user)
    page = html(client.get(url("requests", slug=event.slug)))
    received = page[page.index('id="received-heading"') : page.index('id="sent-heading"')]
    assert "Shall we meet?" in received and "Indus Robotics" in received
    assert (
        url("request_answer", slug=event.slug, pk=meeting_request.pk, action="accept") in received
    )


def test_the_recipient_accepts_and_the_requester_cancels(
    client, meeting_request, participant, participant_cn
):
    event = participant.registration.event
    login(client, participant_cn.user)
    client.post(url("request_answer", slug=event.slug, pk=meeting_request.pk, action="accept"))
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.ACCEPTED
    login(client, participant.user)
    client.post(url("request_answer", slug=event.slug, pk=meeting_request.pk, action="cancel"))
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.CANCELLED


def test_the_requester_cannot_accept_their_own_request(client, meeting_request, participant):
    event = participant.registration.event
    login(client, participant.user)
    response = client.post(
        url("request_answer", slug=event.slug, pk=meeting_request.pk, action="accept"),
        follow=True,
    )
    assert "Only the person asked" in html(response)
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.PENDING


@pytest.mark.parametrize("role", ("outsider", "other_staff"))
def test_strangers_do_not_see_or_answer_requests(client, cast, meeting_request, role):
    event = meeting_request.event
    login(client, cast(role))
    assert client.get(url("requests", slug=event.slug)).status_code == 403
    answer = url("request_answer", slug=event.slug, pk=meeting_request.pk, action="decline")
    assert client.post(answer).status_code == 404
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.PENDING


def test_a_third_participant_does_not_see_or_answer_others_requests(
    client, meeting_request, organiser
):
    event = meeting_request.event
    third = person(event, organiser, "Chen", list(event.sessions.all()), country="CN")
    login(client, third.user)
    page = html(client.get(url("requests", slug=event.slug)))
    assert f'data-request="{meeting_request.pk}"' not in page
    answer = url("request_answer", slug=event.slug, pk=meeting_request.pk, action="accept")
    assert client.post(answer).status_code == 404
    meeting_request.refresh_from_db()
    assert meeting_request.status == MeetingRequest.Status.PENDING


def test_the_organiser_sees_all_requests_and_adds_a_meeting(
    client, organiser, meeting_request, participant, participant_cn
):
    event = meeting_request.event
    login(client, organiser)
    page = html(client.get(url("requests", slug=event.slug)))
    assert f'data-request="{meeting_request.pk}"' in page
    response = client.post(
        url("meeting_add", slug=event.slug),
        {"a": participant.pk, "b": participant_cn.pk, "priority": "3"},
    )
    assert response.status_code == 302
    meeting_request.refresh_from_db()  # the pending one is accepted, at the higher priority
    assert (meeting_request.status, meeting_request.priority) == ("accepted", 3)


def test_a_meeting_with_oneself_is_a_form_error(client, organiser, participant, participant_cn):
    event = participant.registration.event
    login(client, organiser)
    response = client.post(
        url("meeting_add", slug=event.slug),
        {"a": participant.pk, "b": participant.pk, "priority": "2"},
    )
    assert response.status_code == 200
    assert "two different people" in " ".join(response.context["add_form"].errors["b"])
    assert not MeetingRequest.objects.exists()


def test_only_organisers_add_meetings(client, participant, participant_cn):
    event = participant.registration.event
    login(client, participant.user)
    response = client.post(
        url("meeting_add", slug=event.slug),
        {"a": participant.pk, "b": participant_cn.pk, "priority": "2"},
    )
    assert response.status_code == 403
    assert not MeetingRequest.objects.exists()


def test_organiser_requests_queries_do_not_grow(client, organiser, participant, participant_cn):
    event = participant.registration.event
    sessions = list(event.sessions.all())
    services.request_send(requester=participant, recipient=participant_cn, by=participant.user)
    login(client, organiser)
    with CaptureQueriesContext(connection) as few:
        client.get(url("requests", slug=event.slug))
    for name in ("Ali", "Bo", "Chen"):
        other = person(event, organiser, name, sessions, country="CN")
        services.request_send(requester=participant, recipient=other, by=participant.user)
    with CaptureQueriesContext(connection) as many:
        assert html(client.get(url("requests", slug=event.slug))).count("<tr data-request=") == 4
    assert len(many) == len(few)


# --- Languages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, title, direction", [
    ("zh-hans", "中巴机器人论坛", "ltr"), ("ur", "پاکستان چین روبوٹکس فورم", "rtl"),
])  # fmt: skip
def test_pages_render_in_chinese_and_urdu(
    client, organiser, participant, participant_cn, meeting_request, lang, title, direction
):
    event = participant.registration.event
    for user, names in (
        (None, ("event_list", "event_detail")),
        (participant.user, ("event_detail", "participants", "requests", "participation")),
        (organiser, ("event_detail", "registrations", "session_list", "event_edit", "schedule")),
    ):
        client.logout()
        login(client, user)
        for name in names:
            kwargs = {} if name == "event_list" else {"slug": event.slug}
            response = client.get(url(name, lang=lang, **kwargs))
            assert response.status_code == 200, (name, lang)
            page = html(response)
            assert f'dir="{direction}"' in page.split(">", 2)[1] + ">"
            assert f'lang="{lang}"' in page
            if name in ("event_list", "event_detail"):
                assert title in page
