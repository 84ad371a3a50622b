"""The Recommender protocol and the training data every model is fitted on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split

#: Progress callback: (epoch or step, figures such as {"loss": ..., "val_hr": ...}) -> None.
Callback = Callable[[int, dict], None]


@dataclass
class UserItems:
    """Each user's training items as CSR rows (items sorted within a user)."""

    indptr: np.ndarray  # int64 (n_users + 1)
    items: np.ndarray  # int32
    ratings: np.ndarray  # float32

    @classmethod
    def from_split(cls, split: Split) -> "UserItems":
        order = np.lexsort((split.train_items, split.train_users))
        users = split.train_users[order]
        counts = np.bincount(users, minlength=split.n_users)
        indptr = np.zeros(split.n_users + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, split.train_items[order].astype(np.int32), split.train_ratings[order].astype(np.float32))

    def row(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[user], self.indptr[user + 1]
        return self.items[lo:hi], self.ratings[lo:hi]

    def entries(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row in ``users``, position in ``items``/``ratings``) of every entry of those users, flat."""
        users = np.asarray(users, dtype=np.int64)
        lo, hi = self.indptr[users], self.indptr[users + 1]
        lengths = hi - lo
        rows = np.repeat(np.arange(len(users)), lengths)
        # Positions lo[r] .. hi[r]-1 of every row at once: each row's start, shifted by a running count.
        ends = np.cumsum(lengths)
        idx = np.arange(int(ends[-1]) if len(users) else 0) + np.repeat(lo - (ends - lengths), lengths)
        return rows, idx

    def dense(self, users: np.ndarray, n_items: int, values: str = "ones") -> np.ndarray:
        """Rows of a user x item matrix for ``users`` (ones, or the ratings)."""
        out = np.zeros((len(users), n_items), dtype=np.float32)
        rows, idx = self.entries(users)
        out[rows, self.items[idx]] = 1.0 if values == "ones" else self.ratings[idx]
        return out


class Recommender(Protocol):
    name: str

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None: ...

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of candidate ``items`` (U, C) for ``users`` (U,); higher is better."""
        ...

    def score_all(self, users: np.ndarray) -> np.ndarray:
        """Scores of every catalogue item for ``users``: (U, n_items)."""
        ...


class DenseScorer:
    """Mixin: candidate scores taken from ``score_all`` (for models whose full scores are cheap)."""

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        out = np.empty(items.shape, dtype=np.float32)
        step = max(1, (1 << 24) // max(self.n_items, 1))  # type: ignore[attr-defined]
        for start in range(0, len(users), step):
            full = self.score_all(users[start:start + step])  # type: ignore[attr-defined]
            block = items[start:start + step]
            out[start:start + step] = np.take_along_axis(full, np.maximum(block, 0), axis=1)
        return out
