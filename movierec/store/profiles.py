"""Profiles: a person's ratings, "not interested" marks and watchlist, as JSON, atomic and locked.

A profile file is ``<data>/profiles/NAME.json``:

    {"format": "movierec-profile", "version": 1, "name": "default",
     "ratings": [{"movie_id": 1, "title": "Toy Story (1995)", "stars": 4.5, "time": 1700000000.0,
                  "space": "movielens"}],
     "not_interested": [{"movie_id": 2, "title": "...", "time": ..., "space": "movielens"}],
     "watchlist": [{"movie_id": 3, "title": "...", "time": ..., "space": "movielens"}]}

Every entry also says which movie id space its ``movie_id`` is in (``"space"``): ``"movielens"`` (every
GroupLens release shares one numbering) or ``"ml-100k"`` (its own); an entry without it (every file
written before it came) is ``"movielens"``, the space of the bundled ml-latest-small. On a release of
another space an entry is matched by its title, never by the raw id (``Engine.entry_index``). A file
whose entries are all ``"movielens"`` is written as version 1, which an older movierec reads right
(ignoring the field); one holding an entry of another space is version 2, which an older movierec
refuses rather than read ml-100k ids as MovieLens ones (and drop their space when it writes).

``watchlist`` came later: a file without it (an older one) has an empty watchlist, and the
version stays 1 (an older movierec reads a newer file, ignoring the watchlist). Rating a film
takes it off the watchlist (you have seen it), as Letterboxd does; so does "not interested".
``unwatched`` (also later, optional, same entries) records when a film was taken off the watchlist, so
an import of an older export does not put it back (the newer action wins, removals too).

Movies are keyed by their movie id (``entry_key``: the id itself in the "movielens" space, (space, id)
in another, so ml-100k's id 2 never replaces MovieLens id 2); the title is kept for people reading
the file, and to find the film on a release of another id space. Every change runs under a file lock
(``NAME.json.lock``) as read, modify, write-atomically, so two running copies
cannot lose each other's ratings; reading needs no lock (writes are atomic), so
``ratings`` works on a read-only home. A damaged file is moved aside to
``NAME.damaged-YYYYmmdd-HHMMSS-PID.json`` (never overwritten), its valid entries are
kept in a new file, and the message says how many were dropped.

Every profile file, stored or imported, goes through one schema check (``parse``:
types, star range, id bounds) and one reader (``movierec.files.read_regular``, the
one helper for paths that must be regular files): only a regular file of at most
``MAX_BYTES`` (16 MiB; a profile rating every film of ML-32M is about 9 MB) is read.
A device, a FIFO or a larger file where a profile belongs is refused in one line and
left as it is: it is not damage movierec made, and moving it aside would hide it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from movierec import paths
from movierec.errors import ProfileError
from movierec.files import kind_of, read_regular
from movierec.atomic import atomic_write_json

FORMAT = "movierec-profile"
VERSION = 2  # 2: entries of an id space other than "movielens" (a file with none is still written as 1)
READS = (1, 2)
DEFAULT_SPACE = "movielens"  # movierec.data.movielens.MOVIELENS_SPACE (not imported: no numpy to read a profile)
_SPACE = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
DEFAULT_PROFILE = "default"
MAX_NAME = 64  # characters of a profile name
MAX_NAME_BYTES = 160  # its UTF-8 bytes: NAME.damaged-YYYYmmdd-HHMMSS-PID.json stays far below 255 bytes
_NAME_MARKS = frozenset(" ._-")
MAX_BYTES = 16 * 2**20
MAX_MOVIE_ID = 2**63 - 1  # ids are int64 everywhere after the profile
#: How far past now an imported time may be: a date has begun somewhere on Earth until 14 h past UTC (UTC+14).
FUTURE_SLACK = 14 * 3600


def entry_key(movie_id: int, space: str = DEFAULT_SPACE) -> int | tuple[str, int]:
    """The key of a film's entry in a profile's dicts: the movie id in the "movielens" space, else (space, id)."""
    return movie_id if space == DEFAULT_SPACE else (space, movie_id)


@dataclass
class Rating:
    movie_id: int
    stars: float
    time: float
    title: str = ""
    space: str = DEFAULT_SPACE  # the movie id space it was made in (a release's ``Dataset.id_space``)

    @property
    def key(self) -> int | tuple[str, int]:
        return entry_key(self.movie_id, self.space)

    @property
    def ref(self) -> str:
        """The entry as one word: "5" (movie id 5, "movielens" space), "ml-100k:5" (another space)."""
        return str(self.movie_id) if self.space == DEFAULT_SPACE else f"{self.space}:{self.movie_id}"

    def order(self) -> tuple:
        """Sort order of entries: oldest first, then by id."""
        return (self.time, self.movie_id, self.space)


Same = Callable[[Rating], bool]  # whether an entry (of any space) names one film of the loaded release


@dataclass
class Profile:
    name: str
    ratings: dict[int, Rating] = field(default_factory=dict)
    not_interested: dict[int, Rating] = field(default_factory=dict)  # stars unused (0)
    watchlist: dict[int, Rating] = field(default_factory=dict)  # stars unused (0); time: when it was added
    unwatched: dict[int, Rating] = field(default_factory=dict)  # stars unused (0); time: when it was taken off

    def on_watchlist(self, movie_id: int, space: str = DEFAULT_SPACE) -> bool:
        """Whether this entry is listed (by id and space; a film of the loaded release: ``Engine.indexed``)."""
        return entry_key(movie_id, space) in self.watchlist

    def merge(self, other: "Profile") -> "MergeReport":
        """Take ``other``'s entries where they are newer: the one merge of every import.

        Per film the newest of its rating and "not interested" mark wins, here or there (a tie: the
        incoming one, so importing the same file twice changes nothing). A watchlist film is added
        unless the film is rated at or after the time it was listed (seen since), is marked "not
        interested" here, or was taken off the watchlist here at or after that time; a rating taken in
        takes an older watchlist entry off, and so does a newer removal taken in.
        """
        report = MergeReport()

        def newest_here(key) -> float | None:
            times = [e.time for e in (self.ratings.get(key), self.not_interested.get(key)) if e is not None]
            return max(times) if times else None

        for r in sorted(other.ratings.values(), key=Rating.order):
            here = newest_here(r.key)
            if here is not None and here > r.time:
                report.kept += 1
                continue
            differs = self.ratings.get(r.key) != r or r.key in self.not_interested
            report.changed += differs
            report.ratings_changed += differs
            self.ratings[r.key] = r
            self.not_interested.pop(r.key, None)
            listed = self.watchlist.get(r.key)
            if listed is not None and listed.time <= r.time:
                del self.watchlist[r.key]
                report.changed += 1
            report.ratings += 1
        for n in sorted(other.not_interested.values(), key=Rating.order):
            here = newest_here(n.key)
            if here is not None and here > n.time:
                continue
            report.changed += self.not_interested.get(n.key) != n or n.key in self.ratings
            self.not_interested[n.key] = n
            self.ratings.pop(n.key, None)
            report.not_interested += 1
        for u in sorted(other.unwatched.values(), key=Rating.order):
            here_u = self.unwatched.get(u.key)
            if here_u is None or here_u.time < u.time:
                self.unwatched[u.key] = u
                report.changed += 1
            listed = self.watchlist.get(u.key)
            if listed is not None and listed.time <= u.time:
                del self.watchlist[u.key]
                report.changed += 1
        for w in sorted(other.watchlist.values(), key=Rating.order):
            rated = self.ratings.get(w.key)
            if rated is not None and rated.time >= w.time:
                report.watchlist_seen += 1
                continue
            if w.key in self.not_interested:
                report.watchlist_dismissed += 1
                continue
            removed = self.unwatched.get(w.key)
            if removed is not None and removed.time >= w.time and w.key not in self.watchlist:
                report.watchlist_removed += 1
                continue
            if w.key not in self.watchlist:
                self.watchlist[w.key] = w
                report.changed += 1
                report.watchlist_added += 1
            report.watchlist += 1
        return report

    def entries(self) -> Iterator[Rating]:
        """Every entry: ratings, not interested, watchlist, unwatched."""
        for section in (self.ratings, self.not_interested, self.watchlist, self.unwatched):
            yield from section.values()

    def to_json(self) -> dict:
        def rows(section: dict[object, Rating], stars: bool = False) -> list[dict]:
            return [{"movie_id": r.movie_id, "title": r.title, **({"stars": r.stars} if stars else {}), "time": r.time,
                     "space": r.space} for r in sorted(section.values(), key=Rating.order)]

        # Version 1 while every entry is a MovieLens id: an older movierec reads such a file right.
        version = 1 if all(r.space == DEFAULT_SPACE for r in self.entries()) else VERSION
        return {
            "format": FORMAT, "version": version, "name": self.name,
            "ratings": rows(self.ratings, stars=True), "not_interested": rows(self.not_interested),
            "watchlist": rows(self.watchlist), **({"unwatched": rows(self.unwatched)} if self.unwatched else {}),
        }

    @classmethod
    def from_json(cls, data: object, name: str | None = None) -> "Profile":
        """Parse and validate strictly; ValueError says what is wrong (the first problem)."""
        profile, problems = parse(data, name)
        if problems:
            raise ValueError(problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} more problems)")
        return profile


@dataclass
class MergeReport:
    """What :meth:`Profile.merge` did: films taken in, and the profile's newer entries kept."""

    ratings: int = 0  # ratings taken from the import (new, changed or the same)
    kept: int = 0  # the profile's newer rating or mark kept over an older imported rating
    not_interested: int = 0
    watchlist: int = 0  # imported watchlist films on the watchlist now (new or already there)
    watchlist_seen: int = 0  # imported watchlist films left off: rated since they were listed
    watchlist_dismissed: int = 0  # imported watchlist films left off: marked "not interested" here
    watchlist_removed: int = 0  # imported watchlist films left off: taken off the watchlist here since
    ratings_changed: int = 0  # of ``ratings``, those new or different here
    watchlist_added: int = 0  # of ``watchlist``, those not on the watchlist before
    changed: int = 0  # entries added, changed or removed: 0 when importing the same file again

    def to_json(self) -> dict:
        return dict(self.__dict__)


def check_name(name: object) -> str:
    """The one check of a profile name (the CLI, the TUI, stored and imported files): the name in Unicode NFC,
    or a ProfileError that says what a name may hold.

    Letters and digits of any script (with their combining marks), spaces, '.', '_' and '-', the first a
    letter or digit (so never '.', '..' nor a hidden file), the last no space or '.' (Windows drops those, so
    'a ' and 'a' would be one file there), at most 64 characters (160 bytes of UTF-8). Never
    a path separator, a control or format character (a bidi override such as U+202E, a zero-width space)
    or another kind of space. A name typed decomposed ("e" and U+0301) is the profile of its composed form
    ("é"): one file, whatever the keyboard sent."""
    text = unicodedata.normalize("NFC", name) if isinstance(name, str) else ""

    def kind(ch: str) -> str:
        return unicodedata.category(ch)[0]  # L letter, N number, M mark, P punctuation, C control, Z space...

    if (0 < len(text) <= MAX_NAME and kind(text[0]) in "LN" and text[-1] not in " ."  # Windows drops them: 'a '
            and all(kind(ch) in "LNM" or ch in _NAME_MARKS for ch in text)
            and len(text.encode("utf-8")) <= MAX_NAME_BYTES):
        return text
    shown = repr(name) if isinstance(name, str) else type(name).__name__
    raise ProfileError(f"{shown[:80]} is not a valid profile name; use letters (any alphabet), digits, spaces, "
                       f"'.', '_' or '-', starting with a letter or digit and not ending in a space or '.', at most {MAX_NAME} "
                       "characters")


def _valid_name(name: object) -> bool:
    try:
        check_name(name)
    except ProfileError:
        return False
    return True


def parse(data: object, name: str | None = None) -> tuple[Profile, list[str]]:
    """The one schema check: the valid part of ``data`` and one line per dropped entry or part.

    ValueError when nothing of it is a profile (not an object, another format or version).
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a movierec profile")
    version = data.get("version")
    if version not in READS:
        raise ValueError(f"profile format {str(version)[:20]!r} is not {' or '.join(map(str, READS))}")
    problems: list[str] = []
    stored = data.get("name", DEFAULT_PROFILE)
    if not _valid_name(stored):
        problems.append("its name is not a valid profile name")
        stored = DEFAULT_PROFILE
    stored = check_name(stored)
    profile = Profile(name or stored)
    for key, target, need_stars in (("ratings", profile.ratings, True),
                                    ("not_interested", profile.not_interested, False),
                                    ("watchlist", profile.watchlist, False),
                                    ("unwatched", profile.unwatched, False)):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            problems.append(f"{key!r} is not a list")
            continue
        for entry in entries:
            try:
                r = _entry(entry, need_stars)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            target[r.key] = r
    return profile, problems


def check_stars(stars: float) -> float:
    try:
        value = float(stars)
    except (TypeError, ValueError, OverflowError):
        value = math.nan
    if not math.isfinite(value) or value < 0.5 or value > 5.0 or abs(value * 2 - round(value * 2)) > 1e-9:
        raise ProfileError(f"{str(stars)[:20]!r} is not a rating; use 0.5 to 5.0 in half stars")
    return round(value * 2) / 2


def check_not_future(when: float, now: float, where: str, hint: str = "nothing was imported") -> float:
    """``when`` unless it is after today everywhere on Earth (over ``FUTURE_SLACK`` past ``now``): then
    ProfileError naming ``where``. An imported rating dated 9999 would be the newest forever: it would beat
    every later rating of the film on each re-import, and stay the "latest" a sequence model reads."""
    if when <= now + FUTURE_SLACK:
        return when
    try:
        shown = dt.datetime.fromtimestamp(when, dt.timezone.utc).date().isoformat()
    except (OverflowError, OSError, ValueError):
        shown = f"a time {when:.3g} s after 1970"
    today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date().isoformat()
    raise ProfileError(f"{where}: {shown} is after today ({today}); fix or delete that date, {hint}")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _entry(entry: object, need_stars: bool) -> Rating:
    movie_id = entry.get("movie_id") if isinstance(entry, dict) else None
    if not isinstance(movie_id, int) or isinstance(movie_id, bool):
        raise ValueError("an entry has no integer movie_id")
    if not 0 <= movie_id <= MAX_MOVIE_ID:
        raise ValueError(f"movie id {str(movie_id)[:24]} is out of range")
    stars = 0.0
    if need_stars:
        raw = entry.get("stars")
        if not _number(raw):
            raise ValueError(f"movie {movie_id} has no stars")
        try:
            stars = check_stars(raw)
        except ProfileError as exc:
            raise ValueError(f"movie {movie_id}: {exc}") from None
    when = entry.get("time", 0.0)
    try:
        when = float(when) if _number(when) else math.nan
    except OverflowError:
        when = math.nan
    if not math.isfinite(when):
        raise ValueError(f"movie {movie_id} has a bad time")
    title = entry.get("title", "")
    space = entry.get("space", DEFAULT_SPACE)  # absent: written before spaces, when every id was a MovieLens one
    if not isinstance(space, str) or not _SPACE.fullmatch(space):
        raise ValueError(f"movie {movie_id} has a bad id space")
    return Rating(movie_id, stars, when, title if isinstance(title, str) else "", space)


_LEFT_ALONE = "it was left as it is: move it away and movierec starts a new profile there"
_IMPORT_HINT = "nothing was imported: import a .json file written by `movierec --headless profile export`"


def _load_json(path: Path, hint: str) -> object:
    """A profile file's JSON. Not a regular file of at most MAX_BYTES: ProfileError at once (never read, never
    a hang, not damage). Not UTF-8 JSON, or nested too deeply: ValueError (damage)."""
    raw = read_regular(path, max_bytes=MAX_BYTES, what="a profile", hint=hint, error=ProfileError)
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


class ProfileStore:
    def __init__(self, folder: Path | None = None, lock_timeout: float = 10.0) -> None:
        self.folder = folder or paths.data_dir() / "profiles"
        self.lock_timeout = lock_timeout

    def path(self, name: str) -> Path:
        return self.folder / f"{check_name(name)}.json"

    def names(self) -> list[str]:
        """The profiles here: files whose stem is a valid name as movierec writes it (NFC), not set aside."""
        if not self.folder.exists():
            return []
        return sorted(p.stem for p in self.folder.glob("*.json")
                      if _valid_name(p.stem) and check_name(p.stem) == p.stem and ".damaged-" not in p.name)

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

    def _read(self, name: str, path: Path, repair: bool = True) -> Profile:
        """The profile at ``path``; damage is moved aside (under the lock) with the valid entries kept."""
        name = check_name(name)  # the profile's name as its file's: NFC
        if not path.exists():
            return Profile(name)
        try:
            profile, problems = parse(_load_json(path, _LEFT_ALONE), name)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            profile, problems = None, [_short(exc)]
        if not problems:
            return profile  # type: ignore[return-value]
        if not repair:
            raise _Damaged
        aside = path.with_name(f"{name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.json")
        try:
            os.replace(path, aside)
        except OSError:
            raise ProfileError(f"profile {name!r} at {path} is damaged ({problems[0]}) and could not be moved aside; "
                               "move it away by hand") from None
        kept = 0 if profile is None else len(profile.ratings) + len(profile.not_interested) + len(profile.watchlist)
        if profile is None or not kept:
            dropped = "" if profile is None else f", no entry of it was valid ({len(problems)} dropped)"
            raise ProfileError(f"profile {name!r} was damaged ({problems[0]}); it was moved to {aside}{dropped} "
                               "and an empty profile starts in its place")
        atomic_write_json(path, profile.to_json())
        raise ProfileError(f"profile {name!r} was damaged ({problems[0]}); it was moved to {aside}, "
                           f"{kept} valid entries were kept and {len(problems)} dropped")

    def load(self, name: str = DEFAULT_PROFILE) -> Profile:
        """Read without the lock (writes are atomic, so a read-only home works); damage is repaired under it."""
        path = self.path(name)
        try:
            return self._read(name, path, repair=False)
        except _Damaged:
            pass
        with self._locked(name) as path:
            return self._read(name, path)

    def create(self, name: str) -> tuple[Profile, bool]:
        """Profile ``name``, its file written now (atomically, under its lock) when there is none: a profile made
        and given no rating yet is there after a restart. (profile, True when it was created here)."""
        with self._locked(name) as path:
            if path.exists():
                return self._read(name, path), False
            profile = Profile(name)
            atomic_write_json(path, profile.to_json())
            return profile, True

    def update(self, name: str, change: Callable[[Profile], object]) -> Profile:
        """Read, change and write the profile under its lock; nothing is lost to a concurrent writer."""
        with self._locked(name) as path:
            profile = self._read(name, path)
            change(profile)
            atomic_write_json(path, profile.to_json())
            return profile

    # Each change names a film by its movie id in ``space`` (the loaded release's ``Dataset.id_space``);
    # ``same`` (``Engine.same_film``), when given, says which entries made in another space are this film
    # too (matched by title), so rating it here replaces a rating made on another release, and so on.
    def rate(self, name: str, movie_id: int, stars: float, title: str = "", space: str = DEFAULT_SPACE,
             same: Same | None = None) -> Profile:
        stars = check_stars(stars)
        key = entry_key(movie_id, space)

        def change(p: Profile) -> None:
            for section in (p.ratings, p.not_interested, p.watchlist):  # seen: off the watchlist
                _take(section, key, same)
            p.ratings[key] = Rating(movie_id, stars, time.time(), title, space)

        return self.update(name, change)

    def unrate(self, name: str, movie_id: int, space: str = DEFAULT_SPACE, same: Same | None = None) -> bool:
        removed = []
        key = entry_key(movie_id, space)

        def change(p: Profile) -> None:
            removed.append(bool(_take(p.ratings, key, same) + _take(p.not_interested, key, same)))

        self.update(name, change)
        return removed[0]

    def not_interested(self, name: str, movie_id: int, title: str = "", space: str = DEFAULT_SPACE,
                       same: Same | None = None) -> Profile:
        key = entry_key(movie_id, space)

        def change(p: Profile) -> None:
            for section in (p.ratings, p.not_interested, p.watchlist):
                _take(section, key, same)
            p.not_interested[key] = Rating(movie_id, 0.0, time.time(), title, space)

        return self.update(name, change)

    def watch(self, name: str, movie_id: int, title: str = "", space: str = DEFAULT_SPACE,
              same: Same | None = None) -> tuple[Profile, bool]:
        """Put a film on the watchlist; (profile, False) when it was on it already (its date is kept)."""
        added = []
        key = entry_key(movie_id, space)

        def change(p: Profile) -> None:
            added.append(not _find(p.watchlist, key, same))
            if added[0]:
                p.watchlist[key] = Rating(movie_id, 0.0, time.time(), title, space)
                _take(p.unwatched, key, same)

        return self.update(name, change), added[0]

    def unwatch(self, name: str, movie_id: int, space: str = DEFAULT_SPACE, same: Same | None = None) -> bool:
        """Take a film off the watchlist; False when it was not on it."""
        removed = []
        key = entry_key(movie_id, space)

        def change(p: Profile) -> None:
            entries = _take(p.watchlist, key, same)
            removed.append(bool(entries))
            for entry in entries:  # remembered, so an import of an older export does not put it back
                p.unwatched[entry.key] = Rating(entry.movie_id, 0.0, time.time(), entry.title, entry.space)

        self.update(name, change)
        return removed[0]

    def merge(self, name: str, incoming: Profile) -> tuple[Profile, MergeReport]:
        """Merge ``incoming`` into profile ``name`` under its lock (see :meth:`Profile.merge`); the file is
        written only when something changed (a re-import leaves it as it was, its time too)."""
        with self._locked(name) as path:
            profile = self._read(name, path)
            report = profile.merge(incoming)
            if report.changed:
                atomic_write_json(path, profile.to_json())
            return profile, report

    def export(self, name: str, target: Path) -> Path:
        """Write a profile to ``target``; an existing target that is not a regular file is never replaced."""
        check_export_target(target, ".json")
        atomic_write_json(target, self.load(name).to_json())
        return target

    def import_file(self, source: Path, name: str | None = None) -> Profile:
        """Merge a profile file into a profile (the newer entry wins per film; see :meth:`Profile.merge`);
        a file with any bad entry is refused whole (nothing imported)."""
        try:
            raw = read_regular(Path(source), max_bytes=MAX_BYTES, what="a profile", hint=_IMPORT_HINT,
                               error=ProfileError)
        except OSError as exc:
            raise ProfileError(f"cannot read {source} ({exc.strerror or exc})") from None
        incoming = profile_from_bytes(raw, source, name)
        return self.merge(name or incoming.name, incoming)[0]


def check_export_target(target: Path, suffix: str) -> None:
    """ProfileError unless ``target`` is absent or a regular file: an export never replaces anything else."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ProfileError(f"cannot write {target} ({exc.strerror or exc}); choose another file") from None
    if not stat.S_ISREG(mode):
        kind = "a symlink" if stat.S_ISLNK(mode) else kind_of(mode)
        raise ProfileError(f"{target} exists and is {kind}; it was left alone, export to a new {suffix} file")


def profile_from_bytes(raw: bytes, source: object, name: str | None = None) -> Profile:
    """A profile file's bytes to a Profile for import, checked whole: ProfileError (nothing imported) when
    it is over MAX_BYTES, not JSON, not a profile, or has any bad entry."""
    if len(raw) > MAX_BYTES:
        raise ProfileError(f"{source} is larger than the {MAX_BYTES / 2**20:g} MiB a profile may be; {_IMPORT_HINT}")
    try:
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise ValueError("nested too deeply") from None
        incoming, problems = parse(data, name)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise ProfileError(f"{source} is not a movierec profile ({_short(exc)}); nothing was imported") from None
    if problems:
        raise ProfileError(f"{source} has {len(problems)} bad entries or parts (first: {problems[0]}); "
                           "nothing was imported, fix or remove them and import again")
    now = time.time()
    for entry in incoming.entries():
        named = f" ({entry.title[:60]})" if entry.title else ""
        check_not_future(entry.time, now, f"{source}: movie {entry.movie_id}{named}")
    return incoming


def _find(section: dict, key, same: Same | None) -> list:
    """The keys of ``section``'s entries for one film: ``key``, and those of another space ``same`` says are it."""
    keys = [key] if key in section else []
    if same is not None:
        space = key[0] if isinstance(key, tuple) else DEFAULT_SPACE
        keys += [k for k, e in section.items() if e.space != space and same(e)]
    return keys


def _take(section: dict, key, same: Same | None) -> list[Rating]:
    """Remove and return ``section``'s entries for one film (see ``_find``)."""
    return [section.pop(k) for k in _find(section, key, same)]


class _Damaged(Exception):
    """A profile read without its lock turned out damaged: repair it under the lock."""


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:100].rsplit(" ", 1)[0] + "..."
