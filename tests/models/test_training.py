"""The epoch loop: shards for distributed ranks, mixed precision, compact storage, reproducibility; diverged training
is refused (issue 13) and the embedding L2 holds in the rows a batch uses."""

from __future__ import annotations

import numpy as np
import torch

from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.models.ncf.modules import NCFConfig, build
from movierec.models.ncf.training import Trainer, fit_ncf
from tests import factories
from tests.factories import headless as _run, one_error_line as _one_error_line


def _split(tmp_path):
    ds = registry.load_dataset(str(factories.write_latest(tmp_path / "clusters", factories.clusters())))
    return leave_one_out(ds)


def _trainer(split, **overrides) -> Trainer:
    config = NCFConfig(model="neumf", pretrain=False, batch_size=128, lr=0.01, **overrides)
    torch.manual_seed(0)
    return Trainer(build(config, split.n_users, split.n_items), split, config, torch.device("cpu"))


def test_ranks_take_disjoint_equal_shards_of_one_permutation(tmp_path):
    split = _split(tmp_path)
    n = split.train_users.size
    shards = []
    for rank in range(3):
        t = _trainer(split)
        t.world, t.rank = 3, rank  # what a 3-process group would set
        shards.append(t._shard().numpy())
    sizes = {s.size for s in shards}
    assert sizes == {n // 3}  # equal: every rank runs the same number of DDP steps
    joined = np.concatenate(shards)
    assert np.unique(joined).size == joined.size  # disjoint
    assert joined.min() >= 0 and joined.max() < n


def test_ratings_live_on_the_device_as_int32(tmp_path):
    t = _trainer(_split(tmp_path))
    assert t.users.dtype == torch.int32 and t.items.dtype == torch.int32
    assert t.train_keys.dtype == torch.int64  # user * n_items + item can pass 2^31 on large sets


def test_amp_training_learns_and_keeps_float32_weights(tmp_path):
    split = _split(tmp_path)
    t = _trainer(split, amp=True)
    losses = [t.train_epoch()["loss"] for _ in range(6)]
    assert losses[-1] < losses[0] * 0.8
    assert all(p.dtype == torch.float32 for p in t.model.parameters())


def test_same_seed_same_epoch(tmp_path):
    split = _split(tmp_path)
    a, b = _trainer(split), _trainer(split)
    assert a.train_epoch()["loss"] == b.train_epoch()["loss"]
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)


def test_a_stop_asked_for_while_pretraining_ends_neumf_before_its_next_stage(tmp_path):
    """Quitting during the first training (TUI `q`) must not wait for NeuMF's later stages."""
    from movierec.models.ncf.training import fit_ncf

    split = _split(tmp_path)
    stages: list[str] = []
    config = NCFConfig(model="neumf", pretrain=True, epochs=3, batch_size=128, lr=0.01)
    fit_ncf(config, split, torch.device("cpu"), callback=lambda epoch, figures: stages.append(figures["stage"]),
            should_stop=lambda: "gmf" in stages)
    assert stages == ["gmf"]  # one GMF epoch, then nothing: no MLP stage, no fused NeuMF


def test_ema_keeps_an_average_of_the_weights_without_changing_training(tmp_path):
    """NCFConfig.ema: the trained weights are those of a run without it; the kept ones are their moving average,
    and fit_ncf returns the average."""
    from movierec.models.ncf.training import fit_ncf

    split = _split(tmp_path)
    plain, averaged = _trainer(split), _trainer(split, ema=0.9)
    for _ in range(2):
        plain.train_epoch()
        averaged.train_epoch()
    assert plain.kept is plain.model and averaged.kept is not averaged.model
    for a, b in zip(plain.model.parameters(), averaged.model.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    gaps = [float((m - p).detach().abs().max()) for m, p in zip(averaged.kept.parameters(), averaged.model.parameters())]
    assert max(gaps) > 1e-4
    config = NCFConfig(model="neumf", pretrain=False, batch_size=128, lr=0.01, ema=0.9)
    fitted = fit_ncf(config, split, torch.device("cpu"), epochs_by_stage={"neumf": 2}).model
    for a, b in zip(fitted.parameters(), averaged.kept.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_dense_adam_on_the_cpu_is_fused_and_steps_as_the_plain_one(tmp_path):
    """Fused Adam makes one pass over each table a step (the plain one makes ~8: a third of a 65k-sample
    step on the ML-20M shape, bench/ncf_step.py); the weights it reaches are the plain loop's."""
    split = _split(tmp_path)
    fused, plain = _trainer(split), _trainer(split)
    assert [o.defaults.get("fused") for o in fused.optimizers] == [True]
    plain.optimizers = [torch.optim.Adam(plain.model.parameters(), lr=plain.config.lr)]
    for t in (fused, plain):
        t.train_epoch()
    for pa, pb in zip(fused.model.parameters(), plain.model.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-4, atol=1e-5)


def test_compiled_training_steps_as_the_eager_one(tmp_path):
    """``compile`` (torch.compile of the model, for long CPU runs) changes how a step runs, not what it
    computes: the same epoch's loss and weights as eager training, to float rounding."""
    split = _split(tmp_path)
    compiled, eager = _trainer(split, compile=True), _trainer(split)
    assert compiled.net is not compiled.model and eager.net is eager.model
    a, b = compiled.train_epoch(), eager.train_epoch()
    assert abs(a["loss"] - b["loss"]) < 1e-4 and a["samples"] == b["samples"]
    for pa, pb in zip(compiled.model.parameters(), eager.model.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-3, atol=1e-4)


def test_diverged_training_stops_with_one_line_and_saves_nothing(clusters, home):
    result = _run("train", "--dataset", str(clusters), "--model", "gmf", "--lr", "1e30", "--epochs", "5")
    assert result.exit_code != 0
    line = _one_error_line(result)
    assert "training diverged at epoch" in line and "try a lower --lr" in line
    assert not list(home.rglob("*.pt"))


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
