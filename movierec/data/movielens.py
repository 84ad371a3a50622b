"""One loader for every GroupLens MovieLens layout, folder or zip, to one shape.

Layouts, detected from the files present:

* ``ml-100k``: ``u.data`` (tab separated) and ``u.item`` (``|`` separated, latin-1,
  19 genre flags);
* ``ml-1m`` / ``ml-10m``: ``ratings.dat`` and ``movies.dat``, ``::`` separated,
  latin-1 titles in ml-1m (``tags.dat`` in ml-10m);
* ``ml-latest`` family (ml-latest-small, ml-20m, ml-25m, ml-32m): ``ratings.csv``,
  ``movies.csv``, ``tags.csv``, and ``genome-scores.csv`` / ``genome-tags.csv``
  when present; ``links.csv`` (IMDb and TMDB ids) when present: ml-100k, ml-1m and
  ml-10m have none.

The result is a :class:`RawRelease` of pandas frames with fixed column names;
:func:`movierec.data.dataset.build_dataset` turns it into index arrays.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from movierec.data.source import LAYOUT_FILES, ReleaseFiles

if TYPE_CHECKING:  # pandas is imported only when a release is parsed: a cached load (and the TUI) skip it
    import pandas as pd
from movierec.errors import DataError

#: How far past now a time may be and still be today somewhere on Earth (UTC+14).
FUTURE_SLACK = 14 * 3600

#: The fixed genre vocabulary (the ml-latest one; older releases map onto it).
GENRES: tuple[str, ...] = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western", "(no genres listed)",
)
_GENRE_ALIASES = {"children's": "Children", "childrens": "Children", "unknown": "(no genres listed)"}
_GENRE_INDEX = {g.lower(): i for i, g in enumerate(GENRES)}
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)
MAX_RATING = 10.0

#: The movie id space of every GroupLens release (ml-1m, ml-10m, ml-20m ... ml-32m, ml-latest-small,
#: ml-latest): one numbering, so a profile's movie id names the same film in all of them.
MOVIELENS_SPACE = "movielens"
#: ml-100k numbers its items (u.item, 1-1682) on its own: its id 1 is not the others' id 1.
ML100K_SPACE = "ml-100k"


def id_space_of(layout: str) -> str:
    """The movie id space of a release of this layout (``RawRelease.layout``, ``Dataset.layout``)."""
    return ML100K_SPACE if layout == "ml-100k" else MOVIELENS_SPACE


@dataclass
class RawRelease:
    layout: str
    ratings: pd.DataFrame  # user int64, item int64, rating float32, timestamp int64
    movies: pd.DataFrame  # item int64, title str, genres str ("A|B")
    tags: pd.DataFrame | None = None  # item int64, tag str
    genome: tuple[np.ndarray, list[str], np.ndarray] | None = None  # (movie ids, tag names, relevance matrix)
    links: pd.DataFrame | None = None  # item int64, imdb int64, tmdb int64 (-1 = none); from links.csv


def genre_index(name: str) -> int | None:
    key = name.strip().lower()
    key = _GENRE_ALIASES.get(key, key).lower()
    return _GENRE_INDEX.get(key)


def detect_layout(files: ReleaseFiles) -> str:
    for layout, needed in LAYOUT_FILES.items():
        if all(files.has(name) for name in needed):
            return layout
    raise DataError(
        f"{files.path} is not a MovieLens release: expected ratings.csv + movies.csv, "
        "ratings.dat + movies.dat, or u.data + u.item"
    )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _utf8(raw: bytes) -> bytes:
    """The bytes as UTF-8: unchanged when they are, else read as latin-1 (every byte is a character)."""
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        return raw.decode("latin-1").encode("utf-8")


def _line_of(files: ReleaseFiles, name: str, row: int, header_lines: int, blank: bool = False) -> int:
    """The file's own line number (its first line is 1, as in an editor) of data row ``row`` (0-based) as
    pandas counts rows: blank lines skipped (``blank``: counted, as pandas's tokenizer errors count them),
    a quoted field over several lines one row. The file is read again up to that row: only an error
    message needs it."""
    import csv

    delimiter = ":" if name.endswith(".dat") else "\t" if name.startswith("u.") else ","
    wanted = row + header_lines  # records before it, the header's included
    start = 1
    with files.open(name) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text, delimiter=delimiter)
        for fields in reader:
            if blank or len(fields) > 1 or "".join(fields).strip():  # pandas skips empty and whitespace-only lines
                if not wanted:
                    return start
                wanted -= 1
            start = reader.line_num + 1
    return row + header_lines + 1


_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def _plain(value: object) -> str:
    """A number as people write it: 11, -0.5, inf (never numpy's repr, 'np.float32(inf)')."""
    number = float(value)  # type: ignore[arg-type]
    return f"{int(number)}" if number.is_integer() else f"{number:g}"


def _bad_values(column: pd.Series, dtype: str) -> np.ndarray:
    """Where a column read as text does not hold a number of ``dtype``: NaN, inf, text, and for an
    integer column a fraction or a number outside int64 (which pandas refuses without saying where)."""
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if dtype.startswith("int"):
        text = column.astype(str).str.strip()
        whole = text.str.fullmatch(r"[+-]?\d+").to_numpy(dtype=bool, na_value=False)
        bad |= ~whole
        long = whole & (text.str.lstrip("+-").str.lstrip("0").str.len().to_numpy() >= 19)
        for row in np.flatnonzero(long):  # near or over 2**63: checked exactly
            bad[row] = not -(2**63) <= int(text.iloc[row]) < 2**63
    return bad


def _diagnose(files: ReleaseFiles, name: str, frame: pd.DataFrame, numeric: dict[str, str], header_lines: int) -> None:
    """Raise a DataError naming the first row whose numeric fields do not parse."""
    first: tuple[int, str] | None = None
    for col, dtype in numeric.items():
        if col not in frame.columns:
            raise DataError(f"{files.describe(name)} has no '{col}' column; is this an unmodified MovieLens file?")
        bad = _bad_values(frame[col], dtype)
        if bad.any() and (first is None or int(np.flatnonzero(bad)[0]) < first[0]):
            first = (int(np.flatnonzero(bad)[0]), col)
    if first is not None:
        row, col = first
        raw = frame[col].iloc[row]
        shown = "" if raw is None or (isinstance(raw, float) and np.isnan(raw)) else str(raw)[:40]
        raise DataError(
            f"{files.describe(name)} line {_line_of(files, name, row, header_lines)}: bad {col} value {shown!r}; "
            "fix or delete that line, or download the release again"
        )


def _read_table(
    files: ReleaseFiles,
    name: str,
    *,
    sep: str,
    names: list[str] | None,
    numeric: dict[str, str],
    text: list[str] = (),
    usecols: list | None = None,
    data: bytes | None = None,
) -> pd.DataFrame:
    """Read a delimited table fast; on failure, find and name the first bad row."""
    import pandas as pd

    header = 0 if names is None else None
    dtypes = {**numeric, **{c: str for c in text}}
    if text and data is None:
        data = _utf8(files.read_bytes(name))  # a file's text columns: UTF-8, or latin-1 as in the .dat files

    def source():
        return io.BytesIO(data) if data is not None else files.open(name)

    try:
        # A float32 column with 1e40 in it overflows to inf (refused by _check_ratings, naming its line):
        # numpy's "overflow" (or, for an int column, "invalid value") "encountered in cast" warning would be a
        # stray line before the message.
        with source() as handle, np.errstate(over="ignore", invalid="ignore"):
            frame = pd.read_csv(
                handle, sep=sep, header=header, names=names, usecols=usecols, dtype=dtypes,
                engine="c", keep_default_na=False, na_values=[""], encoding="utf-8",
                encoding_errors="replace",
            )
    except pd.errors.EmptyDataError:
        raise DataError(f"{files.describe(name)} is empty; download the release again") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().split("\n")[-1]
        fields = _FIELDS.search(detail)
        if fields:  # pandas's "line" counts rows, a quoted line break not: the file's own line instead
            line = _line_of(files, name, int(fields[2]) - 1, 0, blank=True)
            raise DataError(f"{files.describe(name)} line {line}: malformed row ({fields[3]} fields where "
                            f"{fields[1]} were expected); fix or delete that line") from None
        raise DataError(f"{files.describe(name)}: malformed row ({detail}); fix or delete it") from None
    except (ValueError, TypeError, OverflowError):
        with source() as handle:
            try:
                frame = pd.read_csv(handle, sep=sep, header=header, names=names, usecols=usecols, dtype=str,
                                    engine="c", keep_default_na=False, na_values=[""], encoding="utf-8",
                                    encoding_errors="replace")
            except (pd.errors.ParserError, ValueError) as exc:
                raise DataError(f"{files.describe(name)}: malformed file ({str(exc).strip()[:120]})") from None
        _diagnose(files, name, frame, numeric, 1 if header == 0 else 0)
        raise DataError(f"{files.describe(name)}: could not be parsed; is it an unmodified MovieLens file?") from None
    missing = [c for c in [*numeric, *text] if c not in frame.columns]
    if missing:
        raise DataError(f"{files.describe(name)} has no '{missing[0]}' column; is this an unmodified MovieLens file?")
    if frame[list(numeric)].isna().any().any():
        _diagnose(files, name, frame, numeric, 1 if header == 0 else 0)
    return frame


def _check_ratings(files: ReleaseFiles, name: str, ratings: pd.DataFrame, header_lines: int) -> pd.DataFrame:
    if ratings.empty:
        raise DataError(f"{files.describe(name)} has no ratings; a dataset needs at least one")
    r = ratings["rating"].to_numpy()
    bad = ~np.isfinite(r) | (r < 0) | (r > MAX_RATING)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(f"{files.describe(name)} line {_line_of(files, name, row, header_lines)}: rating "
                        f"{_plain(r[row])} is outside 0-{MAX_RATING:g}; fix or delete that line")
    for col in ("user", "item"):
        v = ratings[col].to_numpy()
        if (v < 0).any():
            row = int(np.flatnonzero(v < 0)[0])
            raise DataError(f"{files.describe(name)} line {_line_of(files, name, row, header_lines)}: negative "
                            f"{col} id {int(v[row])}; fix or delete that line")
    # A rating dated after today (anywhere on Earth: UTC+14) would be every split's "latest" for good, as a
    # profile import's would (store/profiles.check_not_future); refused the same way, naming the line.
    t = ratings["timestamp"].to_numpy()
    future = t > time.time() + FUTURE_SLACK
    if future.any():
        row = int(np.flatnonzero(future)[0])
        try:
            shown = dt.datetime.fromtimestamp(int(t[row]), dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            shown = f"{int(t[row])} s after 1970"
        raise DataError(f"{files.describe(name)} line {_line_of(files, name, row, header_lines)}: its time "
                        f"({shown}) is after today; fix or delete that line")
    return ratings


def _dat_bytes(files: ReleaseFiles, name: str) -> bytes:
    raw = files.read_bytes(name)
    raw = raw.replace(b"\r\n", b"\n")
    if b"\t" in raw:
        raw = raw.replace(b"\t", b" ")
    return raw.replace(b"::", b"\t")


def _load_latest(files: ReleaseFiles) -> RawRelease:
    ratings = _read_table(
        files, "ratings.csv", sep=",", names=None,
        numeric={"userId": "int64", "movieId": "int64", "rating": "float32", "timestamp": "int64"},
    ).rename(columns={"userId": "user", "movieId": "item"})
    movies = _read_table(
        files, "movies.csv", sep=",", names=None, numeric={"movieId": "int64"}, text=["title", "genres"],
    ).rename(columns={"movieId": "item"})
    tags = None
    if files.has("tags.csv"):
        tags = _read_table(files, "tags.csv", sep=",", names=None, numeric={"movieId": "int64"}, text=["tag"],
                           usecols=["movieId", "tag"] if _has_columns(files, "tags.csv", ["movieId", "tag"]) else None)
        tags = tags.rename(columns={"movieId": "item"})[["item", "tag"]]
    genome = None
    if files.has("genome-scores.csv") and files.has("genome-tags.csv"):
        genome = _load_genome(files)
    links = _load_links(files) if files.has("links.csv") else None
    ratings = _check_ratings(files, "ratings.csv", ratings[["user", "item", "rating", "timestamp"]], 1)
    return RawRelease("ml-latest", ratings,
                      movies[["item", "title", "genres"]], tags, genome, links)


def _load_links(files: ReleaseFiles) -> pd.DataFrame | None:
    """``links.csv`` as (item, imdb, tmdb) integers, -1 where a row has none (``tt0114709`` is 114709).

    Optional data, read leniently: a value that is not a number is no link, and a file that cannot be
    parsed at all is no links (the dataset still loads; importing IMDb ratings then says it has none).
    """
    import pandas as pd

    try:
        with files.open("links.csv") as handle:
            frame = pd.read_csv(handle, sep=",", dtype=str, engine="c", keep_default_na=False, encoding="utf-8",
                                encoding_errors="replace")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, DataError):
        return None
    if not {"movieId", "imdbId"} <= set(frame.columns):
        return None

    def numbers(col: str) -> np.ndarray:
        if col not in frame.columns:
            return np.full(len(frame), -1, dtype=np.int64)
        text = frame[col].astype(str).str.strip().str.removeprefix("tt")
        values = pd.to_numeric(text.where(text.str.fullmatch(r"\d{1,18}"), None), errors="coerce")
        return values.fillna(-1).to_numpy(np.int64)

    links = pd.DataFrame({"item": numbers("movieId"), "imdb": numbers("imdbId"), "tmdb": numbers("tmdbId")})
    return links[links["item"] >= 0].drop_duplicates("item", keep="first")


def _has_columns(files: ReleaseFiles, name: str, cols: list[str]) -> bool:
    """Peek at the header line so usecols never raises on an unexpected file."""
    with files.open(name) as handle:
        first = _decode(handle.readline()).strip().lstrip("\ufeff")
    present = [c.strip() for c in first.split(",")]
    return all(c in present for c in cols)


def _load_genome(files: ReleaseFiles) -> tuple[np.ndarray, list[str], np.ndarray]:
    gtags = _read_table(files, "genome-tags.csv", sep=",", names=None, numeric={"tagId": "int64"}, text=["tag"])
    scores = _read_table(files, "genome-scores.csv", sep=",", names=None,
                         numeric={"movieId": "int64", "tagId": "int64", "relevance": "float32"})
    tag_ids = gtags["tagId"].to_numpy()
    order = np.argsort(tag_ids)
    tag_ids = tag_ids[order]
    tag_names = gtags["tag"].astype(str).to_numpy()[order].tolist()
    movie_ids = np.unique(scores["movieId"].to_numpy())
    rows = np.searchsorted(movie_ids, scores["movieId"].to_numpy())
    cols = np.searchsorted(tag_ids, scores["tagId"].to_numpy())
    ok = (cols < len(tag_ids)) & (tag_ids[np.minimum(cols, len(tag_ids) - 1)] == scores["tagId"].to_numpy())
    matrix = np.zeros((len(movie_ids), len(tag_ids)), dtype=np.float16)
    matrix[rows[ok], cols[ok]] = scores["relevance"].to_numpy()[ok]
    return movie_ids, tag_names, matrix


def _load_dat(files: ReleaseFiles) -> RawRelease:
    ratings = _read_table(
        files, "ratings.dat", sep="\t", names=["user", "item", "rating", "timestamp"],
        numeric={"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"},
        data=_dat_bytes(files, "ratings.dat"),
    )
    text = _utf8(_dat_bytes(files, "movies.dat"))
    movies = _read_table(files, "movies.dat", sep="\t", names=["item", "title", "genres"],
                         numeric={"item": "int64"}, text=["title", "genres"], data=text)
    tags = None
    if files.has("tags.dat"):
        tag_text = _utf8(_dat_bytes(files, "tags.dat"))
        tags = _read_table(files, "tags.dat", sep="\t", names=["user", "item", "tag", "timestamp"],
                           numeric={"item": "int64"}, text=["tag"], data=tag_text)[["item", "tag"]]
    return RawRelease("ml-dat", _check_ratings(files, "ratings.dat", ratings, 0), movies, tags)


def _load_100k(files: ReleaseFiles) -> RawRelease:
    import pandas as pd

    raw = files.read_bytes("u.data").replace(b"\r\n", b"\n")
    ratings = _read_table(
        files, "u.data", sep=r"\s+" if b"\t" not in raw[:200] else "\t", names=["user", "item", "rating", "timestamp"],
        numeric={"user": "int64", "item": "int64", "rating": "float32", "timestamp": "int64"}, data=raw,
    )
    genre_names = list(ML100K_GENRES)
    if files.has("u.genre"):
        lines = [ln.split("|") for ln in _decode(files.read_bytes("u.genre")).splitlines() if "|" in ln]
        parsed = sorted(((int(i), name) for name, i in lines if i.strip().isdigit()))
        if len(parsed) == 19:
            genre_names = [name for _, name in parsed]
    item_text = _decode(files.read_bytes("u.item")).replace("\r\n", "\n")
    rows = []
    for lineno, line in enumerate(item_text.split("\n"), start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 5 + 19 or not parts[0].strip().isdigit():
            raise DataError(f"{files.describe('u.item')} line {lineno}: expected 24 '|'-separated fields; "
                            "fix or delete that line")
        flags = parts[-19:]
        genres = "|".join(g for g, f in zip(genre_names, flags) if f.strip() == "1") or "unknown"
        title = "|".join(parts[1:len(parts) - 22])
        rows.append((int(parts[0]), title, genres))
    movies = pd.DataFrame(rows, columns=["item", "title", "genres"])
    return RawRelease("ml-100k", _check_ratings(files, "u.data", ratings, 0), movies, None)


def load_release(files: ReleaseFiles) -> RawRelease:
    """Parse a release into normalised frames. Raises DataError with a one-line reason."""
    layout = detect_layout(files)
    if layout == "ml-latest":
        return _load_latest(files)
    if layout == "ml-dat":
        return _load_dat(files)
    return _load_100k(files)


_YEAR = re.compile(r"\((\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?)?\)\s*$")


def parse_year(title: str) -> int:
    """The release year at the end of a MovieLens title, or 0 when there is none."""
    match = _YEAR.search(title)
    return int(match.group(1)) if match else 0


def strip_year(title: str) -> str:
    return _YEAR.sub("", title).strip()
