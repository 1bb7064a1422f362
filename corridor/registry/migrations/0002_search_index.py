"""Full-text index on Organisation.search_document: FTS5 on SQLite, GIN on PostgreSQL.

The document is already tokenised by corridor.core.text, so both engines split it on
spaces only (FTS5 ``unicode61``; PostgreSQL ``simple``) and need no language support.
"""

from django.db import migrations

T = "registry_organisation"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {T}_fts USING fts5(search_document, content='{T}', "
    "content_rowid='id', tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")",
    f"CREATE TRIGGER {T}_fts_ai AFTER INSERT ON {T} BEGIN "
    f"INSERT INTO {T}_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    f"CREATE TRIGGER {T}_fts_ad AFTER DELETE ON {T} BEGIN "
    f"INSERT INTO {T}_fts({T}_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    f"CREATE TRIGGER {T}_fts_au AFTER UPDATE OF search_document ON {T} BEGIN "
    f"INSERT INTO {T}_fts({T}_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    f"INSERT INTO {T}_fts(rowid, search_document) VALUES (new.id, new.search_document); END",
    f"INSERT INTO {T}_fts({T}_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {T}_fts_au",
    f"DROP TRIGGER IF EXISTS {T}_fts_ad",
    f"DROP TRIGGER IF EXISTS {T}_fts_ai",
    f"DROP TABLE IF EXISTS {T}_fts",
]
POSTGRES_FORWARD = [
    f"CREATE INDEX {T}_search_gin ON {T} USING gin (to_tsvector('simple', search_document))",
]
POSTGRES_BACKWARD = [f"DROP INDEX IF EXISTS {T}_search_gin"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
