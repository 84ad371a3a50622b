"""SASRec: the causal mask, what training sees, a planted sequential rule, seeds, the state round trip,
new-user sequences, and configs read from disk."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from movierec.data.splits import leave_one_out
from movierec.errors import MovieRecError
from movierec.metrics import hit_rate
from movierec.evaluation.protocol import Protocol
from movierec.models.sequence.sasrec import (SASRecConfig, SASRecRecommender, build_module, build_sequences)

SMALL = dict(hidden=32, blocks=2, heads=2, max_len=20, dropout=0.1, lr=5e-3, batch_size=32, negatives=1,
             patience=10)


def _dataset(sequences: list[list[int]], n_items: int) -> SimpleNamespace:
    """A dataset (what leave_one_out reads) where user u rated ``sequences[u]`` in that order."""
    users = np.concatenate([np.full(len(s), u) for u, s in enumerate(sequences)]).astype(np.int32)
    items = np.concatenate([np.asarray(s) for s in sequences]).astype(np.int32)
    stamps = np.concatenate([1_000_000 + 60 * np.arange(len(s)) for s in sequences]).astype(np.int64)
    return SimpleNamespace(users=users, items=items, timestamps=stamps, ratings=np.full(users.size, 4.0, np.float32),
                           n_users=len(sequences), n_items=n_items)


def _successor_data(n_users: int = 120, n_items: int = 150, seed: int = 0) -> SimpleNamespace:
    """Every user watches a run of consecutive items: item i is always followed by item i + 1."""
    rng = np.random.default_rng(seed)
    seqs = []
    for _ in range(n_users):
        start, length = int(rng.integers(0, n_items)), int(rng.integers(8, 16))
        seqs.append([(start + t) % n_items for t in range(length)])
    return _dataset(seqs, n_items)


def _fit(split, **overrides) -> SASRecRecommender:
    rec = SASRecRecommender(SASRecConfig(**{**SMALL, **overrides}), "cpu")
    rec.fit(split)
    return rec


def test_causal_mask_later_items_never_change_earlier_outputs():
    torch.manual_seed(0)
    module = build_module(SASRecConfig(hidden=16, blocks=2, heads=2, max_len=12, dropout=0.3), 30).eval()
    seq = torch.tensor([[0, 0, 0, 5, 9, 2, 7, 11, 3, 8, 1, 4]])  # right-aligned, padding on the left
    base = module(seq)
    for t in range(3, 12):
        changed = seq.clone()
        changed[0, t] = 29 - changed[0, t]
        out = module(changed)
        assert torch.equal(out[0, :t], base[0, :t])  # every earlier position: bit-identical
        assert not torch.allclose(out[0, t], base[0, t])  # the position itself does read its item


def test_padding_is_never_read():
    torch.manual_seed(0)
    module = build_module(SASRecConfig(hidden=16, blocks=2, heads=2, max_len=8, dropout=0.0), 30).eval()
    short = module(torch.tensor([[4, 9, 2]]))[0, -1]
    padded = module(torch.tensor([[0, 0, 0, 0, 0, 4, 9, 2]]))[0, -1]
    assert torch.allclose(short, padded, atol=1e-5)  # the same sequence, however much padding precedes it


def test_histories_stop_before_the_held_out_item():
    split = leave_one_out(_successor_data(n_users=40))
    rec = _fit(split, epochs=2)
    indptr, items = rec.indptr.numpy(), rec.items.numpy()
    data = _successor_data(n_users=40)
    for u, test_item, in zip(split.test_users, split.test_items):
        history = items[indptr[u]:indptr[u + 1]]
        assert test_item not in history
        full = data.items[data.users == u]
        # everything before the test item, in time order, the validation item included
        assert history.tolist() == full[:-1].tolist()
    no_refit = _fit(split, epochs=1, refit="none")  # the validated model scores from the same histories
    assert np.array_equal(no_refit.items.numpy(), items) and np.array_equal(no_refit.indptr.numpy(), indptr)
    # The model chosen on validation was trained on sequences without the validation item either.
    ptr, seq = build_sequences(split.train_users, split.train_items, split.train_timestamps, split.n_users)
    for u, v in zip(split.valid_users, split.valid_items):
        assert v not in seq[ptr[u]:ptr[u + 1]]


def test_learns_a_planted_successor_rule():
    split = leave_one_out(_successor_data())
    rec = _fit(split, epochs=60)
    protocol = Protocol(split, k=10, negatives=99, seed=0)
    hr = hit_rate(protocol.ranks(rec), 10)
    assert hr > 0.8  # chance is about 0.1 (10 of ~100 candidates)
    assert rec.result is not None and rec.result.best_val_hr > 0.8
    assert "refitted" in rec.result.refit
    full = Protocol(split, k=10, full=True)  # no score bounds: every item scored, on the model's device
    assert hit_rate(full.ranks(rec), 10) > 0.5
    seq_scores = rec.score_sequence(np.array([20, 21, 22, 23]))
    seq_scores[20:24] = -np.inf  # items the user has are never picks
    assert int(np.argmax(seq_scores)) == 24


@pytest.mark.parametrize("loss", ["sampled-ce", "ce"])
def test_other_losses_train(loss):
    split = leave_one_out(_successor_data(n_users=60))
    rec = _fit(split, epochs=3, loss=loss, negatives=2)
    assert np.isfinite(rec.result.history[-1]["loss"])
    assert rec.score(split.test_users[:5], np.tile(np.arange(10), (5, 1))).shape == (5, 10)


def test_same_seed_same_scores_and_state_round_trip():
    split = leave_one_out(_successor_data(n_users=50))
    a, b = _fit(split, epochs=3), _fit(split, epochs=3)
    users = split.test_users
    assert np.array_equal(a.score_all(users), b.score_all(users))
    c = _fit(split, epochs=3, seed=1)
    assert not np.array_equal(a.score_all(users), c.score_all(users))
    state = a.state()
    assert state["history.indptr"].dtype == torch.int64 and state["history.items"].dtype == torch.int32
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    restored = SASRecRecommender.from_state(a.config.to_json(), state, a.n_items, "cpu")
    assert np.array_equal(restored.score_all(users), a.score_all(users))
    cand = np.concatenate([split.test_items[:, None], np.tile([3, 7, -1], (users.size, 1))], axis=1)
    assert np.array_equal(restored.score(users, cand), a.score(users, cand))
    assert np.allclose(a.score(users, cand), np.take_along_axis(a.score_all(users), np.maximum(cand, 0), 1), atol=1e-5)


def test_callback_and_no_validation_trains_the_given_epochs():
    split = leave_one_out(_successor_data(n_users=30), validation=False)
    seen = []
    rec = SASRecRecommender(SASRecConfig(**{**SMALL, "epochs": 4}))
    rec.fit(split, None, lambda epoch, figures: seen.append((epoch, figures["stage"], "loss" in figures)))
    assert seen == [(e, "sasrec", True) for e in range(1, 5)]
    assert rec.result.refit == "" and len(rec.result.history) == 4


def test_should_stop_ends_training():
    split = leave_one_out(_successor_data(n_users=30))
    rec = SASRecRecommender(SASRecConfig(**{**SMALL, "epochs": 50}))
    rec.should_stop = lambda: True
    rec.fit(split)
    assert len(rec.result.history) == 1


def test_a_non_finite_loss_is_refused(monkeypatch):
    split = leave_one_out(_successor_data(n_users=30))
    rec = SASRecRecommender(SASRecConfig(**{**SMALL, "epochs": 3}))
    monkeypatch.setattr(rec, "_loss", lambda module, states, targets, g: states.sum() * float("nan"))
    with pytest.raises(MovieRecError, match="diverged"):
        rec.fit(split)


def test_new_user_picks_follow_the_latest_cluster():
    """Users watch one cluster, then switch to the other for good: the latest items say what comes next."""
    rng = np.random.default_rng(0)
    n_items, half = 80, 40
    seqs = []
    for u in range(160):
        first, second = (0, half) if u % 2 else (half, 0)
        a, b = int(rng.integers(4, 10)), int(rng.integers(4, 10))
        seqs.append(list(first + rng.choice(half, a, replace=False))
                    + list(second + rng.choice(half, b, replace=False)))
    split = leave_one_out(_dataset(seqs, n_items))
    rec = _fit(split, epochs=40)
    history = np.concatenate([np.arange(0, 12), np.arange(half, half + 4)])  # 12 from cluster A, then 4 from B
    scores = rec.score_sequence(history)
    scores[history] = -np.inf
    top = np.argsort(-scores)[:10]
    assert (top >= half).sum() >= 8
    flipped = np.concatenate([np.arange(half, half + 12), np.arange(0, 4)])
    scores = rec.score_sequence(flipped)
    scores[flipped] = -np.inf
    assert (np.argsort(-scores)[:10] < half).sum() >= 8


@pytest.mark.parametrize("bad, words", [
    ({"hidden": "64"}, "hidden"), ({"hidden": 0}, "hidden"), ({"hidden": 64.0}, "hidden"), ({"blocks": True}, "blocks"),
    ({"dropout": 1.0}, "dropout"), ({"dropout": -0.1}, "dropout"), ({"lr": float("nan")}, "lr"), ({"lr": 0}, "lr"),
    ({"loss": "mse"}, "loss"), ({"hidden": 30, "heads": 4}, "multiple"), ({"max_len": 10**9}, "max_len"),
    ({"weight_decay": -1.0}, "weight_decay"), ({"negatives": 0}, "negatives"), ({"refit": "yes"}, "refit"),
])
def test_bad_configs_from_disk_are_refused(bad, words):
    with pytest.raises(MovieRecError, match=words):
        SASRecConfig.from_json({**SASRecConfig().to_json(), **bad})


def test_config_round_trip_and_damaged_states_refused():
    config = SASRecConfig(**SMALL)
    for c in (config, SASRecConfig(hidden=24, blocks=3, heads=4, max_len=7)):  # the size check before building
        assert c.parameters(100) == sum(p.numel() for p in build_module(c, 100).parameters())
    assert SASRecConfig.from_json(config.to_json()) == config
    assert SASRecConfig.from_json({"lr": 1, "unknown": 3}).lr == 1.0  # an int where a float goes; unknown keys skipped
    with pytest.raises(MovieRecError):
        SASRecConfig.from_json([1, 2])
    split = leave_one_out(_successor_data(n_users=20))
    state = _fit(split, epochs=1).state()
    with pytest.raises(MovieRecError, match="does not match"):
        SASRecRecommender.from_state({**config.to_json(), "hidden": 64, "heads": 1}, state, split.n_items)
    with pytest.raises(MovieRecError, match="histories"):
        SASRecRecommender.from_state(config, {**state, "history.items": state["history.items"] + 1000}, split.n_items)
    with pytest.raises(MovieRecError, match="histories"):
        SASRecRecommender.from_state(config, {k: v for k, v in state.items() if k != "history.indptr"}, split.n_items)
    with pytest.raises(MovieRecError, match="histories"):
        SASRecRecommender.from_state(config, state, split.n_items, n_users=split.n_users + 1)
    SASRecRecommender.from_state(config, state, split.n_items, n_users=split.n_users)


def test_training_windows_cover_every_target_once():
    from movierec.models.sequence.sasrec import training_windows

    indptr = np.array([0, 1, 4, 14, 14, 21])  # lengths 1, 3, 10, 0, 7
    users, ends, widths = training_windows(indptr, 4, "latest")
    assert users.tolist() == [1, 2, 4] and ends.tolist() == [4, 14, 21] and widths.tolist() == [2, 4, 4]
    users, ends, widths = training_windows(indptr, 4, "all")
    targets = sorted(t for u, e, w in zip(users, ends, widths) for t in range(e - w, e))
    # every item but each user's first is a target exactly once
    assert targets == [t for u in range(5) for t in range(indptr[u] + 1, indptr[u + 1])]
    assert (widths <= 4).all() and (ends - widths - 1 >= indptr[users]).all()
