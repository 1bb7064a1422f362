"""Reads of the registry worth a name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Organisation, Sector, Zone
from .search import filter_by_text


@dataclass(frozen=True)
class OrganisationFilters:
    """What the directory and the API filter organisations by; empty means any."""

    q: str = ""
    country: str = ""
    zone: str = ""  # a zone's slug: the zone and its member parks
    kind: str = ""
    sector: str = ""  # a sector's code: the sector and its sub-sectors


def subtree_ids(rows: Iterable[tuple[int, str, int | None]], key: str) -> list[int]:
    """Ids of the node whose key is ``key`` and of everything under it, from (pk, key, parent_id)."""
    rows = list(rows)
    root = next((pk for pk, k, _ in rows if k == key), None)
    if root is None:
        return []
    ids, frontier = {root}, {root}
    while frontier:
        frontier = {pk for pk, _, parent in rows if parent in frontier} - ids
        ids |= frontier
    return sorted(ids)


def sector_and_descendant_ids(code: str) -> list[int]:
    return subtree_ids(Sector.objects.values_list("pk", "code", "parent_id"), code)


def zone_and_descendant_ids(slug: str) -> list[int]:
    return subtree_ids(Zone.objects.values_list("pk", "slug", "parent_id"), slug)


def organisations_matching(
    *,
    q: str = "",
    country: str = "",
    kind: str = "",
    zone_ids: Iterable[int] | None = None,
    sector_ids: Iterable[int] | None = None,
) -> QuerySet[Organisation]:
    """Active organisations matching filters whose zone and sector are already resolved to ids.

    ``None`` means any zone (sector); an empty list means none. No order, no related rows:
    the directory counts over it, ``organisations_filtered`` lists it.
    """
    queryset = Organisation.objects.filter(is_active=True)
    if country:
        queryset = queryset.filter(country=country.upper())
    if kind:
        queryset = queryset.filter(kind=kind)
    if zone_ids is not None:
        queryset = queryset.filter(zone_id__in=list(zone_ids))
    if sector_ids is not None:
        queryset = queryset.filter(
            pk__in=Organisation.sectors.through.objects.filter(
                sector_id__in=list(sector_ids)
            ).values("organisation_id")
        )
    if q:
        queryset = filter_by_text(queryset, q)
    return queryset


def _listed(queryset: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return (
        queryset.select_related("zone")
        .prefetch_related(
            Prefetch(
                "sectors",
                queryset=Sector.objects.only("code", "name_en", "name_zh_hans", "name_ur"),
            )
        )
        # (name, id) is the order of a partial index on active organisations (migration 0006).
        .order_by("name", "pk")
    )


def organisations_filtered(filters: OrganisationFilters) -> QuerySet[Organisation]:
    """Active organisations matching the filters, ordered by name, ready for a list page."""
    return _listed(
        organisations_matching(
            q=filters.q,
            country=filters.country,
            kind=filters.kind,
            zone_ids=zone_and_descendant_ids(filters.zone) if filters.zone else None,
            sector_ids=sector_and_descendant_ids(filters.sector) if filters.sector else None,
        )
    )


def organisations_listed(ids) -> QuerySet[Organisation]:
    """The organisations with these ids (a list or a subquery), ready for a list page, by name."""
    return _listed(Organisation.objects.filter(pk__in=ids))


def _active_organisation_count() -> Coalesce:
    # A zone's own active organisations, counted in the partial (zone, name, id) index
    # (migration 0006): inactive ones are hidden from the public, and from its counts.
    return Coalesce(
        Subquery(
            Organisation.objects.filter(zone=OuterRef("pk"), is_active=True)
            .order_by()
            .values("zone")
            .annotate(n=Count("*"))
            .values("n")
        ),
        0,
    )


def zone_roots() -> QuerySet[Zone]:
    """Top-level zones with their member parks and organisation counts, for the zone tree."""
    return (
        Zone.objects.filter(parent__isnull=True)
        .annotate(organisation_count=_active_organisation_count())
        .prefetch_related(Prefetch("children", queryset=zone_parks_queryset()))
        .order_by("country", "name_en")
    )


def zone_parks_queryset() -> QuerySet[Zone]:
    """Zones with their own active organisations counted, by English name."""
    return Zone.objects.annotate(organisation_count=_active_organisation_count()).order_by(
        "name_en"
    )


def zone_parks(zone: Zone) -> QuerySet[Zone]:
    """A zone's member parks with their organisation counts."""
    return zone_parks_queryset().filter(parent=zone)


def sector_tree() -> list[Sector]:
    """Top-level sectors with their children prefetched."""
    return list(
        Sector.objects.filter(parent__isnull=True)
        .prefetch_related("children")
        .order_by("position", "code")
    )
