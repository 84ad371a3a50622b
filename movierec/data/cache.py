"""Parsed datasets on disk, keyed by the source's sizes and mtimes.

A cache entry is a folder of ``.npy`` arrays and one ``catalog.json``, published
atomically (written in a temporary folder, then renamed) with ``manifest.json``
last. A missing, truncated or inconsistent entry is detected on load and rebuilt.
Nothing here is pickled: arrays load with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from movierec import paths
from movierec.data.catalog import Catalog
from movierec.data.dataset import Dataset
from movierec.data.ids import Vocabulary
from movierec.data.movielens import id_space_of
from movierec.errors import MovieRecError
from movierec.files import open_regular

CACHE_VERSION = 4  # 4: links.csv (imdb_ids, tmdb_ids) cached too
_ARRAYS = ("users", "items", "ratings", "timestamps", "user_ids", "item_ids", "years", "genres",
           "n_ratings", "mean_rating")


def cache_key(stat_key: list) -> str:
    blob = json.dumps([CACHE_VERSION, stat_key], sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()[:20]


def entry_dir(key: str) -> Path:
    return paths.cache_dir() / "datasets" / key


def _arrays_of(ds: Dataset) -> dict[str, np.ndarray]:
    cat = ds.catalog
    arrays = {
        "users": ds.users, "items": ds.items, "ratings": ds.ratings, "timestamps": ds.timestamps,
        "user_ids": ds.user_ids.array, "item_ids": cat.item_ids.array, "years": cat.years,
        "genres": cat.genres, "n_ratings": cat.n_ratings, "mean_rating": cat.mean_rating,
    }
    if cat.genome is not None:
        arrays["genome"] = cat.genome
    if cat.imdb_ids is not None and cat.tmdb_ids is not None:
        arrays["imdb_ids"], arrays["tmdb_ids"] = cat.imdb_ids, cat.tmdb_ids
    return arrays


def save(key: str, ds: Dataset) -> None:
    """Publish ``ds`` under ``key``. A failure leaves no partial entry behind."""
    final = entry_dir(key)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}.", dir=final.parent))
    except OSError:
        return  # a read-only or full cache folder only costs speed: the next load parses again
    try:
        files = {}
        for name, arr in _arrays_of(ds).items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
            files[f"{name}.npy"] = (tmp / f"{name}.npy").stat().st_size
        catalog = {"titles": ds.catalog.titles, "tags": ds.catalog.tags, "genome_tags": ds.catalog.genome_tags}
        (tmp / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
        files["catalog.json"] = (tmp / "catalog.json").stat().st_size
        manifest = {"version": CACHE_VERSION, "name": ds.name, "layout": ds.layout, "fingerprint": ds.fingerprint,
                    "duplicates_dropped": ds.duplicates_dropped, "files": files,
                    "users": ds.n_users, "items": ds.n_items, "ratings": ds.n_ratings}
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
    except OSError:
        # A cache that cannot be written only costs speed: the parsed data is still returned.
        shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(key: str) -> Dataset | None:
    """The cached dataset, or None when the entry is missing, stale or damaged (it is then removed)."""
    folder = entry_dir(key)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(_read(manifest_path))
        if manifest.get("version") != CACHE_VERSION:
            raise ValueError("old cache version")
        for name, size in manifest["files"].items():
            if (folder / name).stat().st_size != size:
                raise ValueError(f"{name} has the wrong size")
        arrays = {name[:-4]: _load_array(folder / name) for name in manifest["files"] if name.endswith(".npy")}
        catalog = json.loads(_read(folder / "catalog.json"))
        n_items = int(manifest["items"])
        n = int(manifest["ratings"])
        if any(arrays[a].shape[0] != n for a in ("users", "items", "ratings", "timestamps")):
            raise ValueError("rating arrays disagree in length")
        if len(catalog["titles"]) != n_items or arrays["genres"].shape[0] != n_items:
            raise ValueError("catalogue arrays disagree in length")
        if any(a in arrays and arrays[a].shape != (n_items,) for a in ("imdb_ids", "tmdb_ids")):
            raise ValueError("link arrays disagree in length")
        cat = Catalog(Vocabulary(arrays["item_ids"]), catalog["titles"], arrays["years"], arrays["genres"],
                      catalog.get("tags"), arrays.get("genome"), catalog.get("genome_tags"),
                      arrays["n_ratings"], arrays["mean_rating"], arrays.get("imdb_ids"), arrays.get("tmdb_ids"),
                      id_space_of(manifest["layout"]))  # the id space: from the layout it already stores
        return Dataset(manifest["name"], manifest["layout"], arrays["users"], arrays["items"], arrays["ratings"],
                       arrays["timestamps"], Vocabulary(arrays["user_ids"]), cat, manifest["fingerprint"],
                       int(manifest.get("duplicates_dropped", 0)))
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError, MovieRecError):
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
        return None


def _read(path: Path) -> bytes:
    """A cache file's bytes; anything but a regular file (a FIFO would block) is damage."""
    with open_regular(path) as handle:
        return handle.read()


def _load_array(path: Path) -> np.ndarray:
    with open_regular(path) as handle:
        return np.load(handle, allow_pickle=False)


def clear() -> int:
    """Remove every cached dataset; return how many entries were removed."""
    root = paths.cache_dir() / "datasets"
    if not root.exists():
        return 0
    entries = [p for p in root.iterdir() if p.is_dir()]
    for entry in entries:
        shutil.rmtree(entry, ignore_errors=True)
    return len(entries)

