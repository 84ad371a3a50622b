"""GMF / MLP / NeuMF behind the Recommender protocol."""

from __future__ import annotations

import numpy as np
import torch

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models import ncf
from movierec.models.base import Callback
from movierec.models.bounds import ScoreBounds
from movierec.models.training import FitResult, Trainer, diverged, fit_ncf, score_candidates


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
        """Early stopping on the validation holdout chooses the epoch count; then, unless ``config.refit``
        is "none", the model is refitted on train + validation (see NCFConfig.refit). ``result`` keeps
        the validation figures of the first fit."""
        self.n_items = split.n_items
        result = fit_ncf(self.config, split, self.device, catalog.genres, callback, self.should_stop)
        stopped = self.should_stop is not None and self.should_stop()
        if self.config.refit != "none" and split.valid_users.size and not stopped:
            merged = split.with_validation()
            first = result
            if self.config.refit == "continue":
                result = self._continue(result, merged, catalog)
            else:
                refit_progress = (lambda e, f: callback(e, {**f, "stage": f"{f.get('stage', self.name)} on train+validation"})) \
                    if callback else None
                result = fit_ncf(self.config, merged, self.device, catalog.genres, refit_progress, self.should_stop,
                                 epochs_by_stage=first.stage_epochs)
                result.refit = (f"refitted from scratch on train + validation for the epochs chosen on validation "
                                f"({', '.join(f'{k} {v}' for k, v in first.stage_epochs.items())})")
            result.history = first.history  # the epochs early stopping ran (the refit's are in ``refit``)
            result.best_epoch, result.best_val_hr, result.stage_epochs = (first.best_epoch, first.best_val_hr,
                                                                          first.stage_epochs)
            result.seconds += first.seconds
            result.config = first.config
        self.result = result
        self.module = result.model

    def _continue(self, first: FitResult, merged: Split, catalog: Catalog) -> FitResult:
        """The model chosen on validation, trained one more epoch on train + validation (its last lr)."""
        import time

        start = time.perf_counter()
        assert first.config is not None
        config = first.config  # as trained: for NeuMF with pretraining, its lower fine-tuning lr
        trainer = Trainer(first.model, merged, config, self.device, catalog.genres)
        figures = trainer.train_epoch(self.should_stop)
        if not np.isfinite(figures["loss"]):
            raise diverged(first.best_epoch + 1, figures["loss"])
        return FitResult(trainer.model.eval(), [figures], seconds=time.perf_counter() - start,
                         refit="continued one epoch on train + validation from the epoch chosen on validation")

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
