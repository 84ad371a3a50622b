"""Recency-weighted variants (models/recent.py) and recency weights in fold-in."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.models.content import ContentBased
from movierec.models.ease import EASE
from movierec.models.recent import BLEND_GRID, TAU_GRID, Recent, _weighted_rows, recency_ranks, recency_weights
from tests.factories import DRIFT_BLOCK as BLOCK, counting_solves as _counting_solves, drift

@pytest.fixture
def drifting(tmp_path):
    ds = registry.load_dataset(str(drift(tmp_path)))
    return ds, leave_one_out(ds, seed=0)


def _drifters(ds) -> np.ndarray:
    return ds.user_ids.index(np.array([u + 1 for u in range(60) if u % 3 == 2]))


def _share_of_b(model, ds, users: np.ndarray, k: int = 5) -> float:
    """Share of cluster-B films in each user's top ``k`` of the films they have not rated."""
    scores = model.score_all(users).astype(np.float64)
    rated = np.zeros_like(scores, dtype=bool)
    for row, u in enumerate(users):
        rated[row, ds.items[ds.users == u]] = True
    scores[rated] = -np.inf
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    b_items = ds.item_ids.index(np.arange(BLOCK, 2 * BLOCK) + 1)
    return float(np.isin(top, b_items).mean())


@pytest.mark.parametrize("make", [lambda: EASE(l2=10.0), ContentBased], ids=["ease", "content"])
def test_the_recent_variant_follows_a_users_latest_taste(drifting, make):
    """Drifters' latest films are B after many A: the variant puts more B films on top than the plain model."""
    ds, split = drifting
    plain = make()
    plain.fit(split.with_validation(), ds.catalog)
    recent = Recent(make())
    recent.fit(split, ds.catalog)
    assert recent.chosen is not None and recent.chosen["blend"] > 0  # validation saw the drift
    users = _drifters(ds)
    assert _share_of_b(recent, ds, users) > _share_of_b(plain, ds, users) + 0.2
    assert recent.name == f"{plain.name}-recent" and recent.chooses_on_validation


def test_ease_recent_chooses_l2_then_recency(drifting):
    ds, split = drifting
    model = Recent(EASE(l2=None))
    model.fit(split, ds.catalog)
    assert model.chosen["base"]["l2"] == model.base.chosen["l2"]  # the base's own choice, kept
    assert model.base.history.indptr[-1] == split.train_items.size + split.valid_items.size  # final: train + validation
    assert "tau" in model.describe_choice() and "L2" in model.describe_choice()


def test_weights_are_exp_minus_k_over_tau_by_time_with_seeded_ties():
    users = np.array([7, 7, 7, 7, 3, 3])
    times = np.array([5, 9, 9, 1, 2, 2])
    k = recency_ranks(users, times, seed=0)
    assert sorted(k[:2].tolist()) == [0, 2] or sorted(k[1:3].tolist()) == [0, 1]
    assert sorted(k[1:3].tolist()) == [0, 1] and k[0] == 2 and k[3] == 3  # the tie shares 0 and 1
    assert sorted(k[4:].tolist()) == [0, 1]
    assert np.array_equal(recency_ranks(users, times, seed=0), k)  # same seed, same order
    orders = {tuple(recency_ranks(users, times, seed=s)[1:3]) for s in range(20)}
    assert orders == {(0, 1), (1, 0)}  # ties broken at random, both ways over seeds
    w = recency_weights(users, times, tau=2.0, blend=1.0, seed=0)
    decay = np.exp(-k / 2.0)
    assert np.allclose(w[:4], 4 * decay[:4] / decay[:4].sum())
    assert np.allclose(w[4:], 2 * decay[4:] / decay[4:].sum())
    mixed = recency_weights(users, times, tau=2.0, blend=0.25, seed=0)
    assert np.allclose(mixed, 0.75 + 0.25 * w, atol=1e-6)
    assert np.allclose(recency_weights(users, times, tau=2.0, blend=0.0), 1.0)


def test_the_fitted_rows_follow_the_splits_timestamps(drifting):
    ds, split = drifting
    rows = _weighted_rows(split, tau=3.0, blend=1.0, seed=0)
    u = int(_drifters(ds)[0])
    mine = split.train_users == u
    latest = split.train_items[mine][np.argmax(split.train_timestamps[mine])]
    oldest = split.train_items[mine][np.argmin(split.train_timestamps[mine])]
    items, w = rows.row(u)
    weight = dict(zip(items.tolist(), w.tolist()))
    n = int(mine.sum())
    assert weight[latest] == pytest.approx(n / np.exp(-np.arange(n) / 3.0).sum(), rel=1e-5)
    assert weight[oldest] == pytest.approx(weight[latest] * np.exp(-(n - 1) / 3.0), rel=1e-4)


def test_the_decay_is_chosen_on_validation_only(drifting):
    """Other test items (permuted among users) change nothing that is chosen."""
    ds, split = drifting
    a = Recent(EASE(l2=10.0))
    a.fit(split, ds.catalog)
    shuffled = leave_one_out(ds, seed=0)
    shuffled.test_items = np.random.default_rng(5).permutation(shuffled.test_items)
    b = Recent(EASE(l2=10.0))
    b.fit(shuffled, ds.catalog)
    assert a.chosen == b.chosen
    assert len(a.chosen["grid"]) == 1 + (len(BLEND_GRID) - 1) * len(TAU_GRID)


@pytest.mark.parametrize("make", [lambda: EASE(l2=10.0), ContentBased], ids=["ease", "content"])
def test_scores_are_finite_shaped_and_repeatable(drifting, make):
    ds, split = drifting
    runs = []
    for _ in range(2):
        model = Recent(make())
        model.fit(split, ds.catalog)
        users = split.test_users[:7]
        full = model.score_all(users)
        cand = np.stack([split.test_items[:7], np.full(7, -1), np.zeros(7, np.int64)], axis=1)
        some = model.score(users, cand)
        assert full.shape == (7, ds.n_items) and np.isfinite(full).all()
        assert some.shape == (7, 3)
        ok = cand >= 0
        assert np.allclose(some[ok], np.take_along_axis(full, np.maximum(cand, 0), axis=1)[ok], rtol=1e-4, atol=1e-5)
        runs.append(full)
    assert np.array_equal(runs[0], runs[1])


def test_given_tau_and_blend_fit_the_split_as_handed(drifting):
    ds, split = drifting
    model = Recent(ContentBased(), tau=5.0, blend=0.5)
    assert not model.chooses_on_validation
    model.fit(split, ds.catalog)
    assert model.chosen is None and model.fitted == (5.0, 0.5)
    assert model.rows.indptr[-1] == split.train_items.size
    plain = Recent(ContentBased(), tau=5.0, blend=0.0)
    plain.fit(split, ds.catalog)
    reference = ContentBased()
    reference.fit(split, ds.catalog)
    users = split.test_users[:5]
    assert np.allclose(plain.score_all(users), reference.score_all(users), atol=1e-6)


def test_fold_in_with_recency_weights_moves_the_user_toward_recent_positives():
    """Old positives 1-3 point one way in item space, recent ones 4-6 another: weighted by recency, the
    folded-in user scores the recent ones higher relative to the old ones than unweighted."""
    from movierec.models.ncf.foldin import FoldInConfig, fold_in, score_items
    from movierec.models.ncf.modules import GMF

    torch.manual_seed(0)
    model = GMF(10, 30, 4)
    with torch.no_grad():
        model.item.weight.normal_(0.0, 0.3)
        model.item.weight[1:4, 0] += 1.0
        model.item.weight[4:7, 1] += 1.0
        model.out.weight.fill_(1.0)
        model.out.bias.zero_()
    positives = np.array([1, 2, 3, 4, 5, 6])
    times = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])  # 4, 5, 6 are the latest
    config = FoldInConfig(steps=60, seed=3)
    plain = score_items(model, fold_in(model, positives, np.array([9]), 30, config).vectors)
    w = recency_weights(np.zeros(6), times, tau=1.0, blend=1.0)
    assert w[5] > w[2] > w[0]
    weighted = score_items(model, fold_in(model, positives, np.array([9]), 30, config, positive_weights=w).vectors)
    gap = lambda s: s[[4, 5, 6]].mean() - s[[1, 2, 3]].mean()  # noqa: E731
    assert gap(weighted) > gap(plain) + 0.5, (gap(weighted), gap(plain))
    equal = fold_in(model, positives, np.array([9]), 30, config, positive_weights=np.full(6, 3.0))
    same = score_items(model, equal.vectors)
    assert np.allclose(same, plain, atol=1e-5)  # rescaled to mean 1: equal weights change nothing
    with pytest.raises(ValueError):
        fold_in(model, positives, np.array([9]), 30, config, positive_weights=np.ones(5))


def test_ease_recent_reuses_the_solve_of_plain_ease_and_scores_the_same(drifting, monkeypatch):
    """models/solves.py: ease-recent's B is plain EASE's (it weights the history only when it scores), so with a
    memo active, fitting ease then ease-recent solves each training matrix once; the scores are those of fits
    without the memo, bit for bit."""
    from movierec.models import solves
    from movierec.models.recent import EASERecent, RecentConfig

    ds, split = drifting
    users = np.arange(ds.n_users)
    alone_ease = EASE(l2=10.0)
    alone_ease.fit(split.with_validation(), ds.catalog)
    alone_recent = EASERecent.create(RecentConfig(l2=10.0))
    alone_recent.fit(split, ds.catalog)
    seen = _counting_solves(monkeypatch)
    memo = solves.SolveMemo()
    with solves.shared(memo):
        ease = EASE(l2=10.0)
        ease.fit(split.with_validation(), ds.catalog)  # train + validation: solved
        recent = EASERecent.create(RecentConfig(l2=10.0))
        recent.fit(split, ds.catalog)  # its probe on train: solved; its final fit on train + validation: reused
        again = EASERecent.create(RecentConfig(l2=10.0))
        again.fit(split, ds.catalog)  # both reused (what ease-sasrec's ease-recent does)
    assert seen == [10.0, 10.0] and (memo.misses, memo.hits) == (2, 3)
    assert recent.base.weights is ease.weights and again.base.weights is ease.weights
    np.testing.assert_array_equal(ease.score_all(users), alone_ease.score_all(users))
    np.testing.assert_array_equal(recent.score_all(users), alone_recent.score_all(users))
    np.testing.assert_array_equal(again.score_all(users), alone_recent.score_all(users))
    assert recent.fitted == alone_recent.fitted and again.chosen == alone_recent.chosen
    other = EASE(l2=20.0)  # another L2 is another system
    with solves.shared(memo):
        other.fit(split.with_validation(), ds.catalog)
    assert seen == [10.0, 10.0, 20.0]
    fresh = EASE(l2=10.0)
    fresh.fit(split.with_validation(), ds.catalog)  # no memo active: solved afresh
    assert seen[-1] == 10.0 and len(seen) == 4


def test_ease_with_l2_chosen_on_validation_shares_the_grids_solves(drifting, monkeypatch):
    """l2=None: EASE solves the grid on train and the chosen L2 on train + validation; ease-recent after it
    (choosing the same L2, then its probe on train with it) solves nothing more."""
    from movierec.models import solves
    from movierec.models.ease import L2_GRID

    ds, split = drifting
    seen = _counting_solves(monkeypatch)
    with solves.shared(solves.SolveMemo()):
        ease = EASE(l2=None)
        ease.fit(split, ds.catalog)
        recent = Recent(EASE(l2=None))
        recent.fit(split, ds.catalog)
    assert seen == [*L2_GRID, ease.chosen["l2"]]
    assert recent.base.chosen == ease.chosen and recent.base.weights is ease.weights


def test_the_solve_memo_keeps_under_its_size_dropping_the_oldest():
    from movierec.models.solves import SolveMemo

    memo = SolveMemo(max_bytes=100)
    memo.put(("a",), "A", 60)
    memo.put(("b",), "B", 30)
    assert memo.get(("a",)) == "A"  # now the newest
    memo.put(("c",), "C", 30)  # 120 > 100: the oldest (b) goes
    assert memo.get(("b",)) is None and memo.get(("a",)) == "A" and memo.get(("c",)) == "C"
    memo.put(("d",), "D", 101)  # larger than the whole memo: not kept, nothing dropped for it
    assert memo.get(("d",)) is None and len(memo) == 2 and memo.held_bytes() == 90


def test_eases_candidate_scorer_gives_score_weighteds_scores_bit_for_bit(drifting, monkeypatch):
    """ease-recent's grid scores each weighting through EASE.candidate_scorer (B's entries gathered once per
    draw): every setting of the grid, weights with zeros in the history (an underflowed decay), and weight
    outside the history (the plain path) score exactly as score_weighted does, for every draw."""
    ds, split = drifting
    probe = EASE(l2=10.0)
    probe.fit(split, ds.catalog)
    users = split.valid_users.astype(np.int64)
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, split.n_items, size=(users.size, 15)) for _ in range(2)]
    draws[0][::4, -1] = -1  # padding
    score = probe.candidate_scorer(users, draws)
    calls = []
    plain = EASE.score_weighted
    monkeypatch.setattr(EASE, "score_weighted", lambda self, *a, **k: calls.append(1) or plain(self, *a, **k))
    weightings = [_weighted_rows(split, tau, blend, 0).dense(users, split.n_items, values="ratings")
                  for blend in BLEND_GRID for tau in TAU_GRID]
    holes = weightings[-1].copy()
    holes[np.nonzero(holes)[0][::3], np.nonzero(holes)[1][::3]] = 0.0
    for weights in [*weightings, holes]:
        got = score(weights)
        assert len(got) == 2
        for items, scores in zip(draws, got):
            np.testing.assert_array_equal(scores, plain(probe, users, weights, items))
    assert not calls  # none of those took the plain path
    outside = weightings[0].copy()
    outside[0, np.flatnonzero(outside[0] == 0)[0]] = 2.0  # a film the user never rated
    for items, scores in zip(draws, score(outside)):
        np.testing.assert_array_equal(scores, plain(probe, users, outside, items))
    assert len(calls) == 2  # one per draw


def test_contents_candidate_scorer_gives_score_weighteds_scores(drifting):
    """content-recent's grid: all films scored once per weighting for every draw, as score_weighted scores them."""
    ds, split = drifting
    probe = ContentBased()
    probe.fit(split, ds.catalog)
    users = split.valid_users.astype(np.int64)
    rng = np.random.default_rng(1)
    draws = [rng.integers(-1, split.n_items, size=(users.size, 15)) for _ in range(3)]
    score = probe.candidate_scorer(users, draws)
    for blend, tau in ((0.0, 2.5), (0.5, 5.0), (1.0, 40.0)):
        weights = _weighted_rows(split, tau, blend, 0).dense(users, split.n_items, values="ratings")
        for items, scores in zip(draws, score(weights)):
            np.testing.assert_array_equal(scores, probe.score_weighted(users, weights, items))
