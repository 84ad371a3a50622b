import os

import numpy as np

from movierec.data import cache, registry


def test_second_load_comes_from_the_cache(latest_release, monkeypatch):
    first = registry.load_dataset(str(latest_release))

    def boom(files):
        raise AssertionError("parsed again")

    monkeypatch.setattr(registry, "load_release", boom)
    second = registry.load_dataset(str(latest_release))
    assert second.fingerprint == first.fingerprint
    assert np.array_equal(second.items, first.items)
    assert second.catalog.titles == first.catalog.titles
    assert second.catalog.tags == first.catalog.tags


def test_damaged_cache_is_rebuilt(latest_release, home):
    first = registry.load_dataset(str(latest_release))
    entries = list((home / "cache" / "datasets").iterdir())
    assert len(entries) == 1
    victim = entries[0] / "ratings.npy"
    victim.write_bytes(victim.read_bytes()[:40])
    again = registry.load_dataset(str(latest_release))
    assert again.fingerprint == first.fingerprint
    assert (entries[0] / "ratings.npy").stat().st_size > 40


def test_stale_cache_is_not_used(latest_release):
    first = registry.load_dataset(str(latest_release))
    ratings = latest_release / "ratings.csv"
    lines = ratings.read_text().splitlines()
    ratings.write_text("\n".join(lines[:-1]) + "\n")
    stat = ratings.stat()
    os.utime(ratings, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    second = registry.load_dataset(str(latest_release))
    assert second.n_ratings == first.n_ratings - 1
    assert second.fingerprint != first.fingerprint


def test_cache_never_unpickles(latest_release, home):
    registry.load_dataset(str(latest_release))
    entry = next((home / "cache" / "datasets").iterdir())
    # An object array would need pickle: the loader must refuse it and rebuild instead.
    np.save(entry / "years.npy", np.array([object()] * 3, dtype=object), allow_pickle=True)
    ds = registry.load_dataset(str(latest_release))
    assert ds.catalog.years.dtype == np.int32


def test_clear(latest_release):
    registry.load_dataset(str(latest_release))
    assert cache.clear() == 1
    assert cache.clear() == 0
