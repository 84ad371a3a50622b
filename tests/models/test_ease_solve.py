"""EASE's solve (models/ease.py): through the users' side (Woodbury, fewer users than items) and through the
items' side (Cholesky of X^T X) B is the float64 direct solve's to float32 tolerance, and `eval` says what
EASE will cost once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.errors import MovieRecError
from movierec.models import ease as ease_module
from movierec.models.base import UserItems
from movierec.models.ease import EASE
from tests import factories


def _split(tmp_path, n_users: int, n_items: int, seed: int = 0):
    data = factories.synthetic(n_users=n_users, n_items=n_items, per_user=14, seed=seed)
    ds = registry.load_dataset(str(factories.write_latest(tmp_path / f"ml-{n_users}-{n_items}", data)))
    return ds, leave_one_out(ds, seed=0)


def _direct_b(split, active: np.ndarray, l2: float) -> torch.Tensor:
    """B from X^T X + L2 I inverted in float64: the reference."""
    x = UserItems.from_split(split).dense(np.arange(split.n_users), split.n_items)[:, active]
    x = torch.from_numpy(x).double()
    p = torch.linalg.inv(x.T @ x + l2 * torch.eye(active.size, dtype=torch.float64))
    b = -p / p.diagonal()[None, :]
    b.diagonal().zero_()
    return b


@pytest.mark.parametrize("l2", [1.0, 30.0, 800.0])
@pytest.mark.parametrize("shape", [(24, 160), (80, 40)], ids=["users-side", "items-side"])
def test_b_is_the_float64_direct_solves(tmp_path, shape, l2):
    ds, split = _split(tmp_path, *shape)
    model = EASE(l2=l2)
    model.fit(split, ds.catalog)
    users = np.unique(split.train_users).size
    assert ease_module.uses_dual(model.active.size, users) == (shape == (24, 160))
    reference = _direct_b(split, model.active, l2)
    assert model.weights is not None and model.weights.dtype == torch.float32
    scale = float(reference.abs().max())
    torch.testing.assert_close(model.weights.double(), reference, rtol=0, atol=2e-6 * scale)
    x = torch.from_numpy(UserItems.from_split(split).dense(np.arange(split.n_users), split.n_items)[:, model.active])
    scores = model.score_all(np.arange(split.n_users))[:, model.active]
    torch.testing.assert_close(torch.from_numpy(scores).double(), x.double() @ reference, rtol=0, atol=1e-5 * scale)


def test_a_film_rated_twice_by_one_user_counts_once(tmp_path):
    """X is 0/1: a repeated (user, film) pair must not count twice in X X^T (or X^T X)."""
    ds, split = _split(tmp_path, 24, 160)
    model = EASE(l2=30.0)
    model.fit(split, ds.catalog)
    first = int(np.flatnonzero(split.train_users == split.train_users[0])[0])
    doubled = dataclasses.replace(split, **{name: np.append(getattr(split, name), getattr(split, name)[first])
                                            for name in ("train_users", "train_items", "train_ratings",
                                                         "train_timestamps")})
    again = EASE(l2=30.0)
    again.fit(doubled, ds.catalog)
    torch.testing.assert_close(again.weights, model.weights)


def test_both_sides_choose_the_same_l2_with_the_same_figures(tmp_path, monkeypatch):
    ds, split = _split(tmp_path, 24, 160, seed=3)
    users = np.arange(ds.n_users)
    dual = EASE(l2=None)
    dual.fit(split, ds.catalog)
    monkeypatch.setattr(ease_module, "uses_dual", lambda n_items, n_users: False)
    primal = EASE(l2=None)
    primal.fit(split, ds.catalog)
    assert dual.chosen == primal.chosen
    np.testing.assert_allclose(dual.score_all(users), primal.score_all(users), rtol=0, atol=1e-4)


def test_the_plan_counts_the_grid(tmp_path):
    ds, split = _split(tmp_path, 24, 160)
    chosen, given = EASE(l2=None).plan(split), EASE(l2=10.0).plan(split)
    assert chosen["dual"] and given["dual"] and chosen["items"] == given["items"]
    assert chosen["seconds"] > given["seconds"] > 0


def test_eval_says_what_ease_will_cost_once(latest_release, monkeypatch):
    """ease, ease-recent and ease-sasrec share one EASE solve (models/solves.py): eval says its plan once,
    naming them (it said the same line three times)."""
    from movierec.engine import Engine

    def stop(self, *args, **kwargs):
        raise MovieRecError("stopped after the plans")

    monkeypatch.setattr(Engine, "evaluate", stop)
    result = CliRunner().invoke(cli, ["--headless", "eval", "--dataset", str(latest_release)])
    assert "stopped after the plans" in result.stderr
    plans = [line for line in result.stderr.splitlines() if line.startswith("EASE on")]
    assert len(plans) == 1, result.stderr
    assert "ease, ease-recent, ease-sasrec" in plans[0]


def test_the_users_side_scores_its_own_rows_as_b_does(tmp_path):
    """The L2 grid scores validation candidates without B (x H = x - L2 a): the same as scoring through B,
    including a film the user rated, padding (-1) and a user with no training rating."""
    ds, split = _split(tmp_path, 24, 160, seed=1)
    model = EASE(l2=40.0)
    model.fit(split, ds.catalog)
    system = model._system(split, model.active.size)
    rng = np.random.default_rng(0)
    users = np.arange(split.n_users)
    items = rng.integers(0, split.n_items, size=(users.size, 12))
    items[:, 0] = model.history.items[model.history.indptr[users[:-1]]].tolist() + [items[-1, 0]]  # rated films
    items[:, -1] = -1
    got = ease_module._dual_scores(system, 40.0, users, items, model.active)
    want = model.score(users, np.maximum(items, 0))
    want[:, -1] = -1e9
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
    keep = split.train_users != 0
    alone = dataclasses.replace(split, **{name: getattr(split, name)[keep] for name in
                                          ("train_users", "train_items", "train_ratings", "train_timestamps")})
    lonely = EASE(l2=40.0)
    lonely.fit(alone, ds.catalog)  # user 0 has no training rating
    got = ease_module._dual_scores(lonely._system(alone, lonely.active.size), 40.0, users[:1], items[:1, 1:-1],
                                   lonely.active)
    np.testing.assert_allclose(got, lonely.score(users[:1], items[:1, 1:-1]), rtol=0, atol=1e-4)


def test_b_is_row_major_on_both_sides(tmp_path):
    """Scoring a sparse history reads B's rows: a column-major B (LAPACK's layout) made it 7x slower."""
    for shape in ((24, 160), (80, 40)):
        ds, split = _split(tmp_path, *shape)
        model = EASE(l2=30.0)
        model.fit(split, ds.catalog)
        assert model.weights.is_contiguous()
