"""The REST endpoints of expressions of interest and of staff approval of identity reveals.

An interest is read only by its two sides and the staff who broker it; anyone else
gets 404, whether or not it exists (``parties.interest_for``). Every write goes
through one service in ``services/interest.py``. Responses are built from the
selectors' views: the other side's organisation and people appear only when the
caller may know them (``selectors.interest.sides``).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Query, Router, Schema, Status

from corridor.core.permissions import is_authority_staff, is_platform_admin, require
from corridor.registry.models import Organisation
from corridor.registry.schemas import (
    WRITE_ERRORS,
    ErrorOut,
    InputSchema,
    OrganisationSlug,
    PageIn,
    ValidationErrorOut,
)

from .. import parties, selectors
from ..models import CooperationProfile, Interest, RevealApproval
from ..schemas import Language
from ..selectors import interest as interest_selectors
from ..services import interest as interest_services

router = Router(tags=["interests"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# Bounded so that PostgreSQL's bigint comparison cannot overflow.
IdPath = Path(..., ge=1, le=2**63 - 1)

InterestStatus = Literal[tuple(Interest.Status.values)]
DeclineReason = Literal[tuple(Interest.DeclineReason.values)]


# --- Schemas --------------------------------------------------------------------


class InterestIn(InputSchema):
    organisation: OrganisationSlug = Field(
        description="The slug of the organisation you express interest for."
    )
    message: Annotated[str, Field(min_length=1, max_length=4000)] = Field(
        description="To the profile's organisation, in English, Chinese or Urdu."
    )
    language: Language | None = Field(
        None, description="The language of the message; detected when left out."
    )
    sender_profile: int | None = Field(
        None, ge=1, le=2**63 - 1, description="One of your organisation's profiles, if it led here."
    )


class DeclineIn(InputSchema):
    reason: DeclineReason | Literal[""] = Field("", description="Shown to the sender.")
    note: Annotated[str, Field(max_length=1000)] = Field(
        "", description="For your organisation and the brokering staff; not shown to the sender."
    )


class RefuseIn(InputSchema):
    note: Annotated[str, Field(max_length=1000)] = ""


class InterestQuery(Schema):
    box: Literal["received", "sent"] = Field(
        "received", description="Interests in your profiles, or those your organisations sent."
    )
    status: InterestStatus | None = None


class PartyOrganisationOut(Schema):
    slug: str
    name: str
    website: str
    city: str
    country: str


class ContactOut(Schema):
    name: str
    email: str


class SideOut(Schema):
    organisation: PartyOrganisationOut | None = Field(
        description="Null while the caller may not know this side."
    )
    contacts: list[ContactOut] = Field(description="Empty until the identities are revealed.")


class InterestProfileOut(Schema):
    id: int
    reference: str
    kind: str
    title: str
    country: str


class ApprovalRefOut(Schema):
    id: int
    authority: str = Field(description="The authority's code.")
    decision: str
    decided_at: datetime.datetime | None


class InterestOut(Schema):
    id: int
    reference: str = Field(description="The identifier to quote, e.g. EI-000042.")
    status: InterestStatus
    reveal: str
    side: Literal["owner", "sender", "broker"] = Field(
        description="The caller's part: the profile's organisation, the sender, or staff."
    )
    open_for_introduction: bool
    profile: InterestProfileOut
    message: str
    language: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    answered_at: datetime.datetime | None
    revealed_at: datetime.datetime | None
    decline_reason: str
    decline_note: str | None = Field(
        description="Only for the profile's organisation and the brokering staff."
    )
    owner: SideOut
    sender: SideOut
    reveal_approvals: list[ApprovalRefOut]


class InterestRowOut(Schema):
    id: int
    reference: str
    status: InterestStatus
    reveal: str
    side: str
    profile: InterestProfileOut
    counterpart: PartyOrganisationOut | None = Field(
        description="The other side's organisation; null while the caller may not know it."
    )
    created_at: datetime.datetime
    expires_at: datetime.datetime
    answered_at: datetime.datetime | None


class InterestPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InterestRowOut]


class ApprovalInterestOut(Schema):
    id: int
    reference: str
    status: InterestStatus
    reveal: str
    profile: InterestProfileOut
    owner: PartyOrganisationOut = Field(description="The profile's organisation.")
    sender: PartyOrganisationOut = Field(description="The organisation that approached it.")
    created_at: datetime.datetime
    answered_at: datetime.datetime | None


class RevealApprovalOut(Schema):
    id: int
    authority: str = Field(description="The code of the authority asked.")
    decision: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    interest: ApprovalInterestOut


class RevealApprovalList(Schema):
    items: list[RevealApprovalOut]


# --- Output ---------------------------------------------------------------------


def _organisation(view) -> dict | None:
    if view is None:
        return None
    return {k: getattr(view, k) for k in ("slug", "name", "website", "city", "country")}


def _side(view: interest_selectors.CounterpartView) -> dict:
    return {
        "organisation": _organisation(view.organisation),
        "contacts": [{"name": c.name, "email": c.email} for c in view.contacts],
    }


def _profile(interest: Interest) -> dict:
    profile = interest.profile
    return {
        "id": profile.pk,
        "reference": profile.reference,
        "kind": profile.kind,
        "title": profile.title,
        "country": str(profile.organisation.country),
    }


def _out(interest: Interest, viewer) -> dict:
    both = interest_selectors.sides(interest, viewer)
    side = interest_selectors.viewer_side(interest, viewer)
    return {
        "id": interest.pk,
        "reference": interest.reference,
        "status": interest.status,
        "reveal": interest.reveal,
        "side": side,
        "open_for_introduction": interest_selectors.is_open_for_introduction(interest),
        "profile": _profile(interest),
        "message": interest.message,
        "language": interest.language,
        "created_at": interest.created_at,
        "expires_at": interest.expires_at,
        "answered_at": interest.answered_at,
        "revealed_at": interest.revealed_at,
        "decline_reason": interest.decline_reason,
        "decline_note": (
            interest.decline_note
            if interest_selectors.sees_decline_note(interest, viewer)
            else None
        ),
        "owner": _side(both["owner"]),
        "sender": _side(both["sender"]),
        "reveal_approvals": [
            {
                "id": a.pk,
                "authority": a.authority.code,
                "decision": a.decision,
                "decided_at": a.decided_at,
            }
            for a in interest.reveal_approvals.select_related("authority").order_by("pk")
        ],
    }


def _row(summary: interest_selectors.InterestSummary) -> dict:
    return {
        "id": summary.id,
        "reference": summary.reference,
        "status": summary.status,
        "reveal": summary.reveal,
        "side": summary.side,
        "profile": {
            "id": summary.profile_id,
            "reference": summary.profile_reference,
            "kind": summary.profile_kind,
            "title": summary.profile_title,
            "country": summary.profile_country,
        },
        "counterpart": _organisation(summary.counterpart),
        "created_at": summary.created_at,
        "expires_at": summary.expires_at,
        "answered_at": summary.answered_at,
    }


def _reloaded(interest: Interest, user) -> dict:
    return _out(parties.interest_for(user, interest.pk), user)


# --- Interests ------------------------------------------------------------------


@router.get(
    "/interests",
    response={200: InterestPage, **READ_ERRORS},
    summary="Expressions of interest your organisations received or sent",
)
def interest_list(request, query: Query[InterestQuery], page: Query[PageIn]):
    user = request.auth
    if query.box == "sent":
        queryset = interest_selectors.interests_sent(user)
    else:
        queryset = interest_selectors.interests_received(user)
    if query.status:
        queryset = queryset.filter(status=query.status)
    rows = list(queryset[page.offset : page.offset + page.limit])
    return {
        "count": queryset.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": [_row(s) for s in interest_selectors.interest_summaries(rows, user)],
    }


@router.post(
    "/profiles/{int:profile_id}/interests",
    response={201: InterestOut, **WRITE_ERRORS},
    summary="Express interest in a published profile, for one of your organisations",
)
def interest_send(request, payload: InterestIn, profile_id: int = IdPath):
    user = request.auth
    profile = get_object_or_404(
        selectors.profiles_visible_to(user).select_related("organisation"), pk=profile_id
    )
    organisation = Organisation.objects.filter(slug=payload.organisation).first()
    if organisation is None:
        raise ValidationError(
            {
                "organisation": [
                    _("Unknown organisation: %(value)s.") % {"value": payload.organisation}
                ]
            }
        )
    sender_profile = None
    if payload.sender_profile is not None:
        sender_profile = CooperationProfile.objects.filter(
            pk=payload.sender_profile, organisation=organisation
        ).first()
        if sender_profile is None:
            raise ValidationError(
                {"sender_profile": [_("The profile must be one of your organisation's.")]}
            )
    interest = interest_services.interest_send(
        profile=profile,
        organisation=organisation,
        by=user,
        message=payload.message,
        language=payload.language,
        sender_profile=sender_profile,
    )
    return Status(201, _reloaded(interest, user))


@router.get(
    "/interests/{int:interest_id}",
    response={200: InterestOut, **READ_ERRORS},
    summary="Read an expression of interest (its two sides and the brokering staff)",
)
def interest_read(request, interest_id: int = IdPath):
    return _out(parties.interest_for(request.auth, interest_id), request.auth)


@router.post(
    "/interests/{int:interest_id}/accept",
    response={200: InterestOut, **WRITE_ERRORS},
    summary="Accept an interest in your profile: the two organisations are introduced",
)
def interest_accept(request, interest_id: int = IdPath):
    interest = parties.interest_for(request.auth, interest_id)
    interest_services.interest_accept(interest=interest, by=request.auth)
    return _reloaded(interest, request.auth)


@router.post(
    "/interests/{int:interest_id}/decline",
    response={200: InterestOut, **WRITE_ERRORS},
    summary="Decline an interest in your profile, with an optional reason",
)
def interest_decline(request, payload: DeclineIn, interest_id: int = IdPath):
    interest = parties.interest_for(request.auth, interest_id)
    interest_services.interest_decline(
        interest=interest, by=request.auth, reason=payload.reason, note=payload.note
    )
    return _reloaded(interest, request.auth)


@router.post(
    "/interests/{int:interest_id}/withdraw",
    response={200: InterestOut, **WRITE_ERRORS},
    summary="Withdraw your organisation's interest (also ends an introduction)",
)
def interest_withdraw(request, interest_id: int = IdPath):
    interest = parties.interest_for(request.auth, interest_id)
    interest_services.interest_withdraw(interest=interest, by=request.auth)
    return _reloaded(interest, request.auth)


# --- Reveal approvals -----------------------------------------------------------


def _approval_out(approval: RevealApproval) -> dict:
    """For the staff who decide: they broker the interest and may know both sides."""
    interest = approval.interest
    return {
        "id": approval.pk,
        "authority": approval.authority.code,
        "decision": approval.decision,
        "created_at": approval.created_at,
        "decided_at": approval.decided_at,
        "interest": {
            "id": interest.pk,
            "reference": interest.reference,
            "status": interest.status,
            "reveal": interest.reveal,
            "profile": _profile(interest),
            "owner": _organisation(
                interest_selectors.organisation_view(interest.profile.organisation)
            ),
            "sender": _organisation(interest_selectors.organisation_view(interest.organisation)),
            "created_at": interest.created_at,
            "answered_at": interest.answered_at,
        },
    }


@router.get(
    "/reveal-approvals",
    response={200: RevealApprovalList, **READ_ERRORS},
    summary="Identity reveals waiting for your approval (authority staff)",
)
def reveal_approval_list(request):
    user = request.auth
    require(
        is_platform_admin(user) or is_authority_staff(user),
        _("Only authority staff approve identity reveals."),
    )
    pending = interest_selectors.reveal_approvals_pending(user)[:200]
    return {"items": [_approval_out(a) for a in pending]}


@router.post(
    "/reveal-approvals/{int:approval_id}/approve",
    response={200: RevealApprovalOut, **WRITE_ERRORS},
    summary="Let the two organisations of an accepted interest know each other",
)
def reveal_approve(request, approval_id: int = IdPath):
    user = request.auth
    approval = interest_selectors.reveal_approval_for(user, approval_id)
    interest_services.reveal_approve(approval=approval, by=user)
    return _approval_out(interest_selectors.reveal_approval_for(user, approval_id))


@router.post(
    "/reveal-approvals/{int:approval_id}/refuse",
    response={200: RevealApprovalOut, **WRITE_ERRORS},
    summary="Keep the two organisations of an accepted interest apart",
)
def reveal_refuse(request, payload: RefuseIn, approval_id: int = IdPath):
    user = request.auth
    approval = interest_selectors.reveal_approval_for(user, approval_id)
    interest_services.reveal_refuse(approval=approval, by=user, note=payload.note)
    return _approval_out(interest_selectors.reveal_approval_for(user, approval_id))
