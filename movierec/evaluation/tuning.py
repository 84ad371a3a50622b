"""Hyperparameter search on the validation holdout, with Optuna; the best settings saved per dataset and model.

Each trial fits a model on the training part of the leave-one-out split and is
scored by HR@10 on the validation holdout (each user's second-latest rating
against 99 sampled unrated items): test items are never seen. Optuna's TPE
sampler proposes the settings; NCF trials report validation HR@10 after every
epoch of every stage (NeuMF's pretraining stages too, each at its own steps)
and a median pruner stops those that lag the trials before them at the same
stage and epoch, so a bad NeuMF setting is dropped before its costly stages. Epochs are chosen by early stopping, as in
``train``. After every trial that beats the best so far, the best settings are
written (``movierec.store.tuned``), so an interrupted run keeps them; ``train``
and ``eval`` read them and say so. It takes plain values (a dataset, its split,
a device), not the engine that calls it.

Optuna is an optional extra (``pip install 'movierec[tune]'``): it brings
SQLAlchemy, Alembic and more, for a command most users of the app never run.
This module imports it only inside ``run``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from movierec import paths
from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.store import tuned

if TYPE_CHECKING:
    from movierec.data.dataset import Dataset
    from movierec.data.splits import Split

MODELS = registry.names(ability="tune")


@dataclass
class TrialInfo:
    number: int  # 1-based
    state: str  # complete | pruned | failed | interrupted
    value: float | None  # validation HR@10 (the best epoch's)
    params: dict
    seconds: float
    epochs: int = 0
    note: str = ""

    def to_json(self) -> dict:
        return {"number": self.number, "state": self.state,
                "val_hr": None if self.value is None else round(self.value, 6),
                "params": self.params, "seconds": round(self.seconds, 3), "epochs": self.epochs,
                **({"note": self.note} if self.note else {})}


@dataclass
class TuneResult:
    model: str
    trials: list[TrialInfo] = field(default_factory=list)
    best: TrialInfo | None = None
    path: str = ""
    interrupted: bool = False
    seconds: float = 0.0


def require() -> None:
    """Optuna is installed, or a MovieRecError that says how to install it: `tune` checks this before it prints
    or loads anything (it said "tuning neumf ... 20 trials" and loaded the dataset first)."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise MovieRecError("tuning needs Optuna, an optional extra: pip install 'movierec[tune]'") from None


def run(ds: Dataset, split: Split, device, model: str, trials: int, timeout: float | None = None, seed: int = 0,
        on_trial: Callable[[TrialInfo, TrialInfo | None], None] | None = None,
        on_epoch: Callable[[int, int, dict], None] | None = None) -> TuneResult:
    """Search ``trials`` settings (or until ``timeout`` seconds) for ``model`` on dataset ``ds`` (``split`` its
    leave-one-out split, ``device`` where trials train).

    ``on_trial(trial, best)`` is called after every trial, ``on_epoch(trial number, epoch, figures)`` after
    every epoch inside a trial of a model that trains in epochs (``train``'s progress figures). A
    KeyboardInterrupt ends the search early: the result says ``interrupted`` and the best settings found so
    far are kept on disk.
    """
    if model not in MODELS:
        raise MovieRecError(f"cannot tune {model!r}; choose one of {', '.join(MODELS)}")
    if trials < 1:
        raise MovieRecError(f"--trials must be at least 1 (got {trials})")
    if timeout is not None and not timeout > 0:
        raise MovieRecError(f"--timeout must be a positive number of seconds (got {timeout:g})")
    require()
    import optuna

    if split.valid_users.size == 0:
        raise MovieRecError(f"no user of {ds.name} has 3 or more ratings, so there is no validation "
                            "holdout to tune on; use a larger dataset")
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # its own "trial failed" warnings would repeat ours
    path = paths.tuned_path(ds.fingerprint, model)
    result = TuneResult(model, path=str(path))
    start = time.perf_counter()
    # A tunable model brings its search space (its config's ``suggest``) and its objective (its class's
    # ``tuning_objective``: (trial, settings, progress) -> validation HR@10 of one setting, reporting per epoch to
    # the pruner and to ``progress`` where it trains in epochs).
    spec = registry.get(model)
    suggest = spec.config_class().suggest
    objective = spec.model_class().tuning_objective(model, split, ds.catalog, device, seed)

    def tracked(trial) -> float:
        t0 = time.perf_counter()
        params = suggest(trial, model)
        info = TrialInfo(trial.number + 1, "complete", None, params, 0.0)
        try:
            progress = (lambda epoch, figures: on_epoch(info.number, epoch, figures)) if on_epoch else None
            info.value, info.epochs = objective(trial, params, progress)
            return info.value
        except optuna.TrialPruned:
            info.state, info.epochs = "pruned", int(trial.user_attrs.get("epochs", 0))
            stage = trial.user_attrs.get("stage", model)
            info.note = f"pruned after {stage + ' ' if stage != model else ''}epoch {info.epochs}"
            raise
        except KeyboardInterrupt:
            info.state, info.note = "interrupted", "stopped by Ctrl+C"
            raise
        except MovieRecError as exc:  # a diverged trial is a bad setting, not a failed search
            info.state, info.note = "failed", str(exc)
            return 0.0
        finally:
            info.seconds = time.perf_counter() - t0
            result.trials.append(info)
            if info.state == "complete" and info.value is not None and (
                    result.best is None or info.value > (result.best.value or 0.0)):
                result.best = info
                tuned.save(ds.fingerprint, ds.name, model, info.params, info.value, info.number, len(result.trials))
            if on_trial is not None:
                on_trial(info, result.best)

    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(5, trials))
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    try:
        study.optimize(tracked, n_trials=trials, timeout=timeout, catch=())
    except KeyboardInterrupt:
        result.interrupted = True
    result.seconds = time.perf_counter() - start
    return result
