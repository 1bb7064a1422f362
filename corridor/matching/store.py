"""The embedding cache in the database: the engine's ``VectorStore`` for the product.

Every web process and worker reads the same table, so a text embedded by a worker
is never embedded again by a web process (or after a restart).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence

import numpy as np

from .models import EmbeddingVector

BATCH = 500  # keys per query: well under SQLite's bound-parameter limit


class DatabaseVectorStore:
    """Vectors in ``matching_embeddingvector``, as float32 bytes."""

    def __init__(self, model: str, dimension: int):
        self.model = model
        self.dimension = dimension

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = list(keys)
        for start in range(0, len(keys), BATCH):
            rows = EmbeddingVector.objects.filter(key__in=keys[start : start + BATCH])
            for key, blob in rows.values_list("key", "vector"):
                vector = np.frombuffer(bytes(blob), dtype=np.float32)
                if vector.shape == (self.dimension,):  # a row of another size is ignored
                    found[key] = vector
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        rows = [
            EmbeddingVector(
                key=key,
                model=self.model[:200],
                vector=np.asarray(vector, dtype=np.float32).tobytes(),
            )
            for key, vector in items.items()
        ]
        # Two processes may embed the same text at once; the same key holds the same vector.
        EmbeddingVector.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


class ReadOnlyDatabaseStore:
    """Reads the database's cache but keeps new vectors in a bounded in-memory cache.

    For search-box queries: anyone can type anything, and that must not grow a table.
    """

    def __init__(self, database: DatabaseVectorStore, *, size: int = 2000):
        self.database = database
        self.size = size
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found = {k: self._recent[k] for k in keys if k in self._recent}
        for key in found:
            self._recent.move_to_end(key)
        missing = [k for k in keys if k not in found]
        if missing:
            found.update(self.database.get_many(missing))
        return found

    def put_many(self, items: Mapping[str, np.ndarray]) -> None:
        self._recent.update(items)
        while len(self._recent) > self.size:
            self._recent.popitem(last=False)
