"""Evaluation: leave-one-out (sampled and full), item cold start, the diversity sweep, tuning."""

from __future__ import annotations

import time

from movierec.errors import MovieRecError
from movierec.evaluation.protocol import Protocol, Report
from movierec.models import registry
from movierec.models.base import Callback, Planned
from movierec.engine.context import Context
from movierec.engine.shelf import DEFAULT_MODEL, ModelShelf


class Evaluations:
    def __init__(self, context: Context, shelf: ModelShelf) -> None:
        self.context = context
        self.shelf = shelf

    def _check(self, models: list[str], k: int, negatives: int) -> None:
        for name in models:
            registry.get(name)  # an unknown name: one line that lists the known ones
        if k < 1 or negatives < 1:
            raise MovieRecError("--k and --negatives must be at least 1")

    def evaluate(self, models: list[str], k: int = 10, negatives: int = 99, seed: int = 0, full: bool = False,
                 callback: Callback | None = None, on_result=None, retrain: bool = False,
                 **overrides) -> list[Report]:
        """Leave-one-out figures of each model (trained, or a saved one reused); a model that cannot run here
        among several is skipped, with why, in ``notes.skipped``."""
        self._check(models, k, negatives)
        split = self.context.split
        if split.test_users.size == 0:
            raise MovieRecError(f"no user of {self.context.dataset.name} has 2 or more ratings, so leave-one-out "
                                "has nothing to hold out; evaluate on a dataset where users rated at least 2 films")
        protocol = Protocol(split, k=k, negatives=negatives, seed=seed, full=full)
        reports = []
        skipped = self.context.notes.skipped
        skipped.clear()
        for name in models:
            if len(models) > 1:
                fresh = self.shelf.build(name, **overrides)
                if isinstance(fresh, Planned) and not fresh.plan(split)["fits"]:
                    # One model that cannot run here does not cost the others: skipped, with the reason.
                    skipped.append((name, fresh.describe_plan(split)))
                    continue
            model, info = self.shelf.train(name, callback=callback, force=retrain, seed=seed, **overrides)
            report = protocol.evaluate(model, self.context.dataset.catalog, info.fit_seconds)
            report.reused = info.reused
            reports.append(report)
            if on_result:
                on_result(report)
        return reports

    def evaluate_cold(self, models: list[str], fraction: float = 0.1, k: int = 10, negatives: int = 99, seed: int = 0,
                      callback: Callback | None = None, **overrides) -> tuple[dict, list[dict]]:
        """Item cold-start evaluation (``evaluation/coldstart.py``): (the split's figures, one row per model).

        Models that score a film from what is known about it (kind "content") are fitted here on the cold
        split's training ratings only and never saved (a saved model has seen the cold films' ratings); the
        others are listed as not applicable, with why, never scored as zero."""
        from movierec.evaluation import coldstart

        self._check(models, k, negatives)
        cold = coldstart.cold_split(self.context.dataset, fraction, seed, negatives)
        rows = []
        for name in models:
            spec = registry.get(name)
            if spec.kind != "content":
                why = ("ranks films by their training ratings, and a cold film has none" if spec.kind == "baseline"
                       else "learns a film only from its ratings, so a film nobody rated has nothing to score it by")
                rows.append({"model": name, "applicable": False, "hr": None, "ndcg": None, "fit_seconds": None,
                             "reason": why})
                continue
            rec = self.shelf.build(name, seed=seed, **overrides)
            rec.should_stop = None
            start = time.perf_counter()
            rec.fit(cold.split if rec.chooses_on_validation else cold.split.with_validation(), cold.catalog, callback)
            fit = time.perf_counter() - start
            hr, ndcg = coldstart.evaluate(rec, cold, k)
            rows.append({"model": name, "applicable": True, "hr": hr, "ndcg": ndcg, "fit_seconds": fit, "reason": None})
        return cold.to_json(), rows

    def diversity_sweep(self, model: str = DEFAULT_MODEL, k: int = 10, negatives: int = 99, seed: int = 0,
                        steps: int = 11, callback: Callback | None = None, **overrides) -> list[dict]:
        """HR@k and ILD@k of MMR re-ranking at diversity 0, 0.1, ..., 1 (the sampled protocol)."""
        rec, _ = self.shelf.train(model, callback=callback, seed=seed, **overrides)
        protocol = Protocol(self.context.split, k=k, negatives=negatives, seed=seed)
        values = [i / (steps - 1) for i in range(steps)]
        return protocol.diversity_sweep(rec, self.context.dataset.catalog, values)

    def protocol_users(self) -> tuple[int, int]:
        return int(self.context.split.test_users.size), int(self.context.split.skipped_users)

    def tied_users(self) -> int:
        """Evaluated users with more than one rating at their latest timestamp (held out at random among them)."""
        return int(self.context.split.tied_users)

    def tune(self, model: str, trials: int = 20, timeout: float | None = None, seed: int = 0, on_trial=None,
             on_epoch=None):
        """Hyperparameter search on the validation holdout (see ``movierec.evaluation.tuning``); the best settings
        are saved for this dataset and model, and later ``train``/``evaluate`` use them."""
        from movierec.evaluation import tuning

        self.context.notes.forget(f"tuned-{model}-")
        ctx = self.context
        return tuning.run(ctx.dataset, ctx.split, ctx.device, model, trials, timeout, seed, on_trial, on_epoch)
