"""Reads of agreements: who sees which, filtered and ready to list without N+1 queries.

An agreement is seen by the people who act for one of its parties, by staff of the
authority of any party's country, and by platform admins. Everyone else sees none, and
its page answers 404: that two organisations signed something is theirs to tell.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from corridor.core.permissions import is_platform_admin, staff_countries
from corridor.registry.models import Organisation, Sector

from ..models import Agreement, CooperationProfile
from ..parties import acting_organisation_ids
from .profiles import identity_rule

PARTY_FIELDS = ("id", "slug", "name", "name_en", "name_zh_hans", "name_ur", "country")


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _with_relations(queryset: QuerySet[Agreement]) -> QuerySet[Agreement]:
    return queryset.select_related("interest").prefetch_related(
        Prefetch("parties", queryset=Organisation.objects.only(*PARTY_FIELDS).order_by("name")),
        Prefetch("sectors", queryset=Sector.objects.order_by("position", "code")),
    )


def agreements_visible_to(user) -> QuerySet[Agreement]:
    """Every agreement ``user`` may read, newest signing first, parties and sectors prefetched."""
    if not _signed_in(user):
        return Agreement.objects.none()
    if is_platform_admin(user):
        return _with_relations(Agreement.objects.all())
    mine = acting_organisation_ids(user)
    countries = staff_countries(user)
    if not mine and not countries:
        return Agreement.objects.none()
    # Through the link table, so an agreement with two visible parties is listed once.
    seen = Q(organisation_id__in=mine) | Q(organisation__country__in=countries)
    ids = Agreement.parties.through.objects.filter(seen).values("agreement_id")
    return _with_relations(Agreement.objects.filter(pk__in=ids))


def agreements_filter(
    queryset: QuerySet[Agreement],
    *,
    kind: str = "",
    status: str = "",
    year: int | None = None,
    interest: int | None = None,
    organisation: str = "",
) -> QuerySet[Agreement]:
    """Narrow ``queryset`` by kind, status, signing year, interest or a party's slug."""
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(signed_on__year=year)
    if interest:
        queryset = queryset.filter(interest_id=interest)
    if organisation:
        through = Agreement.parties.through.objects.filter(organisation__slug=organisation)
        queryset = queryset.filter(pk__in=through.values("agreement_id"))
    return queryset


def agreement_for(user, pk) -> Agreement:
    """Agreement ``pk`` if ``user`` may read it; 404 otherwise, whether or not it exists."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    agreement = (
        agreements_visible_to(user)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "profiles",
                queryset=CooperationProfile.objects.select_related("organisation").order_by("pk"),
            ),
            "meetings",
        )
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def agreements_of_interest(interest, user) -> list[Agreement]:
    """The agreements of one introduction that ``user`` may read."""
    return list(agreements_visible_to(user).filter(interest=interest))


def linked_profiles(agreement: Agreement, viewer) -> list[CooperationProfile]:
    """The profiles that led to ``agreement`` whose organisation ``viewer`` may know.

    Linking an anonymous profile to an agreement must not tell a party, by elimination,
    which organisation wrote it; those it may not know are left out.
    """
    sees = identity_rule(viewer)
    return [p for p in agreement.profiles.all() if sees(p)]
