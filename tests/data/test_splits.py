import numpy as np
import pytest

from movierec.data import registry
from movierec.data.splits import leave_one_out, sample_negatives
from movierec.errors import DataError
from tests import factories


@pytest.fixture
def ds(latest_release):
    return registry.load_dataset(str(latest_release))


def test_train_valid_test_partition_the_input(ds):
    split = leave_one_out(ds)
    keys = lambda u, i: set((u.astype(np.int64) * ds.n_items + i).tolist())
    train = keys(split.train_users, split.train_items)
    valid = keys(split.valid_users, split.valid_items)
    test = keys(split.test_users, split.test_items)
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert train | valid | test == keys(ds.users, ds.items)
    assert len(train) + len(valid) + len(test) == ds.n_ratings


def test_test_item_is_the_latest_and_validation_the_second_latest(ds):
    split = leave_one_out(ds)
    for u, i in zip(split.test_users, split.test_items):
        stamps = ds.timestamps[ds.users == u]
        assert ds.timestamps[(ds.users == u) & (ds.items == i)][0] == stamps.max()
    for u, i in zip(split.valid_users, split.valid_items):
        stamps = np.sort(ds.timestamps[ds.users == u])
        assert ds.timestamps[(ds.users == u) & (ds.items == i)][0] == stamps[-2]


def _tied_release(tmp_path, n_users=200, per_user=6):
    """Every user rates ``per_user`` films; the last four all in the same second."""
    data = factories.synthetic(n_users=n_users, n_items=40, per_user=per_user)
    data.ratings = [(u, m, r, t if (t % 1000) < per_user - 4 else 10_000_000 + u) for u, m, r, t in data.ratings]
    return registry.load_dataset(str(factories.write_latest(tmp_path / "ties", data)), use_cache=False)


def test_tied_latest_ratings_are_held_out_at_random_and_reproducibly(tmp_path):
    ds = _tied_release(tmp_path)
    a, b = leave_one_out(ds, seed=3), leave_one_out(ds, seed=3)
    assert np.array_equal(a.test_items, b.test_items) and np.array_equal(a.valid_items, b.valid_items)
    assert a.tied_users == a.test_users.size == 200  # every evaluated user has 4 ratings in the last second
    # Each user's held-out item is one of the four tied ones; over 200 users it lands on every position
    # of the four (by item index), not always the highest (the old rule) - about a quarter each.
    position = []
    for u, i, v in zip(a.test_users, a.test_items, a.valid_items):
        latest = ds.timestamps[ds.users == u].max()
        tied = np.sort(ds.items[(ds.users == u) & (ds.timestamps == latest)])
        assert tied.size == 4 and i in tied and v in tied and i != v  # validation: another of the tied
        position.append(int(np.searchsorted(tied, i)))
    counts = np.bincount(position, minlength=4)
    assert counts.min() >= 25, counts  # each ~50 of 200; the old rule gave [0, 0, 0, 200]
    assert not np.array_equal(leave_one_out(ds, seed=4).test_items, a.test_items)  # another seed, other draws


def test_with_validation_moves_the_holdout_into_training(tmp_path):
    ds = _tied_release(tmp_path, n_users=20)
    split = leave_one_out(ds)
    merged = split.with_validation()
    assert merged.valid_users.size == 0
    assert merged.train_users.size == split.train_users.size + split.valid_users.size
    assert np.array_equal(merged.test_items, split.test_items)
    assert not np.isin(merged.train_keys(), split.test_users.astype(np.int64) * ds.n_items + split.test_items).any()


def test_users_with_one_rating_are_skipped_and_counted(tmp_path):
    data = factories.synthetic(n_users=6, n_items=20, per_user=5)
    data.ratings.append((999, data.movies[0][0], 4.0, 1))
    ds = registry.load_dataset(str(factories.write_latest(tmp_path / "one", data)), use_cache=False)
    split = leave_one_out(ds)
    assert split.skipped_users == 1
    assert len(split.test_users) == ds.n_users - 1
    assert int(ds.user_ids.index(999)[0]) not in split.test_users
    assert int(ds.user_ids.index(999)[0]) in split.train_users


def test_negatives_are_unrated_distinct_and_reproducible(ds):
    split = leave_one_out(ds)
    keys = split.rated_keys()
    neg = sample_negatives(split.test_users, ds.n_items, keys, 20, seed=3)
    assert neg.shape == (len(split.test_users), 20)
    assert (neg >= 0).all()
    assert not np.isin(split.test_users[:, None].astype(np.int64) * ds.n_items + neg, keys).any()
    assert all(len(set(row)) == 20 for row in neg.tolist())
    assert np.array_equal(neg, sample_negatives(split.test_users, ds.n_items, keys, 20, seed=3))
    assert not np.array_equal(neg, sample_negatives(split.test_users, ds.n_items, keys, 20, seed=4))


def test_negatives_cover_items_uniformly():
    n_items, users = 50, np.arange(2000)
    neg = sample_negatives(users, n_items, np.array([], dtype=np.int64), 10, seed=0)
    counts = np.bincount(neg.ravel(), minlength=n_items)
    assert counts.min() > 0.7 * counts.mean()  # not biased toward low ids


def test_heavy_users_get_what_is_left_and_full_users_are_an_error():
    n_items = 10
    rated = np.array([0 * n_items + i for i in range(7)], dtype=np.int64)  # user 0 rated 7 of 10
    neg = sample_negatives(np.array([0]), n_items, rated, 5, seed=0)
    assert sorted(x for x in neg[0].tolist() if x >= 0) == [7, 8, 9]
    assert (neg[0] == -1).sum() == 2
    full = np.arange(n_items, dtype=np.int64)
    with pytest.raises(DataError, match="rated every item"):
        sample_negatives(np.array([0]), n_items, full, 5)
