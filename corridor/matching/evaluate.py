"""Ranking quality, measured: precision@k, MRR, nDCG@10 on labelled data.

Every ranking here comes from :meth:`Matcher.match`, the code the product runs;
the evaluation only builds the candidate pool and compares the ranking with the
labels. Nothing in it knows that a pair's texts answer only each other: each
query is ranked against the whole pool, independently of the other queries.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from .embed import CachedEmbedder, Embedder
from .engine import Matcher, Profile, Text
from .score import RANKERS, Ranker


def precision_at_k(ranking: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """Share of the first ``k`` places held by relevant items (empty places count as misses)."""
    if k <= 0:
        raise ValueError("k must be positive")
    return sum(1 for item in ranking[:k] if item in relevant) / k


def reciprocal_rank(ranking: Sequence[Hashable], relevant: Collection[Hashable]) -> float:
    """1 / the rank of the first relevant item; 0 when none is ranked."""
    for rank, item in enumerate(ranking, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranking: Sequence[Hashable], relevant: Collection[Hashable], k: int = 10) -> float:
    """Normalised discounted cumulative gain with binary relevance."""
    if not relevant:
        return 0.0
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, item in enumerate(ranking[:k], start=1)
        if item in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


@dataclass(frozen=True)
class Metrics:
    queries: int
    precision_at_1: float
    mrr: float
    ndcg_at_10: float


def metrics(
    rankings: Sequence[Sequence[Hashable]], relevant: Sequence[Collection[Hashable]]
) -> Metrics:
    """Means over queries (``rankings[i]`` is judged against ``relevant[i]``)."""
    if len(rankings) != len(relevant):
        raise ValueError("one set of relevant items per ranking")
    n = len(rankings)
    if not n:
        return Metrics(0, 0.0, 0.0, 0.0)
    pairs = list(zip(rankings, relevant, strict=True))
    return Metrics(
        queries=n,
        precision_at_1=sum(precision_at_k(r, rel, 1) for r, rel in pairs) / n,
        mrr=sum(reciprocal_rank(r, rel) for r, rel in pairs) / n,
        ndcg_at_10=sum(ndcg_at_k(r, rel, 10) for r, rel in pairs) / n,
    )


@dataclass(frozen=True)
class ReportRow:
    ranker: str
    direction: str  # "a→b", "b→a" or "all"
    languages: str  # "en→zh-hans", … or "all"
    metrics: Metrics

    def as_dict(self) -> dict:
        return {
            "ranker": self.ranker,
            "direction": self.direction,
            "languages": self.languages,
            **asdict(self.metrics),
        }


@dataclass(frozen=True)
class Report:
    rows: list[ReportRow]

    def get(self, ranker: str, direction: str = "all", languages: str = "all") -> Metrics:
        for row in self.rows:
            if (row.ranker, row.direction, row.languages) == (ranker, direction, languages):
                return row.metrics
        raise KeyError((ranker, direction, languages))

    def as_dicts(self) -> list[dict]:
        return [row.as_dict() for row in self.rows]

    def table(self) -> str:
        """A fixed-width text table, one line per (direction, languages, ranker)."""
        lines = [
            f"{'direction':<9} {'languages':<20} {'ranker':<10} {'n':>5} {'P@1':>6} {'MRR':>6} {'nDCG@10':>8}"
        ]
        for row in sorted(
            self.rows,
            key=lambda r: (r.direction != "all", r.direction, r.languages != "all", r.languages),
        ):
            m = row.metrics
            lines.append(
                f"{row.direction:<9} {row.languages:<20} {row.ranker:<10} {m.queries:>5} "
                f"{m.precision_at_1:>6.3f} {m.mrr:>6.3f} {m.ndcg_at_10:>8.3f}"
            )
        return "\n".join(lines)


def _side(value, where: str) -> Text:
    if isinstance(value, Text):
        return value
    if (
        not isinstance(value, Mapping)
        or not isinstance(value.get("text"), str)
        or not value["text"].strip()
    ):
        raise ValueError(f"{where}: expected {{'text': …, 'lang': …}} with a non-empty text")
    return Text(value["text"], str(value.get("lang") or ""))


def _check_language(lang: str, languages: Collection[str] | None, where: str) -> None:
    if languages is not None and lang not in languages:
        raise ValueError(
            f"{where}: unknown language {lang!r} (expected one of {', '.join(sorted(languages))})"
        )


def _grouped(
    rows: list[tuple[str, str, Sequence[Hashable], Collection[Hashable]]], ranker: str
) -> list[ReportRow]:
    """Metrics for every (direction, languages) group and their unions."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for direction, languages, ranking, relevant in rows:
        # dict.fromkeys: when direction is already "all" the keys repeat; count each item once.
        for key in dict.fromkeys(
            ((direction, languages), (direction, "all"), ("all", languages), ("all", "all"))
        ):
            groups[key].append((ranking, relevant))
    return [
        ReportRow(
            ranker, direction, languages, metrics([r for r, _ in items], [rel for _, rel in items])
        )
        for (direction, languages), items in sorted(groups.items())
    ]


def load_pairs(lines: Iterable[str], *, languages: Collection[str] | None = None) -> list[dict]:
    """Pairs from JSON Lines (``{"a": {"text", "lang"}, "b": {"text", "lang"}}`` a line).

    Blank lines are skipped; a bad line is reported by its number, and so is a
    language outside ``languages`` when that is given.
    """
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(pair, dict) or "a" not in pair or "b" not in pair:
            raise ValueError(f"line {number}: expected an object with 'a' and 'b'")
        for name in ("a", "b"):
            side = _side(pair[name], f"line {number}, {name}")
            _check_language(side.lang, languages, f"line {number}, {name}")
        pairs.append(pair)
    return pairs


def _trl(value, where: str) -> tuple[int | None, tuple[int, int] | None]:
    """An offer's level (an int) or a request's wanted range (``{"min", "max"}``)."""
    if value is None:
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    if (
        isinstance(value, Mapping)
        and set(value) == {"min", "max"}
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value.values())
    ):
        return None, (value["min"], value["max"])
    raise ValueError(f"{where}: 'trl' must be an integer or {{'min': …, 'max': …}}")


def _strings(row: Mapping, name: str, where: str) -> list[str]:
    value = row.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: '{name}' must be a list of strings")
    return value


def profile_from_row(
    row: Mapping, where: str = "profile", *, languages: Collection[str] | None = None
) -> tuple[Profile, set[Hashable]]:
    """A labelled profile (one line of ``eval_profiles.jsonl``) as the engine sees it,
    and the ids of its good partners.

    Title, summary and description are one text in the profile's language.
    """
    if not isinstance(row, Mapping):
        raise ValueError(f"{where}: expected a JSON object")
    missing = [name for name in ("id", "title", "language") if not row.get(name)]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(row["id"], (str, int)) or isinstance(row["id"], bool):
        raise ValueError(f"{where}: 'id' must be a string or an integer")
    _check_language(row["language"], languages, where)
    texts = [row.get(name) or "" for name in ("title", "summary", "description")]
    if not all(isinstance(t, str) for t in texts):
        raise ValueError(f"{where}: title, summary and description must be strings")
    trl, trl_wanted = _trl(row.get("trl"), where)
    try:
        profile = Profile(
            id=row["id"],
            texts=(Text("\n".join(t for t in texts if t), str(row["language"])),),
            organisation=row.get("organisation"),
            kind=row.get("kind"),
            modes=frozenset(_strings(row, "modes", where)),
            trl=trl,
            trl_wanted=trl_wanted,
            sectors=frozenset(_strings(row, "sectors", where)),
            country=row.get("country"),
            target_countries=frozenset(_strings(row, "target_countries", where)),
            keywords=tuple(_strings(row, "keywords", where)),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
    return profile, set(_strings(row, "relevant", where))


def load_profiles(
    lines: Iterable[str], *, languages: Collection[str] | None = None
) -> tuple[list[Profile], dict[Hashable, set[Hashable]]]:
    """Labelled profiles from JSON Lines: the engine's profiles and each one's good partners.

    Blank lines are skipped; a bad line is reported by its number, and so is an id
    that repeats, a good partner that is not among the profiles, or a language
    outside ``languages`` when that is given.
    """
    profiles: list[Profile] = []
    relevant: dict[Hashable, set[Hashable]] = {}
    lines_of: dict[Hashable, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from exc
        profile, good = profile_from_row(row, f"line {number}", languages=languages)
        if profile.id in lines_of:
            raise ValueError(
                f"line {number}: id {profile.id!r} already used on line {lines_of[profile.id]}"
            )
        lines_of[profile.id] = number
        profiles.append(profile)
        relevant[profile.id] = good
    for id_, good in relevant.items():
        unknown = sorted(str(r) for r in good if r not in lines_of)
        if unknown:
            raise ValueError(
                f"line {lines_of[id_]}: relevant ids not among the profiles: {', '.join(unknown)}"
            )
    return profiles, relevant


def evaluate_pairs(
    pairs: Iterable[Mapping],
    *,
    embedder: Embedder,
    rankers: Sequence[Ranker] = RANKERS,
    matcher_factory: Callable[[Embedder], Matcher] = Matcher,
) -> Report:
    """Each pair ``{"a": {"text", "lang"}, "b": {"text", "lang"}}``: every ``a`` is a query
    against the pool of all ``b``s and its own ``b`` is the answer; then the other way.

    Reported by direction and by language pair (query language → answer language).
    """
    a_side, b_side = [], []
    for number, pair in enumerate(pairs, start=1):
        if not isinstance(pair, Mapping) or "a" not in pair or "b" not in pair:
            raise ValueError(f"pair {number}: expected an object with 'a' and 'b'")
        a_side.append(_side(pair["a"], f"pair {number}, a"))
        b_side.append(_side(pair["b"], f"pair {number}, b"))
    if not a_side:
        raise ValueError("no pairs to evaluate")
    # One cache for both pools and every ranker: each text is embedded once.
    embedder = embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
    rows = []
    for ranker in rankers:
        judged = []
        for direction, queries, pool, q_tag, p_tag in (
            ("a→b", a_side, b_side, "a", "b"),
            ("b→a", b_side, a_side, "b", "a"),
        ):
            matcher = matcher_factory(embedder)
            matcher.upsert(Profile(id=(p_tag, i), texts=(t,)) for i, t in enumerate(pool))
            for i, text in enumerate(queries):
                found = matcher.match(
                    Profile(id=(q_tag, i), texts=(text,)), k=ranker.shortlist, ranker=ranker
                )
                languages = f"{text.lang or '?'}→{pool[i].lang or '?'}"
                judged.append((direction, languages, [m.id for m in found], {(p_tag, i)}))
        rows += _grouped(judged, ranker.name)
    return Report(rows)


def evaluate_profiles(
    profiles: Sequence[Profile],
    relevant: Mapping[Hashable, Collection[Hashable]],
    *,
    embedder: Embedder,
    rankers: Sequence[Ranker] = RANKERS,
    matcher_factory: Callable[[Embedder], Matcher] = Matcher,
) -> Report:
    """Labelled profiles: every profile with good partners marked queries the whole set.

    Grouped by query language → language of the first good partner (``direction`` is
    "all"): a profile's own matches come through :meth:`Matcher.match` as in the product.
    """
    by_id = {p.id: p for p in profiles}
    unknown = sorted({str(r) for rel in relevant.values() for r in rel if r not in by_id})
    if unknown:
        raise ValueError(f"relevant ids not among the profiles: {', '.join(unknown[:5])}")
    embedder = embedder if isinstance(embedder, CachedEmbedder) else CachedEmbedder(embedder)
    matcher = matcher_factory(embedder)
    matcher.upsert(profiles)
    rows = []
    for ranker in rankers:
        judged = []
        for profile in profiles:
            good = set(relevant.get(profile.id, ()))
            if not good:
                continue
            found = matcher.match(profile.id, k=ranker.shortlist, ranker=ranker)
            partner = by_id[sorted(good, key=str)[0]]
            languages = f"{profile.texts[0].lang or '?'}→{partner.texts[0].lang or '?'}"
            judged.append(("all", languages, [m.id for m in found], good))
        rows += [row for row in _grouped(judged, ranker.name) if row.direction == "all"]
    return Report(rows)
