"""Who takes part in an expression of interest, and who brokers it.

Every part of the pipeline (interest, thread, meetings, agreements) asks these
questions; they are answered here once. An interest has two sides: the profile's
organisation (the owner) and the organisation that sent the interest (the sender).
Authority staff of either side's country broker it and read along; platform admins too.
Anyone else must not learn that the interest exists: callers answer 404, not 403.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from corridor.accounts.models import OrganisationMembership
from corridor.core.permissions import is_platform_admin, staff_countries

from .models import Interest

ACTING_ROLES = ("admin", "member")


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def acting_organisation_ids(user) -> set[int]:
    """Organisations the user may act for (express interest, answer, write, meet, sign)."""
    if not _signed_in(user):
        return set()
    cached = getattr(user, "_corridor_acting_organisations", None)
    if cached is None:
        cached = set(
            OrganisationMembership.objects.filter(user=user, role__in=ACTING_ROLES).values_list(
                "organisation_id", flat=True
            )
        )
        user._corridor_acting_organisations = cached
    return cached


def owner_organisation_id(interest: Interest) -> int:
    return interest.profile.organisation_id


def party_organisation_id(user, interest: Interest) -> int | None:
    """The side ``user`` acts for in ``interest``: the owner's or the sender's id, or None."""
    mine = acting_organisation_ids(user)
    owner = owner_organisation_id(interest)
    if owner in mine:
        return owner
    if interest.organisation_id in mine:
        return interest.organisation_id
    return None


def other_organisation_id(interest: Interest, organisation_id: int) -> int:
    owner = owner_organisation_id(interest)
    return interest.organisation_id if organisation_id == owner else owner


def is_owner(user, interest: Interest) -> bool:
    return owner_organisation_id(interest) in acting_organisation_ids(user)


def is_sender(user, interest: Interest) -> bool:
    return interest.organisation_id in acting_organisation_ids(user)


def is_broker(user, interest: Interest) -> bool:
    """Platform admins, and staff of the authority of either side's country (read-only)."""
    if not _signed_in(user):
        return False
    if is_platform_admin(user):
        return True
    countries = staff_countries(user)
    return bool(countries) and (
        str(interest.profile.organisation.country) in countries
        or str(interest.organisation.country) in countries
    )


def may_read(user, interest: Interest) -> bool:
    return party_organisation_id(user, interest) is not None or is_broker(user, interest)


def interests_readable_by(user) -> QuerySet[Interest]:
    """Every interest ``user`` takes part in or brokers, as one query."""
    if not _signed_in(user):
        return Interest.objects.none()
    if is_platform_admin(user):
        return Interest.objects.all()
    mine = acting_organisation_ids(user)
    visible = Q(organisation_id__in=mine) | Q(profile__organisation_id__in=mine)
    countries = staff_countries(user)
    if countries:
        visible |= Q(organisation__country__in=countries) | Q(
            profile__organisation__country__in=countries
        )
    return Interest.objects.filter(visible)


def interest_for(user, pk) -> Interest:
    """The interest ``pk`` if ``user`` may read it; 404 otherwise, so existence does not leak."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    interest = (
        interests_readable_by(user)
        .select_related("profile__organisation", "organisation", "sender_profile")
        .filter(pk=pk)
        .first()
    )
    if interest is None:
        raise Http404
    return interest


def people_of(organisation_ids) -> QuerySet:
    """Active people who act for these organisations: who hears of their side's news."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id__in=list(organisation_ids),
            memberships__role__in=ACTING_ROLES,
        )
        .distinct()
    )
