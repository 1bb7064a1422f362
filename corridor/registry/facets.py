"""The directory's facets (country, zone, kind, sector) and its number of results.

Each facet counts what the *other* filters leave, so choosing a country shows how many
of those organisations are of each kind. Whatever the filters, two queries count:

1. ``(country, kind, zone) -> n`` over the active organisations that the text and
   sector filters leave, read from a partial index (migration 0006). Country, kind and
   zone are then filtered in Python, so this one query gives three facets and the
   number of results for the paginator.
2. for the sector facet (which keeps every filter but the sector), each organisation's
   set of sectors, grouped: how many organisations have each set. Python adds them up
   per sector, and per top-level sector counting an organisation once however many of
   its sub-sectors it has.

(2) reads every sector link of the organisations it counts, about 100 ms on SQLite at
100,000 organisations, and a broad text search costs (1) as much. So both are cached
(the default cache) for CACHE_SECONDS, keyed on the filters they depend on (the
directory's pages and its sector choices share one sector entry) and on a fingerprint
of the tables read, taken by one cheap query per page: the number of organisations and
their latest ``updated_at``, the number of sector links and the latest link. A save,
an import, a deletion or a change of sectors changes the fingerprint, so counts are new
at once and in every process; only a write that bypasses ``updated_at`` (a bare
``QuerySet.update``, the search reindex task) shows up later, after CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, CharField, Count
from django_countries import countries

from .models import Organisation, Sector, Zone
from .selectors import OrganisationFilters, organisations_matching, subtree_ids

CACHE_SECONDS = 300


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None
    selected: bool
    depth: int = 0
    url: str = ""  # this page's address with the option chosen (or, when chosen, removed)


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)
    clear_url: str = ""
    selected: bool = False


@dataclass(frozen=True)
class DirectoryCounts:
    """The counts behind one directory page: its number of results and its facets."""

    groups: tuple[tuple[str, str, int | None, int], ...]  # (country, kind, zone id, n)
    sectors: dict[int, int]  # sector id -> organisations linked to it
    roots: dict[int, int]  # top-level sector id -> organisations in it or its sub-sectors
    country: str = ""
    kind: str = ""
    zone_ids: frozenset[int] | None = None  # None: any zone

    def _by(self, position: int) -> dict:
        # Groups passing every filter but the one at ``position``, summed by its value.
        wanted = (
            lambda c: not self.country or c == self.country,
            lambda k: not self.kind or k == self.kind,
            lambda z: self.zone_ids is None or z in self.zone_ids,
        )
        counts: dict = {}
        for group in self.groups:
            if all(wanted[i](group[i]) for i in range(3) if i != position):
                counts[group[position]] = counts.get(group[position], 0) + group[3]
        return counts

    @property
    def total(self) -> int:
        """The number of organisations every filter leaves: the paginator's count."""
        return sum(n for kind, n in self._by(1).items() if not self.kind or kind == self.kind)

    def by_country(self) -> dict[str, int]:
        return self._by(0)

    def by_kind(self) -> dict[str, int]:
        return self._by(1)

    def by_zone(self) -> dict[int | None, int]:
        return self._by(2)


def _fingerprint() -> tuple:
    organisations = connection.ops.quote_name(Organisation._meta.db_table)
    links = connection.ops.quote_name(Organisation.sectors.through._meta.db_table)
    # Fixed SQL built from table names only.
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {organisations}), "  # noqa: S608
        f"(SELECT MAX(updated_at) FROM {organisations}), "
        f"(SELECT COUNT(*) FROM {links}), (SELECT MAX(id) FROM {links})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(value) for value in cursor.fetchone())


def _roots(sectors: Sequence[Sector]) -> dict[int, int]:
    """Each sector's top-level sector (a cycle stops at the node where it closes)."""
    by_pk = {s.pk: s for s in sectors}
    roots = {}
    for sector in sectors:
        node, seen = sector, set()
        while node.parent_id in by_pk and node.pk not in seen:
            seen.add(node.pk)
            node = by_pk[node.parent_id]
        roots[sector.pk] = node.pk
    return roots


class _Ids(Aggregate):
    """A group's ids as one comma-separated string."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(%(expressions)s::text, ',')",
            **extra_context,
        )


def _groups(*, q: str, sector_ids: list[int] | None) -> tuple:
    return tuple(
        (str(c), k, z, n)
        for c, k, z, n in organisations_matching(q=q, sector_ids=sector_ids)
        .values_list("country", "kind", "zone_id")
        .annotate(n=Count("*"))
        .order_by()
    )


def _sector_counts(
    *, q: str, country: str, kind: str, zone_ids: list[int] | None, roots: dict[int, int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Organisations per sector, and per top-level sector counting each organisation once.

    One pass over the links: each organisation's set of sectors as a string, then how many
    organisations have each set (some thousands of sets at 100,000 organisations).
    """
    links = Organisation.sectors.through.objects.all()
    if q or country or kind or zone_ids is not None:
        # The sector facet ignores the sector filter and keeps every other one.
        links = links.filter(
            organisation_id__in=organisations_matching(
                q=q, country=country, kind=kind, zone_ids=zone_ids
            ).values("pk")
        )
    else:
        # No filter but "active": leave out the few inactive organisations rather than
        # look up the many active ones.
        links = links.exclude(
            organisation_id__in=Organisation.objects.filter(is_active=False).values("pk")
        )
    per_organisation = (
        links.values("organisation_id").annotate(ids=_Ids("sector_id")).values("ids").order_by()
    )
    sql, params = per_organisation.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ids, COUNT(*) FROM ({sql}) per_organisation GROUP BY ids", params)  # noqa: S608
        sets = cursor.fetchall()
    # Counted by the ids as text, converted once at the end (thousands of sets).
    root_of = {str(pk): root for pk, root in roots.items()}
    sectors: dict[str, int] = {}
    top: dict[int, int] = {}
    for ids, n in sets:
        members = ids.split(",")
        if len(members) > 1:
            members = set(members)
        for pk in members:
            sectors[pk] = sectors.get(pk, 0) + n
        for root in {root_of.get(pk) for pk in members}:
            top[root] = top.get(root, 0) + n
    top.pop(None, None)  # a sector created since the sectors were read
    return {int(pk): n for pk, n in sectors.items()}, top


def _cached(key: tuple, compute):
    name = "corridor:directory-counts:" + hashlib.sha256(repr(key).encode()).hexdigest()
    value = cache.get(name)
    if value is None:
        value = compute()
        cache.set(name, value, CACHE_SECONDS)
    return value


def directory_counts(
    filters: OrganisationFilters, *, zones: Sequence[Zone], sectors: Sequence[Sector]
) -> DirectoryCounts:
    """Counts for the directory filtered by ``filters``, given every zone and sector."""
    country = filters.country.upper()
    zone_ids = (
        subtree_ids(((z.pk, z.slug, z.parent_id) for z in zones), filters.zone)
        if filters.zone
        else None
    )
    sector_ids = (
        subtree_ids(((s.pk, s.code, s.parent_id) for s in sectors), filters.sector)
        if filters.sector
        else None
    )
    roots = _roots(sectors)
    fingerprint = _fingerprint()
    # Two entries: the sector counts do not depend on the sector filter, so the directory's
    # pages and its sector choices share one.
    groups = _cached(
        ("groups", fingerprint, filters.q, sector_ids),
        lambda: _groups(q=filters.q, sector_ids=sector_ids),
    )
    sector_counts, root_counts = _cached(
        ("sectors", fingerprint, filters.q, country, filters.kind, zone_ids, sorted(roots.items())),
        lambda: _sector_counts(
            q=filters.q, country=country, kind=filters.kind, zone_ids=zone_ids, roots=roots
        ),
    )
    return DirectoryCounts(
        groups=groups,
        sectors=sector_counts,
        roots=root_counts,
        country=country,
        kind=filters.kind,
        zone_ids=frozenset(zone_ids) if zone_ids is not None else None,
    )


# --- Facets built from the counts ------------------------------------------------------


def country_facet(filters: OrganisationFilters, counts: DirectoryCounts, label: str) -> Facet:
    by_country = counts.by_country()
    codes = set(by_country) | ({filters.country} if filters.country else set())
    options = sorted(
        (
            FacetOption(
                value=str(code),
                label=str(countries.name(code)) or str(code),
                count=by_country.get(code, 0),
                selected=str(code) == filters.country,
            )
            for code in codes
            if code
        ),
        key=lambda o: (-(o.count or 0), o.label),
    )
    return Facet("country", label, options)


def kind_facet(filters: OrganisationFilters, counts: DirectoryCounts, label: str) -> Facet:
    by_kind = counts.by_kind()
    options = [
        FacetOption(value, str(kind_label), by_kind.get(value, 0), value == filters.kind)
        for value, kind_label in Organisation.Kind.choices
    ]
    return Facet("kind", label, options)


def zone_facet(
    filters: OrganisationFilters, counts: DirectoryCounts, label: str, zones: Sequence[Zone]
) -> Facet:
    direct = counts.by_zone()
    children: dict[int | None, list[Zone]] = {}
    for zone in zones:
        children.setdefault(zone.parent_id, []).append(zone)

    # An organisation has one zone, so a zone's total is its own plus its parks'.
    def total(zone: Zone, seen: frozenset = frozenset()) -> int:
        if zone.pk in seen:
            return 0
        seen = seen | {zone.pk}
        return direct.get(zone.pk, 0) + sum(total(c, seen) for c in children.get(zone.pk, []))

    options: list[FacetOption] = []

    def walk(zone: Zone, depth: int, seen: frozenset = frozenset()) -> None:
        if zone.pk in seen:
            return
        count = total(zone)
        if count or zone.slug == filters.zone:
            options.append(
                FacetOption(zone.slug, zone.name, count, zone.slug == filters.zone, depth)
            )
        for child in children.get(zone.pk, []):
            walk(child, depth + 1, seen | {zone.pk})

    for root in children.get(None, []):
        walk(root, 0)
    return Facet("zone", label, options)


def sector_facet(
    filters: OrganisationFilters,
    counts: DirectoryCounts,
    label: str,
    sectors: Sequence[Sector],
) -> Facet:
    by_pk = {s.pk: s for s in sectors}
    children: dict[int | None, list[Sector]] = {}
    for sector in sorted(sectors, key=lambda s: (s.position, s.code)):
        children.setdefault(sector.parent_id if sector.parent_id in by_pk else None, []).append(
            sector
        )
    options: list[FacetOption] = []
    for top in children.get(None, []):
        options.append(
            FacetOption(top.code, top.name, counts.roots.get(top.pk, 0), top.code == filters.sector)
        )
        for child in children.get(top.pk, []):
            count = counts.sectors.get(child.pk, 0)
            if count or child.code == filters.sector:
                options.append(
                    FacetOption(child.code, child.name, count, child.code == filters.sector, 1)
                )
    return Facet("sector", label, options)
