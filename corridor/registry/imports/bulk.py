"""Bulk writing of organisations and their search documents, fast on SQLite.

Used by the organisation import; see bench/import_organisations.py for the figures
that decided each shortcut here.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from ..models import Organisation

BATCH = 2000
# From this many new rows on, SQLite rows go in with executemany and the full-text
# index is filled in one statement.
BULK_FROM = 2000


def insert_organisations(organisations: list[Organisation]) -> None:
    """Insert new organisations and set their primary keys.

    ``bulk_create`` on SQLite sends 45 rows per statement (Django keeps under 999
    parameters) and prepares every value in Python: half a minute for 100,000 rows.
    On SQLite with many rows this takes the next free ids itself (the import's
    transaction holds the write lock from its start) and sends all rows with one
    ``executemany``; values are prepared by the fields, as ``bulk_create`` does.
    """
    if connection.vendor != "sqlite" or len(organisations) < BULK_FROM:
        Organisation.objects.bulk_create(organisations, batch_size=BATCH)
        return
    meta = Organisation._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    with connection.cursor() as cursor:
        # AUTOINCREMENT never reuses an id, so start past the highest ever given out.
        cursor.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {meta.db_table}), 0), "  # noqa: S608 - a model's table
            "coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [meta.db_table],
        )
        next_id = cursor.fetchone()[0] + 1
        rows = []
        for organisation in organisations:
            organisation.pk = next_id
            next_id += 1
            organisation.created_at = organisation.updated_at = now
            organisation._state.adding = False
            organisation._state.db = connection.alias
            row = [organisation.pk]
            for field in fields:
                value = getattr(organisation, field.attname)
                row.append(
                    value if isinstance(value, str) else field.get_db_prep_save(value, connection)
                )
            rows.append(row)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in [meta.pk, *fields])
        marks = ", ".join(["%s"] * (len(fields) + 1))
        cursor.executemany(f"INSERT INTO {meta.db_table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def insert_sector_links(links: list[tuple[int, int]]) -> None:
    """Sector links (organisation id, sector id), in one ``executemany`` on SQLite."""
    through = Organisation.sectors.through
    if connection.vendor != "sqlite":
        through.objects.bulk_create(
            [through(organisation_id=o, sector_id=s) for o, s in links], batch_size=BATCH
        )
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {through._meta.db_table} (organisation_id, sector_id) VALUES (%s, %s)",  # noqa: S608
            links,
        )


@contextmanager
def fts_deferred(count: int):
    """On SQLite, put many new rows into the full-text index with one statement.

    The per-row insert trigger of migration 0002 costs about 15 s per 100,000 rows;
    one ``INSERT … SELECT`` after the rows are in costs about 2 s. The trigger is
    dropped and recreated from its own stored SQL inside the import's transaction,
    so a failed import rolls both back and other connections never see it missing.
    """
    table = Organisation._meta.db_table
    if connection.vendor != "sqlite" or count < BULK_FROM:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            [f"{table}_fts_ai"],
        )
        found = cursor.fetchone()
        if found is None:
            yield
            return
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - a model's table name
        last = cursor.fetchone()[0]
        cursor.execute(f"DROP TRIGGER {table}_fts_ai")
        yield
        cursor.execute(found[0])
        cursor.execute(
            f"INSERT INTO {table}_fts(rowid, search_document) "  # noqa: S608 - a model's table name
            f"SELECT id, search_document FROM {table} WHERE id > %s",
            [last],
        )
