"""The bundled ml-latest-small and the installable package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from movierec import paths
from movierec.data import registry
from movierec.data.splits import leave_one_out

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_dataset_counts():
    ds = registry.load_dataset()
    assert (ds.n_users, ds.n_items, ds.n_ratings) == (610, 9742, 100836)
    assert ds.name == "ml-latest-small"
    assert (paths.bundled_dataset_dir() / "README.txt").exists()  # the licence travels with the data
    split = leave_one_out(ds)
    assert len(split.test_users) == 610 and split.skipped_users == 0


def test_movierec_home_overrides_every_folder(home):
    assert paths.data_dir() == home / "data"
    assert paths.cache_dir() == home / "cache"
    assert paths.config_dir() == home / "config"


@pytest.mark.slow
def test_wheel_contains_the_bundled_dataset(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("movierec-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in ("ratings.csv", "movies.csv", "tags.csv", "links.csv", "README.txt"):
        assert f"movierec/assets/ml-latest-small/{member}" in names
    assert any(n.endswith("entry_points.txt") for n in names)
