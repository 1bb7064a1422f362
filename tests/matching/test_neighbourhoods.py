"""CSLS neighbourhoods kept across index changes give what a fresh computation gives."""

import numpy as np
import pytest

from corridor.matching.engine import Matcher, Profile, Text
from corridor.matching.neighbourhoods import Neighbourhoods, top_k_descending
from corridor.matching.score import FULL, Ranker, neighbourhood_radius

KINDS = ("technology_offer", "technology_request", "rnd_partner")
LANGS = ("en", "zh-hans", "ur")


class RandomEmbedder:
    """A fixed random unit vector per text, pulled towards its language's direction."""

    name = "random"
    dimension = 16

    def __init__(self, seed=3):
        self.rng = np.random.default_rng(seed)
        self.language = {lang: self.rng.standard_normal(self.dimension) for lang in LANGS}
        self.vectors = {}

    def embed_queries(self, texts):
        rows = []
        for text in texts:
            if text not in self.vectors:
                lang = text.split(":")[0]
                vector = self.rng.standard_normal(self.dimension) + self.language[lang]
                self.vectors[text] = vector / np.linalg.norm(vector)
            rows.append(self.vectors[text])
        return np.stack(rows).astype(np.float32)

    embed_passages = embed_queries


def _profile(i, version=0):
    lang = LANGS[i % 3]
    return Profile(
        i,
        (Text(f"{lang}:{i}:{version}", lang),),
        organisation=i // 2,
        kind=KINDS[i % 3],
        sectors={f"s{i % 4}.x{i % 3}"},
        country="CN" if i % 2 else "PK",
        keywords=(f"kw{i % 7}", f"kw{i % 11}"),
    )


def _brute_force_radii(matcher, k, centred):
    matrix = matcher._centred_matrix() if centred else matcher.index.matrix
    sims = matrix @ matrix.T
    np.fill_diagonal(sims, -np.inf)
    return neighbourhood_radius(sims, k)


def _ranking(matcher, query, ranker=FULL):
    return [(m.id, m.score) for m in matcher.match(query, k=20, ranker=ranker)]


@pytest.mark.parametrize("centred", [False, True])
def test_kept_neighbourhoods_equal_a_fresh_computation_after_any_changes(centred):
    embedder = RandomEmbedder()
    matcher = Matcher(embedder, min_language_passages=3)
    live = {i: _profile(i) for i in range(30)}
    matcher.upsert(live.values())
    k = 4
    matcher.radius(matcher.index.ids, k, centred=centred)  # every row known
    rng = np.random.default_rng(11)
    next_id = 30
    kept_after_additions = []
    for step in range(60):
        op = rng.choice(["add", "update", "remove"], p=[0.4, 0.3, 0.3])
        if op == "add" or len(live) < 8:
            live[next_id] = _profile(next_id)
            space = matcher._means_id
            matcher.upsert([live[next_id]])
            next_id += 1
            neighbourhoods, _ = matcher._neighbours(k, centred)
            if not centred or matcher._means_id == space:  # new language means: all forgotten
                kept_after_additions.append(len(neighbourhoods) / len(matcher))
        elif op == "update":
            i = int(rng.choice(list(live)))
            live[i] = _profile(i, version=step + 1)
            matcher.upsert([live[i]])
        else:
            i = int(rng.choice(list(live)))
            del live[i]
            matcher.remove([i])
        ids = matcher.index.ids
        np.testing.assert_allclose(
            matcher.radius(ids, k, centred=centred),
            _brute_force_radii(matcher, k, centred),
            rtol=0,
            atol=1e-6,
        )
    # Additions merge into the known rows rather than forgetting them.
    assert min(kept_after_additions) > 0.9


def test_rankings_after_changes_equal_those_of_a_fresh_matcher():
    embedder = RandomEmbedder(seed=8)
    kept = Matcher(embedder, min_language_passages=3)
    profiles = {i: _profile(i) for i in range(40)}
    kept.upsert(profiles.values())
    kept.warm_up(FULL)
    for i in range(40, 46):
        profiles[i] = _profile(i)
        kept.upsert([profiles[i]])
    kept.remove([3, 17, 41])
    for i in (3, 17, 41):
        del profiles[i]
    profiles[5] = _profile(5, version=1)
    kept.upsert([profiles[5]])
    for query in list(profiles.values())[:10]:
        kept.match(query, k=5)  # reads and keeps the neighbourhoods its candidates need
    fresh = Matcher(embedder, min_language_passages=3)
    fresh.upsert(profiles.values())
    # The same means (taken at the same passage counts) for both, so the spaces agree.
    assert kept.language_means().keys() == fresh.language_means().keys()
    fresh._means = kept._means
    fresh._means_id = kept._means_id + 1
    baseline = Ranker("plain", FULL.weights, centre_languages=False)
    for query in profiles.values():
        for ranker in (FULL, baseline):
            got, want = _ranking(kept, query, ranker), _ranking(fresh, query, ranker)
            assert [i for i, _ in got] == [i for i, _ in want]
            np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-6)


def test_warm_up_changes_no_result():
    embedder = RandomEmbedder(seed=4)
    lazy = Matcher(embedder, min_language_passages=3)
    warm = Matcher(embedder, min_language_passages=3)
    profiles = [_profile(i) for i in range(50)]
    lazy.upsert(profiles)
    warm.upsert(profiles)
    warm.warm_up(FULL)
    assert len(warm._neighbours(FULL.hubness_k, True)[0]) == 50
    for query in profiles:
        got, want = _ranking(warm, query), _ranking(lazy, query)
        assert [i for i, _ in got] == [i for i, _ in want]
        # Rows computed in other blocks may differ in the last bits of a float32 product.
        np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-6)


def test_top_k_descending_pads_short_rows_and_radius_ignores_padding():
    top = top_k_descending(np.array([[0.2, -np.inf, 0.5]], dtype=np.float32), 4)
    np.testing.assert_allclose(top[0][:2], [0.5, 0.2])
    assert np.isneginf(top[0][2:]).all()
    neighbourhoods = Neighbourhoods(4)
    matrix = np.eye(3, dtype=np.float32)
    neighbourhoods.compute(matrix, ["a", "b", "c"], [0, 1, 2])
    np.testing.assert_allclose(neighbourhoods.radii(["a"]), [0.0])
    with pytest.raises(ValueError):
        Neighbourhoods(0)


def test_lexical_shortlist_is_the_best_scores_with_ties_by_row_and_blocked_left_out():
    embedder = RandomEmbedder(seed=5)
    matcher = Matcher(embedder)
    matcher.upsert(_profile(i) for i in range(60))
    by_slot = np.zeros(len(matcher.lexical._id_at))
    rng = np.random.default_rng(2)
    for i in range(60):
        by_slot[matcher.lexical.slot(i)] = rng.choice([0.0, 1.0, 2.0, 2.5])  # many ties
    blocked = {4, 9, 33}
    expected = sorted(
        (-by_slot[matcher.lexical.slot(i)], matcher.index.row(i))
        for i in range(60)
        if by_slot[matcher.lexical.slot(i)] > 0 and i not in blocked
    )[:10]
    assert matcher._lexical_shortlist(by_slot, blocked, 10) == [row for _, row in expected]
