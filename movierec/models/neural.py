"""GMF / MLP / NeuMF behind the Recommender protocol."""

from __future__ import annotations

import numpy as np
import torch

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models import ncf
from movierec.models.base import Callback
from movierec.models.bounds import ScoreBounds
from movierec.models.training import FitResult, fit_ncf, score_candidates


class NeuralRecommender:
    def __init__(self, config: ncf.NCFConfig, device: torch.device | str = "cpu") -> None:
        self.config = config
        self.name = config.model
        self.device = torch.device(device)
        self.module: torch.nn.Module | None = None
        self.n_items = 0
        self.result: FitResult | None = None
        self.should_stop = None

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        self.n_items = split.n_items
        self.result = fit_ncf(self.config, split, self.device, catalog.genres, callback, self.should_stop)
        self.module = self.result.model

    def attach(self, module: torch.nn.Module, n_items: int) -> None:
        """Use an already trained module (from a checkpoint)."""
        self.module = module.to(self.device).eval()
        self.n_items = n_items

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        assert self.module is not None
        return score_candidates(self.module, users, items, self.device)

    def score_bounds(self) -> ScoreBounds:
        """Exact scores and upper bounds for the pruned full-catalogue ranking (evaluation/pruned.py)."""
        assert self.module is not None
        self.module.eval()
        return ScoreBounds(self.module)

    @torch.no_grad()
    def score_all_tensor(self, users: np.ndarray) -> torch.Tensor:
        """(U, n_items) float32 logits, left on the device (for device-side evaluation)."""
        assert self.module is not None
        self.module.eval()
        block = torch.from_numpy(np.asarray(users, dtype=np.int64)).to(self.device)
        return self.module.score_all(block).float()

    @torch.no_grad()
    def score_all(self, users: np.ndarray) -> np.ndarray:
        """Logits of every item for ``users``, in user blocks of about 2^18 pairs (cache-sized)."""
        assert self.module is not None
        self.module.eval()
        users = np.asarray(users, dtype=np.int64)
        out = np.empty((users.size, self.n_items), dtype=np.float32)
        step = max(1, (1 << 18) // max(self.n_items, 1))
        for b in range(0, users.size, step):
            block = torch.from_numpy(users[b:b + step]).to(self.device)
            out[b:b + step] = self.module.score_all(block).float().cpu().numpy()
        return out
