"""The full-text search document of an organisation, and matching a query against it.

The document holds tokens of the organisation's names, description and city, and the
names of its zone (and parent zone), sectors (and parent sectors) and country in all
three languages, so "人工智能" finds an AI company described in English and "پاکستان"
finds every Pakistani organisation. SQLite matches it with FTS5, PostgreSQL with its
full text search (``simple`` configuration, GIN index); see migration 0002.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import translation
from django_countries import countries

from corridor.core.text import query_terms, search_document, search_tokens

from .models import Organisation, Sector, Zone

LANGUAGES = ("en", "zh-hans", "ur")


class OrganisationIndexer:
    """Builds search documents; caches zone, sector and country names across many rows."""

    def __init__(self) -> None:
        self._zones: dict[int, list[str]] = {}
        self._sectors: dict[int, list[str]] | None = None
        self._countries: dict[str, list[str]] = {}
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._contexts: dict[tuple, tuple[str, ...]] = {}

    def _zone_names(self, zone_id: int | None) -> list[str]:
        if zone_id is None:
            return []
        if zone_id not in self._zones:
            names: list[str] = []
            seen: set[int] = set()
            zone = (
                Zone.objects.filter(pk=zone_id)
                .only("name_en", "name_zh_hans", "name_ur", "parent_id")
                .first()
            )
            while zone is not None and zone.pk not in seen:
                seen.add(zone.pk)
                names += [zone.name_en, zone.name_zh_hans, zone.name_ur]
                zone = zone.parent if zone.parent_id else None
            self._zones[zone_id] = names
        return self._zones[zone_id]

    def _sector_names(self, sector_ids) -> list[str]:
        if self._sectors is None:
            rows = {
                s.pk: s
                for s in Sector.objects.only("name_en", "name_zh_hans", "name_ur", "parent_id")
            }
            self._sectors = {}
            for pk, sector in rows.items():
                names, node, seen = [], sector, set()
                while node is not None and node.pk not in seen:
                    seen.add(node.pk)
                    names += [node.name_en, node.name_zh_hans, node.name_ur]
                    node = rows.get(node.parent_id)
                self._sectors[pk] = names
        names: list[str] = []
        for pk in sector_ids:
            names += self._sectors.get(pk, [])
        return names

    def _country_names(self, code: str) -> list[str]:
        code = str(code or "")
        if code and code not in self._countries:
            names = []
            for language in LANGUAGES:
                with translation.override(language):
                    names.append(str(countries.name(code)))
            self._countries[code] = names
        return self._countries.get(code, [])

    def _cached_tokens(self, text: str) -> tuple[str, ...]:
        tokens = self._tokens.get(text)
        if tokens is None:
            tokens = self._tokens[text] = tuple(search_tokens(text))
        return tokens

    def _context_tokens(self, country: str, zone_id: int | None, sector_ids) -> tuple[str, ...]:
        # Zone, sector and country names repeat on many rows: tokenise each combination once
        # (jieba on their Chinese names was most of a 100,000-row import's time).
        key = (country, zone_id, tuple(sector_ids))
        context = self._contexts.get(key)
        if context is None:
            merged: dict[str, None] = {}
            for text in (
                *self._country_names(country),
                *self._zone_names(zone_id),
                *self._sector_names(sector_ids),
            ):
                for token in self._cached_tokens(text or ""):
                    merged.setdefault(token, None)
            context = self._contexts[key] = tuple(merged)
        return context

    def document(self, organisation: Organisation, sector_ids) -> str:
        own = search_document(
            organisation.name,
            organisation.name_en,
            organisation.name_zh_hans,
            organisation.name_ur,
            organisation.city,
            organisation.description,
        )
        seen = dict.fromkeys(own.split())
        country = str(organisation.country or "")
        for token in self._context_tokens(country, organisation.zone_id, sorted(sector_ids)):
            seen.setdefault(token, None)
        return " ".join(seen)


def organisation_document(organisation: Organisation) -> str:
    sector_ids = list(organisation.sectors.values_list("pk", flat=True))
    return OrganisationIndexer().document(organisation, sector_ids)


def _fts5_query(terms: list[str]) -> str:
    # Each term quoted (so FTS5 syntax in user input is inert) and matched as a prefix.
    return " AND ".join('"{}"*'.format(t.replace('"', '""')) for t in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join("'{}':*".format(t.replace("\\", "").replace("'", "''")) for t in terms)


# Fixed SQL (no user text in it); the query goes in as a parameter. Neither names the
# outer table, so a text-filtered queryset still works inside another query.
_POSTGRES_MATCH = "to_tsvector('simple', search_document) @@ to_tsquery('simple', %s)"
_SQLITE_MATCH = (
    "SELECT rowid FROM registry_organisation_fts WHERE registry_organisation_fts MATCH %s"
)


def filter_by_text(queryset: QuerySet, query: str) -> QuerySet:
    """Organisations whose search document has every term of ``query`` (as a prefix)."""
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        # A boolean expression as the condition, so the planner uses the GIN index.
        return queryset.filter(
            RawSQL(_POSTGRES_MATCH, [_tsquery(terms)], output_field=BooleanField())  # noqa: S611
        )
    return queryset.filter(pk__in=RawSQL(_SQLITE_MATCH, [_fts5_query(terms)]))  # noqa: S611
