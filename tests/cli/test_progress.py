"""The CLI's training progress says when early stopping ended a stage, and which epoch was kept."""

from __future__ import annotations

import pytest

from movierec.cli.base import _TrainProgress


def _run(progress: _TrainProgress, stage: str, hrs: list[float | None], planned: int) -> None:
    for epoch, hr in enumerate(hrs, start=1):
        figures = {"loss": 0.5, "samples": 1000, "seconds": 0.1, "stage": stage, "epochs": planned}
        if hr is not None:
            figures["val_hr"] = hr
        progress(epoch, figures)


def test_a_stage_that_stops_early_says_so_with_the_kept_epoch(capsys):
    with _TrainProgress(True, 99) as progress:
        _run(progress, "gmf", [0.1, 0.3, 0.3, 0.2, 0.25], planned=40)
        _run(progress, "gmf on train+validation", [None, None], planned=2)
    err = capsys.readouterr().err
    assert "train gmf epoch 5/40" in err  # the stage's own plan, not the command's default
    assert "train gmf: stopped early after epoch 5/40, keeping epoch 2" in err  # the first of the tied best
    assert err.index("stopped early") < err.index("train gmf on train+validation epoch 1/2")
    assert "train+validation: stopped" not in err  # the refit ran all it planned


def test_the_last_stage_is_reported_when_the_bar_closes(capsys):
    with _TrainProgress(True, 40) as progress:
        _run(progress, "deepcontent", [None] * 30, planned=40)
    assert capsys.readouterr().err.rstrip().endswith("train deepcontent: stopped early after epoch 30/40")


def test_a_stage_that_ran_every_epoch_or_failed_says_nothing_more(capsys):
    with _TrainProgress(True, 3) as progress:
        _run(progress, "mlp", [0.1, 0.2, 0.3], planned=3)
    assert "stopped early" not in capsys.readouterr().err
    with pytest.raises(KeyboardInterrupt), _TrainProgress(True, 40) as progress:
        _run(progress, "mlp", [0.1, 0.2], planned=40)
        raise KeyboardInterrupt
    assert "stopped early" not in capsys.readouterr().err


def test_training_figures_carry_each_stages_plan(tmp_path):
    """What the progress reads: the callback names the epochs its stage plans (a refit: the chosen count)."""
    from movierec.data import registry
    from movierec.data.splits import leave_one_out
    from movierec.models.ncf.config import NCFConfig
    from movierec.models.ncf.recommender import NeuralRecommender
    from tests import factories

    ds = registry.load_dataset(str(factories.write_latest(tmp_path / "clusters", factories.clusters())))
    split = leave_one_out(ds)
    seen: list[tuple[str, int, int]] = []
    rec = NeuralRecommender(NCFConfig(model="gmf", epochs=3, batch_size=64), "cpu")
    rec.fit(split, ds.catalog, lambda epoch, f: seen.append((f["stage"], epoch, f["epochs"])))
    assert [s for s in seen if s[0] == "gmf"][0][2] == 3
    refit = [s for s in seen if s[0] == "gmf on train+validation"]
    assert refit and all(s[2] == rec.result.best_epoch for s in refit) and refit[-1][1] == rec.result.best_epoch
