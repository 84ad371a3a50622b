"""Most-popular baseline: every user gets the items with the most training interactions."""

from __future__ import annotations

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models.base import Callback, DenseScorer


class Popularity(DenseScorer):
    name = "pop"
    chooses_on_validation = False

    @classmethod
    def create(cls, config=None, device=None) -> "Popularity":
        return cls()

    def __init__(self) -> None:
        self.counts = np.zeros(0, dtype=np.float32)
        self.n_items = 0

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        self.n_items = split.n_items
        self.counts = np.bincount(split.train_items, minlength=split.n_items).astype(np.float32)

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.counts[np.maximum(items, 0)]

    def score_all(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(users), self.n_items)).copy()
