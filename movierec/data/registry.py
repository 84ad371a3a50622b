"""Known datasets: the bundled one, fetched ones and imported ones, by name.

The registry is ``datasets.json`` in the data folder, written atomically.
Every command that takes ``--dataset`` accepts a registered name or a path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from movierec import paths
from movierec.data import cache
from movierec.data.dataset import Dataset, build_dataset
from movierec.data.movielens import load_release
from movierec.data.source import ReleaseFiles
from movierec.errors import DataError
from movierec.files import check_regular_path, lexists, open_regular, user_path
from movierec.atomic import atomic_write_json

BUNDLED = "ml-latest-small"
DEFAULT_DATASET = BUNDLED
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass
class Entry:
    name: str
    path: Path
    kind: str  # bundled | fetched | imported


def _registry_file() -> Path:
    return paths.data_dir() / "datasets.json"


def _read() -> dict[str, dict]:
    path = _registry_file()
    if not path.exists():
        return {}
    damaged = "delete it and re-import your datasets with `movierec --headless data import`"
    try:
        with open_regular(path, hint=damaged, error=DataError) as handle:  # never blocks on a FIFO
            data = json.loads(handle.read().decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError
        return {k: v for k, v in data.items() if isinstance(v, dict) and "path" in v}
    except (OSError, ValueError, RecursionError):
        raise DataError(f"{path} is damaged; {damaged}") from None


def entries() -> list[Entry]:
    found = {BUNDLED: Entry(BUNDLED, paths.bundled_dataset_dir(), "bundled")}
    for name, info in _read().items():
        found[name] = Entry(name, Path(info["path"]), info.get("kind", "imported"))
    return list(found.values())


def register(name: str, path: Path, kind: str) -> Entry:
    if not _NAME.match(name):
        raise DataError(f"{name!r} is not a valid dataset name; use letters, digits, '.', '_' or '-'")
    data = _read()
    data[name] = {"path": str(Path(path).resolve()), "kind": kind,
                  "added": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    atomic_write_json(_registry_file(), data)
    return Entry(name, Path(path).resolve(), kind)


def unregister(name: str) -> None:
    data = _read()
    if data.pop(name, None) is not None:
        atomic_write_json(_registry_file(), data)


def resolve(name_or_path: str | None) -> Entry:
    """A registered name, or a path to a folder or zip."""
    target = name_or_path or DEFAULT_DATASET
    for entry in entries():
        if entry.name == target:
            if not entry.path.exists():
                raise DataError(f"dataset {target!r} was at {entry.path}, which is gone; import or fetch it again")
            return entry
    hint = "give the path of a MovieLens release folder or .zip"
    path = user_path(target, hint=hint, error=DataError)
    if lexists(path):
        check_regular_path(path, folder_ok=True, hint=hint, error=DataError)  # no FIFO, device, broken link, ...
        name = path.stem if path.suffix.lower() == ".zip" else path.name
        return Entry(name, path, "path")
    known = ", ".join(e.name for e in entries())
    raise DataError(f"no dataset or path named {target!r}; known datasets: {known} (or `movierec --headless data fetch NAME`)")


def load_dataset(name_or_path: str | None = None, use_cache: bool = True) -> Dataset:
    """Load a dataset by name or path, from the parsed cache when it is fresh."""
    entry = resolve(name_or_path)
    with ReleaseFiles(entry.path) as files:
        key = cache.cache_key(files.stat_key())
        if use_cache:
            cached = cache.load(key)
            if cached is not None:
                cached.name = entry.name
                return cached
        try:
            ds = build_dataset(load_release(files), entry.name)
        except MemoryError:
            raise DataError(f"not enough memory to load {entry.path}; close other programs or use a smaller release") from None
    if use_cache:
        cache.save(key, ds)
    return ds


def import_dataset(path: str, name: str | None = None) -> tuple[Entry, Dataset]:
    """Register a local folder or zip after checking that it loads."""
    hint = "give the path of a MovieLens folder or .zip"
    source = user_path(path, hint=hint, error=DataError)
    if not lexists(source):
        raise DataError(f"{source} does not exist; {hint}")
    name = name or (source.stem if source.suffix.lower() == ".zip" else source.resolve().name)
    ds = load_dataset(str(source))
    entry = register(name, source, "imported")
    ds.name = name
    return entry, ds
