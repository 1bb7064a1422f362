"""Reads of the registry worth a name."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

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


def sector_and_descendant_ids(code: str) -> list[int]:
    rows = list(Sector.objects.values_list("pk", "code", "parent_id"))
    root = next((pk for pk, c, _ in rows if c == code), None)
    if root is None:
        return []
    ids, frontier = {root}, {root}
    while frontier:
        frontier = {pk for pk, _, parent in rows if parent in frontier} - ids
        ids |= frontier
    return sorted(ids)


def zone_and_descendant_ids(slug: str) -> list[int]:
    rows = list(Zone.objects.values_list("pk", "slug", "parent_id"))
    root = next((pk for pk, s, _ in rows if s == slug), None)
    if root is None:
        return []
    ids, frontier = {root}, {root}
    while frontier:
        frontier = {pk for pk, _, parent in rows if parent in frontier} - ids
        ids |= frontier
    return sorted(ids)


def organisations_filtered(filters: OrganisationFilters) -> QuerySet[Organisation]:
    """Active organisations matching the filters, ordered by name, ready for a list page."""
    queryset = Organisation.objects.filter(is_active=True)
    if filters.country:
        queryset = queryset.filter(country=filters.country.upper())
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.zone:
        queryset = queryset.filter(zone_id__in=zone_and_descendant_ids(filters.zone))
    if filters.sector:
        ids = sector_and_descendant_ids(filters.sector)
        queryset = queryset.filter(
            pk__in=Organisation.sectors.through.objects.filter(sector_id__in=ids).values(
                "organisation_id"
            )
        )
    if filters.q:
        queryset = filter_by_text(queryset, filters.q)
    return (
        queryset.select_related("zone")
        .prefetch_related(
            Prefetch(
                "sectors",
                queryset=Sector.objects.only("code", "name_en", "name_zh_hans", "name_ur"),
            )
        )
        .order_by("name", "pk")
    )


def zone_roots() -> QuerySet[Zone]:
    """Top-level zones with their member parks and organisation counts, for the zone tree."""
    return (
        Zone.objects.filter(parent__isnull=True)
        .annotate(organisation_count=Count("organisations", distinct=True))
        .prefetch_related(
            Prefetch(
                "children",
                queryset=Zone.objects.annotate(
                    organisation_count=Count("organisations", distinct=True)
                ).order_by("name_en"),
            )
        )
        .order_by("country", "name_en")
    )


def sector_tree() -> list[Sector]:
    """Top-level sectors with their children prefetched."""
    return list(
        Sector.objects.filter(parent__isnull=True)
        .prefetch_related("children")
        .order_by("position", "code")
    )
