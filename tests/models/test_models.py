"""Every model learns a checkerboard; checkpoints round-trip; bad checkpoints are refused."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.engine import Engine
from movierec.errors import CheckpointError, MovieRecError
from movierec.evaluation.protocol import Protocol
from movierec.models import registry as model_registry
from movierec.models.content import ContentBased
from movierec.models.ease import EASE
from movierec.models.ncf.modules import GMF, MLP, NCFConfig, NeuMF
from movierec.models.ncf.recommender import NeuralRecommender
from movierec.store import checkpoints
from tests import factories
from tests.factories import checkerboard


@pytest.fixture
def board(tmp_path):
    ds = registry.load_dataset(str(checkerboard(tmp_path)))
    return ds, leave_one_out(ds)


SMALL = dict(epochs=60, batch_size=64, lr=0.01, patience=60, refit="none")  # refit: tests/models/test_final_fit.py


@pytest.mark.parametrize("make", [
    lambda: EASE(l2=1.0),
    lambda: ContentBased(),
    lambda: NeuralRecommender(NCFConfig(model="gmf", **SMALL)),
    lambda: NeuralRecommender(NCFConfig(model="mlp", **SMALL)),
    lambda: NeuralRecommender(NCFConfig(model="neumf", pretrain=False, **SMALL)),
    lambda: NeuralRecommender(NCFConfig(model="neumf", pretrain=True, **{**SMALL, "epochs": 30})),
], ids=["ease", "content", "gmf", "mlp", "neumf", "neumf-pretrained"])
def test_every_model_learns_a_checkerboard(board, make):
    ds, split = board
    model = make()
    model.fit(split, ds.catalog)
    # Every unrated item has the other parity: the held-out item must rank first among all of them.
    protocol = Protocol(split, k=1, negatives=10, seed=0)
    report = protocol.evaluate(model, ds.catalog)
    assert report.hr == 1.0 and report.ndcg == 1.0


@pytest.mark.parametrize("cls", [GMF, MLP, NeuMF])
def test_full_scores_equal_pairwise_scores(cls):
    torch.manual_seed(0)
    model = cls(7, 11)
    users = torch.arange(7)
    pair = model(users[:, None].expand(-1, 11).reshape(-1), torch.arange(11).repeat(7)).view(7, 11)
    torch.testing.assert_close(model.score_all(users), pair, atol=1e-5, rtol=1e-5)


def test_neumf_pretrained_init_reproduces_the_fused_parts():
    torch.manual_seed(0)
    gmf, mlp = GMF(5, 6), MLP(5, 6)
    fused = NeuMF(5, 6)
    fused.load_pretrained(gmf, mlp, alpha=0.5)
    u, i = torch.arange(5), torch.arange(5)
    torch.testing.assert_close(fused(u, i), 0.5 * gmf(u, i) + 0.5 * mlp(u, i))


def _small_engine(latest_release) -> Engine:
    return Engine(str(latest_release), "cpu")


def test_checkpoint_round_trip_gives_identical_scores(latest_release):
    engine = _small_engine(latest_release)
    rec, info = engine.train("neumf", epochs=2, batch_size=64)
    assert not info.reused and Path(info.path).exists()
    users = np.arange(engine.dataset.n_users)
    before = rec.score_all(users)
    again = Engine(str(latest_release), "cpu")
    loaded, info2 = again.train("neumf", epochs=2, batch_size=64)
    assert info2.reused
    np.testing.assert_array_equal(loaded.score_all(users), before)


def test_checkpoint_from_another_dataset_is_refused(tmp_path, latest_release):
    engine = _small_engine(latest_release)
    _, info = engine.train("gmf", epochs=1, batch_size=64)
    other = factories.write_latest(tmp_path / "other", factories.synthetic(seed=5))
    other_engine = Engine(str(other), "cpu")
    target = checkpoints.path_for(other_engine.dataset.fingerprint, "gmf")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(Path(info.path).read_bytes())
    # A checkpoint is a cache: one of another dataset is moved aside, said so, and not used.
    assert other_engine.shelf.load_saved("gmf") is None
    assert not target.exists() and "was trained on dataset" in other_engine.notes[0]


class _Marker:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_a_crafted_pickle_checkpoint_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    torch.save({"format": "movierec-checkpoint", "version": 1, "meta": "{}", "state": _Marker(str(marker))}, evil)
    with pytest.raises(CheckpointError, match="not a valid movierec checkpoint"):
        checkpoints.load(evil)
    raw = tmp_path / "raw.pt"
    raw.write_bytes(pickle.dumps(_Marker(str(marker))))
    with pytest.raises(CheckpointError):
        checkpoints.load(raw)
    assert not marker.exists()


def test_a_truncated_checkpoint_is_refused(tmp_path, latest_release):
    _, info = _small_engine(latest_release).train("gmf", epochs=1, batch_size=64)
    path = Path(info.path)
    path.write_bytes(path.read_bytes()[:100])
    engine = Engine(str(latest_release), "cpu")
    assert engine.shelf.load_saved("gmf") is None
    assert not path.exists() and "not a valid movierec checkpoint" in engine.notes[0]
    assert len(list(path.parent.glob("gmf.damaged-*.pt"))) == 1


def test_checkpoint_loads_on_cpu_whatever_device_saved_it(tmp_path):
    state = {"w": torch.ones(2, 2)}
    path = tmp_path / "m.pt"
    meta = checkpoints.CheckpointMeta.read({"model": "gmf", "n_users": 3, "n_items": 4,
                                            "config": {"model": "gmf", "factors": 2, "mlp_embedding": 2, "layers": [4]}})
    checkpoints.save(path, state, meta, np.arange(3), np.arange(4))
    ckpt = checkpoints.load(path)
    assert ckpt.state["w"].device.type == "cpu"
    assert ckpt.item_ids.tolist() == [0, 1, 2, 3]


def test_eval_json_schema_on_a_small_release(latest_release):
    result = CliRunner().invoke(cli, ["--headless", "eval", "--dataset", str(latest_release), "--model", "all",
                                      "--epochs", "2", "--negatives", "20", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) >= {"dataset", "k", "negatives", "users", "tied_users", "seed", "results"}
    assert out["k"] == 10 and out["negatives"] == 20 and out["seed"] == 0 and isinstance(out["users"], int)
    assert [r["model"] for r in out["results"]] == list(model_registry.names())  # every registered model, in order
    for r in out["results"]:
        assert set(r) == {"model", "hr", "ndcg", "ild", "coverage", "fit_seconds", "reused"}
        assert 0 <= r["hr"] <= 1 and 0 <= r["ndcg"] <= r["hr"] + 1e-9
        assert all(isinstance(r[k], float) for k in ("hr", "ndcg", "ild", "coverage", "fit_seconds"))


def test_full_protocol_runs_and_is_harder(latest_release):
    engine = _small_engine(latest_release)
    sampled = engine.evaluate(["pop"], negatives=5)[0]
    full = engine.evaluate(["pop"], full=True)[0]
    assert full.hr <= sampled.hr + 1e-9


def test_similar_for_an_unknown_title_lists_candidates():
    result = CliRunner().invoke(cli, ["--headless", "similar", "Toy Stroyy Fourteen Zebra"])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "Traceback" not in result.output


def test_full_protocol_on_device_equals_the_numpy_path(latest_release):
    """Neural models rank on the device (scores, known-item mask, comparison); the answer must be the one the
    generic path (numpy scores, dense mask) gives, user for user."""
    engine = Engine(str(latest_release), "cpu")
    rec = NeuralRecommender(NCFConfig(model="neumf", pretrain=False, epochs=3, batch_size=64), "cpu")
    rec.fit(engine.split, engine.dataset.catalog)
    protocol = Protocol(engine.split, full=True, exhaustive=True)  # pruned search: tests/models/test_pruned.py

    class NumpyOnly:  # the same model without its device-side scorer
        name = "neumf"
        score_all = staticmethod(rec.score_all)

    on_device = protocol.ranks(rec)
    generic = protocol.ranks(NumpyOnly())
    assert on_device.shape == (engine.split.test_users.size,)
    np.testing.assert_array_equal(on_device, generic)
    assert 0 < on_device.max() < engine.dataset.n_items  # real ranks, not all zeros


def test_ease_says_what_it_will_cost_and_is_skipped_over_the_limit(latest_release):
    from movierec.models.ease import EASE

    engine = Engine(str(latest_release), "cpu")
    plan = EASE().plan(engine.split)
    assert plan["items"] == np.unique(engine.split.train_items).size and plan["fits"]
    assert plan["memory_gb"] > 0 and plan["seconds"] > 0
    tiny = EASE(max_memory_gb=plan["memory_gb"] / 2)
    with pytest.raises(MovieRecError, match="over the memory limit, so it was skipped"):
        tiny.fit(engine.split, engine.dataset.catalog)
    # In a multi-model evaluation EASE over the limit is left out, with the reason; the others still run.
    import movierec.models.ease as ease_module

    real = ease_module.EASE.__init__.__defaults__
    ease_module.EASE.__init__.__defaults__ = (250.0, plan["memory_gb"] / 2)
    try:
        result = CliRunner().invoke(cli, ["--headless", "eval", "--model", "all", "--epochs", "1",
                                          "--dataset", str(latest_release), "--json"])
    finally:
        ease_module.EASE.__init__.__defaults__ = real
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    over = ["ease", "ease-recent", "ease-sasrec"]  # all solve EASE's dense inverse
    assert [r["model"] for r in out["results"]] == [m for m in model_registry.names() if m not in over]
    assert [s["model"] for s in out["skipped"]] == over and all("GB" in s["reason"] for s in out["skipped"])


def test_ease_sparse_gram_equals_the_dense_product(latest_release):
    from movierec.models.base import UserItems
    from movierec.models.ease import EASE

    engine = Engine(str(latest_release), "cpu")
    split = engine.split
    model = EASE()
    model.history = UserItems.from_split(split)
    model.active = np.unique(split.train_items).astype(np.int64)
    gram = model._gram(split, model.active.size)
    x = torch.from_numpy(model.history.dense(np.arange(split.n_users), split.n_items)[:, model.active])
    torch.testing.assert_close(gram, x.T @ x)
