"""BM25 over language-aware tokens, for exact technical terms the embedding blurs.

Tokens come from :func:`corridor.core.text.search_tokens` (jieba for Chinese,
Unicode words elsewhere, Urdu letter variants folded): the same tokens the
full-text search uses. The index is an inverted list per term, scored with numpy
over the postings of the query's terms only; ``rank-bm25`` rescores every
document for every query term in Python, far too slow for whole-profile queries
against thousands of profiles, and offers no removal.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from corridor.core.text import search_tokens


def tokens(text: str) -> list[str]:
    """The lexical tokens of a text (repeats kept)."""
    return search_tokens(text)


class BM25Index:
    """Okapi BM25 (Lucene's non-negative idf), documents added and removed by id."""

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, max_df: float = 0.1):
        self.k1 = k1
        self.b = b
        # Words in more than this share of documents ("we", "and", "我们", "کے") are not
        # evidence of a shared technical term; in a pool of several languages they
        # mostly say "same language", which is bias, not relevance.
        self.max_df = max_df
        self._slot_of: dict[Hashable, int] = {}
        self._id_at: list[Hashable | None] = []
        self._free: list[int] = []
        self._lengths = np.zeros(0, dtype=np.float32)
        self._counts: dict[Hashable, Counter[str]] = {}
        self._postings: dict[str, dict[int, int]] = {}
        # The postings as (slots, term frequencies) arrays, made when a query first needs
        # them and dropped when the term's postings change.
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._total_length = 0

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, id_: Hashable) -> bool:
        return id_ in self._slot_of

    def counts(self, id_: Hashable) -> Counter[str]:
        return self._counts[id_]

    def upsert(self, id_: Hashable, doc_tokens: Sequence[str]) -> None:
        """Index (or re-index) a document given its tokens."""
        self.remove([id_])
        slot = self._free.pop() if self._free else len(self._id_at)
        if slot == len(self._id_at):
            self._id_at.append(None)
            if slot >= self._lengths.shape[0]:
                grown = np.zeros(max(16, 2 * self._lengths.shape[0]), dtype=np.float32)
                grown[: self._lengths.shape[0]] = self._lengths
                self._lengths = grown
        counts = Counter(doc_tokens)
        self._slot_of[id_] = slot
        self._id_at[slot] = id_
        self._counts[id_] = counts
        self._lengths[slot] = len(doc_tokens)
        self._total_length += len(doc_tokens)
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[slot] = tf
            self._arrays.pop(term, None)

    def remove(self, ids: Iterable[Hashable]) -> None:
        for id_ in ids:
            slot = self._slot_of.pop(id_, None)
            if slot is None:
                continue
            for term in self._counts.pop(id_):
                self._arrays.pop(term, None)
                posting = self._postings[term]
                del posting[slot]
                if not posting:
                    del self._postings[term]
            self._total_length -= int(self._lengths[slot])
            self._lengths[slot] = 0
            self._id_at[slot] = None
            self._free.append(slot)

    def idf(self, term: str) -> float:
        n = len(self._slot_of)
        df = len(self._postings.get(term, ()))
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def informative(self, term: str) -> bool:
        """Whether a term is rare enough to count (in at most ``max_df`` of the documents, or 2)."""
        df = len(self._postings.get(term, ()))
        return df <= max(2, self.max_df * len(self._slot_of))

    def slot_scores(self, query_tokens: Sequence[str]) -> np.ndarray | None:
        """BM25 of every document by slot (see :meth:`slot`), 0 where no term is shared;
        ``None`` when no informative query term is in the index. Each distinct term once."""
        n = len(self._slot_of)
        if not n:
            return None
        average = self._total_length / n or 1.0
        total = np.zeros(len(self._id_at), dtype=np.float64)
        touched = False
        for term in dict.fromkeys(query_tokens):
            posting = self._postings.get(term)
            if not posting or not self.informative(term):
                continue
            arrays = self._arrays.get(term)
            if arrays is None:
                arrays = self._arrays[term] = (
                    np.fromiter(posting.keys(), dtype=np.int64, count=len(posting)),
                    np.fromiter(posting.values(), dtype=np.float64, count=len(posting)),
                )
            slots, tf = arrays
            norm = self.k1 * (1 - self.b + self.b * self._lengths[slots] / average)
            total[slots] += self.idf(term) * tf * (self.k1 + 1) / (tf + norm)
            touched = True
        return total if touched else None

    def slot(self, id_: Hashable) -> int:
        """Where a document's score is in :meth:`slot_scores`."""
        return self._slot_of[id_]

    def id_at(self, slot: int) -> Hashable | None:
        return self._id_at[slot]

    def scores(self, query_tokens: Sequence[str]) -> dict[Hashable, float]:
        """BM25 of every document sharing a term with the query (each distinct term once)."""
        total = self.slot_scores(query_tokens)
        if total is None:
            return {}
        hit = np.flatnonzero(total > 0)
        return {self._id_at[s]: float(total[s]) for s in hit}

    def ideal(self, query_tokens: Sequence[str]) -> float:
        """The score of a document of average length holding each query term once.

        Dividing by it puts BM25 on a 0..~1 scale that does not depend on the query's
        length; terms absent from the index count too, so a long Chinese query
        that shares one Latin acronym with an Urdu text scores near zero, not 1.
        """
        return sum(self.idf(t) for t in dict.fromkeys(query_tokens) if self.informative(t))

    def shared_terms(self, a: Counter[str], b: Counter[str], *, limit: int = 10) -> list[str]:
        """Terms both token bags contain, rarest (most telling) first."""
        common = [
            t for t in a.keys() & b.keys() if len(t) > 1 and not t.isdigit() and self.informative(t)
        ]
        common.sort(key=lambda t: (-self.idf(t), t))
        return common[:limit]
