"""Exporting organisations and zones to CSV or JSON files that import back to the same data.

The columns are the import's columns, references are written as identifiers (zone
slug, sector codes, authority code), so ``export`` then ``import`` is a round trip
and importing an export into the same database reports every row unchanged.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO

from ..models import Organisation, Sector, Zone
from ..selectors import zone_and_descendant_ids
from . import organisations, zones
from .rows import FORMULA_START

CHUNK = 2000


def _codes(through, owner: str, ids: list[int]) -> dict[int, list[str]]:
    codes = dict(Sector.objects.values_list("pk", "code"))
    links: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        for owner_id, sector_id in (
            through.objects.filter(**{f"{owner}_id__in": ids[start : start + CHUNK]})
            .order_by(f"{owner}_id", "sector__code")
            .values_list(f"{owner}_id", "sector_id")
        ):
            links.setdefault(owner_id, []).append(codes[sector_id])
    return links


def organisation_rows(*, country: str = "", zone: str = "") -> Iterator[dict]:
    """Every organisation (of a country, in a zone and its member parks) as an import row."""
    queryset = Organisation.objects.order_by("pk")
    if country:
        queryset = queryset.filter(country=country.upper())
    if zone:
        queryset = queryset.filter(zone_id__in=zone_and_descendant_ids(zone))
    ids = list(queryset.values_list("pk", flat=True))
    zone_slugs = dict(Zone.objects.values_list("pk", "slug"))
    sectors = _codes(Organisation.sectors.through, "organisation", ids)
    fields = [c for c in organisations.COLUMNS if c not in ("zone", "sectors")]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for values in (
            Organisation.objects.filter(pk__in=chunk)
            .order_by("pk")
            .values("pk", "zone_id", *fields)
        ):
            pk = values.pop("pk")
            values["country"] = str(values["country"])
            values["zone"] = zone_slugs.get(values.pop("zone_id"), "")
            values["sectors"] = sectors.get(pk, [])
            yield {c: values[c] for c in organisations.COLUMNS}


def zone_rows(*, country: str = "", zone: str = "") -> Iterator[dict]:
    """Every zone (of a country, or one zone and its member parks), parents before members."""
    queryset = Zone.objects.select_related("parent", "authority")
    if country:
        queryset = queryset.filter(country=country.upper())
    if zone:
        queryset = queryset.filter(pk__in=zone_and_descendant_ids(zone))
    items = list(queryset)
    depth: dict[int, int] = {}
    parents = dict(Zone.objects.values_list("pk", "parent_id"))
    for item in items:
        node, level, seen = item.pk, 0, set()
        while parents.get(node) and node not in seen:
            seen.add(node)
            node, level = parents[node], level + 1
        depth[item.pk] = level
    items.sort(key=lambda z: (depth[z.pk], z.slug))
    sectors = _codes(Zone.focus_sectors.through, "zone", [z.pk for z in items])
    for item in items:
        row = {}
        for column in zones.COLUMNS:
            if column == "parent":
                row[column] = item.parent.slug if item.parent_id else ""
            elif column == "authority":
                row[column] = item.authority.code if item.authority_id else ""
            elif column == "focus_sectors":
                row[column] = sectors.get(item.pk, [])
            elif column == "country":
                row[column] = str(item.country)
            else:
                row[column] = getattr(item, column)
        yield row


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    value = str(value)
    # Spreadsheets run a cell that starts with = + - @ as a formula; the import strips the quote.
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def write(rows: Iterator[dict], *, columns: list[str], stream: IO[str], fmt: str) -> int:
    """Write rows as CSV or JSON to an open text stream; returns how many."""
    count = 0
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])
            count += 1
        return count
    stream.write("[")
    for row in rows:
        stream.write(",\n " if count else "\n ")
        stream.write(json.dumps({c: _json_value(row[c]) for c in columns}, ensure_ascii=False))
        count += 1
    stream.write("\n]\n")
    return count


def export(what: str, *, stream: IO[str], fmt: str, country: str = "", zone: str = "") -> int:
    if what == "organisations":
        return write(
            organisation_rows(country=country, zone=zone),
            columns=organisations.COLUMNS,
            stream=stream,
            fmt=fmt,
        )
    return write(
        zone_rows(country=country, zone=zone), columns=zones.COLUMNS, stream=stream, fmt=fmt
    )
