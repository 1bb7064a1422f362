"""Why a candidate matched: the parts of its score, what the two profiles share,
and the pair of passages — one from each text — that agree best.

An explanation carries only what the profiles themselves show (texts, sectors,
keywords): never the organisation behind an anonymous profile.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .passages import Passage
from .score import Match, sector_overlap

if TYPE_CHECKING:
    from .engine import Entry, Matcher


@dataclass(frozen=True)
class PassagePair:
    """A passage of the query's text, the candidate's passage closest to it, and their cosine."""

    query: Passage
    candidate: Passage
    cosine: float


@dataclass(frozen=True)
class Explanation:
    total: float
    parts: dict[str, float]
    shared_sectors: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (query's, candidate's, relation)
    shared_keywords: list[str] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    best_passages: PassagePair | None = None

    def as_dict(self) -> dict:
        """Plain data for an API response or a template."""
        return asdict(self)


def best_passage_pair(query: Entry, candidate: Entry) -> PassagePair | None:
    """The pair of passages, one per text, with the highest cosine."""
    if not query.passages or not candidate.passages:
        return None
    sims = query.passage_vectors @ candidate.passage_vectors.T
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    return PassagePair(query.passages[i], candidate.passages[j], float(sims[i, j]))


def explain_match(matcher: Matcher, query: Entry, candidate: Entry, match: Match) -> Explanation:
    """The explanation of ``match`` (the candidate ``candidate`` for ``query``)."""
    a, b = query.profile, candidate.profile
    keywords_b = {k.casefold() for k in b.keywords}
    return Explanation(
        total=match.score,
        parts=dict(match.parts),
        shared_sectors=sector_overlap(a.sectors, b.sectors)[1],
        shared_keywords=sorted({k for k in a.keywords if k.casefold() in keywords_b}),
        shared_terms=matcher.lexical.shared_terms(query.tokens, candidate.tokens),
        best_passages=best_passage_pair(query, candidate),
    )
