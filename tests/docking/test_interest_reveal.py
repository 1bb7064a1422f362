"""The consent-based identity reveal: at once, or after the authorities' staff approve;
what each side may know of the other before and after; the audit trail."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation

from corridor.core.models import AuditEntry
from corridor.docking.models import CooperationProfile, Interest, RevealApproval
from corridor.docking.selectors import profile_views, public_profile_view
from corridor.docking.selectors.interest import (
    counterpart,
    is_open_for_introduction,
    reveal_approvals_pending,
    sides,
)
from corridor.docking.services.interest import (
    interest_accept,
    interest_withdraw,
    reveal_approve,
    reveal_refuse,
)

from ..api_client import send
from ..factories import OrganisationFactory, UserFactory
from .interest_cast import *  # noqa: F403
from .interest_cast import audit_verbs, kinds_for, leaks, notifications_of, owner_identity, snapshot

Reveal = Interest.Reveal
Decision = RevealApproval.Decision


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def needs_approval_cn(authority_cn):
    authority_cn.reveal_needs_approval = True
    authority_cn.save(update_fields=["reveal_needs_approval"])
    return authority_cn


@pytest.fixture
def accepted(sent, cast):
    interest_accept(interest=sent, by=cast["owner_admin"])
    sent.refresh_from_db()
    return sent


@pytest.fixture
def awaiting(needs_approval_pk, accepted):
    assert accepted.reveal == Reveal.AWAITING_APPROVAL
    return accepted


def approval_of(interest, authority) -> RevealApproval:
    return RevealApproval.objects.select_related("interest", "authority").get(
        interest=interest, authority=authority
    )


# --- At once ------------------------------------------------------------------------------


def test_without_an_approving_authority_acceptance_reveals_at_once(
    cast, sent, owner_org, sender_org
):
    moment = timezone.now()
    interest_accept(interest=sent, by=cast["owner_member"], now=moment)
    sent.refresh_from_db()
    assert sent.reveal == Reveal.REVEALED and sent.revealed_at == moment
    assert is_open_for_introduction(sent)
    assert not RevealApproval.objects.exists()
    entry = AuditEntry.objects.get(verb="interest.reveal")
    assert entry.actor == cast["owner_member"]
    assert entry.at is not None  # when
    assert entry.data == {
        "owner_organisation": owner_org.pk,
        "sender_organisation": sender_org.pk,
        "accepted_by": cast["owner_member"].pk,
        "approved_by": [],
        "revealed_at": moment.isoformat(),
    }


def test_an_authority_of_neither_side_asks_nothing(cast, sent, third_staff):
    from corridor.registry.models import Authority

    Authority.objects.filter(code="third").update(reveal_needs_approval=True)
    interest_accept(interest=sent, by=cast["owner_member"])
    sent.refresh_from_db()
    assert sent.reveal == Reveal.REVEALED


# --- With staff approval ----------------------------------------------------------------------


def test_an_approving_authority_holds_the_reveal_and_tells_its_staff(cast, awaiting, authority_pk):
    approval = approval_of(awaiting, authority_pk)
    assert approval.decision == Decision.PENDING
    assert awaiting.revealed_at is None and not is_open_for_introduction(awaiting)
    assert kinds_for(cast["staff_pk"]) == ["reveal.awaiting"]
    (note,) = notifications_of(cast["staff_pk"])
    assert note.data == {"interest": awaiting.reference, "profile": awaiting.profile.reference}
    assert note.key == f"interest:{awaiting.pk}:reveal_awaiting:{authority_pk.pk}"
    for who in ("staff_cn", "third_staff"):
        assert kinds_for(cast[who]) == []
    assert "reveal.done" not in kinds_for(cast["sender_member"])
    assert "reveal.done" not in kinds_for(cast["owner_member"])
    assert "interest.reveal" not in audit_verbs(awaiting)


@pytest.mark.parametrize("who", ["staff_pk", "platform_admin"])
def test_staff_of_the_authority_asked_approve_and_the_reveal_happens(
    who, cast, platform_admin, awaiting, authority_pk, owner_org, sender_org
):
    user = {**cast, "platform_admin": platform_admin}[who]
    moment = timezone.now()
    approval = reveal_approve(approval=approval_of(awaiting, authority_pk), by=user, now=moment)
    assert approval.decision == Decision.APPROVED and approval.decided_by == user
    awaiting.refresh_from_db()
    assert awaiting.reveal == Reveal.REVEALED and awaiting.revealed_at == moment
    entry = AuditEntry.objects.get(verb="interest.reveal")
    assert entry.actor == user
    assert entry.data["approved_by"] == [{"authority": authority_pk.pk, "user": user.pk}]
    assert entry.data["accepted_by"] == cast["owner_admin"].pk
    assert (entry.data["owner_organisation"], entry.data["sender_organisation"]) == (
        owner_org.pk,
        sender_org.pk,
    )
    assert "interest.reveal_approve" in audit_verbs(awaiting)
    (done,) = [n for n in notifications_of(cast["sender_admin"]) if n.kind == "reveal.done"]
    assert done.data["organisation"] == owner_org.name


@pytest.mark.parametrize(
    "who",
    ["staff_cn", "third_staff", "owner_admin", "owner_member", "sender_member", "outsider"],
)
@pytest.mark.parametrize("decision", ["approve", "refuse"])
def test_nobody_else_decides_a_reveal(who, decision, cast, outsider, awaiting, authority_pk):
    user = {**cast, "outsider": outsider}[who]
    approval = approval_of(awaiting, authority_pk)
    before = snapshot(awaiting)
    with pytest.raises(PermissionDenied):
        if decision == "approve":
            reveal_approve(approval=approval, by=user)
        else:
            reveal_refuse(approval=approval, by=user)
    assert snapshot(awaiting) == before
    assert approval_of(awaiting, authority_pk).decision == Decision.PENDING


def test_anonymous_decides_nothing(awaiting, authority_pk):
    with pytest.raises(PermissionDenied):
        reveal_approve(approval=approval_of(awaiting, authority_pk), by=AnonymousUser())


def test_when_both_authorities_ask_both_must_approve(
    cast, needs_approval_pk, needs_approval_cn, accepted, authority_pk, authority_cn
):
    assert accepted.reveal == Reveal.AWAITING_APPROVAL
    assert RevealApproval.objects.filter(interest=accepted).count() == 2
    assert kinds_for(cast["staff_cn"]) == ["reveal.awaiting"]
    reveal_approve(approval=approval_of(accepted, authority_cn), by=cast["staff_cn"])
    accepted.refresh_from_db()
    assert accepted.reveal == Reveal.AWAITING_APPROVAL
    assert "reveal.done" not in kinds_for(cast["sender_member"])
    reveal_approve(approval=approval_of(accepted, authority_pk), by=cast["staff_pk"])
    accepted.refresh_from_db()
    assert accepted.reveal == Reveal.REVEALED
    entry = AuditEntry.objects.get(verb="interest.reveal")
    assert sorted(a["user"] for a in entry.data["approved_by"]) == sorted(
        [cast["staff_pk"].pk, cast["staff_cn"].pk]
    )


def test_a_decision_is_taken_once(
    cast, needs_approval_pk, needs_approval_cn, accepted, authority_pk
):
    approval = approval_of(accepted, authority_pk)
    reveal_approve(approval=approval, by=cast["staff_pk"])
    stale = approval_of(accepted, authority_pk)
    stale.decision = Decision.PENDING
    with pytest.raises(ValidationError, match="already been decided"):
        reveal_refuse(approval=stale, by=cast["staff_pk"])
    assert approval_of(accepted, authority_pk).decision == Decision.APPROVED


def test_a_refusal_keeps_the_parties_apart(cast, awaiting, authority_pk, owner_org):
    approval = reveal_refuse(
        approval=approval_of(awaiting, authority_pk), by=cast["staff_pk"], note="Sanctions check."
    )
    assert approval.decision == Decision.REFUSED and approval.note == "Sanctions check."
    awaiting.refresh_from_db()
    assert awaiting.status == Interest.Status.ACCEPTED and awaiting.reveal == Reveal.REFUSED
    assert not is_open_for_introduction(awaiting)
    for who in ("owner_admin", "owner_member", "sender_admin", "sender_member"):
        (note,) = [n for n in notifications_of(cast[who]) if n.kind == "reveal.refused"]
        assert note.data == {"interest": awaiting.reference, "profile": awaiting.profile.reference}
    assert "interest.reveal_refuse" in audit_verbs(awaiting)
    assert "interest.reveal" not in audit_verbs(awaiting)
    assert counterpart(awaiting, cast["sender_member"]).organisation is None
    assert reveal_approvals_pending(cast["staff_pk"]).count() == 0


def test_one_refusal_is_enough_and_the_other_approval_then_has_nothing_to_decide(
    cast, needs_approval_pk, needs_approval_cn, accepted, authority_pk, authority_cn
):
    reveal_refuse(approval=approval_of(accepted, authority_cn), by=cast["staff_cn"])
    with pytest.raises(ValidationError, match="no longer waiting"):
        reveal_approve(approval=approval_of(accepted, authority_pk), by=cast["staff_pk"])
    accepted.refresh_from_db()
    assert accepted.reveal == Reveal.REFUSED
    assert reveal_approvals_pending(cast["staff_pk"]).count() == 0


@pytest.mark.parametrize("note", ["n" * 1001, "bad\x00"])
def test_a_bad_refusal_note_changes_nothing(note, cast, awaiting, authority_pk):
    before = snapshot(awaiting)
    with pytest.raises(ValidationError):
        reveal_refuse(approval=approval_of(awaiting, authority_pk), by=cast["staff_pk"], note=note)
    assert snapshot(awaiting) == before


def test_a_withdrawn_interest_has_no_reveal_to_approve(cast, awaiting, authority_pk):
    interest_withdraw(interest=awaiting, by=cast["sender_member"])
    assert reveal_approvals_pending(cast["staff_pk"]).count() == 0
    with pytest.raises(ValidationError, match="no longer waiting"):
        reveal_approve(approval=approval_of(awaiting, authority_pk), by=cast["staff_pk"])


def test_the_pending_list_is_per_authority(cast, platform_admin, outsider, awaiting, authority_pk):
    assert [a.authority for a in reveal_approvals_pending(cast["staff_pk"])] == [authority_pk]
    assert reveal_approvals_pending(platform_admin).count() == 1
    for user in (cast["staff_cn"], cast["third_staff"], cast["owner_admin"], outsider):
        assert reveal_approvals_pending(user).count() == 0
    assert reveal_approvals_pending(AnonymousUser()).count() == 0


# --- Who may know whom ------------------------------------------------------------------------


def test_before_the_reveal_the_owner_knows_the_sending_organisation_but_not_its_people(
    cast, sent, sender_org
):
    view = counterpart(sent, cast["owner_member"])
    assert view.side == "sender"
    assert view.organisation.name == sender_org.name and view.organisation.slug == sender_org.slug
    assert view.contacts == []


def test_before_the_reveal_the_sender_knows_nothing_of_the_owner(cast, sent):
    view = counterpart(sent, cast["sender_member"])
    assert view.side == "owner" and view.organisation is None and view.contacts == []
    both = sides(sent, cast["sender_admin"])
    assert both["owner"].organisation is None and both["owner"].contacts == []
    assert both["sender"].organisation is not None  # its own side


@pytest.mark.parametrize("who", ["owner_admin", "sender_member"])
def test_after_the_reveal_both_sides_know_each_other_and_their_people(
    who, cast, accepted, owner_org, sender_org
):
    view = counterpart(accepted, cast[who])
    other_org, other_people = (
        (sender_org, ("sender_admin", "sender_member"))
        if who.startswith("owner")
        else (owner_org, ("owner_admin", "owner_member"))
    )
    assert view.organisation.name == other_org.name
    assert view.organisation.website == other_org.website
    assert sorted(c.email for c in view.contacts) == sorted(cast[p].email for p in other_people)
    names = {c.name for c in view.contacts}
    assert ("Ayesha Khan" in names) == (other_org == owner_org)


# Before the reveal a broker knows its own country's side only (the owner is Pakistani,
# the sender Chinese); after it, both. Platform admins know both at any time.
@pytest.mark.parametrize(
    "who, knows_before",
    [("staff_pk", {"owner"}), ("staff_cn", {"sender"}), ("platform_admin", {"owner", "sender"})],
)
def test_brokers_see_their_own_countrys_side_and_the_other_after_the_reveal(
    who, knows_before, cast, platform_admin, sent, owner_org, sender_org
):
    user = {**cast, "platform_admin": platform_admin}[who]
    assert counterpart(sent, user) is None  # no party
    names = {"owner": owner_org.name, "sender": sender_org.name}
    both = sides(sent, user)
    for side in ("owner", "sender"):
        seen = both[side].organisation
        assert (seen.name if seen else None) == (names[side] if side in knows_before else None)
        assert bool(both[side].contacts) == (side in knows_before)
    interest_accept(interest=sent, by=cast["owner_admin"])
    both = sides(Interest.objects.get(pk=sent.pk), user)
    assert {s: both[s].organisation.name for s in both} == names
    assert both["owner"].contacts and both["sender"].contacts


@pytest.mark.parametrize("who", ["third_staff", "outsider", "anonymous"])
def test_others_see_no_side(who, cast, outsider, sent):
    user = {**cast, "outsider": outsider, "anonymous": AnonymousUser()}[who]
    assert counterpart(sent, user) is None
    assert sides(sent, user) is None


def test_a_public_profiles_organisation_is_known_to_the_sender_but_not_its_people(
    cast, sent, profile, owner_org
):
    CooperationProfile.objects.filter(pk=profile.pk).update(is_anonymous=False)
    sent.profile.refresh_from_db()
    view = counterpart(sent, cast["sender_member"])
    assert view.organisation.name == owner_org.name and view.contacts == []


def test_awaiting_approval_reveals_nothing_yet(cast, awaiting):
    assert counterpart(awaiting, cast["sender_member"]).organisation is None
    assert counterpart(awaiting, cast["owner_member"]).contacts == []


def test_the_introduction_is_open_only_when_accepted_and_revealed(cast, sent):
    assert not is_open_for_introduction(sent)
    interest_accept(interest=sent, by=cast["owner_admin"])
    sent.refresh_from_db()
    assert is_open_for_introduction(sent)
    interest_withdraw(interest=sent, by=cast["sender_admin"])
    sent.refresh_from_db()
    assert not is_open_for_introduction(sent)


# --- The identity rule on the profile's own pages -----------------------------------------------


def page(user, profile) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/en/profiles/{profile.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def api_organisation(user, profile):
    response = send(Client(), "get", f"/profiles/{profile.pk}", user=user)
    assert response.status_code == 200
    return response.json()["organisation"]


@pytest.fixture
def bystander(db):
    """A member of another Chinese organisation: no party to the interest."""
    from corridor.accounts.models import OrganisationMembership

    other = OrganisationFactory(slug="beijing-looms", name="Beijing Looms", country="CN")
    user = UserFactory(username="bystander")
    OrganisationMembership.objects.create(user=user, organisation=other, role="member")
    return user


def test_the_profile_names_its_organisation_to_the_sender_only_after_the_reveal(
    cast, sent, profile, owner_org, bystander
):
    sender = cast["sender_member"]
    needles = owner_identity(owner_org)
    assert leaks(page(sender, profile), needles) == []
    assert api_organisation(sender, profile) is None
    assert public_profile_view(profile, sender).organisation is None

    interest_accept(interest=sent, by=cast["owner_admin"])
    assert owner_org.name in page(sender, profile)
    assert api_organisation(sender, profile)["slug"] == owner_org.slug
    assert public_profile_view(profile, cast["sender_admin"]).organisation.name == owner_org.name
    # Nobody else learns it.
    assert leaks(page(bystander, profile), needles) == []
    assert api_organisation(bystander, profile) is None
    assert send(Client(), "get", f"/profiles/{profile.pk}").json()["organisation"] is None


def test_awaiting_approval_the_profile_stays_anonymous(cast, awaiting, profile, owner_org):
    assert leaks(page(cast["sender_member"], profile), owner_identity(owner_org)) == []
    assert api_organisation(cast["sender_member"], profile) is None


def test_after_withdrawal_the_reveal_stands(cast, accepted, profile, owner_org):
    # Consent once given is not undone: the sender was introduced and keeps knowing whom.
    interest_withdraw(interest=accepted, by=cast["sender_member"])
    assert api_organisation(cast["sender_member"], profile)["name"] == owner_org.name


def test_withdrawal_before_the_answer_reveals_nothing(cast, sent, profile):
    interest_withdraw(interest=sent, by=cast["sender_member"])
    assert api_organisation(cast["sender_member"], profile) is None


def test_the_reveal_is_for_that_profile_only(
    cast, accepted, owner_org, owner_member, profile_fields, publish
):
    from corridor.docking.services import profile_create

    other = publish(
        profile_create(organisation=owner_org, by=owner_member, **profile_fields), by=owner_member
    )
    assert public_profile_view(other, cast["sender_member"]).organisation is None


def test_revealed_profiles_are_read_once_for_any_number_of_profiles(
    cast,
    accepted,
    owner_org,
    owner_member,
    profile_fields,
    publish,
    django_assert_max_num_queries,
):
    from corridor.docking.services import profile_create

    profile_fields = {**profile_fields, "deadline": None}
    more = [
        publish(
            profile_create(organisation=owner_org, by=owner_member, **profile_fields),
            by=owner_member,
        )
        for _ in range(3)
    ]
    viewer = cast["sender_member"]
    viewer._corridor_authority_ids = set()
    with django_assert_max_num_queries(8) as one:
        views = profile_views([accepted.profile], viewer)
    assert views[0].organisation is not None
    with django_assert_max_num_queries(len(one.captured_queries)):
        views = profile_views([accepted.profile, *more], viewer)
    assert [v.organisation is not None for v in views] == [True, False, False, False]


def test_expired_interest_hides_nothing_new(cast, sent):
    later = sent.expires_at + datetime.timedelta(seconds=1)
    from corridor.docking.services.interest import interests_expire

    interests_expire(now=later)
    assert counterpart(sent, cast["sender_member"]).organisation is None
