import pytest

from corridor.matching.lexical import BM25Index, tokens


def _index():
    index = BM25Index()
    docs = {
        "lidar": "We make LiDAR sensors for autonomous vehicles and robots.",
        "robots": "We make industrial robots for welding and painting.",
        "zh": "我们生产用于自动驾驶汽车的激光雷达传感器。",
        "ur": "ہم خودکار گاڑیوں کے لیے سینسر بناتے ہیں۔",
    }
    for id_, text in docs.items():
        index.upsert(id_, tokens(text))
    return index


def test_rare_exact_term_ranks_first():
    index = _index()
    scores = index.scores(tokens("LiDAR for robots"))
    assert max(scores, key=scores.get) == "lidar"
    assert scores["lidar"] > scores["robots"] > 0
    assert "zh" not in scores  # nothing shared


def test_chinese_query_uses_jieba_words():
    index = _index()
    scores = index.scores(tokens("激光雷达"))
    assert list(scores) == ["zh"]


def test_urdu_letter_variants_match():
    index = _index()
    # Arabic yeh (ي) and kaf (ك) instead of the Urdu letters: same tokens after folding.
    assert "ur" in index.scores(tokens("گاڑيوں"))


def test_remove_and_reindex():
    index = _index()
    index.remove(["lidar", "unknown"])
    assert "lidar" not in index and len(index) == 3
    assert "lidar" not in index.scores(tokens("LiDAR"))
    index.upsert("robots", tokens("LiDAR only now"))
    assert list(index.scores(tokens("LiDAR"))) == ["robots"]
    assert index.scores(tokens("welding")) == {}


def test_ideal_normalisation_keeps_a_single_shared_acronym_small():
    index = _index()
    long_query = tokens("我们提供机器人焊接 5G 工厂解决方案 AI 视觉 质检 LiDAR 工业互联网")
    scores = index.scores(long_query)
    assert scores["lidar"] / index.ideal(long_query) < 0.25
    own = tokens("LiDAR sensors")
    assert index.scores(own)["lidar"] / index.ideal(own) == pytest.approx(1.0, abs=0.35)


def test_shared_terms_rarest_first():
    index = BM25Index()
    index.upsert(1, tokens("we sell photonic chips and we ship fast"))
    index.upsert(2, tokens("we need photonic chips and boards"))
    index.upsert(3, tokens("we sell boards and we ship cables"))
    index.upsert(4, tokens("we ship cables"))
    shared = index.shared_terms(index.counts(1), index.counts(2))
    # "photonic" and "chips" are in two documents; "and" (three) and "we" (all four)
    # are too common to be evidence of anything.
    assert shared == ["chips", "photonic"]


def test_common_words_do_not_score():
    index = BM25Index(max_df=0.1)
    for i in range(30):
        index.upsert(i, tokens(f"we make product number {i}"))
    index.upsert("hit", tokens("we make photonic chips"))
    scores = index.scores(tokens("we make photonic"))
    assert list(scores) == ["hit"]  # "we" and "make" are in every document
    assert index.ideal(tokens("we make photonic")) == index.idf("photonic")
