"""Item cold-start evaluation: films nobody has rated, scored for the users who will rate them.

A seeded ``fraction`` of the films with at least ``min_ratings`` ratings lose every rating from
training (the "cold" films). Every user who rated a cold film is tested on their latest such rating
(ratings of the same second: one at random, drawn from the seed) against ``negatives`` other cold films
they did not rate (fewer, padded with -1, when they rated almost all of them); HR@k and NDCG@k as in
``metrics``. Training is every rating of the other films; each user's latest of those is the validation
holdout for models that choose something on validation. The catalogue's rating counts and means are
recounted from training alone, so a cold film reads as unrated everywhere (a content model's popularity
prior included). Everything is vectorised: negatives are drawn by ``sample_negatives`` in the cold
films' own index space.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.data.splits import Split, leave_one_out, sample_negatives
from movierec.errors import MovieRecError
from movierec import metrics

MIN_RATINGS = 5


@dataclass
class ColdSplit:
    split: Split  # training: the warm films' ratings (validation: each user's latest); test: the cold tests
    catalog: Catalog  # rating counts and means from training only
    cold: np.ndarray  # the cold films (item indices, sorted)
    candidates: np.ndarray  # (tested users, 1 + negatives): the held-out cold film first; -1 padding
    eligible: int  # films with at least min_ratings ratings
    cold_ratings: int  # ratings removed from training
    skipped_users: int  # users who rated a cold film but every one of them: nothing to rank against
    fraction: float
    seed: int

    @property
    def users(self) -> np.ndarray:
        return self.split.test_users

    def to_json(self) -> dict:
        return {"fraction": self.fraction, "eligible_films": self.eligible, "cold_films": int(self.cold.size),
                "cold_ratings": self.cold_ratings, "users": int(self.users.size), "skipped_users": self.skipped_users,
                "negatives": int(self.candidates.shape[1] - 1), "seed": self.seed}


def training_catalog(catalog: Catalog, items: np.ndarray, ratings: np.ndarray) -> Catalog:
    """The catalogue with its rating counts and means recounted from ``items``/``ratings`` (training)."""
    n = len(catalog)
    counts = np.bincount(items, minlength=n)
    sums = np.bincount(items, weights=ratings, minlength=n)
    means = np.divide(sums, counts, out=np.zeros(n), where=counts > 0)
    return dataclasses.replace(catalog, n_ratings=counts.astype(np.int32), mean_rating=means.astype(np.float32))


def cold_split(ds: Dataset, fraction: float = 0.1, seed: int = 0, negatives: int = 99,
               min_ratings: int = MIN_RATINGS) -> ColdSplit:
    if not 0.0 < fraction < 1.0:
        raise MovieRecError(f"--cold-items {fraction:g} is not a share between 0 and 1 (e.g. 0.1)")
    counts = np.bincount(ds.items, minlength=ds.n_items)
    eligible = np.flatnonzero(counts >= min_ratings)
    n_cold = int(round(fraction * eligible.size))
    if n_cold < 2:
        raise MovieRecError(f"{ds.name} has {eligible.size} films with {min_ratings}+ ratings, so --cold-items "
                            f"{fraction:g} makes {n_cold} cold; cold-start evaluation needs at least 2 (use a larger share "
                            "or dataset)")
    cold = np.sort(np.random.default_rng(seed).choice(eligible, n_cold, replace=False))
    is_cold = np.zeros(ds.n_items, dtype=bool)
    is_cold[cold] = True
    held = is_cold[ds.items]
    if held.all():
        raise MovieRecError("every rating is of a cold film, so nothing is left to train on; use a smaller --cold-items")

    # Each user's latest cold rating (ties in a seeded random order, as leave-one-out orders them).
    users, items, stamps = ds.users[held], ds.items[held], ds.timestamps[held]
    order = np.lexsort((np.random.default_rng(seed).random(users.size), stamps, users))
    last = np.r_[users[order][1:] != users[order][:-1], True]
    test_users, test_items = users[order][last].astype(np.int64), items[order][last]

    # Negatives: cold films the user did not rate, drawn in the cold films' own index space.
    position = np.full(ds.n_items, -1, dtype=np.int64)
    position[cold] = np.arange(n_cold)
    keys = np.unique(users.astype(np.int64) * n_cold + position[items])
    rated = np.bincount(users, minlength=ds.n_users)  # one rating per (user, film) pair in a Dataset
    free = n_cold - rated[test_users] > 0
    skipped = int((~free).sum())
    test_users, test_items = test_users[free], test_items[free]
    if test_users.size == 0:
        raise MovieRecError("no user who rated a cold film has another cold film to rank it against")
    neg = sample_negatives(test_users, n_cold, keys, min(negatives, n_cold - 1), seed=seed)
    candidates = np.concatenate([test_items[:, None], np.where(neg >= 0, cold[np.maximum(neg, 0)], -1)], axis=1)

    # Training: the warm films' ratings; each user's latest of them is the validation holdout.
    warm = SimpleNamespace(users=ds.users[~held], items=ds.items[~held], ratings=ds.ratings[~held],
                           timestamps=ds.timestamps[~held], n_users=ds.n_users, n_items=ds.n_items)
    inner = leave_one_out(warm, validation=False, seed=seed)  # type: ignore[arg-type]
    split = Split(
        n_users=ds.n_users, n_items=ds.n_items,
        train_users=inner.train_users, train_items=inner.train_items, train_ratings=inner.train_ratings,
        train_timestamps=inner.train_timestamps,
        test_users=test_users.astype(np.int32), test_items=test_items.astype(np.int32),
        valid_users=inner.test_users, valid_items=inner.test_items,
        skipped_users=skipped, seed=seed,
        valid_ratings=_ratings_of(warm, inner), valid_timestamps=_stamps_of(warm, inner),
    )
    catalog = training_catalog(ds.catalog, warm.items, warm.ratings)
    return ColdSplit(split, catalog, cold, candidates, int(eligible.size), int(held.sum()), skipped, fraction, seed)


def _holdout_positions(warm, inner: Split) -> np.ndarray:
    """Positions in ``warm`` of the leave-one-out holdout (one per user: its (user, item) pair is unique)."""
    keys = warm.users.astype(np.int64) * warm.n_items + warm.items
    order = np.argsort(keys, kind="stable")
    wanted = inner.test_users.astype(np.int64) * warm.n_items + inner.test_items
    return order[np.searchsorted(keys[order], wanted)]


def _ratings_of(warm, inner: Split) -> np.ndarray:
    return warm.ratings[_holdout_positions(warm, inner)].astype(np.float32)


def _stamps_of(warm, inner: Split) -> np.ndarray:
    return warm.timestamps[_holdout_positions(warm, inner)].astype(np.int64)


def evaluate(model, cold: ColdSplit, k: int = 10) -> tuple[float, float]:
    """(HR@k, NDCG@k) of a fitted model on the cold tests."""
    scores = model.score(cold.users, cold.candidates)
    valid = cold.candidates >= 0
    valid[:, 0] = False
    rank = metrics.ranks(scores, scores[:, 0], valid)
    return metrics.hit_rate(rank, k), metrics.ndcg(rank, k)
