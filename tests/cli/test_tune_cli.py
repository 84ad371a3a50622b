"""`tune` as a person meets it (issue 24, item 18): without the optional extra it says so before anything else
(it printed "tuning neumf ... 20 trials" and loaded the dataset first), and inside a trial it shows the epochs
as `train` does (it showed nothing for minutes)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from tests import factories


@pytest.fixture
def clusters(tmp_path) -> Path:
    return factories.write_latest(tmp_path / "clusters", factories.clusters(n_users=60, n_items=40, per_user=10))


def test_tune_without_the_extra_says_so_before_any_output_or_loading(monkeypatch):
    import movierec.engine

    def no_engine(*a, **k):
        raise AssertionError("the dataset was loaded before the extra was checked")

    monkeypatch.setattr(movierec.engine, "Engine", no_engine)
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` raises ImportError, as when not installed
    result = CliRunner().invoke(cli, ["--headless", "tune", "--model", "neumf"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == ["error: tuning needs Optuna, an optional extra: pip install 'movierec[tune]'"]


def test_tune_shows_the_epochs_of_each_trial(clusters, monkeypatch):
    pytest.importorskip("optuna")
    from movierec.models.ncf.recommender import NeuralRecommender

    monkeypatch.setattr(NeuralRecommender, "TRIAL_EPOCHS", 3)
    monkeypatch.setattr(NeuralRecommender, "TRIAL_PATIENCE", 3)
    result = CliRunner().invoke(cli, ["--headless", "tune", "--dataset", str(clusters), "--model", "gmf",
                                      "--trials", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    # Not a terminal: one line per epoch, as `train` writes to a log, before each trial's own line.
    for trial in (1, 2):
        epochs = [i for i, line in enumerate(lines) if line.startswith(f"trial {trial}/2 gmf epoch ")]
        summary = [i for i, line in enumerate(lines) if line.startswith(f"trial {trial}/2 complete")
                   or line.startswith(f"trial {trial}/2 pruned")]
        assert epochs and summary and max(epochs) < summary[0], result.stderr
        assert lines[epochs[0]].startswith(f"trial {trial}/2 gmf epoch 1/3: loss "), result.stderr


def test_tune_json_shows_no_progress(clusters, monkeypatch):
    pytest.importorskip("optuna")
    from movierec.models.ncf.recommender import NeuralRecommender

    monkeypatch.setattr(NeuralRecommender, "TRIAL_EPOCHS", 2)
    result = CliRunner().invoke(cli, ["--headless", "tune", "--dataset", str(clusters), "--model", "gmf",
                                      "--trials", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert "epoch" not in result.stderr, result.stderr
