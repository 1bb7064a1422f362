"""Who sees which event, registration, participant and request."""

import pytest
from django.http import Http404

from corridor.accounts.models import OrganisationMembership
from corridor.core.models import Notification
from corridor.core.notifications import KINDS, MISSING, render
from corridor.events import selectors, services
from corridor.events.notices import event_data

from ..factories import OrganisationFactory, UserFactory


def test_drafts_are_seen_by_their_organisers_only(
    draft_event, organiser, platform_admin, staff_pk, outsider
):
    assert list(selectors.events_visible_to(organiser)) == [draft_event]
    assert list(selectors.events_visible_to(platform_admin)) == [draft_event]
    for user in (staff_pk, outsider, None):
        assert not selectors.events_visible_to(user).exists()
    with pytest.raises(Http404):
        selectors.event_for(staff_pk, draft_event.slug)
    assert selectors.event_for(organiser, draft_event.slug) == draft_event


def test_published_and_cancelled_events_are_public(event, organiser, outsider):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.event_for(AnonymousUser(), event.slug) == event
    services.event_cancel(event=event, by=organiser)
    assert selectors.event_for(outsider, event.slug) == event
    with pytest.raises(Http404):
        selectors.event_for(outsider, "no-such-event")


def test_registrations_of_an_event_per_reader(
    registration, registration_cn, organiser, org_member, other_member, outsider
):
    assert set(selectors.registrations_of(registration.event, organiser)) == {
        registration,
        registration_cn,
    }
    assert list(selectors.registrations_of(registration.event, org_member)) == [registration]
    assert list(selectors.registrations_of(registration.event, other_member)) == [registration_cn]
    assert not selectors.registrations_of(registration.event, outsider).exists()


def test_participants_of_are_the_approved_ones_without_n_plus_one(
    event, participant, participant_cn, organiser, session_am, django_assert_num_queries, profile
):
    registration = participant.registration
    registration.profiles.set([profile])

    def read():
        rows = list(selectors.participants_of(event))
        for p in rows:
            (p.user.username, p.registration.organisation.name, list(p.sessions.all()),
             [x.title for x in p.registration.profiles.all()])  # fmt: skip
        return rows

    with django_assert_num_queries(3):
        rows = read()
    assert {p.pk for p in rows} == {participant.pk, participant_cn.pk}
    # More people, the same number of queries.
    for n in range(3):
        org = OrganisationFactory(slug=f"org-extra-{n}", country="CN")
        user = UserFactory(username=f"extra{n}")
        OrganisationMembership.objects.create(user=user, organisation=org, role="member")
        made = services.registration_create(event=event, organisation=org, by=user)
        services.registration_approve(registration=made, by=organiser)
        services.participant_add(registration=made, user=user, by=user, sessions=[session_am])
    with django_assert_num_queries(3):
        assert len(read()) == 5
    services.registration_reject(registration=registration, by=organiser)
    assert participant.pk not in {p.pk for p in selectors.participants_of(event)}


def test_participant_for(participant, org_member, other_member, event, outsider):
    assert selectors.participant_for(org_member, event) == participant
    assert selectors.participant_for(outsider, event) is None
    assert selectors.participant_for(other_member, event) is None  # not named yet
    services.registration_cancel(registration=participant.registration, by=org_member)
    assert selectors.participant_for(org_member, event) is None


def test_requests_for_a_participant(
    meeting_request, participant, participant_cn, event, django_assert_num_queries
):
    mine = selectors.requests_for(participant)
    theirs = selectors.requests_for(participant_cn)
    assert list(mine.sent) == [meeting_request] and not mine.received.exists()
    assert list(theirs.received) == [meeting_request] and not theirs.sent.exists()
    with django_assert_num_queries(1):
        rows = list(selectors.organiser_requests(event))
        assert rows[0].recipient.registration.organisation.name == "Z-Park AI"
        assert rows[0].requester.user.username == "org_member"


# --- Notification kinds -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ur"])
def test_every_event_notification_reads_in_every_language(event, org_member, language):
    data = {**event_data(event), "organisation": "Z-Park AI", "person": "Li Wei",
            "meetings": "12", "starts": "2030-01-02T01:00:00+00:00"}  # fmt: skip
    codes = [code for code in KINDS if code.startswith("event.")]
    assert {
        "event.request_received", "event.request_accepted", "event.request_declined",
        "event.registration_approved", "event.registration_rejected", "event.schedule_published",
        "event.meeting_changed", "event.meeting_added",
    } <= set(codes)  # fmt: skip
    for code in codes:
        rendered = render(Notification(user=org_member, kind=code, data=data), language=language)
        assert MISSING not in rendered.subject + rendered.body, code
        assert "%(" not in rendered.subject + rendered.body, code
    if language == "zh-hans":
        rendered = render(Notification(user=org_member, kind="event.schedule_published", data=data),
                          language=language)  # fmt: skip
        assert "中巴机器人论坛" in rendered.body
