"""Importing a film history: a movierec profile, a Letterboxd export or an IMDb ratings export.

The format is read from the content, not the file name:

* a movierec profile: JSON (``{"format": "movierec-profile", ...}``);
* a Letterboxd export: the zip "Export your data" gives (``ratings.csv``, ``watchlist.csv``,
  ``diary.csv``, ``watched.csv`` at its top or in one folder; ``deleted/``, ``orphaned/`` and lists
  below are not read), or one of those CSVs alone. ``ratings.csv`` is ``Date,Name,Year,Letterboxd
  URI,Rating`` (0.5-5 stars); ``diary.csv`` adds ``Rewatch,Tags,Watched Date`` (a diary rating is a
  rating at its watched date); ``watchlist.csv`` and ``watched.csv`` are ``Date,Name,Year,Letterboxd
  URI``. Those two share one header: the file name tells them apart (a name with "watched" but not
  "watchlist" is ``watched.csv``; anything else a watchlist). Films watched without a rating add
  nothing a profile holds: they are counted, not imported. Letterboxd's import format (``Title, Year,
  Rating, WatchedDate, imdbID, tmdbID``, what ``profile export --to letterboxd`` writes) is read too;
* an IMDb export: the ratings CSV (``Const,Your Rating,Date Rated,Title,...,Title Type,...,Year,...``,
  1-10, so stars = rating / 2), or a watchlist or list CSV (``Position,Const,Created,...``).

A CSV is UTF-8 (a byte-order mark or none), UTF-16 or UTF-32 with its byte-order mark (Excel's
"Unicode Text", tab-separated, too), or else Windows-1252 (a CSV saved by Excel); anything else (NUL
bytes: UTF-16 without its mark) is refused with a line saying to save it as UTF-8. A cell that
:mod:`movierec.store.csvfiles` neutralised (``'=...``) is read back as it was (``=...``).

Letterboxd rows are matched by title and year (:mod:`movierec.data.titles`: never a guess); IMDb rows
by their ``tt`` number through the release's ``links.csv``, exactly. A rating's date is its time
(midnight UTC of that day); a date that has not begun anywhere yet (after today in UTC+14) is refused,
naming its line, since a rating dated 9999 would beat every later rating of the film, on every
re-import, forever. Nothing is written until the whole file has been read and matched: anything wrong
with the input is one :class:`ProfileError` naming the file and the line (the file's own line number,
the header being line 1), and the profile is untouched. Sizes are capped before anything is unpacked
or parsed (a zip bomb unpacks no further than the cap).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from movierec.errors import ProfileError
from movierec.files import read_regular
from movierec.store import profiles
from movierec.store.csvfiles import restore
from movierec.store.profiles import Profile, Rating, check_not_future, check_stars

if TYPE_CHECKING:
    from movierec.data.catalog import Catalog

MAX_FILE_BYTES = 64 * 2**20  # the file given (a zip or a CSV); a Letterboxd export of 5,000 films is ~1 MB
MAX_MEMBER_BYTES = 32 * 2**20  # one CSV unpacked
MAX_UNPACKED_BYTES = 64 * 2**20  # every CSV read from one zip, unpacked
MAX_ZIP_ENTRIES = 10_000
MAX_ROWS = 200_000  # rows of one CSV

LETTERBOXD_FILES = ("ratings.csv", "diary.csv", "watched.csv", "watchlist.csv")
#: IMDb title types that are not films: skipped (and counted) when their tt-number has no film.
NOT_FILMS = {"tvseries": "TV series", "tvminiseries": "TV mini series", "tvepisode": "TV episode",
             "videogame": "video game", "podcastseries": "podcast", "podcastepisode": "podcast",
             "musicvideo": "music video", "tvspecial": "TV special"}
_HINT = "nothing was imported"
_TT = re.compile(r"tt(\d{1,12})")
_YEAR = re.compile(r"\d{4}")
#: Byte-order marks, longest first (UTF-32's little-endian mark begins with UTF-16's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass
class Row:
    """One film of an export, as the service wrote it."""

    kind: str  # "rating", "watchlist" or "watched"
    title: str
    year: int | None
    time: float
    where: str  # "ratings.csv line 4"
    stars: float | None = None
    imdb: int | None = None  # IMDb rows: the tt-number
    title_type: str = ""  # IMDb rows: "Movie", "TV Series", ...
    rank: int = 0  # among ratings of one film at one time, the higher wins (ratings.csv over diary.csv)


@dataclass
class Export:
    service: str  # "movierec", "letterboxd" or "imdb"
    path: Path
    files: list[str] = field(default_factory=list)  # what was read: "ratings.csv (212 rows)"
    rows: list[Row] = field(default_factory=list)
    profile: Profile | None = None  # a movierec profile, as it is
    watched: set[tuple[str, int | None]] = field(default_factory=set)  # Letterboxd films logged or watched
    watched_unrated: int = 0  # of those, the films with no rating anywhere in the export (nothing to import)


@dataclass
class Plan:
    """An export matched to the catalogue: the profile to merge in, and what matched and what did not."""

    export: Export
    incoming: Profile
    matched: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # IMDb rows that are not films


# -- reading ----------------------------------------------------------------------------------------
def read_export(path: str | Path) -> Export:
    """Read and check an export file whole; ProfileError in one line on anything wrong with it."""
    path = Path(path)
    raw = read_regular(path, max_bytes=MAX_FILE_BYTES, what="an export",
                       hint="give a Letterboxd or IMDb export, or a movierec profile", error=ProfileError)
    if raw[:2] == b"PK":
        return _read_zip(path, raw)
    text, encoding = _text(raw, str(path))
    if text.lstrip()[:1] in ("{", "["):  # a movierec profile: JSON is UTF-8 (or UTF-16/32 with a mark), never 1252
        data = raw if encoding == "cp1252" else text.encode("utf-8")
        return Export("movierec", path, [path.name], profile=profiles.profile_from_bytes(data, path))
    if not text.strip():
        raise ProfileError(f"{path} is empty; {_HINT}")
    export = Export("", path)
    _read_csv(export, path.name, text, str(path), alone=True)
    return _finish(export)


def _read_zip(path: Path, raw: bytes) -> Export:
    damaged = f"{path} is a damaged zip ({{exc}}); export it again, {_HINT}"
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise ProfileError(damaged.format(exc=_short(exc))) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ProfileError(f"{path} holds {len(infos):,} files, more than an export does; {_HINT}")
    members = _choose_members(path, infos)
    export = Export("", path)
    unpacked = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise ProfileError(f"{path} holds {info.filename} encrypted; {_HINT}")
        if info.file_size > MAX_MEMBER_BYTES:
            raise ProfileError(f"{path}: {info.filename} unpacks to {info.file_size / 2**20:.0f} MiB, over the "
                               f"{MAX_MEMBER_BYTES / 2**20:g} MiB an export file may be; {_HINT}")
        try:
            with archive.open(info) as handle:
                data = handle.read(MAX_MEMBER_BYTES + 1)  # never more, whatever its header says
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError, ValueError) as exc:
            raise ProfileError(damaged.format(exc=f"{info.filename}: {_short(exc)}")) from None
        unpacked += len(data)
        if len(data) > MAX_MEMBER_BYTES or unpacked > MAX_UNPACKED_BYTES:
            raise ProfileError(f"{path}: {info.filename} unpacks to more than the {MAX_MEMBER_BYTES / 2**20:g} MiB "
                               f"an export file may be (a zip bomb?); {_HINT}")
        where = f"{path.name}:{info.filename}"
        _read_csv(export, PurePosixPath(info.filename).name, _text(data, where)[0], where, alone=False)
    return _finish(export)


def _choose_members(path: Path, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The export's CSVs: Letterboxd's four from the shallowest folder holding any (never ``deleted/``
    below it), else the zip's one CSV (an IMDb export zipped)."""
    csvs = [i for i in infos if not i.is_dir() and i.filename.lower().endswith(".csv")
            and "__MACOSX" not in i.filename and not PurePosixPath(i.filename).name.startswith("._")]
    known = [i for i in csvs if PurePosixPath(i.filename).name.lower() in LETTERBOXD_FILES]
    if known:
        depth = min(len(PurePosixPath(i.filename).parts) for i in known)
        top = [i for i in known if len(PurePosixPath(i.filename).parts) == depth]
        folders = sorted({str(PurePosixPath(i.filename).parent) for i in top})
        if len(folders) > 1:
            raise ProfileError(f"{path} holds several exports ({', '.join(folders[:3])}); "
                               f"import one of them at a time, {_HINT}")
        return sorted(top, key=lambda i: LETTERBOXD_FILES.index(PurePosixPath(i.filename).name.lower()))
    if len(csvs) == 1:
        return csvs
    if not csvs:
        raise ProfileError(f"{path} holds no CSV file: not a Letterboxd or IMDb export; {_HINT}")
    raise ProfileError(f"{path} holds {len(csvs)} CSV files but no Letterboxd ratings.csv, diary.csv or "
                       f"watchlist.csv; give the export's CSV itself, {_HINT}")


def _text(data: bytes, where: str) -> tuple[str, str]:
    """The file's text and its encoding: by its byte-order mark, else UTF-8, else Windows-1252; ProfileError
    (save it as UTF-8) for bytes none of them reads, or NUL bytes (UTF-16 without its mark, or not text)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            break
    else:
        body, encoding = data, "utf-8"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8" or data.startswith(b"\xef\xbb\xbf"):
            at = exc.start + len(data) - len(body)
            raise _not_text(where, f"{encoding.upper()[:6]} with a broken character at byte {at:,}") from None
        try:
            text, encoding = body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc1252:
            raise _not_text(where, f"byte 0x{body[exc1252.start]:02X} at byte {exc1252.start:,} is neither UTF-8 "
                                   "nor Windows-1252") from None
    if "\x00" in text:
        raise _not_text(where, "it holds NUL bytes: UTF-16 without its byte-order mark, or not text at all")
    return text, encoding


def _not_text(where: str, why: str) -> ProfileError:
    return ProfileError(f"{where} is not readable text ({why}); save it as UTF-8 (in Excel: CSV UTF-8) "
                        f"and import it again; {_HINT}")


def _kind(header: list[str], name: str) -> str:
    """What a CSV is, from its header (and, for watchlist.csv and watched.csv, which share one, its name)."""
    cols = set(header)
    letterboxd = {"date", "name", "year", "letterboxd uri"} <= cols
    if letterboxd and "watched date" in cols and "rating" in cols:
        return "letterboxd-diary"
    if letterboxd and "rating" in cols:
        return "letterboxd-ratings"
    if letterboxd:
        lower = name.lower()
        return "letterboxd-watched" if "watched" in lower and "watchlist" not in lower else "letterboxd-watchlist"
    if {"title", "rating", "imdbid"} <= cols:  # Letterboxd's import format (what `profile export --to letterboxd` writes)
        return "letterboxd-import"
    if {"position", "const", "created", "title", "year"} <= cols:  # a watchlist or list (it has "Your Rating" too)
        return "imdb-list"
    if {"const", "your rating", "date rated", "title", "year"} <= cols:
        return "imdb-ratings"
    return ""


def _read_csv(export: Export, name: str, text: str, where: str, alone: bool) -> None:
    if not text.strip():
        if not alone:  # one empty file of a zip: nothing in it (an export with nothing at all is refused after)
            return
        raise ProfileError(f"{where} is empty; {_HINT}")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","  # Excel's "Unicode Text" is tab-separated
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        kind = _kind(header, name)
        if not kind:
            shown = ",".join(header)[:80] or "none"
            extra = ("; that is a MovieLens dataset file: use `movierec --headless data import`"
                     if {"userid", "movieid"} <= set(header) else "")
            raise ProfileError(f"{where} is not a Letterboxd or IMDb export (its columns: {shown}){extra}; {_HINT}")
        service = kind.split("-")[0]
        if export.service and export.service != service:
            raise ProfileError(f"{where} is an {service} export inside a {export.service} one; {_HINT}")
        export.service = service
        col = {h: k for k, h in reversed(list(enumerate(header)))}
        count = 0
        line = reader.line_num + 1  # the file's line a row starts on (a quoted title may hold a line break)
        for values in reader:
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ProfileError(f"{where} has over {MAX_ROWS:,} rows, more than an export of one person; {_HINT}")
            get = (lambda key, values=values: restore(values[col[key]].strip())
                   if key in col and col[key] < len(values) else "")
            _row(export, kind, get, f"{where} line {start}")
    except csv.Error as exc:
        raise ProfileError(f"{where} is not a readable CSV ({_short(exc)}); {_HINT}") from None
    export.files.append(f"{name} ({count} rows)")


def _row(export: Export, kind: str, get, where: str) -> None:
    if kind == "letterboxd-import":
        title, year, imdb = get("title"), _year(get("year"), where), get("imdbid")
        match = _TT.fullmatch(imdb)
        if imdb and not match:
            raise ProfileError(f"{where}: {imdb[:20]!r} is not an IMDb title id (tt0114709); {_HINT}")
        if not title and not match:
            raise ProfileError(f"{where}: a film with neither a title nor an imdbID; {_HINT}")
        if get("rating"):
            export.rows.append(Row("rating", title, year, _date(get("watcheddate"), where), where,
                                   _stars(get("rating"), where, 1), imdb=int(match.group(1)) if match else None,
                                   rank=1))
        return
    if kind.startswith("letterboxd"):
        title, year = get("name"), _year(get("year"), where)
        if not title:
            raise ProfileError(f"{where}: a film with no name; {_HINT}")
        if kind == "letterboxd-watchlist":
            export.rows.append(Row("watchlist", title, year, _date(get("date"), where), where))
            return
        stars_text = get("rating") if kind != "letterboxd-watched" else ""
        when = _date(get("watched date") or get("date"), where)
        export.watched.add((title, year))
        if not stars_text:
            return
        export.rows.append(Row("rating", title, year, when, where, _stars(stars_text, where, 1),
                               rank=1 if kind == "letterboxd-ratings" else 0))
        return
    match = _TT.fullmatch(get("const"))
    if not match:
        raise ProfileError(f"{where}: {get('const')[:20]!r} is not an IMDb title id (tt0114709); {_HINT}")
    title, year, title_type = get("title") or get("original title"), _year(get("year"), where), get("title type")
    if kind == "imdb-list":
        export.rows.append(Row("watchlist", title, year, _date(get("created"), where), where,
                               imdb=int(match.group(1)), title_type=title_type))
        return
    stars = _stars(get("your rating"), where, 2)
    export.rows.append(Row("rating", title, year, _date(get("date rated"), where), where, stars,
                           imdb=int(match.group(1)), title_type=title_type))


def _year(text: str, where: str) -> int | None:
    if not text:
        return None
    if not _YEAR.fullmatch(text):
        raise ProfileError(f"{where}: {text[:20]!r} is not a year; {_HINT}")
    return int(text)


def _date(text: str, where: str) -> float:
    """Midnight UTC of a YYYY-MM-DD date (a longer stamp: its day); 0 when there is none. A date that has
    not begun anywhere on Earth yet is refused (see the module)."""
    if not text:
        return 0.0
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ProfileError(f"{where}: {text[:20]!r} is not a date (YYYY-MM-DD); {_HINT}") from None
    return check_not_future(float(calendar.timegm(day.timetuple())), time.time(), where, _HINT)


def _stars(text: str, where: str, per_star: int) -> float:
    """Stars from a Letterboxd rating (0.5-5, per_star 1) or an IMDb one (1-10, per_star 2)."""
    try:
        value = float(text) / per_star
        return check_stars(value)
    except (ValueError, ProfileError):
        scale = "0.5-5 in half stars" if per_star == 1 else "1-10"
        raise ProfileError(f"{where}: {text[:20]!r} is not a rating ({scale}); {_HINT}") from None


def _finish(export: Export) -> Export:
    export.watched_unrated = len(export.watched - {(r.title, r.year) for r in export.rows if r.kind == "rating"})
    if not export.rows and not export.watched_unrated:
        raise ProfileError(f"{export.path} holds no ratings or watchlist films; {_HINT}")
    return export


# -- matching ---------------------------------------------------------------------------------------
def plan(export: Export, catalog: Catalog | None, dataset: str = "", fuzzy: bool = True) -> Plan:
    """Match an export's rows to the catalogue (not needed for a movierec profile: its ids are movie ids).
    ``fuzzy``: a film not found gets similar titles as candidates too (a title search each: 3,000 films
    not found take ~20 s), not only the same title in other years."""
    if export.profile is not None:
        return Plan(export, export.profile)
    assert catalog is not None
    if export.service == "imdb" and not catalog.has_links:
        raise ProfileError(f"dataset {dataset or 'in use'!r} has no IMDb links (links.csv; ml-100k, ml-1m and ml-10m "
                           "have none), so IMDb ratings cannot be matched exactly; import them with a dataset that has "
                           "links: --dataset ml-latest-small (bundled), or ml-25m / ml-32m "
                           f"(`movierec --headless data fetch ml-25m`); {_HINT}")
    from movierec.data.matching import TitleIndex

    index = TitleIndex(catalog)
    result = Plan(export, Profile("(import)"))
    found: dict[tuple[str, int | None, str], dict] = {}
    missing: dict[tuple[str, int | None], dict] = {}
    best: dict[int, Row] = {}
    listed: dict[int, Row] = {}
    exact = catalog.has_links
    for row in export.rows:
        if row.imdb is not None and exact:
            i = catalog.by_imdb(row.imdb)
            title_match = None
            if i is None:
                kind = NOT_FILMS.get(re.sub(r"[^a-z]", "", row.title_type.lower()))
                if kind:
                    result.skipped.append({"source_title": row.title, "source_year": row.year, "imdb": f"tt{row.imdb:07d}",
                                           "kind": row.kind, "why": f"a {kind}, not a film"})
                    continue
                title_match = index.match(row.title, row.year, fuzzy)
        else:
            title_match = index.match(row.title, row.year, fuzzy)
            i = title_match.index
        if i is None:
            assert title_match is not None
            key = (row.title, row.year)
            if key not in missing:
                why = "not in the dataset's links" if row.imdb is not None and exact else title_match.why
                candidates = ([title_match.index] if title_match.index is not None else []) + title_match.candidates
                missing[key] = {"source_title": row.title, "source_year": row.year, "kind": row.kind, "why": why,
                                "where": row.where,
                                **({"imdb": f"tt{row.imdb:07d}"} if row.imdb is not None else {}),
                                "candidates": [_film(catalog, c) for c in candidates[:3]]}
            continue
        movie_id = int(catalog.item_ids.ids(i)[0])
        key = (row.title, row.year, row.kind)
        if key not in found:
            found[key] = {"source_title": row.title, "source_year": row.year, "kind": row.kind, "movie_id": movie_id,
                          "title": catalog.titles[i], **({"imdb": f"tt{row.imdb:07d}"} if row.imdb is not None else {})}
        if row.kind == "rating":
            old = best.get(movie_id)
            if old is None or (row.time, row.rank) >= (old.time, old.rank):
                best[movie_id] = row
        elif row.kind == "watchlist" and (movie_id not in listed or row.time < listed[movie_id].time):
            listed[movie_id] = row
    for movie_id, row in best.items():
        title = catalog.titles[int(catalog.item_ids.index([movie_id])[0])]
        entry = Rating(movie_id, float(row.stars or 0.0), row.time, title, catalog.id_space)
        result.incoming.ratings[entry.key] = entry
    for movie_id, row in listed.items():
        title = catalog.titles[int(catalog.item_ids.index([movie_id])[0])]
        entry = Rating(movie_id, 0.0, row.time, title, catalog.id_space)
        result.incoming.watchlist[entry.key] = entry
    result.matched = list(found.values())
    result.unmatched = list(missing.values())
    return result


def _film(catalog: Catalog, index: int) -> dict:
    return {"movie_id": int(catalog.item_ids.ids(index)[0]), "title": catalog.titles[index]}


# -- saying what happened ---------------------------------------------------------------------------
def _named(entry: dict) -> str:
    return f"{entry['source_title']} ({entry['source_year']})" if entry.get("source_year") else entry["source_title"]


def summary(result: Plan, report: profiles.MergeReport, name: str, shown: int = 5) -> str:
    """ "imported 212 ratings and 31 watchlist films into 'me'; not found: Anora (2024), ... and 12 more".
    The counts are what changed: a rating or watchlist film already there as imported is "already there"."""
    from movierec.console import plural

    same = report.ratings - report.ratings_changed + report.watchlist - report.watchlist_added
    parts = [f"imported {plural(report.ratings_changed, 'rating')} and "
             f"{plural(report.watchlist_added, 'watchlist film')} into {name!r}"
             + (f" ({same} already there: nothing changed)" if same and not report.changed else "")]
    if same and report.changed:
        parts.append(f"{same} already there")
    off = [f"{report.watchlist_dismissed} dismissed"] if report.watchlist_dismissed else []
    off += [f"{report.watchlist_removed} taken off since"] if report.watchlist_removed else []
    if off:
        parts.append(f"kept off the watchlist: {', '.join(off)}")
    if report.kept:
        parts.append(f"kept {plural(report.kept, 'newer rating')} already there")
    if report.watchlist_seen:
        parts.append(f"{plural(report.watchlist_seen, 'watchlist film')} left off (rated since)")
    if result.export.watched_unrated:
        parts.append(f"{plural(result.export.watched_unrated, 'film')} watched without a rating not imported")
    if result.skipped:
        n = len(result.skipped)
        parts.append(f"skipped {plural(n, 'title')} that {'is not a film' if n == 1 else 'are not films'} "
                     "(TV series, episodes, ...)")
    missing = [e for e in result.unmatched if e.get("why") != "ambiguous"]
    ambiguous = [e for e in result.unmatched if e.get("why") == "ambiguous"]
    for label, entries in (("not found", missing), ("ambiguous (use --json for the candidates)", ambiguous)):
        if entries:
            names = [_named(e) for e in entries]
            more = len(names) - shown
            listed = ", ".join(names[:shown] if more > 1 else names)
            parts.append(f"{label}: {listed}" + (f" and {more} more (see --json)" if more > 1 else ""))
    return "; ".join(parts)


def to_json(result: Plan, report: profiles.MergeReport, name: str) -> dict:
    return {"profile": name, "format": result.export.service, "files": result.export.files,
            "ratings": report.ratings, "watchlist": report.watchlist, "merge": report.to_json(),
            "watched_unrated": result.export.watched_unrated,
            "matched": result.matched, "unmatched": result.unmatched, "skipped": result.skipped}


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 100 else text[:100].rsplit(" ", 1)[0] + "..."


def _check_something(result: Plan, dataset: str) -> None:
    """ProfileError when the import would bring nothing in (before the profile is touched or created)."""
    incoming = result.incoming
    if incoming.ratings or incoming.watchlist or incoming.not_interested or incoming.unwatched:
        return
    export = result.export
    if export.profile is not None:
        raise ProfileError(f"{export.path} is a profile with no ratings, marks or watchlist; {_HINT}")
    if not export.rows:
        from movierec.console import plural

        raise ProfileError(f"{export.path.name} holds only {plural(export.watched_unrated, 'film')} watched "
                           f"without a rating, which a profile does not hold; {_HINT}")
    names = ", ".join(_named(e) for e in result.unmatched[:3])
    more = "" if len(result.unmatched) <= 3 else ", ..."
    shown = f" (not found: {names}{more})" if names else ""
    raise ProfileError(f"none of the {len(export.rows)} rows of {export.path.name} matched a film of "
                       f"{dataset or 'the dataset'}{shown}; {_HINT}")


# -- the one call -----------------------------------------------------------------------------------
def import_into(store: profiles.ProfileStore, path: str | Path, name: str | None, default_name: str,
                catalog_of, dataset: str = "", fuzzy: bool = True) -> tuple[Plan, profiles.MergeReport, Profile]:
    """Read, match and merge an export into a profile: ``name``, else the name inside a movierec profile,
    else ``default_name``. ``catalog_of()`` gives the catalogue, asked only for a service's export.
    Nothing is written unless all of it was read and matched."""
    export = read_export(path)
    result = plan(export, None if export.profile is not None else catalog_of(), dataset, fuzzy)
    target = name or (export.profile.name if export.profile is not None else default_name)
    _check_something(result, dataset)
    profile, report = store.merge(target, result.incoming)
    return result, report, profile
