"""Reads of expressions of interest: inboxes, staff approvals, and whom each side may know.

The identity rule, in one place: the profile's organisation (the owner) sees the
sender's organisation from the start, since the sender chose to approach it, but its
people only after the reveal; the sender sees the owner's organisation and people
only after the reveal (or the organisation when the profile is not anonymous);
brokering staff and platform admins see both sides.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from corridor.core.permissions import is_platform_admin, staff_authority_ids, staff_countries
from corridor.registry.models import Organisation

from .. import parties
from ..models import Interest, RevealApproval
from .profiles import identity_rule

Status = Interest.Status
Reveal = Interest.Reveal

OWNER, SENDER, BROKER = "owner", "sender", "broker"


def _with_sides(queryset: QuerySet[Interest]) -> QuerySet[Interest]:
    return queryset.select_related("profile__organisation", "organisation")


def interests_received(user) -> QuerySet[Interest]:
    """Interests in the profiles of the organisations ``user`` acts for, newest first."""
    mine = parties.acting_organisation_ids(user)
    if not mine:
        return Interest.objects.none()
    return _with_sides(Interest.objects.filter(profile__organisation_id__in=mine))


def interests_sent(user) -> QuerySet[Interest]:
    """Interests the organisations ``user`` acts for have expressed, newest first."""
    mine = parties.acting_organisation_ids(user)
    if not mine:
        return Interest.objects.none()
    return _with_sides(Interest.objects.filter(organisation_id__in=mine))


def reveal_approvals_pending(user) -> QuerySet[RevealApproval]:
    """Reveals waiting for ``user``'s decision (staff of the authority asked, or an admin)."""
    pending = RevealApproval.objects.filter(
        decision=RevealApproval.Decision.PENDING,
        interest__status=Status.ACCEPTED,
        interest__reveal=Reveal.AWAITING_APPROVAL,
    )
    if not is_platform_admin(user):
        ids = staff_authority_ids(user)
        if not ids:
            return pending.none()
        pending = pending.filter(authority_id__in=ids)
    return pending.select_related(
        "authority", "interest__profile__organisation", "interest__organisation"
    ).order_by("created_at", "pk")


def reveal_approval_for(user, pk) -> RevealApproval:
    """A reveal approval whose interest ``user`` may read; 404 otherwise."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    approval = (
        RevealApproval.objects.filter(pk=pk, interest__in=parties.interests_readable_by(user))
        .select_related("authority", "interest__profile__organisation", "interest__organisation")
        .first()
    )
    if approval is None:
        raise Http404
    return approval


def is_open_for_introduction(interest: Interest) -> bool:
    """Accepted and revealed: the thread, meetings and agreements are possible."""
    return interest.status == Status.ACCEPTED and interest.reveal == Reveal.REVEALED


# --- Who may know whom ------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationView:
    id: int
    name: str
    slug: str
    website: str
    city: str
    country: str


@dataclass(frozen=True)
class ContactView:
    name: str
    email: str


@dataclass(frozen=True)
class CounterpartView:
    """One side of an interest as a viewer may see it: nothing when it is not theirs to know."""

    side: str  # "owner" (the profile's organisation) or "sender"
    organisation: OrganisationView | None = None
    contacts: list[ContactView] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class _Rules:
    """What one viewer may know of organisations, read once for any number of interests."""

    def __init__(self, viewer):
        self.profile = identity_rule(viewer)
        self.admin = is_platform_admin(viewer)
        self.countries = staff_countries(viewer)

    def __call__(self, profile) -> bool:
        """May the viewer know who wrote ``profile`` (the profile pages' rule)?"""
        return self.profile(profile)

    def staff_of(self, organisation: Organisation) -> bool:
        """Is the viewer staff of ``organisation``'s country (or a platform admin)?"""
        return self.admin or str(organisation.country) in self.countries


def viewer_side(interest: Interest, viewer) -> str | None:
    """ "owner", "sender", "broker" (reads along), or None (must not learn of it)."""
    organisation_id = parties.party_organisation_id(viewer, interest)
    if organisation_id is not None:
        return OWNER if organisation_id == parties.owner_organisation_id(interest) else SENDER
    if parties.is_broker(viewer, interest):
        return BROKER
    return None


def sees_decline_note(interest: Interest, viewer) -> bool:
    """The owner's note on a decline may name it: its own side reads it, and staff of its
    country (or platform admins); not the sender, nor the other country's staff."""
    side = viewer_side(interest, viewer)
    if side == OWNER:
        return True
    return side == BROKER and _Rules(viewer).staff_of(interest.profile.organisation)


def organisation_view(organisation: Organisation) -> OrganisationView:
    return OrganisationView(
        id=organisation.pk,
        name=organisation.name,
        slug=organisation.slug,
        website=organisation.website,
        city=organisation.city,
        country=str(organisation.country),
    )


def _contacts(organisation: Organisation) -> list[ContactView]:
    people = parties.people_of([organisation.pk]).order_by("last_name", "first_name", "pk")
    return [ContactView(name=p.get_full_name() or p.username, email=p.email) for p in people]


def _side_view(interest: Interest, side: str, viewer_is: str, sees_identity) -> CounterpartView:
    """``side`` of ``interest`` as someone on ``viewer_is`` sees it.

    Brokers are authority staff of either side's country: before the reveal they know
    only what they know anyway (their own country's organisations, a profile's author
    where the profile rule lets them), never the other country's organisation that has
    not consented yet.
    """
    organisation = interest.profile.organisation if side == OWNER else interest.organisation
    revealed = interest.reveal == Reveal.REVEALED
    if viewer_is == side:
        knows, contacts = True, True
    elif viewer_is == BROKER:
        own = (
            sees_identity(interest.profile)
            if side == OWNER
            else sees_identity.staff_of(organisation)
        )
        knows = contacts = revealed or own
    elif side == SENDER:  # the owner looks at who approached it
        knows, contacts = True, revealed
    else:  # the sender looks at the profile's organisation
        knows, contacts = revealed or sees_identity(interest.profile), revealed
    return CounterpartView(
        side=side,
        organisation=organisation_view(organisation) if knows else None,
        contacts=_contacts(organisation) if contacts else [],
    )


def counterpart(interest: Interest, viewer) -> CounterpartView | None:
    """The other side as a party of ``interest`` may see it; None for anyone not a party.

    Brokers are no party: :func:`sides` gives them both sides.
    """
    side = viewer_side(interest, viewer)
    if side not in (OWNER, SENDER):
        return None
    other = SENDER if side == OWNER else OWNER
    return _side_view(interest, other, side, _Rules(viewer))


def sides(interest: Interest, viewer) -> dict[str, CounterpartView] | None:
    """Both sides, {"owner": ..., "sender": ...}, as ``viewer`` may see them; None if not a reader."""
    side = viewer_side(interest, viewer)
    if side is None:
        return None
    rule = _Rules(viewer)
    return {s: _side_view(interest, s, side, rule) for s in (OWNER, SENDER)}


# --- Lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class InterestSummary:
    """A row of an inbox: the interest, its profile, and the other side's organisation
    when the viewer may know it (no contacts: those are on the interest's own page)."""

    id: int
    reference: str
    status: str
    reveal: str
    side: str
    profile_id: int
    profile_reference: str
    profile_title: str
    profile_kind: str
    profile_country: str
    counterpart: OrganisationView | None
    created_at: datetime.datetime
    expires_at: datetime.datetime
    answered_at: datetime.datetime | None

    def to_dict(self) -> dict:
        return asdict(self)


def interest_summaries(interests, viewer) -> list[InterestSummary]:
    """Rows for ``interests`` (loaded with :func:`interests_received` / ``_sent``, or a
    page of them) as ``viewer`` may see them, in a fixed number of queries."""
    rule = _Rules(viewer)
    rows = []
    for interest in interests:
        side = viewer_side(interest, viewer)
        if side is None:
            continue
        other = None
        if side == OWNER:
            other = organisation_view(interest.organisation)
        elif side == SENDER and (interest.reveal == Reveal.REVEALED or rule(interest.profile)):
            other = organisation_view(interest.profile.organisation)
        profile = interest.profile
        rows.append(
            InterestSummary(
                id=interest.pk,
                reference=interest.reference,
                status=interest.status,
                reveal=interest.reveal,
                side=side,
                profile_id=profile.pk,
                profile_reference=profile.reference,
                profile_title=profile.title,
                profile_kind=profile.kind,
                profile_country=str(profile.organisation.country),
                counterpart=other,
                created_at=interest.created_at,
                expires_at=interest.expires_at,
                answered_at=interest.answered_at,
            )
        )
    return rows
