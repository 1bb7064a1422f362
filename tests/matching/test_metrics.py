import json
import math

import pytest

from corridor.matching.evaluate import metrics, ndcg_at_k, precision_at_k, reciprocal_rank


def test_precision_at_k_counts_relevant_among_first_k():
    ranking = ["x", "a", "y", "b"]
    assert precision_at_k(ranking, {"a", "b"}, 1) == 0.0
    assert precision_at_k(ranking, {"a", "b"}, 2) == 0.5
    assert precision_at_k(ranking, {"a", "b"}, 4) == 0.5
    # A short ranking counts its empty places as misses.
    assert precision_at_k(["a"], {"a"}, 5) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        precision_at_k(ranking, {"a"}, 0)


def test_reciprocal_rank_is_one_over_first_relevant_rank():
    assert reciprocal_rank(["x", "y", "a", "b"], {"a", "b"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a"], {"a"}) == 1.0
    assert reciprocal_rank(["x", "y"], {"a"}) == 0.0


def test_ndcg_by_hand():
    # Relevant at ranks 2 and 3 of two relevant items:
    # DCG = 1/log2(3) + 1/log2(4); IDCG = 1/log2(2) + 1/log2(3).
    expected = (1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b", "x"], {"a", "b"}, 10) == pytest.approx(1.0)
    # Beyond k does not count.
    assert ndcg_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert ndcg_at_k(["a"], set(), 10) == 0.0


def test_metrics_are_means_over_queries():
    result = metrics([["a", "x"], ["x", "b"], ["x", "y"]], [{"a"}, {"b"}, {"c"}])
    assert result.queries == 3
    assert result.precision_at_1 == pytest.approx(1 / 3)
    assert result.mrr == pytest.approx((1 + 0.5 + 0) / 3)
    assert result.ndcg_at_10 == pytest.approx((1 + 1 / math.log2(3) + 0) / 3)
    with pytest.raises(ValueError):
        metrics([["a"]], [])


def test_load_pairs_reports_the_bad_line():
    from corridor.matching.evaluate import load_pairs

    good = '{"a": {"text": "robots", "lang": "en"}, "b": {"text": "机器人", "lang": "zh-hans"}}'
    assert load_pairs([good, "", good]) == [json.loads(good)] * 2
    with pytest.raises(ValueError, match="line 2: not JSON"):
        load_pairs([good, "{nope"])
    with pytest.raises(ValueError, match="line 1: expected an object"):
        load_pairs(['{"a": {"text": "x"}}'])
    with pytest.raises(ValueError, match="line 1, b"):
        load_pairs(['{"a": {"text": "x"}, "b": {"text": "  "}}'])
