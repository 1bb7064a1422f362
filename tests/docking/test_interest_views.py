"""The expression-of-interest pages: the introductions inbox, one interest, sending, answering,
withdrawing, and the staff's reveal approvals.

Every page per role (the profile's member, the sender's member, an outsider, a visitor,
brokering staff of each side, staff of an unrelated authority, a platform admin), each
transition through the pages, bad input, and the reveal rule in the page source: the
sender's side reads nothing that names the profile's organisation until the owner accepts.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.docking.models import Interest, RevealApproval
from corridor.docking.services import profile_create
from corridor.docking.services.interest import interest_accept, interest_decline, interest_send

from ..factories import AuthorityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

Status = Interest.Status
Reveal = Interest.Reveal
MESSAGE = "We make textile machinery in Beijing and would like to license your robotic arm."


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(f"docking:{name}", kwargs=kwargs or None)


def html(response) -> str:
    return response.content.decode()


def rows(response) -> list[str]:
    return re.findall(r'<tr data-reference="(EI-\d+)"', html(response))


def login(client, user):
    client.force_login(user)
    return client


def owner_secrets(organisation) -> list[str]:
    """Everything that names the profile's (Pakistani) organisation."""
    return [
        organisation.name,
        organisation.slug,
        organisation.city,
        organisation.website,
        organisation.website.split("//")[1],
    ]


@pytest.fixture
def owner(organisation):
    """The profile's organisation, with everything that could name it filled in."""
    organisation.website = "https://indus-robotics.example.pk"
    organisation.city = "Rawalpindi"
    organisation.save()
    return organisation


@pytest.fixture
def sender(organisation_cn):
    organisation_cn.website = "https://z-park-ai.example.cn"
    organisation_cn.city = "Haidian"
    organisation_cn.save()
    return organisation_cn


@pytest.fixture
def sender_contact(other_member):
    other_member.first_name, other_member.last_name = "Li", "Wei"
    other_member.email = "li.wei@z-park-ai.example.cn"
    other_member.save()
    return other_member


@pytest.fixture
def owner_contact(org_member):
    org_member.first_name, org_member.last_name = "Ayesha", "Khan"
    org_member.email = "ayesha.khan@indus-robotics.example.pk"
    org_member.save()
    return org_member


@pytest.fixture
def interest(published, owner, sender, sender_contact, owner_contact):
    return interest_send(
        profile=published, organisation=sender, by=sender_contact, message=MESSAGE, language="en"
    )


@pytest.fixture
def staff_other(db):
    """Staff of an authority that neither side belongs to."""
    authority = AuthorityFactory(code="elsewhere", name_en="Elsewhere Authority", country="AE")
    user = UserFactory(username="staff_other")
    AuthorityStaff.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def approval_needed(authority_pk):
    authority_pk.reveal_needs_approval = True
    authority_pk.save()
    return authority_pk


# --- One interest, per role ---------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("org_member", 200),
        ("other_member", 200),
        ("staff_pk", 200),
        ("staff_cn", 200),
        ("platform_admin", 200),
        ("outsider", 404),
        ("staff_other", 404),
    ],
)
def test_interest_page_is_read_by_parties_and_brokers_only(client, request, interest, who, status):
    login(client, request.getfixturevalue(who))
    assert client.get(url("interest_detail", pk=interest.pk)).status_code == status


def test_visitor_is_sent_to_sign_in(client, interest):
    response = client.get(url("interest_detail", pk=interest.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "login" in response["Location"]


def test_unknown_interest_is_404(client, org_member, interest):
    login(client, org_member)
    assert client.get(url("interest_detail", pk=interest.pk + 1000)).status_code == 404


def test_owner_sees_message_and_answer_forms(client, interest, org_member):
    page = html(login(client, org_member).get(url("interest_detail", pk=interest.pk)))
    assert MESSAGE in page
    assert 'lang="en"' in page
    assert url("interest_accept", pk=interest.pk) in page
    assert url("interest_decline", pk=interest.pk) in page
    assert url("interest_withdraw", pk=interest.pk) not in page
    assert "Z-Park AI" in page  # the owner knows who approached it


def test_sender_sees_withdraw_only(client, interest, other_member):
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert url("interest_withdraw", pk=interest.pk) in page
    assert url("interest_accept", pk=interest.pk) not in page
    assert url("interest_decline", pk=interest.pk) not in page
    assert "Their identity is revealed when they accept." in page


@pytest.mark.parametrize("who", ["staff_pk", "staff_cn", "platform_admin"])
def test_brokers_read_without_any_action_form(client, request, interest, who):
    page = html(
        login(client, request.getfixturevalue(who)).get(url("interest_detail", pk=interest.pk))
    )
    assert MESSAGE in page
    for action in ("interest_accept", "interest_decline", "interest_withdraw"):
        assert url(action, pk=interest.pk) not in page
    assert "as authority staff" in page


# --- The reveal in the page source --------------------------------------------------------


def test_sender_side_page_source_names_no_owner_before_acceptance(
    client, interest, owner, other_member
):
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    inbox = html(client.get(url("introductions") + "?box=sent"))
    for secret in owner_secrets(owner):
        assert secret not in page
        assert secret not in inbox
    assert f"Anonymous organisation ({interest.profile.reference})" in inbox


def test_owner_sees_no_sender_contacts_before_acceptance(
    client, interest, org_member, sender_contact
):
    page = html(login(client, org_member).get(url("interest_detail", pk=interest.pk)))
    assert sender_contact.email not in page
    assert "Li Wei" not in page


def test_both_sides_see_each_other_after_acceptance(
    client, interest, owner, sender, org_member, other_member, owner_contact, sender_contact
):
    interest_accept(interest=interest, by=org_member)
    sender_page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    for secret in owner_secrets(owner):
        assert secret in sender_page
    assert owner_contact.email in sender_page
    assert owner.name in html(client.get(url("introductions") + "?box=sent"))
    owner_page = html(login(client, org_member).get(url("interest_detail", pk=interest.pk)))
    assert sender_contact.email in owner_page


def test_awaiting_approval_keeps_identity_hidden(
    client, approval_needed, interest, owner, org_member, other_member
):
    interest_accept(interest=interest, by=org_member)
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert "awaiting approval by authority staff" in page
    for secret in owner_secrets(owner):
        assert secret not in page


def test_open_introduction_shows_thread_meetings_and_agreements(
    client, interest, org_member, other_member, staff_cn
):
    closed = html(login(client, org_member).get(url("interest_detail", pk=interest.pk)))
    assert 'id="thread"' not in closed and 'id="meetings"' not in closed
    interest_accept(interest=interest, by=org_member)
    for user in (org_member, other_member, staff_cn):
        page = html(login(client, user).get(url("interest_detail", pk=interest.pk)))
        for part in ('id="thread"', 'id="meetings"', 'id="agreements"'):
            assert part in page


def test_named_profile_shows_its_organisation_but_no_contacts_before_acceptance(
    client, interest, owner, owner_contact, other_member
):
    type(interest.profile).objects.filter(pk=interest.profile_id).update(is_anonymous=False)
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert owner.name in page
    assert owner_contact.email not in page
    assert "Their named contacts are shown when they accept." in page


def test_brokers_see_both_sides_and_the_approvals(
    client, approval_needed, interest, owner, sender, org_member, staff_cn
):
    interest_accept(interest=interest, by=org_member)
    page = html(login(client, staff_cn).get(url("interest_detail", pk=interest.pk)))
    # Still waiting for the Pakistani staff's approval: the Chinese staff know their own side only.
    assert sender.name in page and owner.name not in page
    assert "Special Technology Zones Authority" in page
    assert "badge--pending" in page


# --- Transitions through the pages ----------------------------------------------------------


def test_owner_accepts_through_the_page(client, interest, org_member):
    response = login(client, org_member).post(url("interest_accept", pk=interest.pk))
    assert response.status_code == 302
    assert response["Location"] == url("interest_detail", pk=interest.pk)
    interest.refresh_from_db()
    assert (interest.status, interest.reveal) == (Status.ACCEPTED, Reveal.REVEALED)


def test_second_accept_is_a_message_not_an_error(client, interest, org_member):
    login(client, org_member).post(url("interest_accept", pk=interest.pk))
    response = client.post(url("interest_accept", pk=interest.pk), follow=True)
    assert response.status_code == 200
    assert "already been answered" in html(response)
    assert Interest.objects.filter(status=Status.ACCEPTED).count() == 1


def test_owner_declines_with_reason_and_note(client, interest, org_member, other_member):
    response = login(client, org_member).post(
        url("interest_decline", pk=interest.pk),
        {"reason": "too_early", "note": "Indus Robotics is not ready yet."},
    )
    assert response.status_code == 302
    interest.refresh_from_db()
    assert (interest.status, interest.decline_reason) == (Status.DECLINED, "too_early")
    # The sender reads the reason, not the note (which may name the owner).
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert "too early stage" in page
    assert "not ready yet" not in page


def test_sender_withdraws_through_the_page(client, interest, other_member):
    response = login(client, other_member).post(url("interest_withdraw", pk=interest.pk))
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.status == Status.WITHDRAWN


@pytest.mark.parametrize(
    "who, action",
    [
        ("other_member", "interest_accept"),
        ("other_member", "interest_decline"),
        ("org_member", "interest_withdraw"),
        ("staff_pk", "interest_accept"),
        ("staff_cn", "interest_withdraw"),
        ("platform_admin", "interest_decline"),
    ],
)
def test_wrong_side_gets_a_message_and_nothing_changes(client, request, interest, who, action):
    login(client, request.getfixturevalue(who))
    response = client.post(url(action, pk=interest.pk), {"reason": ""}, follow=True)
    assert response.status_code == 200
    assert 'class="message message--error"' in html(response)
    interest.refresh_from_db()
    assert interest.status == Status.SENT


@pytest.mark.parametrize("action", ["interest_accept", "interest_decline", "interest_withdraw"])
def test_outsiders_posting_get_404(client, interest, outsider, staff_other, action):
    for user in (outsider, staff_other):
        assert login(client, user).post(url(action, pk=interest.pk)).status_code == 404
    interest.refresh_from_db()
    assert interest.status == Status.SENT


@pytest.mark.parametrize("action", ["interest_accept", "interest_decline", "interest_withdraw"])
def test_actions_refuse_get(client, interest, org_member, action):
    assert login(client, org_member).get(url(action, pk=interest.pk)).status_code == 405


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "bored"},
        {"reason": "not_relevant", "note": "bad\x00note"},
        {"reason": "other", "note": "x" * 1001},
    ],
)
def test_bad_decline_is_a_form_error_and_changes_nothing(client, interest, org_member, data):
    response = login(client, org_member).post(url("interest_decline", pk=interest.pk), data)
    assert response.status_code == 200
    assert 'class="error"' in html(response)
    interest.refresh_from_db()
    assert interest.status == Status.SENT


def test_answering_an_expired_interest_is_a_message(client, interest, org_member):
    Interest.objects.filter(pk=interest.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    response = login(client, org_member).post(url("interest_accept", pk=interest.pk), follow=True)
    assert "has expired" in html(response)
    interest.refresh_from_db()
    assert interest.status == Status.SENT


# --- Sending an interest ---------------------------------------------------------------------


def test_profile_page_offers_interest_to_other_organisations_only(
    client, published, other_member, org_member, outsider
):
    create = url("interest_create", pk=published.pk)
    detail = url("profile_detail", pk=published.pk)
    assert create in html(login(client, other_member).get(detail))
    assert create not in html(login(client, org_member).get(detail))
    assert create not in html(login(client, outsider).get(detail))
    client.logout()
    assert create not in html(client.get(detail))


def test_profile_page_links_to_the_open_interest_instead(client, interest, other_member):
    page = html(login(client, other_member).get(url("profile_detail", pk=interest.profile_id)))
    assert url("interest_detail", pk=interest.pk) in page
    assert url("interest_create", pk=interest.profile_id) not in page


def test_send_interest_through_the_form(client, published, sender, other_member, org_member):
    login(client, other_member)
    page = html(client.get(url("interest_create", pk=published.pk)))
    assert 'name="message"' in page
    assert 'name="organisation"' not in page  # one organisation: nothing to choose
    response = client.post(url("interest_create", pk=published.pk), {"message": MESSAGE})
    interest = Interest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("interest_detail", pk=interest.pk)
    assert (interest.organisation, interest.sent_by, interest.language) == (
        sender,
        other_member,
        "en",
    )
    # A second visit goes to the open interest, not to a second form.
    again = client.get(url("interest_create", pk=published.pk))
    assert again["Location"] == url("interest_detail", pk=interest.pk)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "hello\x00there"}, "message"),
        ({"message": "x" * 4001}, "message"),
        ({"message": MESSAGE, "language": "fr"}, "language"),
    ],
)
def test_bad_interest_is_a_form_error_and_nothing_is_saved(
    client, published, other_member, data, field
):
    response = login(client, other_member).post(url("interest_create", pk=published.pk), data)
    assert response.status_code == 200
    assert 'class="field field--error"' in html(response)
    assert not Interest.objects.exists()


def test_member_of_two_organisations_chooses_and_names_a_related_profile(
    client, published, sender, other_member, zone_cn, publish
):
    second = OrganisationFactory(
        slug="beijing-looms", name="Beijing Looms", country="CN", zone=zone_cn
    )
    OrganisationMembership.objects.create(user=other_member, organisation=second, role="member")
    related = publish(
        profile_create(
            organisation=second,
            by=other_member,
            kind="technology_request",
            title="寻求机械臂",
            summary="纺织厂用的机械臂。",
        ),  # fmt: skip
        by=other_member,
    )
    login(client, other_member)
    page = html(client.get(url("interest_create", pk=published.pk)))
    assert 'name="organisation"' in page and 'name="sender_profile"' in page
    # A profile of the other organisation than the one sending is refused.
    response = client.post(
        url("interest_create", pk=published.pk),
        {"organisation": sender.pk, "message": MESSAGE, "sender_profile": related.pk},
    )
    assert response.status_code == 200 and not Interest.objects.exists()
    client.post(
        url("interest_create", pk=published.pk),
        {"organisation": second.pk, "message": MESSAGE, "sender_profile": related.pk},
    )
    interest = Interest.objects.get()
    assert (interest.organisation, interest.sender_profile) == (second, related)


def test_organisation_not_acted_for_is_a_form_error(client, published, other_member, zone_cn):
    stranger = OrganisationFactory(slug="stranger", name="Stranger", country="CN", zone=zone_cn)
    second = OrganisationFactory(slug="second", name="Second", country="CN", zone=zone_cn)
    OrganisationMembership.objects.create(user=other_member, organisation=second, role="member")
    response = login(client, other_member).post(
        url("interest_create", pk=published.pk),
        {"organisation": stranger.pk, "message": MESSAGE},
    )
    assert response.status_code == 200
    assert not Interest.objects.exists()


def test_owner_and_outsider_cannot_open_the_form(client, published, org_member, outsider):
    for user in (org_member, outsider):
        response = login(client, user).get(url("interest_create", pk=published.pk))
        assert response.status_code == 302
        assert response["Location"] == url("profile_detail", pk=published.pk)


def test_form_for_an_unpublished_profile_is_404(client, draft, other_member):
    assert login(client, other_member).get(url("interest_create", pk=draft.pk)).status_code == 404
    assert client.post(url("interest_create", pk=draft.pk), {"message": MESSAGE}).status_code == 404


def test_visitor_is_sent_to_sign_in_from_the_form(client, published):
    response = client.get(url("interest_create", pk=published.pk))
    assert response.status_code == 302 and "login" in response["Location"]


# --- The inbox --------------------------------------------------------------------------------


def test_inbox_has_received_and_sent_boxes(client, interest, org_member, other_member):
    login(client, org_member)
    assert rows(client.get(url("introductions"))) == [interest.reference]
    assert rows(client.get(url("introductions") + "?box=sent")) == []
    login(client, other_member)
    assert rows(client.get(url("introductions"))) == []
    sent = client.get(url("introductions") + "?box=sent")
    assert rows(sent) == [interest.reference]
    assert "expires in 21 days" in html(sent)


def test_inbox_filters_by_status(client, interest, org_member):
    login(client, org_member)
    assert rows(client.get(url("introductions") + "?status=sent")) == [interest.reference]
    assert rows(client.get(url("introductions") + "?status=declined")) == []
    interest_decline(interest=interest, by=org_member, reason="other")
    assert rows(client.get(url("introductions") + "?status=declined")) == [interest.reference]


@pytest.mark.parametrize("query", ["?box=trash", "?status=lost", "?box=sent&status=%00"])
def test_inbox_bad_filters_are_a_notice(client, interest, org_member, query):
    response = login(client, org_member).get(url("introductions") + query)
    assert response.status_code == 200
    assert "not valid" in html(response)
    assert rows(response) == []


def test_inbox_for_someone_without_organisation_is_empty(client, outsider, interest):
    response = login(client, outsider).get(url("introductions"))
    assert response.status_code == 200 and rows(response) == []


def test_inbox_visitor_is_sent_to_sign_in(client):
    assert client.get(url("introductions")).status_code == 302


@pytest.fixture
def many_interests(published, org_member, other_member, zone_cn, owner):
    """Six Chinese organisations approach the profile; two are accepted (one revealed)."""
    organisations = []
    for n in range(6):
        organisation = OrganisationFactory(
            slug=f"cn-{n}", name=f"CN {n}", country="CN", zone=zone_cn
        )
        OrganisationMembership.objects.create(user=other_member, organisation=organisation)
        organisations.append(organisation)
    sender = type(other_member).objects.get(pk=other_member.pk)  # no cached memberships
    made = [
        interest_send(
            profile=published,
            organisation=organisation,
            by=sender,
            message=f"{MESSAGE} ({n})",
            language="en",
        )  # fmt: skip
        for n, organisation in enumerate(organisations)
    ]
    for interest in made[:2]:
        interest_accept(interest=interest, by=org_member)
    return made


def _queries(client, address) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    return len(queries), rows(response)


def test_inbox_queries_do_not_grow_with_rows(
    client, many_interests, org_member, other_member, django_assert_max_num_queries
):
    login(client, org_member)
    with django_assert_max_num_queries(20):
        received = client.get(url("introductions"))
    assert len(rows(received)) == 6
    login(client, other_member)
    with django_assert_max_num_queries(20):
        sent = client.get(url("introductions") + "?box=sent")
    assert len(rows(sent)) == 6
    # Six rows (two revealed) or the four still unanswered: the same number of queries.
    six, _ = _queries(client, url("introductions") + "?box=sent")
    four, shown = _queries(client, url("introductions") + "?box=sent&status=sent")
    assert len(shown) == 4 and six == four


# --- Reveal approvals -------------------------------------------------------------------------


@pytest.fixture
def awaiting(approval_needed, interest, org_member):
    interest_accept(interest=interest, by=org_member)
    interest.refresh_from_db()
    assert interest.reveal == Reveal.AWAITING_APPROVAL
    return RevealApproval.objects.get(interest=interest)


def test_staff_queue_lists_reveals_waiting_for_their_authority(
    client, awaiting, staff_pk, staff_cn, platform_admin
):
    page = html(login(client, staff_pk).get(url("reveal_approvals")))
    assert awaiting.interest.reference in page
    assert url("reveal_approve", pk=awaiting.pk) in page
    assert awaiting.interest.reference not in html(
        login(client, staff_cn).get(url("reveal_approvals"))
    )
    assert awaiting.interest.reference in html(
        login(client, platform_admin).get(url("reveal_approvals"))
    )


@pytest.mark.parametrize("who", ["org_member", "other_member", "outsider"])
def test_non_staff_are_refused_the_queue_as_for_moderation(client, request, who):
    login(client, request.getfixturevalue(who))
    assert client.get(url("reveal_approvals")).status_code == 403
    assert client.get(url("moderation_queue")).status_code == 403


def test_staff_approve_the_reveal(client, awaiting, staff_pk, other_member, owner):
    response = login(client, staff_pk).post(url("reveal_approve", pk=awaiting.pk))
    assert response.status_code == 302
    interest = Interest.objects.get(pk=awaiting.interest_id)
    assert interest.reveal == Reveal.REVEALED
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert owner.name in page


def test_staff_refuse_the_reveal(client, awaiting, staff_pk, other_member, owner):
    login(client, staff_pk).post(url("reveal_refuse", pk=awaiting.pk), {"note": "Not now."})
    interest = Interest.objects.get(pk=awaiting.interest_id)
    assert interest.reveal == Reveal.REFUSED
    page = html(login(client, other_member).get(url("interest_detail", pk=interest.pk)))
    assert "refused" in page
    assert owner.name not in page


def test_bad_refusal_note_changes_nothing(client, awaiting, staff_pk):
    response = login(client, staff_pk).post(
        url("reveal_refuse", pk=awaiting.pk), {"note": "a\x00b"}, follow=True
    )
    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.decision == RevealApproval.Decision.PENDING


def test_staff_of_the_other_side_cannot_decide(client, awaiting, staff_cn):
    response = login(client, staff_cn).post(url("reveal_approve", pk=awaiting.pk), follow=True)
    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.decision == RevealApproval.Decision.PENDING


@pytest.mark.parametrize("who", ["outsider", "staff_other"])
def test_strangers_deciding_get_404(client, request, awaiting, who):
    login(client, request.getfixturevalue(who))
    assert client.post(url("reveal_approve", pk=awaiting.pk)).status_code == 404
    assert client.post(url("reveal_refuse", pk=awaiting.pk)).status_code == 404


def test_parties_deciding_get_a_message(client, awaiting, org_member):
    response = login(client, org_member).post(url("reveal_approve", pk=awaiting.pk), follow=True)
    assert response.status_code == 200
    awaiting.refresh_from_db()
    assert awaiting.decision == RevealApproval.Decision.PENDING


# --- Languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, marker",
    [("zh-hans", '<html lang="zh-hans" dir="ltr">'), ("ur", '<html lang="ur" dir="rtl">')],
)
def test_pages_render_in_chinese_and_urdu(client, interest, org_member, other_member, lang, marker):
    login(client, org_member)
    for page in (
        client.get(url("interest_detail", lang, pk=interest.pk)),
        client.get(url("introductions", lang)),
    ):
        assert page.status_code == 200
        assert marker in html(page)
    login(client, other_member)
    form = client.get(url("interest_create", lang, pk=interest.profile_id))
    assert form.status_code == 302  # an open interest already: its page
    page = client.get(url("interest_detail", lang, pk=interest.pk))
    assert marker in html(page)
