"""EASE (Steck 2019): a closed-form item-item model with one L2 parameter.

B = I - P / diag(P) with P = (X^T X + lambda I)^-1 and diag(B) = 0, scores X_u B.
The dense item-item inverse costs O(I^3) time and ~3 I^2 floats of memory, so
only items with at least one training interaction enter the inverse, and a fit
whose estimate is over ``max_memory_gb`` is refused with a message.
"""

from __future__ import annotations

import numpy as np
import torch

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.errors import MovieRecError
from movierec.models.base import Callback, DenseScorer, UserItems


def ease_memory_gb(n_items: int) -> float:
    return 3 * n_items * n_items * 4 / 2**30


class EASE(DenseScorer):
    name = "ease"

    def __init__(self, l2: float = 250.0, max_memory_gb: float = 8.0) -> None:
        self.l2 = l2
        self.max_memory_gb = max_memory_gb
        self.n_items = 0
        self.active = np.zeros(0, dtype=np.int64)
        self.weights: torch.Tensor | None = None
        self.history: UserItems | None = None

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        self.n_items = split.n_items
        self.history = UserItems.from_split(split)
        self.active = np.unique(split.train_items).astype(np.int64)
        n = self.active.size
        need = ease_memory_gb(n)
        if need > self.max_memory_gb:
            raise MovieRecError(f"EASE on {n:,} items needs about {need:.1f} GB (limit {self.max_memory_gb:g} GB); "
                                "skip it or raise the limit")
        gram = self._gram(split, n)
        gram.diagonal().add_(self.l2)
        p = torch.cholesky_inverse(torch.linalg.cholesky(gram))
        del gram
        b = p / (-p.diagonal())
        b.diagonal().zero_()
        self.weights = b

    def _gram(self, split: Split, n: int) -> torch.Tensor:
        """X^T X over the active items, accumulated from blocks of dense user rows."""
        gram = torch.zeros((n, n), dtype=torch.float32)
        assert self.history is not None
        step = max(1, (1 << 26) // max(n, 1))
        for start in range(0, split.n_users, step):
            users = np.arange(start, min(start + step, split.n_users))
            x = torch.from_numpy(self.history.dense(users, split.n_items)[:, self.active])
            gram.addmm_(x.T, x)
        return gram

    def score_all(self, users: np.ndarray) -> np.ndarray:
        assert self.history is not None and self.weights is not None
        x = self.history.dense(np.asarray(users), self.n_items)[:, self.active]
        out = np.full((len(users), self.n_items), -1e9, dtype=np.float32)
        out[:, self.active] = (torch.from_numpy(x) @ self.weights).numpy()
        return out
