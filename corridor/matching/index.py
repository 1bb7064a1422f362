"""Exact nearest-neighbour search over unit vectors, in process (numpy, float32).

One matrix-vector product and an ``argpartition`` per query: top-10 over 100,000
vectors of dimension 384 takes a few milliseconds. float32 on purpose: numpy has
no fast float16 product on ordinary CPUs (a float16 index is many times slower).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import numpy as np

from .embed import normalise_rows


class ExactIndex:
    """Vectors by id (int or str), searched by cosine similarity.

    Vectors are stored normalised, so the dot product is the cosine. Removing an
    id moves the last row into its place: rows stay packed, no rebuild needed.
    """

    def __init__(self, dimension: int, *, capacity: int = 1024):
        if dimension < 1:
            raise ValueError("dimension must be positive")
        self.dimension = dimension
        self._matrix = np.zeros((max(capacity, 1), dimension), dtype=np.float32)
        self._ids: list[Hashable] = []
        self._rows: dict[Hashable, int] = {}
        self.version = 0  # bumped on every change, so callers can drop derived caches

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, id_: Hashable) -> bool:
        return id_ in self._rows

    @property
    def ids(self) -> list[Hashable]:
        """Ids in row order."""
        return list(self._ids)

    @property
    def matrix(self) -> np.ndarray:
        """The live rows (a view: do not modify)."""
        return self._matrix[: len(self._ids)]

    def row(self, id_: Hashable) -> int:
        return self._rows[id_]

    def id_at(self, row: int) -> Hashable:
        return self._ids[row]

    def vector(self, id_: Hashable) -> np.ndarray:
        return self._matrix[self._rows[id_]].copy()

    def _grow(self, needed: int) -> None:
        if needed <= self._matrix.shape[0]:
            return
        size = max(needed, self._matrix.shape[0] * 2)
        grown = np.zeros((size, self.dimension), dtype=np.float32)
        grown[: len(self._ids)] = self.matrix
        self._matrix = grown

    def upsert(self, ids: Sequence[Hashable], vectors: np.ndarray) -> None:
        """Add vectors, or replace those whose id is already indexed."""
        vectors = normalise_rows(vectors)
        if vectors.shape != (len(ids), self.dimension):
            raise ValueError(
                f"expected {len(ids)} vectors of dimension {self.dimension}, got {vectors.shape}"
            )
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate ids in one upsert")
        new = [i for i in ids if i not in self._rows]
        self._grow(len(self._ids) + len(new))
        for id_, vector in zip(ids, vectors, strict=True):
            row = self._rows.get(id_)
            if row is None:
                row = len(self._ids)
                self._ids.append(id_)
                self._rows[id_] = row
            self._matrix[row] = vector
        self.version += 1

    def add(self, id_: Hashable, vector: np.ndarray) -> None:
        self.upsert([id_], np.asarray(vector)[None, :] if np.ndim(vector) == 1 else vector)

    update = add

    def remove(self, ids: Iterable[Hashable]) -> int:
        """Drop ids (unknown ones are ignored); returns how many were removed."""
        removed = 0
        for id_ in ids:
            row = self._rows.pop(id_, None)
            if row is None:
                continue
            last = len(self._ids) - 1
            if row != last:
                moved = self._ids[last]
                self._matrix[row] = self._matrix[last]
                self._ids[row] = moved
                self._rows[moved] = row
            self._ids.pop()
            self._matrix[last] = 0.0
            removed += 1
        if removed:
            self.version += 1
        return removed

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Cosine of a (unit) query vector to every row, in row order."""
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dimension:
            raise ValueError(f"query has dimension {query.shape[0]}, index {self.dimension}")
        return self.matrix @ query

    def search(
        self,
        query: np.ndarray,
        k: int = 10,
        *,
        exclude: Iterable[Hashable] = (),
    ) -> list[tuple[Hashable, float]]:
        """The ``k`` most similar (id, cosine), best first; ties broken by row order."""
        scores = self.similarities(query)
        rows = [self._rows[i] for i in exclude if i in self._rows]
        if rows:
            scores = scores.copy()
            scores[rows] = -np.inf
        top = top_k_rows(scores, k)
        return [(self._ids[r], float(scores[r])) for r in top if scores[r] != -np.inf]

    def search_many(self, queries: np.ndarray, k: int = 10) -> list[list[tuple[Hashable, float]]]:
        """:meth:`search` for each row of ``queries``, in one matrix product."""
        queries = np.asarray(queries, dtype=np.float32)
        scores = queries @ self.matrix.T
        return [[(self._ids[r], float(row[r])) for r in top_k_rows(row, k)] for row in scores]


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest scores, largest first, ties by lower index."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1)[:k]
        # argpartition may pick any of several tied values at the cut; take the lowest rows.
        kth = scores[part].min()
        part = np.concatenate([np.flatnonzero(scores > kth), np.flatnonzero(scores == kth)])[:k]
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part]))
    return part[order]
