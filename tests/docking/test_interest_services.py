"""Expressions of interest: sending, accepting, declining, withdrawing; who may, what it says.

Every transition is tried by every role; refused ones change nothing.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from corridor.core.models import AuditEntry
from corridor.docking.models import Interest
from corridor.docking.selectors.interest import is_open_for_introduction
from corridor.docking.services import profile_create, profile_withdraw
from corridor.docking.services.interest import (
    can_send_interest,
    interest_accept,
    interest_decline,
    interest_send,
    interest_withdraw,
    sending_organisations,
)

from .interest_cast import *  # noqa: F403
from .interest_cast import (
    MESSAGE,
    audit_verbs,
    kinds_for,
    leaks,
    notification_text,
    notifications_of,
    owner_identity,
    snapshot,
)

Status = Interest.Status
Reveal = Interest.Reveal


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def send(profile, organisation, by, **kwargs):
    kwargs.setdefault("message", MESSAGE)
    return interest_send(profile=profile, organisation=organisation, by=by, **kwargs)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Sending ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sender_member", "sender_admin"])
def test_people_acting_for_another_organisation_may_express_interest(
    who, cast, profile, sender_org
):
    user = cast[who]
    assert can_send_interest(user, profile)
    assert sending_organisations(user, profile) == [sender_org]
    before = timezone.now()
    interest = send(profile, sender_org, user)
    assert interest.status == Status.SENT and interest.reveal == Reveal.NOT_YET
    assert interest.sent_by == user and interest.language == "en"
    days = datetime.timedelta(days=21)
    assert before + days <= interest.expires_at <= timezone.now() + days
    assert audit_verbs(interest) == ["interest.send"]


def test_sending_tells_the_owner_side_who_approached_it_and_nobody_else(cast, sent, sender_org):
    owner = [cast["owner_admin"], cast["owner_member"]]
    for user in owner:
        (note,) = notifications_of(user)
        assert note.kind == "interest.received"
        assert note.key == f"interest:{sent.pk}:received"
        assert note.data == {
            "profile": sent.profile.reference,
            "title": sent.profile.title,
            "interest": sent.reference,
            "organisation": sender_org.name,
        }
    for who in ("sender_admin", "sender_member", "staff_pk", "staff_cn", "third_staff"):
        assert notifications_of(cast[who]) == []


def test_the_language_is_detected_when_not_given(cast, profile, sender_org):
    interest = send(
        profile, sender_org, cast["sender_member"], message="我们希望获得贵方机械臂的许可。"
    )
    assert interest.language == "zh-hans"


@pytest.mark.parametrize("who", ["owner_member", "owner_admin"])
def test_the_owner_cannot_express_interest_in_its_own_profile(who, cast, profile, owner_org):
    user = cast[who]
    assert not can_send_interest(user, profile)
    assert sending_organisations(user, profile) == []
    with pytest.raises(ValidationError) as error:
        send(profile, owner_org, user)
    assert "own profile" in messages(error.value)
    assert Interest.objects.count() == 0


@pytest.mark.parametrize(
    "who", ["staff_pk", "staff_cn", "third_staff", "outsider", "platform_admin"]
)
def test_people_not_acting_for_the_organisation_cannot_send_for_it(
    who, cast, outsider, platform_admin, profile, sender_org
):
    user = {**cast, "outsider": outsider, "platform_admin": platform_admin}[who]
    assert not can_send_interest(user, profile)
    with pytest.raises(PermissionDenied):
        send(profile, sender_org, user)
    assert Interest.objects.count() == 0


def test_anonymous_cannot_express_interest(profile, sender_org):
    from django.contrib.auth.models import AnonymousUser

    assert not can_send_interest(AnonymousUser(), profile)
    with pytest.raises(PermissionDenied):
        send(profile, sender_org, AnonymousUser())


def test_a_member_of_one_organisation_cannot_send_for_another(cast, profile, owner_org, db):
    from tests.factories import OrganisationFactory

    stranger = OrganisationFactory(slug="elsewhere", name="Elsewhere Ltd", country="CN")
    with pytest.raises(PermissionDenied):
        send(profile, stranger, cast["sender_member"])


def test_only_published_profiles_take_interest(
    cast, organisation, owner_member, sender_org, profile_fields
):
    draft = profile_create(organisation=organisation, by=owner_member, **profile_fields)
    assert not can_send_interest(cast["sender_member"], draft)
    with pytest.raises(ValidationError) as error:
        send(draft, sender_org, cast["sender_member"])
    assert "published" in messages(error.value)


def test_a_withdrawn_or_overdue_profile_takes_no_interest(cast, profile, sender_org):
    later = profile.expires_at + datetime.timedelta(seconds=1)
    with pytest.raises(ValidationError):
        send(profile, sender_org, cast["sender_member"], now=later)
    profile_withdraw(profile=profile, by=cast["owner_member"])
    with pytest.raises(ValidationError):
        send(profile, sender_org, cast["sender_member"])
    assert Interest.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"message": ""}, "message", "required"),
        ({"message": "   "}, "message", "required"),
        ({"message": "x" * 4001}, "message", "4000"),
        ({"message": "hello\x00world"}, "message", "NUL byte"),
        ({"message": None}, "message", "required"),
        ({"message": 42}, "message", "text"),
        ({"language": "fr"}, "language", "Unknown language"),
        ({"message": "12345 !!!"}, "language", "choose one"),
    ],
)
def test_bad_messages_are_refused_and_change_nothing(
    fields, field, words, cast, profile, sender_org
):
    before = snapshot(profile)
    with pytest.raises(ValidationError) as error:
        send(profile, sender_org, cast["sender_member"], **fields)
    assert field in error.value.message_dict
    assert words in " ".join(error.value.message_dict[field])
    assert snapshot(profile)[1:] == before[1:]


def test_a_message_of_exactly_4000_characters_is_accepted(cast, profile, sender_org):
    interest = send(profile, sender_org, cast["sender_member"], message="a" * 4000, language="en")
    assert len(interest.message) == 4000


def test_the_sender_profile_must_be_the_sending_organisations(
    cast, profile, sender_org, owner_org, owner_member, profile_fields
):
    another = profile_create(organisation=owner_org, by=owner_member, **profile_fields)
    with pytest.raises(ValidationError) as error:
        send(profile, sender_org, cast["sender_member"], sender_profile=another)
    assert "sender_profile" in error.value.message_dict
    assert Interest.objects.count() == 0


def test_the_sender_profile_is_kept(cast, profile, sender_org, cn_request):
    interest = send(profile, sender_org, cast["sender_member"], sender_profile=cn_request)
    assert interest.sender_profile == cn_request


def test_a_second_interest_while_one_is_open_is_refused_clearly(cast, sent, profile, sender_org):
    before = snapshot(sent)
    with pytest.raises(ValidationError) as error:
        send(profile, sender_org, cast["sender_admin"])
    assert (
        messages(error.value) == "Your organisation has already expressed interest in this profile."
    )
    assert snapshot(sent) == before


def test_the_database_refuses_a_second_open_interest_even_past_the_check(
    cast, sent, profile, sender_org, monkeypatch
):
    """The race: both requests pass the check; the constraint decides, and the loser hears why."""
    from django.db.models import QuerySet

    real_exists = QuerySet.exists
    monkeypatch.setattr(
        QuerySet,
        "exists",
        lambda self: False if self.model is Interest else real_exists(self),
    )
    with pytest.raises(ValidationError) as error:
        send(profile, sender_org, cast["sender_admin"])
    assert "already expressed interest" in messages(error.value)
    assert Interest.objects.count() == 1
    # The transaction is still usable after the refused insert (it ran in a savepoint).
    assert Interest.objects.get().pk == sent.pk


def test_after_a_decline_the_organisation_may_try_again(cast, sent, profile, sender_org):
    interest_decline(interest=sent, by=cast["owner_member"])
    again = send(profile, sender_org, cast["sender_member"])
    assert again.pk != sent.pk and again.status == Status.SENT


@override_settings(CORRIDOR_INTEREST_EXPIRY_DAYS=3)
def test_the_expiry_follows_the_setting(cast, profile, sender_org):
    now = timezone.now()
    interest = send(profile, sender_org, cast["sender_member"], now=now)
    assert interest.expires_at == now + datetime.timedelta(days=3)


# --- Accepting and declining --------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner_member", "owner_admin"])
def test_the_owner_side_accepts(who, cast, sent):
    user = cast[who]
    interest = interest_accept(interest=sent, by=user)
    assert interest.status == Status.ACCEPTED
    assert interest.answered_by == user and interest.answered_at is not None
    sent.refresh_from_db()
    assert sent.status == Status.ACCEPTED and sent.reveal == Reveal.REVEALED
    assert audit_verbs(sent) == ["interest.send", "interest.accept", "interest.reveal"]


def test_acceptance_tells_the_sender_side_without_naming_the_owner(cast, sent, owner_org):
    interest_accept(interest=sent, by=cast["owner_member"])
    for who in ("sender_admin", "sender_member"):
        accepted = [n for n in notifications_of(cast[who]) if n.kind == "interest.accepted"]
        assert len(accepted) == 1
        assert accepted[0].data == {
            "profile": sent.profile.reference,
            "title": sent.profile.title,
            "interest": sent.reference,
        }


@pytest.mark.parametrize(
    "who", ["sender_member", "sender_admin", "staff_pk", "staff_cn", "third_staff", "outsider"]
)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_only_the_owner_side_answers(who, action, cast, outsider, sent):
    user = {**cast, "outsider": outsider}[who]
    before = snapshot(sent)
    with pytest.raises(PermissionDenied):
        if action == "accept":
            interest_accept(interest=sent, by=user)
        else:
            interest_decline(interest=sent, by=user, reason="other")
    assert snapshot(sent) == before


def test_a_platform_admin_does_not_answer_for_an_organisation(platform_admin, sent):
    with pytest.raises(PermissionDenied):
        interest_accept(interest=sent, by=platform_admin)


def test_anonymous_cannot_answer(sent):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        interest_accept(interest=sent, by=AnonymousUser())


@pytest.mark.parametrize("reason", ["", *Interest.DeclineReason.values])
def test_the_owner_side_declines_with_any_reason_or_none(reason, cast, sent):
    interest = interest_decline(
        interest=sent, by=cast["owner_admin"], reason=reason, note="Not for us this year."
    )
    sent.refresh_from_db()
    assert sent.status == interest.status == Status.DECLINED
    assert sent.decline_reason == reason and sent.decline_note == "Not for us this year."
    assert sent.reveal == Reveal.NOT_YET
    for who in ("sender_admin", "sender_member"):
        (note,) = [n for n in notifications_of(cast[who]) if n.kind == "interest.declined"]
        assert note.data["reason"] == reason
        # The note is the owner's, and may name it: it stays out of the sender's notification.
        assert "Not for us" not in str(note.data)
    entry = AuditEntry.objects.get(verb="interest.decline")
    assert entry.actor == cast["owner_admin"] and entry.data == {"reason": reason}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "bored"}, "reason"),
        ({"reason": 3}, "reason"),
        ({"note": "n" * 1001}, "note"),
        ({"note": "bad\x00note"}, "note"),
    ],
)
def test_bad_decline_input_changes_nothing(kwargs, field, cast, sent):
    before = snapshot(sent)
    with pytest.raises(ValidationError) as error:
        interest_decline(interest=sent, by=cast["owner_member"], **kwargs)
    assert field in error.value.message_dict
    assert snapshot(sent) == before


@pytest.mark.parametrize("first", ["accept", "decline", "withdraw"])
@pytest.mark.parametrize("then", ["accept", "decline"])
def test_an_answer_comes_only_once(first, then, cast, sent):
    if first == "accept":
        interest_accept(interest=sent, by=cast["owner_admin"])
    elif first == "decline":
        interest_decline(interest=sent, by=cast["owner_admin"])
    else:
        interest_withdraw(interest=sent, by=cast["sender_admin"])
    stale = Interest.objects.get(pk=sent.pk)
    stale.status = Status.SENT  # as a page loaded before the first answer still shows it
    before = snapshot(sent)
    with pytest.raises(ValidationError) as error:
        if then == "accept":
            interest_accept(interest=stale, by=cast["owner_member"])
        else:
            interest_decline(interest=stale, by=cast["owner_member"])
    assert messages(error.value) == "This expression of interest has already been answered."
    assert snapshot(sent) == before


def test_an_overdue_interest_cannot_be_answered_even_before_the_expiry_job(cast, sent):
    later = sent.expires_at + datetime.timedelta(minutes=1)
    before = snapshot(sent)
    with pytest.raises(ValidationError, match="expired"):
        interest_accept(interest=sent, by=cast["owner_member"], now=later)
    assert snapshot(sent) == before


# --- Withdrawing ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sender_member", "sender_admin"])
def test_the_sender_side_withdraws_before_an_answer(who, cast, sent, sender_org):
    interest = interest_withdraw(interest=sent, by=cast[who])
    assert interest.status == Status.WITHDRAWN
    for owner in ("owner_admin", "owner_member"):
        (note,) = [n for n in notifications_of(cast[owner]) if n.kind == "interest.withdrawn"]
        assert note.data["organisation"] == sender_org.name
    assert audit_verbs(sent)[-1] == "interest.withdraw"


def test_withdrawing_after_the_reveal_ends_the_introduction_but_keeps_the_reveal(cast, sent):
    interest_accept(interest=sent, by=cast["owner_admin"])
    revealed_at = Interest.objects.get(pk=sent.pk).revealed_at
    interest = interest_withdraw(interest=sent, by=cast["sender_member"])
    sent.refresh_from_db()
    assert sent.status == interest.status == Status.WITHDRAWN
    # The two sides were introduced: the ledger counts it, and consent is not undone.
    assert sent.reveal == Reveal.REVEALED and sent.revealed_at == revealed_at
    assert not is_open_for_introduction(sent)
    # The reveal is on record too.
    assert audit_verbs(sent) == [
        "interest.send",
        "interest.accept",
        "interest.reveal",
        "interest.withdraw",
    ]
    entry = AuditEntry.objects.get(verb="interest.withdraw")
    assert entry.data["was"] == {"status": "accepted", "reveal": "revealed"}


def test_withdrawing_after_the_reveal_calls_off_the_meetings_not_yet_held(cast, sent, owner_org):
    from corridor.docking.models import Meeting

    interest_accept(interest=sent, by=cast["owner_admin"])
    now = timezone.now()

    def meeting(starts_at, status):
        return Meeting.objects.create(
            interest=sent,
            proposed_by_organisation=owner_org,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=1),
            timezone="Asia/Karachi",
            format=Meeting.Format.IN_PERSON,
            place="Islamabad STZ",
            status=status,
        )

    held = meeting(now - datetime.timedelta(days=2), Meeting.Status.ACCEPTED)
    coming = meeting(now + datetime.timedelta(days=2), Meeting.Status.ACCEPTED)
    asked = meeting(now + datetime.timedelta(days=3), Meeting.Status.PROPOSED)
    interest_withdraw(interest=sent, by=cast["sender_member"], now=now)
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert statuses == {
        held.pk: Meeting.Status.ACCEPTED,
        coming.pk: Meeting.Status.CANCELLED,
        asked.pk: Meeting.Status.CANCELLED,
    }
    entry = AuditEntry.objects.get(verb="interest.withdraw")
    assert entry.data["meetings_cancelled"] == 2


@pytest.mark.parametrize(
    "who", ["owner_member", "owner_admin", "staff_pk", "staff_cn", "third_staff", "outsider"]
)
def test_only_the_sender_side_withdraws(who, cast, outsider, sent):
    user = {**cast, "outsider": outsider}[who]
    before = snapshot(sent)
    with pytest.raises(PermissionDenied):
        interest_withdraw(interest=sent, by=user)
    assert snapshot(sent) == before


@pytest.mark.parametrize("end", ["decline", "withdraw"])
def test_a_closed_interest_cannot_be_withdrawn(end, cast, sent):
    if end == "decline":
        interest_decline(interest=sent, by=cast["owner_member"])
    else:
        interest_withdraw(interest=sent, by=cast["sender_member"])
    before = snapshot(sent)
    with pytest.raises(ValidationError, match="no longer be withdrawn"):
        interest_withdraw(interest=sent, by=cast["sender_admin"])
    assert snapshot(sent) == before


# --- What each side hears ------------------------------------------------------------------


def test_nothing_the_sender_side_hears_names_the_owner_before_the_reveal(
    cast, sent, owner_org, needs_approval_pk
):
    interest_accept(interest=sent, by=cast["owner_admin"])
    sent.refresh_from_db()
    assert sent.reveal == Reveal.AWAITING_APPROVAL
    needles = owner_identity(owner_org, cast["owner_admin"], cast["owner_member"])
    assert leaks(notification_text(cast["sender_admin"], cast["sender_member"]), needles) == []
    assert kinds_for(cast["sender_member"]) == ["interest.accepted"]


def test_after_the_reveal_the_sender_side_hears_the_owners_name(cast, sent, owner_org, sender_org):
    interest_accept(interest=sent, by=cast["owner_admin"])
    for who, other in (("sender_member", owner_org), ("owner_member", sender_org)):
        (done,) = [n for n in notifications_of(cast[who]) if n.kind == "reveal.done"]
        assert done.data == {
            "interest": sent.reference,
            "profile": sent.profile.reference,
            "organisation": other.name,
        }
        assert done.key == f"interest:{sent.pk}:revealed"
    assert kinds_for(cast["staff_pk"]) == []


def test_the_sending_users_own_name_is_not_in_the_owners_notification(cast, sent):
    """Before the reveal the owner knows the organisation, not its people."""
    sender = cast["sender_member"]
    text = notification_text(cast["owner_admin"], cast["owner_member"])
    assert leaks(text, [sender.email, sender.username]) == []


def test_notifications_link_to_the_interest_page(cast, sent):
    (note,) = notifications_of(cast["owner_admin"])
    assert note.url == f"/en/profiles/interests/{sent.pk}/"
