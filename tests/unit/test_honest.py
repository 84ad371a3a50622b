"""Issue 13: final models fit on train + validation, diverged training is refused, reused models are marked,
and tuning on the validation holdout (Optuna)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from movierec import paths
from movierec.cli import cli
from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.engine import Engine
from movierec.models.ncf import NCFConfig
from movierec.models.ncf.recommender import NeuralRecommender
from movierec.models.ncf.training import fit_ncf
from movierec.store import checkpoints
from tests import factories


@pytest.fixture
def clusters(tmp_path) -> Path:
    return factories.write_latest(tmp_path / "clusters", factories.clusters(n_users=60, n_items=40, per_user=10))


def _run(*args: str):
    return CliRunner().invoke(cli, ["--headless", *args], catch_exceptions=False)


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("error:", "interrupted"))]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


# -- train + validation ---------------------------------------------------------------------------
def test_baselines_fit_on_train_and_validation(clusters):
    engine = Engine(str(clusters), "cpu")
    split = engine.split
    pop = engine.train("pop")[0]
    expected = np.bincount(np.concatenate([split.train_items, split.valid_items]), minlength=split.n_items)
    np.testing.assert_array_equal(pop.counts, expected)  # validation items counted, test items not
    notes: list[str] = []
    engine.on_note = notes.append
    ease = engine.train("ease")[0]
    assert ease.chosen["l2"] in (50.0, 200.0, 800.0) and len(ease.chosen["grid"]) == 3
    assert any("chosen on validation" in n for n in notes)
    assert engine.train("ease", l2=7.0)[0].l2 == 7.0  # --l2 wins over the grid


def test_a_refit_trains_exactly_the_chosen_epochs_without_validation(clusters):
    ds = registry.load_dataset(str(clusters))
    split = leave_one_out(ds)
    config = NCFConfig(model="gmf", epochs=3, batch_size=64, lr=0.01)
    fixed = fit_ncf(config, split.with_validation(), torch.device("cpu"), epochs_by_stage={"gmf": 2})
    assert len(fixed.history) == 2 and all("val_hr" not in h for h in fixed.history)
    rec = NeuralRecommender(NCFConfig(model="neumf", epochs=2, batch_size=256, lr=0.01), "cpu")
    rec.fit(split, ds.catalog)
    result = rec.result
    assert set(result.stage_epochs) == {"gmf", "mlp", "neumf"} and "from scratch" in result.refit
    assert result.best_val_hr == result.best_val_hr  # the validation figure of the first fit is kept
    assert "train + validation" in result.refit


# -- a diverged model is not a model --------------------------------------------------------------
def test_diverged_training_stops_with_one_line_and_saves_nothing(clusters, home):
    result = _run("train", "--dataset", str(clusters), "--model", "gmf", "--lr", "1e30", "--epochs", "5")
    assert result.exit_code != 0
    line = _one_error_line(result)
    assert "training diverged at epoch" in line and "try a lower --lr" in line
    assert not list(home.rglob("*.pt"))


def test_a_checkpoint_with_non_finite_weights_is_refused_and_retrained_over(clusters):
    engine = Engine(str(clusters), "cpu")
    rec, info = engine.train("gmf", epochs=1, batch_size=256)
    state = {k: v.clone() for k, v in rec.module.state_dict().items()}
    state["item.weight"][3, 0] = float("nan")
    path = Path(info.path)
    checkpoints.save(path, state, rec.meta, engine.dataset.user_ids.array, engine.dataset.item_ids.array)
    with pytest.raises(checkpoints.NonFiniteCheckpoint, match="not finite"):
        checkpoints.load(path)
    again = Engine(str(clusters), "cpu")
    notes: list[str] = []
    again.on_note = notes.append
    _, info2 = again.train("gmf", epochs=1, batch_size=256)
    assert not info2.reused and any("not finite" in n for n in notes)
    checkpoints.load(path)  # the new one is sound


# -- eval says where its figures come from --------------------------------------------------------
def test_eval_marks_a_reused_model_and_says_why_it_trains(clusters):
    args = ("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "1", "--json")
    first = json.loads(_run(*args).output)
    assert first["results"][0]["reused"] is False and any("no saved model" in n for n in first["notes"])
    assert isinstance(first["tied_users"], int)
    second = json.loads(_run(*args).output)
    assert second["results"][0]["reused"] is True and any("reusing" in n for n in second["notes"])
    other = json.loads(_run("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "2", "--json").output)
    assert other["results"][0]["reused"] is False
    assert any("other settings" in n and "epochs 1, wanted 2" in n for n in other["notes"])
    table = _run("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "2")
    assert "reused" in table.output


def test_l2_holds_in_the_embedding_rows_a_batch_uses(clusters):
    """NCFConfig.embedding_l2 (per-example L2 on the embedding rows used): the same seed and epochs give smaller rows
    the larger it is; 0 trains exactly as before (the same weights as a config that never had it)."""
    split = leave_one_out(registry.load_dataset(str(clusters)))
    cpu = torch.device("cpu")

    def rows(l2: float) -> float:
        config = NCFConfig(model="gmf", epochs=3, batch_size=64, lr=0.01, embedding_l2=l2)
        model = fit_ncf(config, split.with_validation(), cpu, epochs_by_stage={"gmf": 3}).model
        return float(model.user.weight.detach().pow(2).sum() + model.item.weight.detach().pow(2).sum())

    plain, some, more = rows(0.0), rows(1e-2), rows(1e-1)
    assert plain > some > more


def test_a_checkpoint_from_before_a_setting_existed_is_reused_as_its_default(clusters):
    engine = Engine(str(clusters), "cpu")
    engine.train("gmf", epochs=1)
    path = checkpoints.path_for(engine.dataset.fingerprint, "gmf")
    payload = torch.load(path, weights_only=True)  # the meta rewritten the way a movierec before embedding_l2 wrote it
    meta = json.loads(payload["meta"])
    del meta["config"]["embedding_l2"]
    payload["meta"] = json.dumps(meta)
    torch.save(payload, path)
    notes: list[str] = []
    again = Engine(str(clusters), "cpu")
    again.on_note = notes.append
    assert again.train("gmf", epochs=1)[1].reused, notes
    assert not again.train("gmf", epochs=1, embedding_l2=1e-3)[1].reused  # a setting it lacks, asked for: retrained
    assert any("embedding_l2 0.0, wanted 0.001" in n for n in notes), notes
    # EASE's L2 (`--l2`) is another setting: it never reaches an NCF model.
    assert again.shelf.build("gmf", l2=800.0).config.embedding_l2 == 0.0


# -- tuning ---------------------------------------------------------------------------------------
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


def test_a_tuned_settings_file_that_is_a_fifo_is_refused_in_one_line_without_hanging(tmp_path):
    import os

    from movierec import paths
    from movierec.store import tuned
    from movierec.errors import MovieRecError

    path = paths.tuned_path("f" * 40, "ease")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)  # opening it to read would block for ever; reading goes through files.read_regular
    with pytest.raises(MovieRecError, match="not a regular file|is a FIFO|named pipe") as err:
        tuned.load("f" * 40, "ease")
    assert "\n" not in str(err.value)


def test_a_file_tuned_before_embedding_l2_was_renamed_keeps_its_value(tmp_path):
    """NCF's "l2" (tuned files written before the rename) reads as embedding_l2; EASE's "l2" stays its own."""
    from movierec.store import tuned

    for model, settings in (("neumf", {"l2": 3e-3, "factors": 64}), ("ease", {"l2": 800.0})):
        path = paths.tuned_path("e" * 40, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"format": tuned.FORMAT, "fingerprint": "e" * 40, "settings": settings}))
    assert tuned.load("e" * 40, "neumf")[0] == {"embedding_l2": 3e-3, "factors": 64}
    assert tuned.load("e" * 40, "ease")[0] == {"l2": 800.0}
