"""PgVectorIndex (pgvector HNSW) against the exact in-process index.

PostgreSQL only: the table exists only where the matching migration could create it.
CI runs the suite on PostgreSQL too, so these run there.
"""

import numpy as np
import pytest
from django.db import connection

from corridor.matching.index import ExactIndex
from corridor.matching.pgvector_index import (
    PgVectorIndex,
    PgVectorUnavailable,
    available,
    recall_at_k,
)

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pgvector needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite uses ExactIndex",
)
DIM = 384


def unit(rng, n):
    rows = rng.standard_normal((n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture
def index(db):
    if connection.vendor != "postgresql":
        pytest.skip("pgvector needs PostgreSQL")
    with connection.cursor() as cursor:
        # A few hundred rows: the planner would scan the table; make it use HNSW.
        cursor.execute("SET enable_seqscan = off")
    yield PgVectorIndex()
    with connection.cursor() as cursor:
        cursor.execute("RESET enable_seqscan")


@pytest.fixture
def loaded(index):
    rng = np.random.default_rng(3)
    vectors = unit(rng, 400)
    exact = ExactIndex(DIM)
    ids = list(range(1, 401))
    exact.upsert(ids, vectors)
    index.upsert(ids, vectors)
    return index, exact, rng


@on_postgres
def test_the_migration_made_the_table_and_hnsw_index(db):
    assert available()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'matching_vector'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "USING hnsw (embedding vector_ip_ops)" in definitions


@on_postgres
def test_results_match_exact_search(loaded):
    index, exact, rng = loaded
    assert len(index) == 400
    queries = unit(rng, 30)
    recalls = []
    for query in queries:
        approximate = index.search(query, 10)
        truth = exact.search(query, 10)
        recalls.append(recall_at_k([i for i, _ in approximate], [i for i, _ in truth]))
        assert len(approximate) == 10
        scores = [s for _, s in approximate]
        assert scores == sorted(scores, reverse=True)
        # The reported score is the cosine, as ExactIndex reports it.
        for id_, score in approximate:
            assert score == pytest.approx(float(exact.vector(id_) @ query), abs=1e-5)
    assert np.mean(recalls) >= 0.95, recalls


@on_postgres
def test_the_query_uses_the_hnsw_index(loaded):
    index, _, rng = loaded
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM matching_vector ORDER BY embedding <#> %s::vector LIMIT 10",
            [str(unit(rng, 1)[0].tolist())],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "matching_vector_hnsw" in plan, plan


@on_postgres
def test_update_moves_a_vector(loaded):
    index, _, rng = loaded
    target = unit(rng, 1)[0]
    assert index.search(target, 1)[0][0] != 7
    index.update(7, target * 3.0)  # stored normalised
    [(best, score)] = index.search(target, 1)
    assert best == 7 and score == pytest.approx(1.0, abs=1e-5)
    assert len(index) == 400


@on_postgres
def test_remove_and_exclude(loaded):
    index, exact, rng = loaded
    query = unit(rng, 1)[0]
    first = [i for i, _ in index.search(query, 5)]
    assert index.remove([first[0], first[1], 99_999]) == 2
    assert len(index) == 398 and first[0] not in index and first[2] in index
    after = [i for i, _ in index.search(query, 5)]
    assert first[0] not in after and first[1] not in after
    assert after[0] == first[2]
    without = [i for i, _ in index.search(query, 10, exclude=[first[2], first[3]])]
    assert len(without) == 10 and first[2] not in without and first[3] not in without
    assert index.remove([]) == 0


@on_postgres
def test_ef_search_is_applied(loaded):
    index, _, rng = loaded
    index.ef_search = 123
    index.search(unit(rng, 1)[0], 10)
    with connection.cursor() as cursor:
        cursor.execute("SHOW hnsw.ef_search")
        assert cursor.fetchone()[0] == "123"
    index.search(unit(rng, 1)[0], 10, exclude=range(1, 201))  # k + excluded > ef_search
    with connection.cursor() as cursor:
        cursor.execute("SHOW hnsw.ef_search")
        assert cursor.fetchone()[0] == "210"


@on_postgres
@pytest.mark.parametrize(
    "ids, vectors, message",
    [
        ([1], np.ones((1, 100)), "dimension 384"),
        ([1, 2], np.ones((1, DIM)), "expected 2 vectors"),
        ([1], np.full((1, DIM), np.nan), "NaN"),
        ([1], np.full((1, DIM), np.inf), "NaN or infinite"),
        ([1], np.zeros((1, DIM)), "zero vector"),
        ([1, 1], np.ones((2, DIM)), "duplicate ids"),
        (["p1"], np.ones((1, DIM)), "ids must be integers"),
        ([True], np.ones((1, DIM)), "ids must be integers"),
        ([2**63], np.ones((1, DIM)), "bigint"),
        ([1], [["x"] * DIM], "must be numbers"),
    ],
)
def test_bad_vectors_are_refused_before_the_database(
    index, django_assert_num_queries, ids, vectors, message
):
    with django_assert_num_queries(0), pytest.raises(ValueError, match=message):
        index.upsert(ids, vectors)
    assert len(index) == 0


@on_postgres
def test_bad_queries_are_refused_before_the_database(index, django_assert_num_queries):
    with django_assert_num_queries(0):
        for query, message in (
            (np.ones(10), "dimension 384"),
            (np.full(DIM, np.nan), "NaN"),
            (np.zeros(DIM), "zero vector"),
        ):
            with pytest.raises(ValueError, match=message):
                index.search(query, 10)
        with pytest.raises(ValueError, match="at most 1000"):
            index.search(np.ones(DIM), 1001)
        with pytest.raises(ValueError, match="integers"):
            index.search(np.ones(DIM), 10, exclude=["p1"])
        with pytest.raises(ValueError, match="integers"):
            index.remove(["p1"])
        assert index.search(np.ones(DIM), 0) == []
    with pytest.raises(ValueError, match="identifier"):
        PgVectorIndex(table="matching_vector; DROP TABLE x")
    with pytest.raises(ValueError, match="ef_search"):
        PgVectorIndex(ef_search=0)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="about SQLite")
def test_refused_on_sqlite(db):
    assert not available()
    with pytest.raises(PgVectorUnavailable, match="PostgreSQL"):
        PgVectorIndex()
