"""Profiles: a person's ratings and "not interested" marks, as JSON, atomic and locked.

A profile file is ``<data>/profiles/NAME.json``:

    {"format": "movierec-profile", "version": 1, "name": "default",
     "ratings": [{"movie_id": 1, "title": "Toy Story (1995)", "stars": 4.5, "time": 1700000000.0}],
     "not_interested": [{"movie_id": 2, "title": "...", "time": ...}]}

Movies are keyed by their MovieLens id (stable across releases); the title is
kept for people reading the file. Every change runs under a file lock
(``NAME.json.lock``) as read, modify, write-atomically, so two running copies
cannot lose each other's ratings. A damaged file is moved aside to
``NAME.damaged-YYYYmmdd-HHMMSS.json`` (never overwritten) and reported.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from movierec import paths
from movierec.errors import ProfileError
from movierec.store.atomic import atomic_write_json

FORMAT = "movierec-profile"
VERSION = 1
DEFAULT_PROFILE = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,63}$")


@dataclass
class Rating:
    movie_id: int
    stars: float
    time: float
    title: str = ""


@dataclass
class Profile:
    name: str
    ratings: dict[int, Rating] = field(default_factory=dict)
    not_interested: dict[int, Rating] = field(default_factory=dict)  # stars unused (0)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "name": self.name,
            "ratings": [{"movie_id": r.movie_id, "title": r.title, "stars": r.stars, "time": r.time}
                        for r in sorted(self.ratings.values(), key=lambda r: (r.time, r.movie_id))],
            "not_interested": [{"movie_id": r.movie_id, "title": r.title, "time": r.time}
                               for r in sorted(self.not_interested.values(), key=lambda r: (r.time, r.movie_id))],
        }

    @classmethod
    def from_json(cls, data: object, name: str | None = None) -> "Profile":
        """Parse and validate; ValueError says what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a movierec profile")
        if data.get("version") != VERSION:
            raise ValueError(f"profile format {data.get('version')!r} is not {VERSION}")
        profile = cls(name or str(data.get("name") or DEFAULT_PROFILE))
        for entry in data.get("ratings", []):
            r = _entry(entry, need_stars=True)
            profile.ratings[r.movie_id] = r
        for entry in data.get("not_interested", []):
            r = _entry(entry, need_stars=False)
            profile.not_interested[r.movie_id] = r
        return profile


def check_stars(stars: float) -> float:
    value = float(stars)
    if not math.isfinite(value) or value < 0.5 or value > 5.0 or abs(value * 2 - round(value * 2)) > 1e-9:
        raise ProfileError(f"{stars!r} is not a rating; use 0.5 to 5.0 in half stars")
    return round(value * 2) / 2


def _entry(entry: object, need_stars: bool) -> Rating:
    if not isinstance(entry, dict) or not isinstance(entry.get("movie_id"), int) or isinstance(entry.get("movie_id"), bool):
        raise ValueError("an entry has no integer movie_id")
    stars = 0.0
    if need_stars:
        raw = entry.get("stars")
        if not isinstance(raw, (int, float)) or isinstance(raw, bool):
            raise ValueError(f"movie {entry['movie_id']} has no stars")
        try:
            stars = check_stars(raw)
        except ProfileError as exc:
            raise ValueError(str(exc)) from None
    when = entry.get("time", 0.0)
    if not isinstance(when, (int, float)) or isinstance(when, bool) or not math.isfinite(when):
        raise ValueError(f"movie {entry['movie_id']} has a bad time")
    title = entry.get("title", "")
    return Rating(int(entry["movie_id"]), stars, float(when), title if isinstance(title, str) else "")


class ProfileStore:
    def __init__(self, folder: Path | None = None, lock_timeout: float = 10.0) -> None:
        self.folder = folder or paths.data_dir() / "profiles"
        self.lock_timeout = lock_timeout

    def path(self, name: str) -> Path:
        if not _NAME.match(name or ""):
            raise ProfileError(f"{name!r} is not a valid profile name; use letters, digits, spaces, '.', '_' or '-'")
        return self.folder / f"{name}.json"

    def names(self) -> list[str]:
        if not self.folder.exists():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json") if _NAME.match(p.stem) and ".damaged-" not in p.name)

    @contextlib.contextmanager
    def _locked(self, name: str) -> Iterator[Path]:
        path = self.path(name)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(path) + ".lock", timeout=self.lock_timeout)
            lock.acquire()
        except Timeout:
            raise ProfileError(f"profile {name!r} is locked by another movierec; close it and try again") from None
        except OSError as exc:
            raise ProfileError(f"cannot open profile folder {self.folder} ({exc.strerror or exc}); check permissions") from None
        try:
            yield path
        finally:
            lock.release()

    def _read(self, name: str, path: Path) -> Profile:
        if not path.exists():
            return Profile(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Profile.from_json(data, name)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            aside = path.with_name(f"{name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json")
            try:
                os.replace(path, aside)
            except OSError:
                raise ProfileError(f"profile {name!r} at {path} is damaged ({_short(exc)}) and could not be moved aside; "
                                   "move it away by hand") from None
            raise ProfileError(f"profile {name!r} was damaged ({_short(exc)}); it was moved to {aside} "
                               "and an empty profile starts in its place") from None

    def load(self, name: str = DEFAULT_PROFILE) -> Profile:
        with self._locked(name) as path:
            return self._read(name, path)

    def update(self, name: str, change: Callable[[Profile], object]) -> Profile:
        """Read, change and write the profile under its lock; nothing is lost to a concurrent writer."""
        with self._locked(name) as path:
            profile = self._read(name, path)
            change(profile)
            atomic_write_json(path, profile.to_json())
            return profile

    def rate(self, name: str, movie_id: int, stars: float, title: str = "") -> Profile:
        stars = check_stars(stars)

        def change(p: Profile) -> None:
            p.ratings[movie_id] = Rating(movie_id, stars, time.time(), title)
            p.not_interested.pop(movie_id, None)

        return self.update(name, change)

    def unrate(self, name: str, movie_id: int) -> bool:
        removed = []

        def change(p: Profile) -> None:
            removed.append(p.ratings.pop(movie_id, None) is not None or p.not_interested.pop(movie_id, None) is not None)

        self.update(name, change)
        return removed[0]

    def not_interested(self, name: str, movie_id: int, title: str = "") -> Profile:
        def change(p: Profile) -> None:
            p.not_interested[movie_id] = Rating(movie_id, 0.0, time.time(), title)
            p.ratings.pop(movie_id, None)

        return self.update(name, change)

    def export(self, name: str, target: Path) -> Path:
        atomic_write_json(target, self.load(name).to_json())
        return target

    def import_file(self, source: Path, name: str | None = None) -> Profile:
        try:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
            incoming = Profile.from_json(data, name)
        except OSError as exc:
            raise ProfileError(f"cannot read {source} ({exc.strerror or exc})") from None
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            raise ProfileError(f"{source} is not a movierec profile ({_short(exc)}); nothing was imported") from None
        target = name or incoming.name

        def change(p: Profile) -> None:
            p.ratings.update(incoming.ratings)
            p.not_interested.update(incoming.not_interested)

        return self.update(target, change)


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
