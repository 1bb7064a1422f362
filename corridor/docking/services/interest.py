"""Expressions of interest and the consent-based identity reveal.

Life cycle: sent → accepted (by the profile's organisation) / declined (with an
optional structured reason) / withdrawn (by the sender, also after acceptance) /
expired (no answer in ``CORRIDOR_INTEREST_EXPIRY_DAYS``; the owner is reminded
``CORRIDOR_INTEREST_REMINDER_DAYS`` before).

Acceptance starts the reveal: the two organisations learn each other's identity at
once, or, when the authority of either side's country asks for it
(``Authority.reveal_needs_approval``), once its staff approve. Every reveal is in the
audit log.

Races (a double click, two members answering at once) are settled by the database:
the row is locked and the state change is a conditional UPDATE whose row count names
the one winner; the loser gets a ``ValidationError``, not a second acceptance.
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from corridor.core import audit
from corridor.core.notifications import notify
from corridor.core.permissions import is_platform_admin, require, staff_authority_ids
from corridor.core.text import LANGUAGE_CODES, TextError, clean_text, detect_language
from corridor.registry.models import Authority, Organisation

from .. import parties
from ..models import CooperationProfile, Interest, RevealApproval
from ..selectors.profiles import published_q
from .meetings import meetings_cancel_upcoming

Status = Interest.Status
Reveal = Interest.Reveal
Decision = RevealApproval.Decision

MESSAGE_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 1000

ALREADY_EXPRESSED = _("Your organisation has already expressed interest in this profile.")
ALREADY_ANSWERED = _("This expression of interest has already been answered.")
NUL_BYTE = _("Contains a NUL byte, which cannot be stored.")


# --- Permissions ----------------------------------------------------------------


def _is_published(profile: CooperationProfile, now=None) -> bool:
    return CooperationProfile.objects.filter(published_q(now), pk=profile.pk).exists()


def sending_organisations(user, profile: CooperationProfile, now=None) -> list[Organisation]:
    """The organisations ``user`` may express interest for in ``profile`` (not its own)."""
    mine = parties.acting_organisation_ids(user) - {profile.organisation_id}
    if not mine or not _is_published(profile, now):
        return []
    return list(Organisation.objects.filter(pk__in=mine, is_active=True).order_by("name", "pk"))


def can_send_interest(user, profile: CooperationProfile) -> bool:
    return bool(sending_organisations(user, profile))


def can_decide_reveal(user, approval: RevealApproval) -> bool:
    """Staff of the approval's authority, or a platform admin."""
    return is_platform_admin(user) or approval.authority_id in staff_authority_ids(user)


# --- Helpers --------------------------------------------------------------------


def _url(interest: Interest) -> str:
    # Stored with the English prefix; the notifications page re-prefixes it per reader.
    with translation.override("en"):
        return reverse("docking:interest_detail", args=[interest.pk])


def _clean(value, *, field: str, max_length: int, errors: dict, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_("Give text.")]
        return ""
    try:
        value = clean_text(value, field=field)
    except TextError:
        errors[field] = [NUL_BYTE]
        return ""
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [
            _("At most %(count)d characters (it has %(length)d).")
            % {"count": max_length, "length": len(value)}
        ]
    return value


def _locked(interest: Interest) -> Interest:
    return (
        Interest.objects.select_for_update(of=("self",))
        .select_related("profile__organisation", "organisation")
        .get(pk=interest.pk)
    )


def _refresh(target: Interest, source: Interest) -> Interest:
    """Let the caller's object see the new state too."""
    for field in Interest._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _change(locked: Interest, *, allowed_from, **values) -> bool:
    """Move the row on if it is still in one of ``allowed_from``; whether this call did it.

    The lock already serialises callers on PostgreSQL; the condition is what makes
    the answer right on every database, whatever the caller read earlier.
    """
    values.setdefault("updated_at", timezone.now())
    done = Interest.objects.filter(pk=locked.pk, status__in=allowed_from).update(**values)
    if done:
        for key, value in values.items():
            setattr(locked, key, value)
    return bool(done)


def _base_data(interest: Interest) -> dict:
    """What every party may read about the interest: references and the profile's title."""
    return {
        "profile": interest.profile.reference,
        "title": interest.profile.title,
        "interest": interest.reference,
    }


def _owner_people(interest: Interest):
    return parties.people_of([parties.owner_organisation_id(interest)])


def _sender_people(interest: Interest):
    return parties.people_of([interest.organisation_id])


def _staff_of(authority_id: int):
    return get_user_model().objects.filter(
        is_active=True, authority_staff__authority_id=authority_id
    )


# --- Sending --------------------------------------------------------------------


@transaction.atomic
def interest_send(
    *,
    profile: CooperationProfile,
    organisation: Organisation,
    by,
    message: str,
    language: str | None = None,
    sender_profile: CooperationProfile | None = None,
    now: datetime.datetime | None = None,
) -> Interest:
    """Express ``organisation``'s interest in a published ``profile`` of another organisation.

    The profile's organisation learns who approached it (the sender chose to); the
    sender learns nothing more of the profile until the owner accepts.
    """
    now = now or timezone.now()
    require(
        organisation.pk in parties.acting_organisation_ids(by),
        _("Only the organisation's admins and members may express interest for it."),
    )
    errors: dict = {}
    if organisation.pk == profile.organisation_id:
        errors["organisation"] = [_("This is your organisation's own profile.")]
    elif not organisation.is_active:
        errors["organisation"] = [_("This organisation is no longer active.")]
    if not _is_published(profile, now):
        errors["profile"] = [_("Interest can be expressed only in published profiles.")]
    message = _clean(
        message, field="message", max_length=MESSAGE_MAX_LENGTH, errors=errors, required=True
    )
    if language:
        if language not in LANGUAGE_CODES:
            errors["language"] = [_("Unknown language.")]
    elif "message" not in errors:
        language = detect_language(message)
        if not language:
            errors["language"] = [_("Could not tell the language; choose one.")]
    if sender_profile is not None and sender_profile.organisation_id != organisation.pk:
        errors["sender_profile"] = [_("The profile must be one of your organisation's.")]
    if errors:
        raise ValidationError(errors)
    if Interest.objects.filter(
        profile=profile, organisation=organisation, status__in=Interest.OPEN
    ).exists():
        raise ValidationError(ALREADY_EXPRESSED, code="duplicate")
    try:
        # Two clicks at once both pass the check above; the constraint lets one through.
        with transaction.atomic():
            interest = Interest.objects.create(
                profile=profile,
                organisation=organisation,
                sender_profile=sender_profile,
                sent_by=by,
                message=message,
                language=language,
                expires_at=now + datetime.timedelta(days=settings.CORRIDOR_INTEREST_EXPIRY_DAYS),
            )
    except IntegrityError:
        raise ValidationError(ALREADY_EXPRESSED, code="duplicate") from None
    # created_at is auto_now_add; the ledger dates the interest by when it was sent.
    Interest.objects.filter(pk=interest.pk).update(created_at=now)
    interest.created_at = now
    audit.record(
        by,
        "interest.send",
        interest,
        {"profile": profile.reference, "organisation": organisation.pk, "language": language},
    )
    notify(
        users=_owner_people(interest),
        kind="interest.received",
        key=f"interest:{interest.pk}:received",
        data={**_base_data(interest), "organisation": organisation.name},
        url=_url(interest),
    )
    return interest


# --- Answering ------------------------------------------------------------------


def _require_owner(by, interest: Interest, message) -> None:
    require(parties.is_owner(by, interest), message)


def _answerable(locked: Interest, now) -> None:
    if locked.status != Status.SENT:
        raise ValidationError(ALREADY_ANSWERED, code="answered")
    if locked.expires_at <= now:
        raise ValidationError(_("This expression of interest has expired."), code="expired")


def _approving_authorities(interest: Interest) -> list[Authority]:
    countries = {str(interest.profile.organisation.country), str(interest.organisation.country)}
    return list(
        Authority.objects.filter(reveal_needs_approval=True, country__in=countries).order_by("pk")
    )


@transaction.atomic
def interest_accept(*, interest: Interest, by, now: datetime.datetime | None = None) -> Interest:
    """The profile's organisation agrees to be introduced; starts the identity reveal."""
    now = now or timezone.now()
    _require_owner(by, interest, _("Only the profile's organisation may accept."))
    locked = _locked(interest)
    _answerable(locked, now)
    authorities = _approving_authorities(locked)
    reveal = Reveal.AWAITING_APPROVAL if authorities else Reveal.REVEALED
    won = _change(
        locked,
        allowed_from=(Status.SENT,),
        status=Status.ACCEPTED,
        answered_at=now,
        answered_by=by,
        reveal=reveal,
        revealed_at=now if reveal == Reveal.REVEALED else None,
    )
    if not won:
        raise ValidationError(ALREADY_ANSWERED, code="answered")
    audit.record(by, "interest.accept", locked, {"reveal": reveal})
    notify(
        users=_sender_people(locked),
        kind="interest.accepted",
        key=f"interest:{locked.pk}:accepted",
        data=_base_data(locked),
        url=_url(locked),
    )
    if authorities:
        RevealApproval.objects.bulk_create(
            [RevealApproval(interest=locked, authority=a) for a in authorities]
        )
        for authority in authorities:
            audit.record(by, "interest.reveal_requested", locked, {"authority": authority.pk})
            notify(
                users=_staff_of(authority.pk),
                kind="reveal.awaiting",
                key=f"interest:{locked.pk}:reveal_awaiting:{authority.pk}",
                data={"interest": locked.reference, "profile": locked.profile.reference},
                url=_url(locked),
            )
    else:
        _revealed(locked, by=by, approvals=[])
    return _refresh(interest, locked)


def _revealed(locked: Interest, *, by, approvals: list[RevealApproval]) -> None:
    """Record the reveal and tell each side whom it now knows."""
    owner = locked.profile.organisation
    sender = locked.organisation
    audit.record(
        by,
        "interest.reveal",
        locked,
        {
            "owner_organisation": owner.pk,
            "sender_organisation": sender.pk,
            "accepted_by": locked.answered_by_id,
            "approved_by": [
                {"authority": a.authority_id, "user": a.decided_by_id} for a in approvals
            ],
            "revealed_at": locked.revealed_at.isoformat(),
        },
    )
    key = f"interest:{locked.pk}:revealed"
    base = {"interest": locked.reference, "profile": locked.profile.reference}
    url = _url(locked)
    notify(
        users=parties.people_of([owner.pk]),
        kind="reveal.done",
        key=key,
        data={**base, "organisation": sender.name},
        url=url,
    )
    notify(
        users=parties.people_of([sender.pk]),
        kind="reveal.done",
        key=key,
        data={**base, "organisation": owner.name},
        url=url,
    )


@transaction.atomic
def interest_decline(
    *,
    interest: Interest,
    by,
    reason: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> Interest:
    """The profile's organisation says no, with an optional reason (shown to the sender)
    and note (kept for the owner's side and the brokers; it may name the owner)."""
    now = now or timezone.now()
    _require_owner(by, interest, _("Only the profile's organisation may decline."))
    errors: dict = {}
    if reason is None:
        reason = ""
    if not isinstance(reason, str) or (reason and reason not in Interest.DeclineReason.values):
        errors["reason"] = [_("Unknown reason.")]
    note = _clean(note, field="note", max_length=NOTE_MAX_LENGTH, errors=errors)
    if errors:
        raise ValidationError(errors)
    locked = _locked(interest)
    _answerable(locked, now)
    won = _change(
        locked,
        allowed_from=(Status.SENT,),
        status=Status.DECLINED,
        decline_reason=reason,
        decline_note=note,
        answered_at=now,
        answered_by=by,
    )
    if not won:
        raise ValidationError(ALREADY_ANSWERED, code="answered")
    audit.record(by, "interest.decline", locked, {"reason": reason})
    notify(
        users=_sender_people(locked),
        kind="interest.declined",
        key=f"interest:{locked.pk}:declined",
        data={**_base_data(locked), "reason": reason},
        url=_url(locked),
    )
    return _refresh(interest, locked)


@transaction.atomic
def interest_withdraw(*, interest: Interest, by, now: datetime.datetime | None = None) -> Interest:
    """The sender takes its interest back: before an answer, or to end the introduction.

    Ending an introduction calls off its meetings not yet held. A reveal that happened
    stays (the two sides know each other, and the ledger counts the introduction); one
    still waiting for staff approval is dropped with the interest.
    """
    now = now or timezone.now()
    require(
        parties.is_sender(by, interest),
        _("Only the organisation that expressed the interest may withdraw it."),
    )
    locked = _locked(interest)
    if locked.status not in Interest.OPEN:
        raise ValidationError(
            _("This expression of interest can no longer be withdrawn."), code="closed"
        )
    was = {"status": locked.status, "reveal": locked.reveal}
    won = _change(
        locked,
        allowed_from=Interest.OPEN,
        status=Status.WITHDRAWN,
        reveal=Reveal.REVEALED if locked.reveal == Reveal.REVEALED else Reveal.NOT_YET,
        revealed_at=locked.revealed_at if locked.reveal == Reveal.REVEALED else None,
    )
    if not won:
        raise ValidationError(
            _("This expression of interest can no longer be withdrawn."), code="closed"
        )
    cancelled = 0
    if was["status"] == Status.ACCEPTED:
        # The introduction is over: meetings not yet held are off (the parties hear it here).
        cancelled = meetings_cancel_upcoming(interest=locked, by=by, now=now)
    audit.record(
        by,
        "interest.withdraw",
        locked,
        {"was": was, "at": now.isoformat(), "meetings_cancelled": cancelled},
    )
    notify(
        users=_owner_people(locked),
        kind="interest.withdrawn",
        key=f"interest:{locked.pk}:withdrawn",
        data={**_base_data(locked), "organisation": locked.organisation.name},
        url=_url(locked),
    )
    return _refresh(interest, locked)


# --- Staff approval of a reveal ---------------------------------------------------


def _decide(approval: RevealApproval, *, by, now, decision: str, note: str = ""):
    """Lock the interest, then record ``decision``; the locked interest and the approval."""
    require(
        can_decide_reveal(by, approval),
        _("Only staff of the authority asked may approve or refuse this reveal."),
    )
    locked = _locked(approval.interest)
    if locked.status != Status.ACCEPTED or locked.reveal != Reveal.AWAITING_APPROVAL:
        raise ValidationError(
            _("This reveal is no longer waiting for approval."), code="not_waiting"
        )
    done = RevealApproval.objects.filter(pk=approval.pk, decision=Decision.PENDING).update(
        decision=decision, decided_by=by, decided_at=now, note=note
    )
    if not done:
        raise ValidationError(_("This reveal has already been decided."), code="decided")
    approval.decision, approval.decided_by, approval.decided_at, approval.note = (
        decision,
        by,
        now,
        note,
    )
    audit.record(
        by,
        f"interest.reveal_{'approve' if decision == Decision.APPROVED else 'refuse'}",
        locked,
        {"authority": approval.authority_id, "approval": approval.pk},
    )
    return locked


@transaction.atomic
def reveal_approve(
    *, approval: RevealApproval, by, now: datetime.datetime | None = None
) -> RevealApproval:
    """An authority's staff allow the two parties to know each other; the last approval reveals."""
    now = now or timezone.now()
    locked = _decide(approval, by=by, now=now, decision=Decision.APPROVED)
    approvals = list(RevealApproval.objects.filter(interest=locked).order_by("pk"))
    if all(a.decision == Decision.APPROVED for a in approvals):
        done = Interest.objects.filter(
            pk=locked.pk, status=Status.ACCEPTED, reveal=Reveal.AWAITING_APPROVAL
        ).update(reveal=Reveal.REVEALED, revealed_at=now, updated_at=timezone.now())
        if done:
            locked.reveal, locked.revealed_at = Reveal.REVEALED, now
            _revealed(locked, by=by, approvals=approvals)
            _refresh(approval.interest, locked)
    return approval


@transaction.atomic
def reveal_refuse(
    *, approval: RevealApproval, by, note: str = "", now: datetime.datetime | None = None
) -> RevealApproval:
    """An authority's staff keep the two parties apart; the interest stays accepted, unrevealed."""
    now = now or timezone.now()
    errors: dict = {}
    note = _clean(note, field="note", max_length=NOTE_MAX_LENGTH, errors=errors)
    if errors:
        raise ValidationError(errors)
    locked = _decide(approval, by=by, now=now, decision=Decision.REFUSED, note=note)
    Interest.objects.filter(
        pk=locked.pk, status=Status.ACCEPTED, reveal=Reveal.AWAITING_APPROVAL
    ).update(reveal=Reveal.REFUSED, updated_at=timezone.now())
    locked.reveal = Reveal.REFUSED
    _refresh(approval.interest, locked)
    notify(
        users=parties.people_of([locked.profile.organisation_id, locked.organisation_id]),
        kind="reveal.refused",
        key=f"interest:{locked.pk}:reveal_refused",
        data={"interest": locked.reference, "profile": locked.profile.reference},
        url=_url(locked),
    )
    return approval


# --- Time -----------------------------------------------------------------------


def interests_expire(*, now: datetime.datetime | None = None) -> int:
    """Mark interests unanswered past their time as expired and tell both sides; how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Interest.objects.select_for_update(of=("self",))
            .select_related("profile")
            .filter(status=Status.SENT, expires_at__lte=now)
            .order_by("pk")
        )
        expired = 0
        for interest in due:
            if not _change(interest, allowed_from=(Status.SENT,), status=Status.EXPIRED):
                continue
            expired += 1
            audit.record(None, "interest.expire", interest, {"at": now.isoformat()})
            notify(
                users=parties.people_of(
                    [interest.profile.organisation_id, interest.organisation_id]
                ),
                kind="interest.expired",
                key=f"interest:{interest.pk}:expired",
                data=_base_data(interest),
                url=_url(interest),
            )
    return expired


def interests_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind the owner side, once, of interests that expire soon; how many reminded."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=settings.CORRIDOR_INTEREST_REMINDER_DAYS)
    with transaction.atomic():
        due = list(
            Interest.objects.select_for_update(of=("self",))
            .select_related("profile", "organisation")
            .filter(
                status=Status.SENT,
                reminded_at__isnull=True,
                expires_at__gt=now,
                expires_at__lte=horizon,
            )
            .order_by("pk")
        )
        reminded = 0
        for interest in due:
            done = Interest.objects.filter(
                pk=interest.pk, status=Status.SENT, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not done:
                continue
            reminded += 1
            days = math.ceil((interest.expires_at - now) / datetime.timedelta(days=1))
            notify(
                users=_owner_people(interest),
                kind="interest.expiring",
                key=f"interest:{interest.pk}:expiring",
                data={
                    **_base_data(interest),
                    "organisation": interest.organisation.name,
                    "days": str(days),
                },
                url=_url(interest),
            )
    return reminded
