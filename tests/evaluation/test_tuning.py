"""Tuning on the validation holdout (Optuna; issue 13): `tune` saves the best settings and `train` uses them, an
interrupted run keeps the best so far, bad input and an interrupt are one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movierec import paths
from movierec.data import registry
from movierec.engine import Engine
from movierec.store import checkpoints
from tests.factories import headless as _run, one_error_line as _one_error_line

optuna = pytest.importorskip("optuna")


def test_tune_saves_the_best_settings_and_train_uses_them(clusters):
    result = _run("tune", "--dataset", str(clusters), "--model", "gmf", "--trials", "2", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert len(out["trials"]) == 2 and out["best"] is not None and not out["interrupted"]
    assert all(t["state"] in ("complete", "pruned", "failed") for t in out["trials"])
    saved = json.loads(Path(out["path"]).read_text())
    assert saved["settings"] == out["best"]["params"] and Path(out["path"]).parent == paths.data_dir() / "tuned"
    train = _run("train", "--dataset", str(clusters), "--model", "gmf", "--epochs", "1")
    assert "using tuned settings from" in train.output and train.exit_code == 0
    meta = checkpoints.load(checkpoints.path_for(registry.load_dataset(str(clusters)).fingerprint, "gmf")).meta
    assert meta.config.factors == out["best"]["params"]["factors"]


def test_tune_ease_and_an_interrupted_run_keeps_the_best_so_far(clusters):
    engine = Engine(str(clusters), "cpu")
    seen = []

    def stop_after_two(trial, best):
        seen.append(trial)
        if len(seen) == 2:
            raise KeyboardInterrupt

    result = engine.tune("ease", trials=10, on_trial=stop_after_two)
    assert result.interrupted and len(result.trials) == 2
    saved = json.loads(Path(result.path).read_text())
    assert saved["settings"] == result.best.params and saved["val_hr"] == result.best.value


@pytest.mark.parametrize("args, wanted", [
    (["--model", "pop"], "cannot be tuned"),
    (["--model", "gmf", "--trials", "0"], "--trials must be at least 1"),
    (["--model", "gmf", "--trials", "many"], "is not a whole number"),
    (["--model", "gmf", "--timeout", "-3"], "--timeout"),
    ([], "tune needs --model"),
])
def test_tune_bad_input_is_one_line(clusters, args, wanted):
    result = _run("tune", "--dataset", str(clusters), *args)
    assert result.exit_code != 0 and wanted in _one_error_line(result)


def test_tune_interrupted_from_the_command_line_is_one_line(clusters, monkeypatch):
    from movierec.evaluation import tuning

    def interrupted(ds, split, device, model, trials, timeout=None, seed=0, on_trial=None, on_epoch=None):
        return tuning.TuneResult(model, interrupted=True, path="x")

    monkeypatch.setattr(tuning, "run", interrupted)
    result = _run("tune", "--dataset", str(clusters), "--model", "gmf")
    assert result.exit_code == 130
    assert "nothing saved" in _one_error_line(result)
