"""Each indexed profile's k nearest cosines, for the CSLS radius, kept across index changes.

CSLS needs ``r``, the mean cosine of a candidate to its k nearest other profiles. A
row costs a pass over the whole index, so rows are computed on demand (a query's
candidates) or all at once (:meth:`Neighbourhoods.fill`), and then *kept*: a profile
added to the index is merged into every known row's top k (one product with the
known rows), a profile removed forgets only the rows it may have been among the
nearest of. Recomputing every row after each change would make the first queries
after any publication pay a pass over the index per candidate.

A row is the exact top k of the current index whatever the order of changes: the
tests compare it with a brute-force computation after random additions, updates and
removals.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

# Cosines of the same two vectors computed by different products (a block of rows
# against the index, or one row against a new vector) may differ in the last bits;
# a removal forgets a row when in doubt.
_SLACK = 1e-5
_BLOCK = 256


def top_k_descending(similarities: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest finite values of each row, largest first, ``-inf`` where fewer."""
    similarities = np.atleast_2d(similarities)
    width = similarities.shape[1]
    if width > k:
        similarities = -np.partition(-similarities, k - 1, axis=1)[:, :k]
    top = -np.sort(-similarities, axis=1)
    if top.shape[1] < k:
        pad = np.full((top.shape[0], k - top.shape[1]), -np.inf, dtype=top.dtype)
        top = np.concatenate([top, pad], axis=1)
    return top.astype(np.float32, copy=False)


def radii_of(top: np.ndarray) -> np.ndarray:
    """Mean of each row's finite values (0 where there are none: a profile alone in the index)."""
    top = np.atleast_2d(top)
    finite = np.isfinite(top)
    counts = finite.sum(axis=1)
    sums = np.where(finite, top, 0.0).sum(axis=1, dtype=np.float64)
    return np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)


class Neighbourhoods:
    """The top-k cosines of indexed profiles to the other profiles, in one vector space.

    The matcher reports every change (:meth:`added`, :meth:`removed`) and calls
    :meth:`sync` before reading; ``space`` names the vector space (for language-centred
    vectors, the language means in use): when it changes, every row is forgotten.
    """

    def __init__(self, k: int):
        if k < 1:
            raise ValueError("k must be positive")
        self.k = k
        self.space: Hashable = None
        self._top: dict[Hashable, np.ndarray] = {}
        self._radius: dict[Hashable, float] = {}
        self._added: list[Hashable] = []
        self._removed: list = []  # whatever ``vector_of`` turns into the removed vector

    def __len__(self) -> int:
        return len(self._top)

    def added(self, ids: Sequence[Hashable]) -> None:
        if self._top:
            self._added.extend(ids)

    def removed(self, id_: Hashable, item) -> None:
        """A profile left the index; ``item`` gives its vector through ``sync``'s ``vector_of``."""
        self._forget(id_)
        if self._top:
            self._removed.append(item)

    def _forget(self, id_: Hashable) -> None:
        self._top.pop(id_, None)
        self._radius.pop(id_, None)

    def _store(self, ids: Sequence[Hashable], top: np.ndarray) -> None:
        for id_, row, radius in zip(ids, top, radii_of(top).tolist(), strict=True):
            self._top[id_] = row
            self._radius[id_] = radius

    def sync(
        self,
        matrix: np.ndarray,
        row_of: Callable[[Hashable], int],
        present: Callable[[Hashable], bool],
        space: Hashable,
        vector_of: Callable[[object], np.ndarray],
    ) -> None:
        """Bring the known rows up to date with the index whose rows are ``matrix``."""
        if space != self.space:
            self._top.clear()
            self._radius.clear()
            self.space = space
        if not self._top:
            self._added.clear()
            self._removed.clear()
            return
        if self._removed:
            gone = np.stack([vector_of(item) for item in self._removed]).astype(np.float32)
            self._removed.clear()
            known = list(self._top)
            kth = np.array([self._top[i][-1] for i in known], dtype=np.float32)
            sims = matrix[[row_of(i) for i in known]] @ gone.T
            # A row not yet full (k or fewer other profiles) held every profile.
            stale = (sims >= (kth - _SLACK)[:, None]).any(axis=1) | ~np.isfinite(kth)
            for id_ in np.asarray(known, dtype=object)[stale]:
                self._forget(id_)
        if self._added:
            new = [i for i in dict.fromkeys(self._added) if present(i) and i not in self._top]
            self._added.clear()
            known = list(self._top)
            if new and known:
                sims = matrix[[row_of(i) for i in known]] @ matrix[[row_of(i) for i in new]].T
                merged = np.concatenate([np.stack([self._top[i] for i in known]), sims], axis=1)
                self._store(known, top_k_descending(merged, self.k))

    def compute(self, matrix: np.ndarray, ids: Sequence[Hashable], rows: Sequence[int]) -> None:
        """The rows of ``ids`` (at ``rows`` of ``matrix``) from scratch, a block at a time."""
        for start in range(0, len(ids), _BLOCK):
            block = np.asarray(rows[start : start + _BLOCK])
            sims = matrix[block] @ matrix.T
            sims[np.arange(len(block)), block] = -np.inf  # not its own neighbour
            self._store(ids[start : start + _BLOCK], top_k_descending(sims, self.k))

    def missing(self, ids: Sequence[Hashable]) -> list[Hashable]:
        return [i for i in dict.fromkeys(ids) if i not in self._top]

    def radii(self, ids: Sequence[Hashable]) -> np.ndarray:
        return np.array([self._radius[i] for i in ids], dtype=np.float32)
