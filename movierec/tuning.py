"""Hyperparameter search on the validation holdout, with Optuna; the best settings saved per dataset and model.

Each trial fits a model on the training part of the leave-one-out split and is
scored by HR@10 on the validation holdout (each user's second-latest rating
against 99 sampled unrated items): test items are never seen. Optuna's TPE
sampler proposes the settings; NCF trials report validation HR@10 after every
epoch of every stage (NeuMF's pretraining stages too, each at its own steps)
and a median pruner stops those that lag the trials before them at the same
stage and epoch, so a bad NeuMF setting is dropped before its costly stages. Epochs are chosen by early stopping, as in
``train``. After every trial that beats the best so far, the best settings are
written (atomically) to ``paths.tuned_path(fingerprint, model)``, so an
interrupted run keeps them; ``train`` and ``eval`` read them and say so.

Optuna is an optional extra (``pip install 'movierec[tune]'``): it brings
SQLAlchemy, Alembic and more, for a command most users of the app never run.
This module imports it only inside ``run``; ``load`` needs nothing of it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from movierec import files, paths
from movierec.models import registry
from movierec.errors import MovieRecError
from movierec.atomic import atomic_write_json

if TYPE_CHECKING:
    from movierec.engine import Engine

MODELS = registry.names(ability="tune")
FORMAT = "movierec-tuned"


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


def load(fingerprint: str, model: str) -> tuple[dict, str] | None:
    """(settings, path) of the tuned settings for a dataset and model, None when there are none."""
    path = paths.tuned_path(fingerprint, model)
    if not path.exists():
        return None
    hint = f"delete it or rerun `movierec --headless tune --model {model}`"
    raw = files.read_regular(path, max_bytes=1 << 20, what="a tuned-settings file", hint=hint)  # no FIFO hangs
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT or data.get("fingerprint") != fingerprint or not isinstance(data["settings"], dict):
            raise ValueError("not tuned settings for this dataset")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise MovieRecError(f"{path} is not valid tuned settings ({exc}); delete it or rerun "
                            f"`movierec --headless tune --model {model}`") from None
    return _renamed(model, data["settings"]), str(path)


#: Settings saved under an older name: (old, new). NCF's per-example embedding L2 was "l2" until 2026-11-30
#: (renamed because EASE's --l2 also set it); a file tuned before then keeps its value under the new name.
RENAMED = (("l2", "embedding_l2"),)


def _renamed(model: str, settings: dict) -> dict:
    fields = getattr(registry.get(model).config_class(), "__dataclass_fields__", {})
    for old, new in RENAMED:
        if old in settings and old not in fields and new in fields and new not in settings:
            settings = {**{k: v for k, v in settings.items() if k != old}, new: settings[old]}
    return settings


def require() -> None:
    """Optuna is installed, or a MovieRecError that says how to install it: `tune` checks this before it prints
    or loads anything (it said "tuning neumf ... 20 trials" and loaded the dataset first)."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise MovieRecError("tuning needs Optuna, an optional extra: pip install 'movierec[tune]'") from None


def run(engine: Engine, model: str, trials: int, timeout: float | None = None, seed: int = 0,
        on_trial: Callable[[TrialInfo, TrialInfo | None], None] | None = None,
        on_epoch: Callable[[int, int, dict], None] | None = None) -> TuneResult:
    """Search ``trials`` settings (or until ``timeout`` seconds) for ``model`` on ``engine``'s dataset.

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

    split = engine.split
    if split.valid_users.size == 0:
        raise MovieRecError(f"no user of {engine.dataset.name} has 3 or more ratings, so there is no validation "
                            "holdout to tune on; use a larger dataset")
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # its own "trial failed" warnings would repeat ours
    ds = engine.dataset
    path = paths.tuned_path(ds.fingerprint, model)
    result = TuneResult(model, path=str(path))
    start = time.perf_counter()
    # A tunable model brings its search space (its config's ``suggest``) and its objective (its class's
    # ``tuning_objective``: (trial, settings, progress) -> validation HR@10 of one setting, reporting per epoch to
    # the pruner and to ``progress`` where it trains in epochs).
    spec = registry.get(model)
    suggest = spec.config_class().suggest
    objective = spec.model_class().tuning_objective(model, split, ds.catalog, engine.device, seed)

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
                _save(path, engine, model, info, len(result.trials))
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


def _save(path, engine: Engine, model: str, best: TrialInfo, done: int) -> None:
    ds = engine.dataset
    atomic_write_json(path, {
        "format": FORMAT, "version": 1, "dataset": ds.name, "fingerprint": ds.fingerprint, "model": model,
        "settings": best.params, "val_hr": best.value, "trial": best.number, "trials_run": done,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
