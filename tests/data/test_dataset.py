import numpy as np
import pytest

from movierec.data import registry


@pytest.fixture
def ds(latest_release):
    return registry.load_dataset(str(latest_release))


def test_without_users_drops_every_rating_of_those_users_and_nothing_else(ds):
    gone = np.array([0, 3, 7])
    less = ds.without_users(gone)
    gone_ids = set(ds.user_ids.array[gone].tolist())
    assert not gone_ids & set(less.user_ids.array.tolist())
    assert less.n_users == ds.n_users - 3
    kept = ~np.isin(ds.users, gone)
    assert less.n_ratings == int(kept.sum())
    # The same ratings, user by user (raw ids), in the same order.
    assert less.user_ids.array[less.users].tolist() == ds.user_ids.array[ds.users[kept]].tolist()
    assert less.items.tolist() == ds.items[kept].tolist()
    assert less.ratings.tolist() == ds.ratings[kept].tolist()
    assert less.timestamps.tolist() == ds.timestamps[kept].tolist()


def test_without_users_keeps_the_films_but_not_their_counts_from_the_users_left_out(ds):
    gone = np.array([1, 2])
    less = ds.without_users(gone)
    assert less.catalog.item_ids.array.tolist() == ds.catalog.item_ids.array.tolist()  # an index: the same film
    assert less.catalog.titles == ds.catalog.titles
    kept = ~np.isin(ds.users, gone)
    counts = np.bincount(ds.items[kept], minlength=ds.n_items)
    assert less.catalog.n_ratings.tolist() == counts.tolist()
    assert less.catalog.n_ratings.sum() < ds.catalog.n_ratings.sum()
    film = int(ds.items[~kept][0])
    mine = kept & (ds.items == film)
    expected = ds.ratings[mine].mean() if mine.any() else 0.0
    assert less.catalog.mean_rating[film] == pytest.approx(expected)


def test_without_users_has_its_own_fingerprint(ds):
    less = ds.without_users(np.array([0]))
    assert less.fingerprint != ds.fingerprint
    assert less.fingerprint == ds.without_users(np.array([0])).fingerprint  # and the same one each time
    assert less.fingerprint != ds.without_users(np.array([1])).fingerprint
    assert ds.without_users(np.array([], dtype=np.int64)).n_ratings == ds.n_ratings
