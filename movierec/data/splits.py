"""Leave-one-out splits by timestamp and vectorised negative sampling.

Every user's latest rating is the test item; with ``validation=True`` the
second-latest is held out for model selection. Ratings made in the same second
(common in MovieLens) are ordered at random, reproducibly from ``seed``: a
user's tied latest ratings each have the same chance of being held out.
Breaking ties by item index instead would hold out the film added to the
catalogue last, an obscure one far more often than chance, and bend every
figure (``tied_users`` counts the evaluated users whose latest timestamp has
more than one rating). Users with fewer than 2 ratings stay in training and
are left out of evaluation (``skipped_users`` counts them); a validation item
is only taken from users with at least 3 ratings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from movierec.data.dataset import Dataset
from movierec.errors import DataError


@dataclass
class Split:
    n_users: int
    n_items: int
    train_users: np.ndarray  # int32
    train_items: np.ndarray  # int32
    train_ratings: np.ndarray  # float32
    train_timestamps: np.ndarray  # int64
    test_users: np.ndarray  # int32, one row per evaluated user
    test_items: np.ndarray  # int32
    valid_users: np.ndarray
    valid_items: np.ndarray
    skipped_users: int  # users with fewer than 2 ratings: not evaluated
    seed: int
    tied_users: int = 0  # evaluated users with more than one rating at their latest timestamp
    valid_ratings: np.ndarray | None = None  # float32, beside valid_items (None: unknown)
    valid_timestamps: np.ndarray | None = None

    def with_validation(self) -> "Split":
        """This split with the validation holdout moved into training: what a final model that
        chooses nothing on validation (or has already chosen) is fitted on. Test items stay out."""
        if self.valid_users.size == 0:
            return self
        n = self.valid_users.size
        ratings = self.valid_ratings if self.valid_ratings is not None else np.full(n, 4.0, np.float32)
        stamps = self.valid_timestamps if self.valid_timestamps is not None else np.zeros(n, np.int64)
        empty = np.zeros(0, dtype=self.valid_users.dtype)
        return Split(
            n_users=self.n_users, n_items=self.n_items,
            train_users=np.concatenate([self.train_users, self.valid_users]),
            train_items=np.concatenate([self.train_items, self.valid_items]),
            train_ratings=np.concatenate([self.train_ratings, ratings]).astype(np.float32),
            train_timestamps=np.concatenate([self.train_timestamps, stamps]),
            test_users=self.test_users, test_items=self.test_items,
            valid_users=empty, valid_items=empty.astype(self.valid_items.dtype),
            skipped_users=self.skipped_users, seed=self.seed, tied_users=self.tied_users,
        )

    def rated_keys(self) -> np.ndarray:
        """Sorted user*n_items+item keys of every known interaction (train, validation and test)."""
        keys = np.concatenate([
            self.train_users.astype(np.int64) * self.n_items + self.train_items,
            self.valid_users.astype(np.int64) * self.n_items + self.valid_items,
            self.test_users.astype(np.int64) * self.n_items + self.test_items,
        ])
        keys.sort()
        return keys

    def validation_keys(self) -> np.ndarray:
        """Sorted keys of training and validation interactions: what a validation sampler leaves out. Test
        items are not among them: choosing on validation never looks at them (a film a user rates later
        is still unrated at validation time, so it may be a validation negative)."""
        keys = np.concatenate([self.train_users.astype(np.int64) * self.n_items + self.train_items,
                               self.valid_users.astype(np.int64) * self.n_items + self.valid_items])
        keys.sort()
        return keys

    def train_keys(self) -> np.ndarray:
        keys = self.train_users.astype(np.int64) * self.n_items + self.train_items
        keys.sort()
        return keys


def leave_one_out(ds: Dataset, validation: bool = True, seed: int = 0) -> Split:
    users, items, stamps = ds.users, ds.items, ds.timestamps
    n = users.size
    # Order each user's ratings by (timestamp, random key): the last one is the latest, and ratings
    # of the same second come in a random order drawn from the seed (same seed, same split).
    tiebreak = np.random.default_rng(seed).random(n)
    order = np.lexsort((tiebreak, stamps, users))
    counts = np.bincount(users, minlength=ds.n_users)
    ends = np.cumsum(counts)  # one past each user's last position in `order`
    has = counts >= 2
    test_pos = order[ends[has] - 1]
    tied = int((stamps[order[ends[has] - 2]] == stamps[test_pos]).sum())
    holdout = np.zeros(n, dtype=bool)
    holdout[test_pos] = True
    if validation:
        has_valid = counts >= 3
        valid_pos = order[ends[has_valid] - 2]
        holdout[valid_pos] = True
    else:
        valid_pos = np.zeros(0, dtype=np.int64)
    train = ~holdout
    return Split(
        n_users=ds.n_users, n_items=ds.n_items,
        train_users=users[train], train_items=items[train], train_ratings=ds.ratings[train],
        train_timestamps=stamps[train],
        test_users=users[test_pos], test_items=items[test_pos],
        valid_users=users[valid_pos], valid_items=items[valid_pos],
        skipped_users=int((counts < 2).sum()), seed=seed, tied_users=tied,
        valid_ratings=ds.ratings[valid_pos], valid_timestamps=stamps[valid_pos],
    )


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=bool)
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.minimum(pos, sorted_keys.size - 1)
    return sorted_keys[pos] == keys


def sample_negatives(users: np.ndarray, n_items: int, rated_keys: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` distinct unrated items per user, shape (len(users), n), int32.

    Vectorised rejection sampling over all users at once: each round draws an
    oversampled block, drops rated items and repeats within a row, then keeps
    ``n`` of the survivors at random. Rows that run short are redrawn in the
    next round (only the few heavy users). A user with fewer than ``n`` unrated
    items gets all of them and ``-1`` padding; a user with none is an error.
    """
    rng = np.random.default_rng(seed)
    users = np.asarray(users, dtype=np.int64)
    out = np.full((users.size, n), -1, dtype=np.int32)
    if n == 0 or users.size == 0:
        return out
    rated_per_user = np.bincount(rated_keys // n_items, minlength=int(users.max()) + 1)[users] if rated_keys.size else np.zeros(users.size, np.int64)
    unrated = n_items - rated_per_user
    if (unrated <= 0).any():
        raise DataError("a user has rated every item, so there are no negatives to sample; "
                        "evaluation needs items a user has not rated (use a larger dataset)")
    short = unrated < n * 2
    todo = np.flatnonzero(~short)
    width = n + n // 2 + 8
    for _ in range(50):
        if todo.size == 0:
            break
        cand = rng.integers(0, n_items, size=(todo.size, width), dtype=np.int64)
        cand.sort(axis=1)
        bad = _member(rated_keys, users[todo, None] * n_items + cand)
        bad[:, 1:] |= cand[:, 1:] == cand[:, :-1]
        priority = rng.random(cand.shape)
        priority[bad] = np.inf
        pick = np.argpartition(priority, n - 1, axis=1)[:, :n]
        chosen_ok = np.take_along_axis(~bad, pick, axis=1).all(axis=1)
        rows = todo[chosen_ok]
        out[rows] = np.take_along_axis(cand[chosen_ok], pick[chosen_ok], axis=1)
        todo = todo[~chosen_ok]
        width = min(width * 2, n_items * 4)
    # Heavy users (few unrated items), and any row rejection sampling could not fill: exact sets.
    for row in np.concatenate([np.flatnonzero(short), todo]):
        u = users[row]
        lo, hi = np.searchsorted(rated_keys, [u * n_items, (u + 1) * n_items])
        free = np.setdiff1d(np.arange(n_items, dtype=np.int64), rated_keys[lo:hi] - u * n_items, assume_unique=True)
        take = rng.permutation(free)[:n]
        out[row, : take.size] = take
    return out
