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


def test_ties_are_broken_deterministically(tmp_path):
    data = factories.synthetic(n_users=5, n_items=10, per_user=4)
    data.ratings = [(u, m, r, 42) for u, m, r, _ in data.ratings]  # every timestamp equal
    ds = registry.load_dataset(str(factories.write_latest(tmp_path / "ties", data)), use_cache=False)
    a, b = leave_one_out(ds), leave_one_out(ds)
    assert np.array_equal(a.test_items, b.test_items)
    # The tie goes to the highest item index of the user.
    for u, i in zip(a.test_users, a.test_items):
        assert i == ds.items[ds.users == u].max()


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
