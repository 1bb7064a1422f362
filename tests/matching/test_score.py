import dataclasses

import numpy as np
import pytest

from corridor.matching.engine import Matcher, Profile, Text
from corridor.matching.score import (
    EMBEDDING_ONLY,
    FULL,
    Ranker,
    Weights,
    combine,
    complementarity,
    cross_border,
    csls,
    excluded,
    mode_overlap,
    neighbourhood_radius,
    sector_overlap,
    trl_fit,
)


class TableEmbedder:
    """An embedder whose vectors are given per text: the scoring maths on chosen geometry."""

    name = "table"

    def __init__(self, table):
        self.table = {
            t: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for t, v in table.items()
        }
        self.dimension = len(next(iter(table.values())))

    def embed_queries(self, texts):
        return np.stack([self.table[t] for t in texts])

    embed_passages = embed_queries


def _hub_geometry():
    """Every point shares a common direction c; the hub is c itself.

    Points are ``a·c + b·u`` with orthogonal ``u``: unrelated points have cosine
    a² = 0.64, the hub has cosine a = 0.8 to all of them. The query q's true
    partner y shares 40% of q's own direction: cosine 0.64 + 0.4·0.36 = 0.784,
    below the hub's 0.8, so plain cosine ranks the hub first.
    """
    a, b, rho = 0.8, 0.6, 0.4
    d = 15
    e = np.eye(d)
    q = a * e[0] + b * e[1]
    y = a * e[0] + b * (rho * e[1] + np.sqrt(1 - rho**2) * e[2])
    h = e[0]
    others = np.stack([a * e[0] + b * e[3 + i] for i in range(12)])
    return d, q, y, h, others


def test_csls_demotes_a_hub():
    _, q, y, h, others = _hub_geometry()
    pool = np.stack([y, h, *others])
    pool = pool / np.linalg.norm(pool, axis=1, keepdims=True)
    qn = q / np.linalg.norm(q)
    cos = pool @ qn
    assert np.argmax(cos) == 1  # the hub wins on raw cosine
    sims = pool @ pool.T
    np.fill_diagonal(sims, -np.inf)
    r_pool = neighbourhood_radius(sims, 3)
    assert np.argmax(r_pool) == 1  # the hub is the densest neighbourhood
    r_q = neighbourhood_radius(cos[None, :], 3)[0]
    assert np.argmax(csls(cos, r_q, r_pool)) == 0  # CSLS brings the true partner back to the top


def test_matcher_applies_hubness_correction():
    _, q, y, h, others = _hub_geometry()
    table = {"q": q, "y": y, "h": h, **{f"o{i}": v for i, v in enumerate(others)}}
    matcher = Matcher(TableEmbedder(table))
    matcher.upsert(Profile(id=t, texts=(t,)) for t in table if t != "q")
    query = Profile(id="q", texts=("q",))
    plain = matcher.match(query, k=3, ranker=EMBEDDING_ONLY)
    corrected = matcher.match(query, k=3, ranker=FULL)
    assert plain[0].id == "h"
    assert corrected[0].id == "y"
    assert [m.id for m in corrected].index("h") > 0


def test_complementarity_rules():
    assert complementarity("technology_offer", "technology_request") == 1.0
    assert complementarity("technology_request", "technology_offer") == 1.0
    assert complementarity("business_offer", "business_request") == 1.0
    assert complementarity("rnd_partner", "rnd_partner") == 1.0
    assert complementarity("investment_request", "investment_offer") == 1.0
    assert complementarity("technology_offer", "technology_offer") == 0.0
    assert complementarity("technology_offer", "business_request") == 0.0
    assert complementarity("investment_offer", "rnd_partner") == 0.0
    assert complementarity(None, "rnd_partner") == 0.0


def test_modes_trl_sector_and_border_rules():
    assert mode_overlap({"licence", "joint_venture"}, {"licence"}) == 1.0
    assert (
        mode_overlap(
            {"licence", "joint_venture"}, {"licence", "training", "investment", "distribution"}
        )
        == 0.5
    )
    assert mode_overlap({"licence"}, {"training"}) == 0.0
    assert mode_overlap(set(), {"training"}) == 0.0

    assert trl_fit(None, (5, 7), 6, None) == 1.0
    assert trl_fit(6, None, None, (5, 7)) == 1.0  # either side may be the request
    assert trl_fit(None, (5, 7), 3, None) == pytest.approx(1 / 3)
    assert trl_fit(None, (5, 7), 1, None) == 0.0
    assert trl_fit(4, None, 6, None) == 0.0  # two levels, no wanted range: nothing to fit

    exact, related = sector_overlap({"ai.vision"}, {"ai.vision", "cloud"})
    assert exact == 1.0 and related == [("ai.vision", "ai.vision", "same")]
    assert sector_overlap({"ai"}, {"ai.vision"})[0] == 0.75
    assert sector_overlap({"ai.vision"}, {"ai.nlp"}) == (0.5, [("ai.vision", "ai.nlp", "sibling")])
    assert sector_overlap({"ai"}, {"cloud"}) == (0.0, [])  # top-level sectors are not siblings
    assert sector_overlap({"ai.vision"}, {"robotics.vision"})[0] == 0.0

    assert cross_border("PK", "CN") == 1.0
    assert cross_border("PK", "PK") == 0.0
    assert cross_border("PK", None) == 0.0
    assert cross_border("PK", "CN", {"AE"}) == 0.0  # the query targets other countries
    assert cross_border("PK", "AE", {"AE"}) == 1.0


def test_exclusions():
    q = Profile(id=1, texts=("x",), organisation="org-a")
    assert excluded(q, Profile(id=1, texts=("x",), organisation="org-b"))
    assert excluded(q, Profile(id=2, texts=("x",), organisation="org-a"))
    assert excluded(q, Profile(id=3, texts=("x",), organisation="org-b", published=False))
    assert not excluded(q, Profile(id=4, texts=("x",), organisation="org-b"))
    anonymous_query = Profile(id=None, texts=("x",))
    assert not excluded(anonymous_query, Profile(id=5, texts=("x",), organisation="org-a"))


def test_profile_input_is_validated():
    with pytest.raises(ValueError, match="no text"):
        Profile(id=1, texts=("  ",))
    with pytest.raises(ValueError, match="unknown kind"):
        Profile(id=1, texts=("x",), kind="barter")
    with pytest.raises(ValueError, match="outside 1–9"):
        Profile(id=1, texts=("x",), trl=10)
    with pytest.raises(ValueError, match="not within"):
        Profile(id=1, texts=("x",), trl_wanted=(7, 3))
    with pytest.raises(ValueError, match="NUL"):
        Profile(id=1, texts=("robots\x00",))
    with pytest.raises(ValueError):
        Weights(semantic=-1)


def test_parts_sum_to_total():
    w = Weights()
    total, parts = combine({"semantic": 0.5, "lexical": 1.0, "sectors": 0.75, "trl": 1.0}, w)
    assert parts["semantic"] == pytest.approx(0.5 * w.semantic)
    assert parts["lexical"] == pytest.approx(w.lexical)
    assert parts["sectors"] == pytest.approx(0.75 * w.sectors)
    assert parts["complementarity"] == 0.0
    assert total == pytest.approx(sum(parts.values()))
    assert sum(w for _, w in Weights().items()) == pytest.approx(1.0)


def test_language_centring_removes_the_pull_of_the_same_language():
    """Passages are 0.8·(their language's direction) + 0.6·(their topic's direction).

    An Urdu query on topic A is closer, by raw cosine, to Urdu texts on other topics
    than to the Chinese text on topic A; after subtracting each language's mean the
    topic decides.
    """
    e = np.eye(9)
    lang_dir = {"ur": e[0], "zh-hans": e[1]}
    topic = dict(zip("ABCDEF", e[2:8], strict=True))

    def vec(lang, t):
        return 0.8 * lang_dir[lang] + 0.6 * topic[t]

    table = {f"{lang}-{t}": vec(lang, t) for lang in lang_dir for t in topic}
    matcher = Matcher(TableEmbedder(table), min_language_passages=3)
    indexed = [
        ("ur", "B"),
        ("ur", "C"),
        ("ur", "D"),
        ("zh-hans", "A"),
        ("zh-hans", "E"),
        ("zh-hans", "F"),
    ]
    matcher.upsert(Profile(f"{lang}-{t}", (Text(f"{lang}-{t}", lang),)) for lang, t in indexed)
    assert set(matcher.language_means()) == {"ur", "zh-hans"}
    query = Profile("q", (Text("ur-A", "ur"),))

    plain = Ranker("plain", EMBEDDING_ONLY.weights, hubness=False)
    centred = Ranker("centred", EMBEDDING_ONLY.weights, hubness=False, centre_languages=True)
    assert matcher.match(query, k=1, ranker=plain)[0].id.startswith("ur-")
    assert matcher.match(query, k=1, ranker=centred)[0].id == "zh-hans-A"
    assert matcher.match(query, k=1)[0].id == "zh-hans-A"  # the product's ranker centres

    # Too few passages of a language: its mean is not trusted, nothing is centred.
    matcher.remove(["ur-B", "ur-C"])
    assert set(matcher.language_means()) == {"zh-hans"}
    matcher.min_language_passages = 10
    assert matcher.language_means() == {}
    assert (
        matcher.match(query, k=1, ranker=centred)[0].id
        == matcher.match(query, k=1, ranker=plain)[0].id
    )


def test_language_means_are_kept_until_a_language_changes_by_a_tenth():
    rng = np.random.default_rng(5)
    table = {f"ur-{i}": rng.standard_normal(8) for i in range(12)}
    table |= {f"zh-{i}": rng.standard_normal(8) for i in range(10)}
    matcher = Matcher(TableEmbedder(table), min_language_passages=3)
    matcher.upsert(Profile(t, (Text(t, t[:2]),)) for t in table if t not in ("ur-10", "ur-11"))
    first = matcher.language_means()
    matcher.upsert([Profile("ur-10", (Text("ur-10", "ur"),))])  # 10 → 11 Urdu passages
    assert matcher.language_means() is first
    matcher.upsert([Profile("ur-11", (Text("ur-11", "ur"),))])  # 12: more than a tenth
    second = matcher.language_means()
    assert second is not first
    np.testing.assert_allclose(
        second["ur"],
        np.mean([TableEmbedder(table).table[f"ur-{i}"] for i in range(12)], axis=0),
        atol=1e-6,
    )
    np.testing.assert_array_equal(second["zh"], first["zh"])


def _kind_geometry():
    """A technology request q; a near-duplicate request d (cosine 0.95 to q); the
    complementary offer p, somewhat further in meaning (cosine 0.80); and ten
    less related profiles (cosine 0.40–0.58) that make up the rest of the shortlist.
    Everything else (sectors, modes, countries) is the same for d and p.
    """
    d = 16
    e = np.eye(d)

    def at(cosine, axis):
        return cosine * e[0] + np.sqrt(1 - cosine**2) * e[axis]

    table = {"q": e[0], "dup": at(0.95, 1), "partner": at(0.80, 2)}
    table |= {f"other{i}": at(0.4 + 0.02 * i, 3 + i) for i in range(10)}
    return table


def _kind_pool(table):
    common = {"sectors": {"ai.vision"}, "modes": {"licence"}, "country": "CN"}
    pool = [
        Profile("dup", ("dup",), organisation="b", kind="technology_request", **common),
        Profile("partner", ("partner",), organisation="c", kind="technology_offer", **common),
    ]
    pool += [
        Profile(t, (t,), organisation=t, kind="technology_offer", **common)
        for t in table
        if t.startswith("other")
    ]
    query = Profile(
        "q",
        ("q",),
        organisation="a",
        kind="technology_request",
        sectors={"ai.vision"},
        modes={"licence"},
        country="PK",
    )
    return query, pool


def test_a_complementary_partner_outranks_a_closer_near_duplicate_of_the_wrong_kind():
    table = _kind_geometry()
    query, pool = _kind_pool(table)
    matcher = Matcher(TableEmbedder(table))
    matcher.upsert(pool)
    ranked = matcher.match(query, k=3, explain=True)
    assert [m.id for m in ranked[:2]] == ["partner", "dup"]
    partner, dup = ranked[0], ranked[1]
    assert dup.parts["semantic"] > partner.parts["semantic"]  # the duplicate is closer in text
    assert partner.parts["complementarity"] == pytest.approx(FULL.weights.complementarity)
    assert dup.parts["complementarity"] == 0.0
    for match in ranked:  # still explainable: the parts add up to the total shown
        assert match.score == pytest.approx(sum(match.parts.values()))
        assert match.explanation.parts == match.parts
        assert match.explanation.total == match.score
    # The premise: with complementarity at 0.10 and semantic at 0.50 (the old weights)
    # the near-duplicate won on text alone.
    old = Ranker(
        "old",
        Weights(semantic=0.50, lexical=0.15, complementarity=0.10),
        centre_languages=True,
    )
    assert matcher.match(query, k=1, ranker=old)[0].id == "dup"


def test_text_still_decides_between_two_complementary_candidates():
    table = _kind_geometry()
    query, pool = _kind_pool(table)
    # Both the near-duplicate and the partner are offers now: the closer text wins.
    pool[0] = dataclasses.replace(pool[0], kind="technology_offer")
    matcher = Matcher(TableEmbedder(table))
    matcher.upsert(pool)
    assert [m.id for m in matcher.match(query, k=2)] == ["dup", "partner"]


def test_complementarity_is_the_heaviest_rule_and_text_outweighs_the_rules():
    w = FULL.weights
    rules = w.complementarity + w.modes + w.trl + w.sectors + w.cross_border
    assert w.complementarity > max(w.modes, w.trl, w.sectors, w.cross_border)
    assert w.semantic + w.lexical > rules
    assert w.semantic + w.lexical + rules == pytest.approx(1.0)
    # The text parts keep their old proportion, so a ranking on text alone (a search
    # box: no kind, no rules) is unchanged.
    assert w.semantic / w.lexical == pytest.approx(0.50 / 0.15)
