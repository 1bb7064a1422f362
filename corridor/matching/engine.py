"""The matcher: profiles in, ranked and explained matches out.

A profile is indexed once (its texts split into passages, embedded through the
cache, pooled into one vector; its tokens put in the BM25 index) and updated when
it changes. A query — an indexed profile, a profile not yet indexed, or free text
from a search box — is scored against every eligible candidate by the same code,
whichever :class:`~corridor.matching.score.Ranker` is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .embed import PASSAGE, QUERY, CachedEmbedder, Embedder, normalise_rows
from .index import ExactIndex, top_k_rows
from .lexical import BM25Index, tokens
from .neighbourhoods import Neighbourhoods
from .passages import Passage, split_passages
from .score import (
    FULL,
    KINDS,
    RULE_PARTS,
    Match,
    Ranker,
    combine,
    csls,
    excluded,
    min_max,
    neighbourhood_radius,
    rule_values,
)

PASSAGE_WORDS = 25
PASSAGE_HAN = 50


@dataclass(frozen=True)
class Text:
    """One version of a profile's text (the original or a translation) and its language."""

    text: str
    lang: str = ""


@dataclass(frozen=True)
class Profile:
    """What the engine knows of a cooperation profile: texts plus the facts the rules read."""

    id: Hashable
    texts: tuple[Text, ...]
    organisation: Hashable | None = None
    kind: str | None = None
    modes: frozenset[str] = frozenset()
    trl: int | None = None  # an offer's level
    trl_wanted: tuple[int, int] | None = None  # a request's wanted range
    sectors: frozenset[str] = frozenset()
    country: str | None = None
    target_countries: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    published: bool = True

    def __post_init__(self):
        texts = tuple(Text(t) if isinstance(t, str) else t for t in self.texts)
        object.__setattr__(self, "texts", texts)
        for name in ("modes", "sectors", "target_countries"):
            object.__setattr__(self, name, frozenset(getattr(self, name) or ()))
        object.__setattr__(self, "keywords", tuple(self.keywords or ()))
        if any("\x00" in t.text for t in texts):
            raise ValueError(f"profile {self.id!r}: text contains a NUL byte")
        if not any(t.text.strip() for t in texts):
            raise ValueError(f"profile {self.id!r}: no text to match on")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"profile {self.id!r}: unknown kind {self.kind!r}")
        if self.trl is not None and not 1 <= self.trl <= 9:
            raise ValueError(f"profile {self.id!r}: TRL {self.trl} is outside 1–9")
        if self.trl_wanted is not None:
            low, high = self.trl_wanted
            if not 1 <= low <= high <= 9:
                raise ValueError(
                    f"profile {self.id!r}: wanted TRL range {low}–{high} is not within 1–9"
                )
            object.__setattr__(self, "trl_wanted", (int(low), int(high)))


def pool(passages: Sequence[Passage], vectors: np.ndarray) -> np.ndarray:
    """One unit vector for a profile from its passage vectors.

    Each version (original, translations) weighs the same, whatever its length.
    """
    versions = sorted({p.version for p in passages})
    means = [
        vectors[[i for i, p in enumerate(passages) if p.version == v]].mean(axis=0)
        for v in versions
    ]
    return normalise_rows(np.mean(means, axis=0))[0]


def centre(
    passages: Sequence[Passage], vectors: np.ndarray, means: dict[str, np.ndarray]
) -> np.ndarray:
    """Passage vectors less their language's mean, re-normalised (unknown languages kept)."""
    shifted = np.array(vectors, dtype=np.float32, copy=True)
    for i, passage in enumerate(passages):
        mean = means.get(passage.lang)
        if mean is not None:
            shifted[i] -= mean
    return normalise_rows(shifted)


@dataclass
class Entry:
    """A prepared profile: passages with their vectors, the pooled vector, its tokens."""

    profile: Profile
    passages: list[Passage]
    passage_vectors: np.ndarray
    vector: np.ndarray
    tokens: Counter = field(default_factory=Counter)


class Matcher:
    """Indexes profiles and ranks candidates for a query profile or text.

    ``embed_as`` picks the e5 prefix for profile texts: "query" (default), as the
    e5 authors advise for symmetric tasks such as matching a text to its
    counterpart in another language, or "passage".

    Passages are about a sentence long here (25 words / 50 Han characters, not the
    splitter's 60 / 120): a profile's vector is the mean of its passage vectors, and
    with long groups a company introduction or a funding line drowns the one
    sentence that says what is offered; short passages also let an explanation
    quote a sentence rather than a paragraph.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        embed_as: str = QUERY,
        max_words: int = PASSAGE_WORDS,
        max_han: int = PASSAGE_HAN,
        min_language_passages: int = 20,
    ):
        if embed_as not in (QUERY, PASSAGE):
            raise ValueError("embed_as must be 'query' or 'passage'")
        self.embedder = (
            embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
        )
        self.embed_as = embed_as
        self.max_words = max_words
        self.max_han = max_han
        self.index = ExactIndex(self.embedder.dimension)
        self.lexical = BM25Index()
        self.entries: dict[Hashable, Entry] = {}
        self._by_org: dict[Hashable, set[Hashable]] = {}
        self._unpublished: set[Hashable] = set()
        # CSLS neighbourhoods by (k, centred), kept up to date across index changes.
        self._neighbourhoods: dict[tuple[int, bool], Neighbourhoods] = {}
        # Language centring: running sums of passage vectors per language, and the
        # centred profile vectors (rebuilt lazily, row for row with the index).
        self.min_language_passages = min_language_passages
        self._lang_sum: dict[str, np.ndarray] = {}
        self._lang_count: Counter = Counter()
        self._centred: np.ndarray | None = None
        self._centred_version: tuple[int, int] = (-1, -1)
        # The means in use, and the passage counts they were taken at: kept until a
        # language grows or shrinks by a tenth, so small updates re-centre only the
        # profiles that changed and scores stay put between them.
        self._means: dict[str, np.ndarray] = {}
        self._means_counts: Counter = Counter()
        self._means_id = 0
        self._centred_vectors: dict[Hashable, tuple[int, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, id_: Hashable) -> bool:
        return id_ in self.entries

    # Preparing and indexing -------------------------------------------------------

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.embed_as == QUERY:
            return self.embedder.embed_queries(texts)
        return self.embedder.embed_passages(texts)

    def prepare(self, profiles: Sequence[Profile]) -> list[Entry]:
        """Split and embed profiles (all their passages in one batch through the cache)."""
        split: list[list[Passage]] = []
        for profile in profiles:
            passages: list[Passage] = []
            for version, text in enumerate(profile.texts):
                passages += split_passages(
                    text.text,
                    lang=text.lang,
                    version=version,
                    max_words=self.max_words,
                    max_han=self.max_han,
                )
            split.append(passages)
        vectors = self._embed([p.text for passages in split for p in passages])
        entries = []
        offset = 0
        for profile, passages in zip(profiles, split, strict=True):
            own = vectors[offset : offset + len(passages)]
            offset += len(passages)
            pooled = pool(passages, own)
            words = [t for text in profile.texts for t in tokens(text.text)]
            words += [t for keyword in profile.keywords for t in tokens(keyword)]
            entries.append(Entry(profile, passages, own, pooled, Counter(words)))
        return entries

    def upsert(self, profiles: Iterable[Profile]) -> None:
        """Index profiles, replacing earlier versions with the same id."""
        profiles = list(profiles)
        if len({p.id for p in profiles}) != len(profiles):
            raise ValueError("duplicate profile ids in one upsert")
        if not profiles:
            return
        entries = self.prepare(profiles)
        self.remove([p.id for p in profiles if p.id in self.entries])
        self.index.upsert([e.profile.id for e in entries], np.stack([e.vector for e in entries]))
        for neighbourhoods in self._neighbourhoods.values():
            neighbourhoods.added([e.profile.id for e in entries])
        for entry in entries:
            profile = entry.profile
            self.entries[profile.id] = entry
            self.lexical.upsert(profile.id, list(entry.tokens.elements()))
            self._count_languages(entry, +1)
            if profile.organisation is not None:
                self._by_org.setdefault(profile.organisation, set()).add(profile.id)
            if not profile.published:
                self._unpublished.add(profile.id)

    def remove(self, ids: Iterable[Hashable]) -> None:
        """Drop profiles (expired, withdrawn, deleted); unknown ids are ignored."""
        ids = [i for i in ids if i in self.entries]
        for id_ in ids:
            for neighbourhoods in self._neighbourhoods.values():
                neighbourhoods.removed(id_, self.entries[id_])
            self._count_languages(self.entries[id_], -1)
            self._centred_vectors.pop(id_, None)
            org = self.entries.pop(id_).profile.organisation
            if org is not None:
                self._by_org.get(org, set()).discard(id_)
            self._unpublished.discard(id_)
        self.index.remove(ids)
        self.lexical.remove(ids)

    def _count_languages(self, entry: Entry, sign: int) -> None:
        for passage, vector in zip(entry.passages, entry.passage_vectors, strict=True):
            if not passage.lang:
                continue
            total = self._lang_sum.setdefault(
                passage.lang, np.zeros(self.index.dimension, np.float64)
            )
            total += sign * vector
            self._lang_count[passage.lang] += sign

    def language_means(self) -> dict[str, np.ndarray]:
        """Mean passage vector of each language with enough indexed passages to trust it."""
        trusted = {lang for lang, n in self._lang_count.items() if n >= self.min_language_passages}
        stale = trusted != set(self._means) or any(
            abs(self._lang_count[lang] - self._means_counts[lang]) > 0.1 * self._means_counts[lang]
            for lang in trusted
        )
        if stale:
            self._means = {
                lang: (self._lang_sum[lang] / self._lang_count[lang]).astype(np.float32)
                for lang in trusted
            }
            self._means_counts = Counter({lang: self._lang_count[lang] for lang in trusted})
            self._means_id += 1
        return self._means

    # Scoring ---------------------------------------------------------------------

    def _centred_vector(self, entry: Entry) -> np.ndarray:
        means = self.language_means()
        cached = self._centred_vectors.get(entry.profile.id)
        if cached is None or cached[0] != self._means_id:
            vector = pool(entry.passages, centre(entry.passages, entry.passage_vectors, means))
            cached = (self._means_id, vector)
            self._centred_vectors[entry.profile.id] = cached
        return cached[1]

    def _centred_matrix(self) -> np.ndarray:
        """Profile vectors pooled from language-centred passages, in index row order."""
        self.language_means()
        version = (self.index.version, self._means_id)
        if self._centred is None or self._centred_version != version:
            # Called after every index change: a dict lookup per profile, the centring
            # itself only for profiles that changed (or all, when the means moved).
            cache, means_id = self._centred_vectors, self._means_id
            rows = []
            for id_ in self.index.ids:
                cached = cache.get(id_)
                rows.append(
                    cached[1]
                    if cached is not None and cached[0] == means_id
                    else self._centred_vector(self.entries[id_])
                )
            self._centred = (
                np.stack(rows) if rows else np.zeros((0, self.index.dimension), np.float32)
            )
            self._centred_version = version
        return self._centred

    def _space(self, centred: bool) -> tuple[np.ndarray, Hashable, object]:
        """The profile matrix (index row order), its space's name, and how to get a removed
        profile's vector in it."""
        if not centred:
            return self.index.matrix, 0, lambda entry: entry.vector
        matrix = self._centred_matrix()
        means = self._means
        return (
            matrix,
            self._means_id,
            lambda entry: pool(
                entry.passages, centre(entry.passages, entry.passage_vectors, means)
            ),
        )

    def _neighbours(self, k: int, centred: bool) -> tuple[Neighbourhoods, np.ndarray]:
        neighbourhoods = self._neighbourhoods.get((k, centred))
        if neighbourhoods is None:
            neighbourhoods = self._neighbourhoods[(k, centred)] = Neighbourhoods(k)
        matrix, space, vector_of = self._space(centred)
        neighbourhoods.sync(matrix, self.index.row, self.index.__contains__, space, vector_of)
        return neighbourhoods, matrix

    def radius(self, ids: Sequence[Hashable], k: int, *, centred: bool = False) -> np.ndarray:
        """CSLS ``r`` of indexed profiles: mean cosine to their k nearest other profiles."""
        neighbourhoods, matrix = self._neighbours(k, centred)
        missing = neighbourhoods.missing(ids)
        if missing:
            neighbourhoods.compute(matrix, missing, [self.index.row(i) for i in missing])
        return neighbourhoods.radii(ids)

    def warm_up(self, ranker: Ranker = FULL) -> None:
        """Compute every indexed profile's CSLS neighbourhood for ``ranker`` now (one pass
        over the index, in blocks) rather than a query's candidates at a time.

        Worth it in a long-running process: the neighbourhoods are kept up to date as
        profiles come and go, so later queries read them instead of computing them.
        """
        if not ranker.hubness or not ranker.weights.semantic or not len(self.index):
            return
        centred = ranker.centre_languages and bool(self.language_means())
        self.radius(self.index.ids, ranker.hubness_k, centred=centred)

    def _entry(self, query: Profile | Hashable) -> Entry:
        if isinstance(query, Profile):
            known = self.entries.get(query.id)
            if known is not None and known.profile == query:
                return known
            return self.prepare([query])[0]
        if query not in self.entries:
            raise KeyError(f"profile {query!r} is not indexed")
        return self.entries[query]

    def match(
        self,
        query: Profile | Hashable,
        *,
        k: int = 10,
        ranker: Ranker = FULL,
        explain: bool = False,
    ) -> list[Match]:
        """The best ``k`` candidates for a profile (indexed or not, or an indexed id)."""
        entry = self._entry(query)
        return self._rank(entry, k=k, ranker=ranker, explain=explain)

    def search(
        self,
        text: str,
        *,
        lang: str = "",
        k: int = 10,
        ranker: Ranker = FULL,
        explain: bool = False,
    ) -> list[Match]:
        """Free text from a search box, in any language, against every indexed profile."""
        query = Profile(id=None, texts=(Text(text, lang),))
        return self._rank(self.prepare([query])[0], k=k, ranker=ranker, explain=explain)

    def _lexical_shortlist(self, by_slot: np.ndarray, blocked_ids: set, size: int) -> list[int]:
        """Index rows of the ``size`` best BM25 scores, best first, ties by row;
        blocked profiles left out."""
        if blocked_ids:
            by_slot = by_slot.copy()
            for id_ in blocked_ids:
                if id_ in self.lexical:
                    by_slot[self.lexical.slot(id_)] = 0.0
        hits = np.flatnonzero(by_slot > 0)
        if len(hits) > size:
            # Everything scoring at least the size-th best: ties at the cut are settled by row.
            cut = -np.partition(-by_slot[hits], size - 1)[size - 1]
            hits = hits[by_slot[hits] >= cut]
        found = []
        for slot in hits:
            id_ = self.lexical.id_at(int(slot))
            found.append((-by_slot[slot], self.index.row(id_)))
        found.sort()
        return [row for _, row in found[:size]]

    def _rank(self, entry: Entry, *, k: int, ranker: Ranker, explain: bool) -> list[Match]:
        query = entry.profile
        n = len(self.index)
        if n == 0 or k <= 0:
            return []
        weights = ranker.weights
        id_at = self.index.id_at
        centred = ranker.centre_languages and bool(self.language_means())
        if centred:
            means = self.language_means()
            query_vector = pool(
                entry.passages, centre(entry.passages, entry.passage_vectors, means)
            )
            cosines = self._centred_matrix() @ query_vector
        else:
            cosines = self.index.similarities(entry.vector)

        blocked = np.zeros(n, dtype=bool)
        blocked_ids = (
            set(self._by_org.get(query.organisation, ()))
            if query.organisation is not None
            else set()
        )
        if query.id is not None:
            blocked_ids.add(query.id)
        blocked_ids |= self._unpublished
        for id_ in blocked_ids:
            if id_ in self.index:
                blocked[self.index.row(id_)] = True
        eligible = np.where(blocked, -np.inf, cosines)

        shortlist = top_k_rows(eligible, ranker.shortlist) if weights.semantic else np.zeros(0, int)
        shortlist = shortlist[np.isfinite(eligible[shortlist])]
        candidates = dict.fromkeys(int(r) for r in shortlist)

        by_slot = None  # BM25 by the lexical index's slots
        ideal = 1.0
        if weights.lexical:
            query_tokens = list(entry.tokens)
            by_slot = self.lexical.slot_scores(query_tokens)
            ideal = self.lexical.ideal(query_tokens) or 1.0
        if by_slot is not None:
            for row in self._lexical_shortlist(by_slot, blocked_ids, ranker.shortlist):
                candidates.setdefault(row, None)
        if not candidates:
            return []
        rows = np.fromiter(candidates, dtype=np.int64, count=len(candidates))

        semantic = np.zeros(len(rows))
        if weights.semantic:
            raw = cosines[rows].astype(np.float64)
            if ranker.hubness:
                own = cosines.copy()
                if query.id is not None and query.id in self.index:
                    own[self.index.row(query.id)] = -np.inf
                r_query = float(neighbourhood_radius(own[None, :], ranker.hubness_k)[0])
                r_rows = self.radius([id_at(r) for r in rows], ranker.hubness_k, centred=centred)
                raw = csls(raw, r_query, r_rows)
            # Normalised over the semantic shortlist only (the first rows): the same scale
            # whatever k is.
            reference = raw[: len(shortlist)] if len(shortlist) else raw
            high = float(reference.max())
            span = ranker.min_span * (2 if ranker.hubness else 1)
            semantic = min_max(raw, min(float(reference.min()), high - span), high)

        matches = []
        rules = any(getattr(weights, p) for p in RULE_PARTS)
        for position, row in enumerate(rows):
            candidate = self.entries[id_at(row)].profile
            if excluded(query, candidate):
                continue
            values = rule_values(query, candidate) if rules else {}
            values["semantic"] = float(semantic[position])
            bm25 = float(by_slot[self.lexical.slot(candidate.id)]) if by_slot is not None else 0.0
            values["lexical"] = min(1.0, bm25 / ideal)
            total, parts = combine(values, weights)
            matches.append(
                (
                    -total,
                    int(row),
                    Match(
                        id=candidate.id,
                        score=total,
                        parts=parts,
                        cosine=float(cosines[row]),
                        bm25=bm25,
                    ),
                )
            )
        matches.sort(key=lambda item: (item[0], item[1]))
        result = [m for _, _, m in matches[:k]]
        if explain:
            from .explain import explain_match

            for match in result:
                match.explanation = explain_match(self, entry, self.entries[match.id], match)
        return result
