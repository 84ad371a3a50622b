from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from movierec.data import registry
from movierec.data.dataset import build_dataset
from movierec.data.movielens import GENRES, load_release, parse_year
from movierec.data.source import ReleaseFiles
from movierec.errors import DataError
from tests import factories


def load(path: Path):
    return registry.load_dataset(str(path), use_cache=False)


WRITERS = {"latest": factories.write_latest, "dat": factories.write_dat, "100k": factories.write_100k}


@pytest.mark.parametrize("layout", sorted(WRITERS))
@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("zipped", [False, True])
def test_every_layout_loads_to_the_same_shape(tmp_path, synth, layout, crlf, zipped):
    folder = WRITERS[layout](tmp_path / f"ml-{layout}", synth, crlf=crlf)
    path = factories.zip_folder(folder, tmp_path / f"ml-{layout}.zip") if zipped else folder
    ds = load(path)
    assert ds.n_ratings == len(synth.ratings)
    assert ds.n_users == len({r[0] for r in synth.ratings})
    assert ds.n_items == len(synth.movies)
    assert ds.users.dtype == np.int32 and ds.items.dtype == np.int32
    assert ds.ratings.dtype == np.float32 and ds.timestamps.dtype == np.int64
    # Arrays are sorted by (user, item) and map back to the raw ids.
    key = ds.users.astype(np.int64) * ds.n_items + ds.items
    assert np.all(np.diff(key) > 0)
    raw = {(u, m): t for u, m, _, t in synth.ratings}
    back = zip(ds.user_ids.ids(ds.users), ds.item_ids.ids(ds.items), ds.timestamps)
    assert all(raw[(int(u), int(m))] == int(t) for u, m, t in back)
    # Titles survive the encoding (latin-1 in .dat and 100k), years are parsed, genres mapped.
    titles = set(ds.catalog.titles)
    assert "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)" in titles
    assert all(not t.endswith("\r") for t in titles)
    first = int(ds.item_ids.index(synth.movies[0][0])[0])
    assert ds.catalog.years[first] == 2001
    assert sorted(ds.catalog.genre_names(first)) == sorted(synth.movies[0][2])


def test_ml100k_childrens_genre_maps_onto_children(tmp_path):
    data = factories.synthetic()
    data.movies[2] = (data.movies[2][0], "Kids (1990)", ["Children", "Comedy"])
    ds = load(factories.write_100k(tmp_path / "ml-100k", data))
    idx = int(ds.item_ids.index(data.movies[2][0])[0])
    assert ds.catalog.genre_names(idx) == ["Children", "Comedy"]


def test_tags_are_grouped_per_movie(latest_release, synth):
    ds = load(latest_release)
    idx = int(ds.item_ids.index(synth.movies[0][0])[0])
    assert set(ds.catalog.tags[idx].split("|")) == {"quirky", "paris"}


def test_duplicate_ratings_keep_the_latest(tmp_path, synth):
    u, m, _, t = synth.ratings[0]
    synth.ratings.append((u, m, 0.5, t + 10))
    ds = load(factories.write_latest(tmp_path / "dups", synth))
    assert ds.n_ratings == len(synth.ratings) - 1
    assert ds.duplicates_dropped == 1
    row = np.flatnonzero((ds.user_ids.ids(ds.users) == u) & (ds.item_ids.ids(ds.items) == m))
    assert ds.ratings[row[0]] == 0.5


def test_rated_movie_missing_from_movie_list_gets_a_placeholder(tmp_path, synth):
    synth.ratings.append((3, 99_999, 4.0, 5))
    ds = load(factories.write_latest(tmp_path / "extra", synth))
    idx = int(ds.item_ids.index(99_999)[0])
    assert ds.catalog.titles[idx] == "Unknown movie 99999"


def test_genome_is_loaded_when_present(tmp_path, synth):
    folder = factories.write_latest(tmp_path / "genome", synth)
    (folder / "genome-tags.csv").write_text("tagId,tag\n1,dark\n2,funny\n")
    mid = synth.movies[3][0]
    (folder / "genome-scores.csv").write_text(f"movieId,tagId,relevance\n{mid},1,0.75\n{mid},2,0.25\n")
    ds = load(folder)
    idx = int(ds.item_ids.index(mid)[0])
    assert ds.catalog.genome_tags == ["dark", "funny"]
    np.testing.assert_allclose(ds.catalog.genome[idx].astype(float), [0.75, 0.25])
    assert ds.catalog.genome.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("bad_line, message", [
    ("3,abc,4.0,100", "line 3: bad movieId value 'abc'"),
    ("3,5,4.0", "line 3: bad timestamp value ''"),
    ("3,5,4.0,100,extra", "line 3: malformed row (5 fields where 4 were expected)"),
    ("3,5,-1.0,100", "outside 0-10"),
])
def test_a_bad_row_is_named(tmp_path, synth, bad_line, message):
    folder = factories.write_latest(tmp_path / "bad", synth)
    lines = (folder / "ratings.csv").read_text().splitlines()
    lines.insert(2, bad_line)
    (folder / "ratings.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="ratings.csv") as err:
        load(folder)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


LAYOUT_RATINGS = [("latest", "ratings.csv", ",", 1), ("dat", "ratings.dat", "::", 0), ("100k", "u.data", "\t", 0)]


@pytest.mark.filterwarnings("error")  # a warning is a stray line under the one-line error (1e40: "overflow in cast")
@pytest.mark.parametrize("layout, name, sep, header", LAYOUT_RATINGS)
@pytest.mark.parametrize("field, value, message", [
    (2, "inf", "rating inf is outside 0-10"),
    (2, "1e40", "rating inf is outside 0-10"),  # a float32 overflows to inf
    (2, "11", "rating 11 is outside 0-10"),
    (2, "-0.5", "rating -0.5 is outside 0-10"),
    (0, "-3", "negative user id -3"),
    (1, "abc", "bad item value 'abc'"),
    (1, "99999999999999999999", "bad item value '99999999999999999999'"),  # over int64: was "could not be parsed"
    (1, "3.5", "bad item value '3.5'"),
    (3, "inf", "bad timestamp value 'inf'"),  # numpy warned "invalid value encountered in cast" first
    (3, "32503680000", "its time (3000-01-01) is after today"),  # every split's "latest" for good: refused
    (3, "253402214400", "its time (9999-12-31) is after today"),
])
def test_a_bad_rating_names_the_files_own_line_in_plain_words(tmp_path, synth, layout, name, sep, header, field,
                                                                value, message):
    """The header is line 1 and blank lines count, as in an editor; numbers as people write them (no numpy
    reprs: 'np.float32(inf)'). A blank line before the bad row used to shift the count too."""
    folder = WRITERS[layout](tmp_path / f"ml-{layout}", synth)
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = ["3", "5", "4", "100"]
    bad[field] = value
    lines[header + 1:header + 1] = ["", sep.join(bad)]  # a blank line, then the bad row: the file's line header + 3
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load(folder)
    text = str(err.value)
    if layout == "latest" and field == 1:
        message = message.replace("item", "movieId")
    assert f"{name} line {header + 3}: {message}" in text, text
    assert "np." not in text and "\n" not in text


def test_a_title_over_two_lines_counts_as_two_lines(tmp_path, synth):
    """pandas counts a quoted line break as no line: the messages count the file's lines."""
    folder = factories.write_latest(tmp_path / "ml-two-lines", synth)
    lines = (folder / "movies.csv").read_text(encoding="utf-8").splitlines()
    movies = folder / "movies.csv"
    movies.write_text("\n".join([lines[0], '777001,"Two\nLines (1999)",Drama', "abc,Bad (2000),Drama", *lines[1:]])
                      + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="movies.csv line 4: bad movieId value 'abc'"):
        load(folder)
    movies.write_text("\n".join([lines[0], '777001,"Two\nLines (1999)",Drama', "777002,Bad (2000),Drama,extra",
                                 *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"movies.csv line 4: malformed row \(4 fields where 3 were expected\)"):
        load(folder)


def test_not_a_release_and_missing_paths(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("hello")
    with pytest.raises(DataError, match="not a MovieLens release"):
        load(tmp_path / "notes")
    with pytest.raises(DataError, match="does not exist|no dataset or path"):
        load(tmp_path / "nowhere")


def test_empty_and_headerless_files(tmp_path, synth):
    folder = factories.write_latest(tmp_path / "empty", synth)
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n")
    with pytest.raises(DataError, match="no ratings"):
        load(folder)
    (folder / "ratings.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load(folder)
    (folder / "ratings.csv").write_text("user,movie,stars,time\n1,2,3,4\n")
    with pytest.raises(DataError, match="no 'userId' column"):
        load(folder)


def test_truncated_zip_is_refused(tmp_path, synth):
    archive = factories.zip_folder(factories.write_latest(tmp_path / "ml-z", synth), tmp_path / "ml-z.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="zip"):
        load(archive)


def test_year_parsing():
    assert parse_year("Toy Story (1995)") == 1995
    assert parse_year("Babylon 5 (1994-1998)") == 1994
    assert parse_year("Nothing") == 0
    assert parse_year("Movie (2015) ") == 2015


def test_genre_vocabulary_is_fixed():
    assert len(GENRES) == 20 and GENRES[-1] == "(no genres listed)"


def test_release_files_prefers_the_shallowest_file(tmp_path, synth):
    folder = factories.write_latest(tmp_path / "outer", synth)
    nested = tmp_path / "outer" / "old"
    nested.mkdir()
    (nested / "ratings.csv").write_text("garbage")
    with ReleaseFiles(folder) as files:
        raw = load_release(files)
    assert len(build_dataset(raw, "x").users) == len(synth.ratings)


def test_a_movie_row_without_title_or_genres_keeps_the_film(tmp_path, synth):
    """Found by the loader fuzz: pandas 3 kept NaN through astype(str) and the title strip crashed."""
    folder = factories.write_latest(tmp_path / "r", synth)
    lines = (folder / "movies.csv").read_text().splitlines()
    first_id = lines[1].split(",")[0]
    lines[1] = first_id  # no title, no genres
    (folder / "movies.csv").write_text("\n".join(lines) + "\n")
    ds = registry.load_dataset(str(folder), use_cache=False)
    index = ds.item_ids.index(np.array([int(first_id)]))[0]
    assert ds.catalog.titles[index] == f"Untitled movie {first_id}"
    assert [g for g, on in zip(GENRES, ds.catalog.genres[index]) if on] == ["(no genres listed)"]


@pytest.mark.parametrize("zipped", [False, True])
def test_links_give_imdb_and_tmdb_ids_and_survive_the_cache(tmp_path, synth, zipped):
    folder = factories.write_latest(tmp_path / "ml-links", synth)
    rows = ["movieId,imdbId,tmdbId", f"{synth.movies[0][0]},0114709,862", f"{synth.movies[1][0]},tt0133093,",
            f"{synth.movies[2][0]},not-a-number,603"]
    (folder / "links.csv").write_text("\n".join(rows) + "\n")
    path = factories.zip_folder(folder, tmp_path / "ml-links.zip") if zipped else folder
    for _ in range(2):  # parsed, then from the cache
        cat = registry.load_dataset(str(path)).catalog
        first, second, third = (int(cat.item_ids.index(m[0])[0]) for m in synth.movies[:3])
        assert cat.has_links and cat.imdb_of(first) == "tt0114709" and cat.tmdb_of(first) == "862"
        assert cat.imdb_of(second) == "tt0133093" and cat.tmdb_of(second) == ""  # no TMDB id on that row
        assert cat.imdb_of(third) == "" and cat.tmdb_of(third) == "603"  # a bad value is no link, not an error
        assert cat.by_imdb(114709) == first and cat.by_imdb(1) is None


@pytest.mark.parametrize("layout", ["dat", "100k"])
def test_releases_without_links_say_so(tmp_path, synth, layout):
    cat = load(WRITERS[layout](tmp_path / f"ml-{layout}", synth)).catalog
    assert not cat.has_links and cat.by_imdb(114709) is None and cat.imdb_of(0) == ""


def test_a_damaged_links_file_only_loses_the_links(tmp_path, synth):
    folder = factories.write_latest(tmp_path / "ml-x", synth)
    (folder / "links.csv").write_bytes(b"movieId,imdbId\n\"1,2\n")
    ds = load(folder)
    assert ds.n_items == len(synth.movies) and not ds.catalog.has_links
