"""How a candidate is scored: parts, each shown to the user, that sum to the total.

**Fusion: a weighted sum of normalised scores, not reciprocal rank fusion.** Every
part is put on a 0..1 scale and multiplied by its weight; the weights sum to 1, so
the total is on a 0..1 scale and each part's contribution is simply its term in
the sum — the explanation adds up. RRF would fuse only the two text rankings and
leave the rule parts with nothing comparable to add to; a convex combination of
normalised scores also ranks at least as well as RRF in published comparisons of
hybrid retrieval (Bruch, Gai & Ingber, "An Analysis of Fusion Functions for
Hybrid Retrieval", 2023) and keeps the size of a score difference, which RRF drops.

- **semantic**: cosine in the shared multilingual space corrected for hubness by
  CSLS (Conneau et al., 2018): ``2·cos(x, y) − r_x − r_y`` with ``r`` the mean
  cosine of a vector to its k nearest neighbours in the index. A profile close to
  everything has a high ``r`` and is pushed down every list instead of topping
  them all. In the full ranker the vectors are first centred per language (see
  ``Ranker.centre_languages``): with an uncentred multilingual model a query
  prefers texts in its own language over the right text in another. Min–max
  normalised over the fixed-size semantic shortlist of the query (the same
  shortlist whatever number of results is asked for), over a range no narrower
  than ``Ranker.min_span``.
- **lexical**: BM25 divided by the query's ideal score (see
  :meth:`~corridor.matching.lexical.BM25Index.ideal`), clipped to 1.
- **complementarity**: 1 when the kinds meet (offer ↔ request of the same kind,
  R&D partner ↔ R&D partner), else 0 — the heaviest rule (see :class:`Weights`).
  Additive like every part, not a factor on the total: a factor would shrink every
  other part of a non-complementary candidate without a part that says why.
- **modes**: shared cooperation modes over the smaller set (a profile that lists
  many modes is not penalised for it).
- **trl**: 1 when an offer's readiness level lies in a request's wanted range,
  falling by a third per level outside it.
- **sectors**: 1 for a shared sector, 0.75 when one is the parent of the other,
  0.5 for siblings under one parent, else 0.
- **cross_border**: 1 when the two organisations are in different countries (or
  the candidate's country is one the query targets).

A missing fact (no kind, no modes, no TRL) scores 0 for its part: it neither
helps nor excludes. Exclusions are not parts: a candidate of the same
organisation, or not published, is never returned.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

KINDS = (
    "technology_offer",
    "technology_request",
    "business_offer",
    "business_request",
    "rnd_partner",
    "investment_offer",
    "investment_request",
)

# The cooperation modes a profile may accept (the same codes as the docking app's).
MODES = (
    "licence",
    "joint_venture",
    "joint_rnd",
    "technical_cooperation",
    "commercial_agreement",
    "supply_subcontracting",
    "distribution",
    "investment",
    "training_exchange",
)

_COMPLEMENTS = {
    "technology_offer": "technology_request",
    "technology_request": "technology_offer",
    "business_offer": "business_request",
    "business_request": "business_offer",
    "rnd_partner": "rnd_partner",
    "investment_offer": "investment_request",
    "investment_request": "investment_offer",
}

PARTS = ("semantic", "lexical", "complementarity", "modes", "trl", "sectors", "cross_border")
RULE_PARTS = PARTS[2:]


@dataclass(frozen=True)
class Weights:
    """Each part's share of the total; they sum to 1 in the full ranker.

    Complementarity (0.23) is the largest rule part because an offer meeting a
    request is what a partnering platform exists for: a non-complementary candidate
    (an offer for an offer) now outranks a complementary one only when it is closer
    in meaning by more than half of the query's semantic range (0.23 / 0.40). It was
    0.10, against 0.50 for semantic, and a same-language near-duplicate of the wrong
    kind could win on text alone. The 0.13 it gained came from the two text parts in
    proportion (semantic 0.50 → 0.40, lexical 0.15 → 0.12, still 10 : 3), so a
    ranking on text alone — a search box, whose query has no kind — is unchanged.
    Text (0.52) still outweighs the rules (0.48) and decides among complementary
    candidates.
    """

    semantic: float = 0.40
    lexical: float = 0.12
    complementarity: float = 0.23
    modes: float = 0.05
    trl: float = 0.05
    sectors: float = 0.10
    cross_border: float = 0.05

    def __post_init__(self):
        for f in fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"weight {f.name} must not be negative")

    def items(self) -> list[tuple[str, float]]:
        """(part, weight) of the parts that count (non-zero weight), in :data:`PARTS` order."""
        return list(self._items)

    @functools.cached_property
    def _items(self) -> tuple[tuple[str, float], ...]:
        # Read for every candidate of every query: worked out once per Weights.
        return tuple((f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name))


@dataclass(frozen=True)
class Ranker:
    """A scoring recipe. The product uses :data:`FULL`; the two baselines exist to be beaten."""

    name: str
    weights: Weights = field(default_factory=Weights)
    hubness: bool = True  # CSLS on the semantic part
    hubness_k: int = 10
    shortlist: int = 100  # candidates taken from each signal before scoring
    # Smallest range the semantic scores are stretched over (cosine units, doubled for
    # CSLS): in a small pool, min–max alone would turn a 0.002 difference into the
    # whole semantic weight.
    min_span: float = 0.05
    # Compare passages after subtracting their language's mean vector (languages with
    # enough indexed passages only): removes much of what says "same language" from
    # the cosine, so an Urdu query is not drawn to Urdu texts about other things
    # (Libovický et al., "On the Language Neutrality of Pre-trained Multilingual
    # Representations", 2020).
    centre_languages: bool = False


FULL = Ranker("full", centre_languages=True)
EMBEDDING_ONLY = Ranker(
    "embedding",
    Weights(semantic=1.0, lexical=0, complementarity=0, modes=0, trl=0, sectors=0, cross_border=0),
    hubness=False,
)
LEXICAL_ONLY = Ranker(
    "lexical",
    Weights(semantic=0, lexical=1.0, complementarity=0, modes=0, trl=0, sectors=0, cross_border=0),
    hubness=False,
)
RANKERS = (LEXICAL_ONLY, EMBEDDING_ONLY, FULL)


@dataclass
class Match:
    """One candidate for a query: its total and each part's contribution to it."""

    id: Hashable
    score: float
    parts: dict[str, float]
    cosine: float = 0.0  # raw, before hubness correction and normalisation
    bm25: float = 0.0
    explanation: Any = None  # an explain.Explanation when asked for


# Rule parts --------------------------------------------------------------------


def complementarity(kind_a: str | None, kind_b: str | None) -> float:
    """1.0 when the two kinds meet (offer ↔ request, R&D ↔ R&D), else 0."""
    if not kind_a or not kind_b:
        return 0.0
    return 1.0 if _COMPLEMENTS.get(kind_a) == kind_b else 0.0


def mode_overlap(modes_a: Collection[str], modes_b: Collection[str]) -> float:
    """Shared cooperation modes over the smaller of the two sets."""
    if not modes_a or not modes_b:
        return 0.0
    return len(set(modes_a) & set(modes_b)) / min(len(set(modes_a)), len(set(modes_b)))


def _level_in_range(level: int, wanted: tuple[int, int]) -> float:
    low, high = wanted
    distance = max(low - level, level - high, 0)
    return max(0.0, 1.0 - distance / 3)


def trl_fit(
    level_a: int | None,
    wanted_a: tuple[int, int] | None,
    level_b: int | None,
    wanted_b: tuple[int, int] | None,
) -> float:
    """How well one side's readiness level meets the range the other side wants."""
    fits = []
    if wanted_a and level_b is not None:
        fits.append(_level_in_range(level_b, wanted_a))
    if wanted_b and level_a is not None:
        fits.append(_level_in_range(level_a, wanted_b))
    return max(fits, default=0.0)


def sector_parent(code: str) -> str:
    """``ai.vision`` → ``ai``; a top-level code has parent ``""``."""
    return code.rpartition(".")[0]


def sector_relation(a: str, b: str) -> tuple[str, float]:
    """How two sector codes relate on the tree, and what that is worth."""
    if a == b:
        return "same", 1.0
    if b.startswith(a + ".") or a.startswith(b + "."):
        return "parent", 0.75
    if sector_parent(a) and sector_parent(a) == sector_parent(b):
        return "sibling", 0.5
    return "", 0.0


def sector_overlap(
    sectors_a: Collection[str], sectors_b: Collection[str]
) -> tuple[float, list[tuple[str, str, str]]]:
    """The best relation between any two sectors, and every related pair (a, b, relation)."""
    best = 0.0
    related = []
    for a in sorted(sectors_a):
        for b in sorted(sectors_b):
            relation, value = sector_relation(a, b)
            if value:
                related.append((a, b, relation))
                best = max(best, value)
    related.sort(key=lambda r: -sector_relation(r[0], r[1])[1])
    return best, related


@functools.lru_cache(maxsize=65536)
def _sector_value(sectors_a: frozenset[str], sectors_b: frozenset[str]) -> float:
    if sectors_a & sectors_b:
        return 1.0
    return max((sector_relation(a, b)[1] for a in sectors_a for b in sectors_b), default=0.0)


def sector_value(sectors_a: Collection[str], sectors_b: Collection[str]) -> float:
    """The best relation between any two sectors (``sector_overlap``'s value, without the
    list of pairs; remembered, since a pool holds few distinct sector sets)."""
    return _sector_value(frozenset(sectors_a), frozenset(sectors_b))


def cross_border(
    country_a: str | None, country_b: str | None, targets_a: Collection[str] = ()
) -> float:
    """1.0 for a partner across the border (or in a country the query targets)."""
    if targets_a and country_b:
        return 1.0 if country_b in targets_a else 0.0
    if country_a and country_b:
        return 1.0 if country_a != country_b else 0.0
    return 0.0


def rule_values(query, candidate) -> dict[str, float]:
    """The 0..1 value of every rule part for a candidate (profiles given as engine ``Profile``)."""
    return {
        "complementarity": complementarity(query.kind, candidate.kind),
        "modes": mode_overlap(query.modes, candidate.modes),
        "trl": trl_fit(query.trl, query.trl_wanted, candidate.trl, candidate.trl_wanted),
        "sectors": sector_value(query.sectors, candidate.sectors),
        "cross_border": cross_border(query.country, candidate.country, query.target_countries),
    }


def excluded(query, candidate) -> bool:
    """Never a match: the same profile, the same organisation, or not published."""
    if query.id is not None and candidate.id == query.id:
        return True
    if query.organisation is not None and candidate.organisation == query.organisation:
        return True
    return not candidate.published


# Semantic part ------------------------------------------------------------------


def neighbourhood_radius(similarities: np.ndarray, k: int) -> np.ndarray:
    """Mean of the ``k`` largest values of each row (``r`` in CSLS).

    The caller masks a vector's similarity to itself (``-inf``) beforehand.
    """
    similarities = np.atleast_2d(similarities)
    finite = np.isfinite(similarities)
    k = max(1, min(k, similarities.shape[1]))
    clean = np.where(finite, similarities, -np.inf)
    top = -np.partition(-clean, k - 1, axis=1)[:, :k]
    top = np.where(np.isfinite(top), top, np.nan)
    radius = np.nanmean(top, axis=1) if top.size else np.zeros(similarities.shape[0])
    return np.nan_to_num(radius, nan=0.0).astype(np.float32)


def csls(cosine: np.ndarray, r_query: float, r_candidates: np.ndarray) -> np.ndarray:
    """Cross-domain similarity local scaling: ``2·cos − r_x − r_y``."""
    return 2.0 * np.asarray(cosine) - r_query - np.asarray(r_candidates)


def min_max(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values scaled so ``low`` → 0 and ``high`` → 1, clipped; all 1 if the range is empty."""
    values = np.asarray(values, dtype=np.float64)
    if high - low <= 1e-9:
        return np.where(values >= high - 1e-9, 1.0, 0.0)
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def combine(values: dict[str, float], weights: Weights) -> tuple[float, dict[str, float]]:
    """Each part's contribution (weight × value) and their sum."""
    parts = {name: weight * float(values.get(name, 0.0)) for name, weight in weights._items}
    return sum(parts.values()), parts
