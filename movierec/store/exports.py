"""Taking ratings back out: the CSV Letterboxd's importer reads.

Letterboxd's "Import" (letterboxd.com/import) reads a CSV with the columns ``Title, Year, Rating,
WatchedDate, imdbID, tmdbID``: it matches a row by its IMDb or TMDB id first, else by title and year.
Here the ids come from the release's ``links.csv`` (none for ml-100k, ml-1m, ml-10m: title and year
then), the title is the main title as people write it ("The Matrix", not "Matrix, The (1999)"), the
rating is in 0.5-5 stars and the watched date is the day the rating was made (UTC). Every cell goes
through :mod:`movierec.store.csvfiles` (a title starting with ``=``, ``+``, ``-``, ``@``, ... gets a
``'`` in front, so a spreadsheet never runs it; the importer takes it off again).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from movierec.data.movielens import parse_year
from movierec.data.titles import display_title
from movierec.atomic import atomic_write_bytes
from movierec.store.csvfiles import csv_bytes
from movierec.store.profiles import Profile, check_export_target

if TYPE_CHECKING:
    from movierec.data.catalog import Catalog

LETTERBOXD_COLUMNS = ("Title", "Year", "Rating", "WatchedDate", "imdbID", "tmdbID")


def letterboxd_rows(profile: Profile, catalog: Catalog | None) -> list[dict]:
    """One row per rating, oldest first; a film the dataset does not hold keeps its stored title."""
    rows = []
    for r in sorted(profile.ratings.values(), key=lambda r: (r.time, r.movie_id)):
        index = None
        if catalog is not None and r.space == catalog.id_space:
            found = int(catalog.item_ids.index([r.movie_id], missing="negative")[0])
            index = found if found >= 0 else None
        elif catalog is not None:  # made on a release of another id space: by its title, never its raw id
            index = catalog.by_title(r.title)
        title = catalog.titles[index] if index is not None else r.title
        when = dt.datetime.fromtimestamp(r.time, dt.timezone.utc).date().isoformat() if r.time >= 86400 else ""
        rows.append({"Title": display_title(title) if title else f"movie {r.movie_id}",
                     "Year": parse_year(title) or "", "Rating": f"{r.stars:g}", "WatchedDate": when,
                     "imdbID": catalog.imdb_of(index) if index is not None else "",
                     "tmdbID": catalog.tmdb_of(index) if index is not None else ""})
    return rows


def letterboxd_csv(profile: Profile, catalog: Catalog | None) -> bytes:
    return csv_bytes(LETTERBOXD_COLUMNS, letterboxd_rows(profile, catalog))


def write_letterboxd(profile: Profile, catalog: Catalog | None, target: Path) -> int:
    """Write the CSV atomically (an existing target that is not a regular file is left alone); rows written."""
    check_export_target(target, ".csv")
    atomic_write_bytes(target, letterboxd_csv(profile, catalog))
    return len(profile.ratings)
