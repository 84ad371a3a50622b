"""torchrun with 2 CPU ranks (gloo): training converges, matches one process within noise, one checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from movierec.cli import cli
from movierec.engine import Engine
from tests import factories

TRAIN = ["--headless", "train", "--model", "gmf", "--epochs", "15", "--lr", "0.01", "--batch-size", "256",
         "--device", "cpu", "--json"]


def _run(args: list[str], home: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOVIEREC_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_two_cpu_ranks_converge_like_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = factories.write_latest(tmp_path / "clusters", factories.clusters())
    single = _run([sys.executable, "-m", "movierec", *TRAIN, "--dataset", str(release)], tmp_path / "one")
    assert single.returncode == 0, single.stderr
    one = json.loads(single.stdout)

    home = tmp_path / "ddp"
    ddp = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                "-m", "movierec", *TRAIN, "--dataset", str(release), "--distributed"], home)
    assert ddp.returncode == 0, ddp.stderr
    assert ddp.stdout.count('"dataset"') == 1  # rank 0 alone reports
    two = json.loads(ddp.stdout)
    assert two["ranks"] == 2

    # Converged: far above the 0.10 a random ranking of 100 candidates gets, and within noise of one process.
    assert two["val_hr"] >= 0.5 and one["val_hr"] >= 0.5
    assert abs(two["val_hr"] - one["val_hr"]) <= 0.1
    written = [p for p in home.rglob("*") if p.is_file() and "models" in p.parts]
    assert [p.name for p in written] == ["gmf.pt"]  # one checkpoint, no temporary files left by either rank

    # The checkpoint rank 0 wrote loads and scores in a fresh single-process engine.
    monkeypatch.setenv("MOVIEREC_HOME", str(home))
    engine = Engine(str(release), "cpu")
    rec = engine.shelf.load_saved("gmf")
    assert rec is not None and rec.meta.ranks == 2
    scores = rec.score_all(engine.split.test_users[:5])
    assert scores.shape == (5, engine.dataset.n_items) and torch.isfinite(torch.from_numpy(scores)).all()


@pytest.mark.slow
@pytest.mark.parametrize("model", ["mlp", "neumf"])
def test_two_cpu_ranks_train_mlp_and_neumf_with_pretraining(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            model: str) -> None:
    """NeuMF (the default model) pretrains GMF and MLP, then trains the fused model: every stage under DDP."""
    release = factories.write_latest(tmp_path / "small", factories.synthetic())
    home = tmp_path / "ddp"
    ddp = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                "-m", "movierec", "--headless", "train", "--model", model, "--epochs", "2", "--batch-size", "256",
                "--device", "cpu", "--json", "--dataset", str(release), "--distributed"], home)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert json.loads(ddp.stdout)["ranks"] == 2
    monkeypatch.setenv("MOVIEREC_HOME", str(home))
    engine = Engine(str(release), "cpu")
    rec = engine.shelf.load_saved(model)
    assert rec is not None and rec.meta.ranks == 2 and rec.meta.config.pretrain
    scores = rec.score_all(engine.split.test_users[:5])
    assert torch.isfinite(torch.from_numpy(scores)).all()


def test_distributed_outside_torchrun_is_one_clear_error(latest_release: Path) -> None:
    result = CliRunner().invoke(cli, ["--headless", "train", "--dataset", str(latest_release), "--distributed"],
                                env={"RANK": None, "WORLD_SIZE": None, "LOCAL_RANK": None})
    assert result.exit_code == 1
    assert result.output.startswith("error: --distributed runs under torchrun")
    assert "torchrun --nproc_per_node" in result.output and "Traceback" not in result.output
