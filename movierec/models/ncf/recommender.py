"""GMF / MLP / NeuMF behind the Recommender protocol, with fold-in, score bounds and checkpoints."""

from __future__ import annotations

import numpy as np
import torch

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models.ncf import modules as ncf
from movierec.models.base import Callback, FoldInScorer
from movierec.errors import CheckpointError
from movierec.models.ncf.bounds import ScoreBounds
from movierec.models.ncf.training import FitResult, Trainer, diverged, fit_ncf, score_candidates


class NeuralRecommender(FoldInScorer):
    chooses_on_validation = True  # early stopping on the validation holdout, then a refit (see ``fit``)

    @classmethod
    def create(cls, config: ncf.NCFConfig | None, device: torch.device | str | None = None) -> "NeuralRecommender":
        return cls(config or ncf.NCFConfig(), device or "cpu")

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
        return FitResult(trainer.kept.eval(), [figures], seconds=time.perf_counter() - start,
                         refit="continued one epoch on train + validation from the epoch chosen on validation")

    #: `tune`: most epochs per stage in a trial (early stopping usually ends sooner), its patience, and each
    #: stage's step offset (trials are compared at the same stage and epoch).
    TRIAL_EPOCHS = 20
    TRIAL_PATIENCE = 3
    STAGE_STEPS = {"gmf": 0, "mlp": 100, "neumf": 200}

    @classmethod
    def tuning_objective(cls, model: str, split: Split, catalog: Catalog, device, seed: int):
        """For `tune`: (trial, settings, progress) -> (best validation HR@10, its epoch); lagging trials are pruned.
        ``progress(epoch, figures)``, when given, hears every epoch (as `train`'s callback does)."""
        import optuna

        def objective(trial, params: dict, progress=None) -> tuple[float, int]:
            config = ncf.NCFConfig.from_json({**params, "model": model, "seed": seed, "epochs": cls.TRIAL_EPOCHS,
                                              "patience": cls.TRIAL_PATIENCE, "refit": "none"})

            def report(epoch: int, figures: dict) -> None:
                if progress is not None:
                    progress(epoch, figures)
                stage = figures.get("stage", model)
                if "val_hr" not in figures or epoch < 2:  # a first epoch says little
                    return
                trial.set_user_attr("epochs", epoch)
                trial.set_user_attr("stage", stage)
                trial.report(figures["val_hr"], cls.STAGE_STEPS.get(stage, 0) + epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()

            result = fit_ncf(config, split, torch.device(device), catalog.genres, report)
            return float(result.best_val_hr), result.best_epoch

        return objective

    def checkpoint_state(self) -> dict:
        assert self.module is not None
        return self.module.state_dict()

    @classmethod
    def restore(cls, config: ncf.NCFConfig, state: dict, meta: dict, device) -> "NeuralRecommender":
        module = ncf.build(config, int(meta["n_users"]), int(meta["n_items"]))
        try:
            module.load_state_dict(state)
        except RuntimeError:
            raise CheckpointError(f"its weights do not fit a {config.model} model of its own config") from None
        rec = cls(config, device)
        rec.attach(module, int(meta["n_items"]))
        return rec

    def fold_in(self, positives: np.ndarray, negatives: np.ndarray, *, exclude: np.ndarray, popularity: np.ndarray,
                seed: int = 0, weights: np.ndarray | None = None, callback=None,
                should_stop=None) -> tuple[np.ndarray, float, list[float]]:
        """A new user's scores of every item from vectors fitted with the model frozen (see foldin.py)."""
        from movierec.models.ncf.foldin import FoldInConfig, fold_in, score_items

        assert self.module is not None
        result = fold_in(self.module, positives, negatives, self.n_items, FoldInConfig(seed=seed), exclude=exclude,
                         callback=callback, should_stop=should_stop, popularity=popularity, positive_weights=weights)
        return score_items(self.module, result.vectors), result.seconds, result.losses

    def attach(self, module: torch.nn.Module, n_items: int) -> None:
        """Use an already trained module (from a checkpoint)."""
        self.module = module.to(self.device).eval()
        self.n_items = n_items

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        assert self.module is not None
        return score_candidates(self.module, users, items, self.device)

    def score_bounds(self) -> ScoreBounds:
        """Exact scores and upper bounds for the pruned full-catalogue ranking (models/ncf/pruned.py)."""
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
