"""The exact pruned full-catalogue search: sound bounds, and the same answers as scoring every pair."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec import metrics
from movierec.models.ncf import pruned
from movierec.evaluation.protocol import Protocol
from movierec.models.ncf.bounds import ScoreBounds
from movierec.models.ncf.modules import NCFConfig, build
from movierec.models.ncf.recommender import NeuralRecommender
from tests import factories

KINDS = ["gmf", "mlp", "neumf"]


def _random_module(kind: str, n_users: int = 40, n_items: int = 300, seed: int = 0, scale: float = 30.0):
    """Untrained weights blown up so that embeddings matter and many ReLUs change sign across a group."""
    torch.manual_seed(seed)
    module = build(NCFConfig(model=kind, pretrain=False), n_users, n_items)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "user" in name or "item" in name:
                p.mul_(scale)
            elif name.endswith("bias"):
                p.normal_(0, 0.3)
    return module.eval()


@pytest.mark.parametrize("kind", KINDS)
def test_exact_pieces_match_the_module(kind):
    module = _random_module(kind)
    bounds = ScoreBounds(module)
    users = torch.arange(7)
    items = torch.tensor([0, 5, 17, 299])
    with torch.no_grad():
        want = module.score_all(users, items)
        uv = bounds.users(users)
        torch.testing.assert_close(bounds.block(uv, items), want, rtol=1e-5, atol=1e-5)
        rows = torch.tensor([0, 3, 6])
        got = bounds.pairs(ScoreBounds.take(uv, rows), items[:3])
        torch.testing.assert_close(got, want[rows, torch.arange(3)], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bounds_are_never_below_a_score(kind, seed):
    module = _random_module(kind, seed=seed)
    bounds = ScoreBounds(module)
    popularity = np.random.default_rng(seed).integers(0, 50, size=300)
    groups = pruned.ItemGroups.build(bounds, popularity, head=20, size=16)
    users = torch.arange(40)
    with torch.no_grad():
        uv = bounds.users(users)
        upper = bounds.upper(uv, groups.lo, groups.hi, groups.groups)  # (U, Gn, G)
        exact = module.score_all(users, groups.groups.clamp(min=0).reshape(-1)).view(upper.shape)
    valid = (groups.groups >= 0)[None].expand_as(upper)
    gap = (upper - exact)[valid]
    assert gap.min().item() >= -1e-4 * (1 + exact.abs().max().item())
    assert torch.isinf(upper[~valid]).all() and (upper[~valid] < 0).all()
    # Bounds, not +inf; a linear model's bound is its score (how tight a trained tower's bounds are is
    # measured by how much they prune, below).
    assert torch.isfinite(upper[valid]).all()
    if kind == "gmf":
        assert gap.abs().max().item() < 1e-4 * (1 + exact.abs().max().item())


def test_kd_groups_place_every_item_once_in_balanced_leaves():
    points = torch.randn(1000, 8)
    items = torch.randperm(1000)[:777]
    groups = pruned.kd_groups(points, items, size=50)
    leaves, per = groups.shape
    assert leaves & (leaves - 1) == 0 and per <= 50
    flat = groups.reshape(-1)
    assert sorted(flat[flat >= 0].tolist()) == sorted(items.tolist())
    assert (groups >= 0).sum(1).min().item() >= per - leaves  # padding is spread thin
    # Leaves are tighter than the whole set: the mean per-leaf spread is well below the global one.
    spread = (points[groups.clamp(min=0)].amax(1) - points[groups.clamp(min=0)].amin(1)).mean()
    assert spread < 0.8 * (points[items].amax(0) - points[items].amin(0)).mean()


def _trained(tmp_path, kind: str, n_items: int, seed: int = 0):
    data = factories.clusters(n_users=240, n_items=n_items, groups=6, per_user=30, seed=seed)
    ds = registry.load_dataset(str(factories.write_latest(tmp_path / f"c{n_items}", data)))
    split = leave_one_out(ds)
    torch.manual_seed(seed)
    rec = NeuralRecommender(NCFConfig(model=kind, pretrain=False, epochs=4, batch_size=256, lr=0.01, refit="none"),
                            "cpu")
    rec.fit(split, ds.catalog)
    return ds, split, rec


class Counting(ScoreBounds):
    """ScoreBounds that counts the user-item pairs it scores exactly."""

    scored = 0

    def block(self, uv, items):
        out = super().block(uv, items)
        Counting.scored += out.numel()
        return out

    def pairs(self, uv, items):
        out = super().pairs(uv, items)
        Counting.scored += out.numel()
        return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_items", [90, 1500])  # all items in the popular head / most of them grouped
def test_pruned_ranks_equal_scoring_every_pair(tmp_path, kind, n_items):
    ds, split, rec = _trained(tmp_path, kind, n_items)
    exhaustive = Protocol(split, full=True, exhaustive=True, list_users=60).ranks(rec)
    for k in (1, 3, 10):
        fast = Protocol(split, full=True, k=k, list_users=60).ranks(rec)
        below = exhaustive < k
        np.testing.assert_array_equal(fast[below], exhaustive[below])  # exact below k
        assert (fast[~below] >= k).all() and (fast <= exhaustive).all()  # "at least k" above
        assert metrics.hit_rate(fast, k) == metrics.hit_rate(exhaustive, k)
        assert metrics.ndcg(fast, k) == metrics.ndcg(exhaustive, k)
    assert 0 < (exhaustive < 10).mean() < 1  # a model that hits some users and misses others


def test_pruned_search_scores_a_fraction_of_the_pairs(tmp_path, monkeypatch):
    ds, split, rec = _trained(tmp_path, "neumf", 1500)
    monkeypatch.setattr(NeuralRecommender, "score_bounds", lambda self: Counting(self.module))
    Counting.scored = 0
    Protocol(split, full=True, list_users=0).ranks(rec)
    total = split.test_users.size * split.n_items
    assert 0 < Counting.scored < 0.5 * total


@pytest.mark.parametrize("kind", KINDS)
def test_pruned_top_lists_equal_the_exhaustive_ones(tmp_path, kind):
    ds, split, rec = _trained(tmp_path, kind, 1500)
    fast = Protocol(split, full=True, list_users=100)
    slow = Protocol(split, full=True, exhaustive=True, list_users=100)
    got, want = fast.top_lists(rec), slow.top_lists(rec)
    users = fast.users[fast.list_sample]
    scores = rec.score_all(users)
    # Same lists up to ties: the same scores, position by position; never an item the user has.
    np.testing.assert_allclose(np.take_along_axis(scores, got, 1), np.take_along_axis(scores, want, 1), rtol=1e-6)
    known = fast._known(users)
    assert not np.take_along_axis(known, got, 1).any()
    report_fast, report_slow = fast.evaluate(rec, ds.catalog), slow.evaluate(rec, ds.catalog)
    assert (report_fast.hr, report_fast.ndcg, report_fast.ild, report_fast.coverage) == pytest.approx(
        (report_slow.hr, report_slow.ndcg, report_slow.ild, report_slow.coverage), abs=1e-12)


def test_top_lists_when_a_user_has_rated_most_of_the_popular_head(tmp_path, monkeypatch):
    """Fewer than k unrated popular items: no threshold, every other item is a candidate (padding never)."""
    ds, split, rec = _trained(tmp_path, "neumf", 300)
    monkeypatch.setattr(pruned, "HEAD_STEPS", (4, 4))  # a head of 8 < k = 10 items
    fast = Protocol(split, full=True, list_users=50)
    groups = pruned.ItemGroups.build(rec.score_bounds(), np.bincount(split.train_items, minlength=split.n_items))
    assert groups.head.numel() == 8 and (groups.groups < 0).any()
    got = fast.top_lists(rec)
    assert (got >= 0).all() and not np.take_along_axis(fast._known(fast.users[fast.list_sample]), got, 1).any()
    want = Protocol(split, full=True, exhaustive=True, list_users=50).top_lists(rec)
    scores = rec.score_all(fast.users[fast.list_sample])
    np.testing.assert_allclose(np.take_along_axis(scores, got, 1), np.take_along_axis(scores, want, 1), rtol=1e-6)


def test_ties_with_the_held_out_item_count_against_the_model(tmp_path):
    ds, split, rec = _trained(tmp_path, "neumf", 1500)
    before = Protocol(split, full=True, exhaustive=True).ranks(rec)
    row = int(np.flatnonzero(before <= 5)[0])  # a hit with room for three ties below k = 10
    one = dataclasses.replace(split, test_users=split.test_users[row:row + 1], test_items=split.test_items[row:row + 1])
    test = int(one.test_items[0])
    known = set(Protocol(one, full=True)._known_lists(one.test_users)[1].tolist())
    # Three unrated items get the held-out item's embeddings, so exactly its score: one popular, two not.
    popularity = np.bincount(split.train_items, minlength=split.n_items)
    free = [int(i) for i in np.argsort(-popularity, kind="stable") if i != test and i not in known]
    twins = [free[0], free[-1], free[-2]]
    with torch.no_grad():
        for table in (rec.module.gmf.item, rec.module.mlp.item):
            table.weight[twins] = table.weight[test].clone()
    slow = Protocol(one, full=True, exhaustive=True, k=10).ranks(rec)
    fast = Protocol(one, full=True, k=10).ranks(rec)
    assert slow[0] >= before[row] + 3
    assert fast[0] == slow[0] < 10


def test_tf32_is_scoped_never_left_on_behind_training(tmp_path, monkeypatch):
    """TF32 (CUDA) is on for training epochs only; bounds and exact scores are built in float32.

    Found on an H100: with TF32 left on process-wide by training, the pruned search's item half of the
    first layer was computed in TF32 and 50 of 138,493 users got a different rank than the exhaustive
    protocol. The flags are plain attributes, so the scoping is checked here on a CPU.
    """
    from movierec import device as devices
    from movierec.models.ncf import bounds as bounds_module
    from movierec.models.ncf.training import Trainer

    backends = torch.backends
    before = (backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32)
    try:
        backends.cuda.matmul.allow_tf32 = backends.cudnn.allow_tf32 = True
        with devices.tf32(False):
            assert not backends.cuda.matmul.allow_tf32 and not backends.cudnn.allow_tf32
        assert backends.cuda.matmul.allow_tf32 and backends.cudnn.allow_tf32  # restored

        ds, split, rec = _trained(tmp_path, "neumf", 90)
        config = NCFConfig(model="neumf", pretrain=False, batch_size=256, lr=0.01)
        backends.cuda.matmul.allow_tf32 = False
        Trainer(build(config, split.n_users, split.n_items), split, config, torch.device("cpu")).train_epoch()
        assert not backends.cuda.matmul.allow_tf32  # nothing left changed behind an epoch

        seen = []
        real = bounds_module.tf32

        def spy(enabled):
            seen.append(enabled)
            return real(enabled)

        monkeypatch.setattr(bounds_module, "tf32", spy)
        ScoreBounds(rec.module)
        assert seen == [False]
    finally:
        backends.cuda.matmul.allow_tf32, backends.cudnn.allow_tf32 = before


@pytest.mark.parametrize("kind", ["gmf", "neumf"])
def test_nan_scores_are_never_hits_in_any_protocol(tmp_path, kind):
    """A model whose weights went NaN for some users: those users' held-out items rank last."""
    ds, split, rec = _trained(tmp_path, kind, 90)
    broken = split.test_users[:20]
    with torch.no_grad():
        for name, table in rec.module.named_parameters():
            if name.endswith("user.weight"):
                table[torch.from_numpy(broken.astype(np.int64))] = float("nan")
    for protocol in (Protocol(split, list_users=60), Protocol(split, full=True, list_users=60),
                     Protocol(split, full=True, exhaustive=True, list_users=60)):
        rank = protocol.ranks(rec)
        assert (rank[:20] >= 10).all(), protocol
        assert (rank[20:] < 10).any()  # the others are still ranked
