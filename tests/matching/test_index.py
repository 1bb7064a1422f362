import numpy as np
import pytest

from corridor.matching.index import ExactIndex, top_k_rows


def _unit(rng, n, d=32):
    m = rng.standard_normal((n, d)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_top_k_equals_brute_force():
    rng = np.random.default_rng(7)
    vectors = _unit(rng, 500)
    ids = [f"p{i}" if i % 2 else i for i in range(500)]  # ints and strings together
    index = ExactIndex(32)
    index.upsert(ids, vectors)
    for query in _unit(rng, 20):
        brute = sorted(range(500), key=lambda i: -float(vectors[i] @ query))[:10]
        found = index.search(query, 10)
        assert [i for i, _ in found] == [ids[i] for i in brute]
        assert [s for _, s in found] == pytest.approx(
            [float(vectors[i] @ query) for i in brute], abs=1e-5
        )
    many = index.search_many(_unit(np.random.default_rng(1), 3), 5)
    assert len(many) == 3 and all(len(row) == 5 for row in many)


def test_remove_update_and_exclude_keep_results_exact():
    rng = np.random.default_rng(3)
    vectors = _unit(rng, 50)
    index = ExactIndex(32, capacity=4)  # grows as needed
    index.upsert(list(range(50)), vectors)
    assert index.remove([0, 10, 49, 999]) == 3
    assert len(index) == 47 and 10 not in index and 11 in index
    query = vectors[10]
    assert 10 not in [i for i, _ in index.search(query, 47)]
    # Updating an id moves its vector; search follows.
    index.update(11, query)
    assert index.search(query, 1)[0][0] == 11
    assert index.search(query, 1, exclude=[11])[0][0] != 11
    np.testing.assert_allclose(index.vector(11), query, atol=1e-6)
    # The rows left after removals still match brute force.
    remaining = index.ids
    brute = sorted(remaining, key=lambda i: -float(index.vector(i) @ query))[:5]
    assert [i for i, _ in index.search(query, 5)] == brute


def test_bad_input_is_refused():
    index = ExactIndex(4)
    with pytest.raises(ValueError):
        index.upsert([1, 2], np.ones((3, 4)))
    with pytest.raises(ValueError):
        index.upsert([1, 1], np.ones((2, 4)))
    with pytest.raises(ValueError):
        index.similarities(np.ones(5))
    assert index.search(np.ones(4), 10) == []


def test_ties_break_by_row_order():
    scores = np.array([0.5, 0.9, 0.5, 0.9, 0.1], dtype=np.float32)
    assert top_k_rows(scores, 3).tolist() == [1, 3, 0]
    assert top_k_rows(scores, 10).tolist() == [1, 3, 0, 2, 4]
    assert top_k_rows(scores, 0).tolist() == []
