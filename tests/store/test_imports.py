"""Importing film histories (Letterboxd, IMDb, movierec), the watchlist, and the export to Letterboxd.

The release here is hand-made from ml-latest-small's own rows (ids, titles, IMDb and TMDB links), so the
title forms are MovieLens's; the export files are hand-written in the services' layouts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry
from movierec.data.matching import TitleIndex
from movierec.data.titles import display_title, split_title
from movierec.store import csvfiles, imports
from movierec.store.profiles import Profile, ProfileStore, Rating

# (movieId, title, imdbId, tmdbId): rows of ml-latest-small's movies.csv and links.csv.
FILMS = [
    (1, "Toy Story (1995)", "0114709", "862"),
    (47, "Seven (a.k.a. Se7en) (1995)", "0114369", "807"),
    (260, "Star Wars: Episode IV - A New Hope (1977)", "0076759", "11"),
    (2571, "Matrix, The (1999)", "0133093", "603"),
    (4973, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "0211915", "194"),
    (838, "Emma (1996)", "0116191", "3573"),
    (26958, "Emma (1996)", "0118308", "12254"),
    (2288, "Thing, The (1982)", "0084787", "1091"),
    (90345, "Thing, The (2011)", "0905372", "60935"),
    (5679, "Ring, The (2002)", "0298130", "565"),
    (6242, "Ringu (Ring) (1998)", "0178868", "2671"),
    (1221, "Godfather: Part II, The (1974)", "0071562", "240"),
    (112183, "Birdman: Or (The Unexpected Virtue of Ignorance) (2014)", "2562232", "194662"),
    (69757, "(500) Days of Summer (2009)", "1022603", "19913"),
    (2021, "Dune (1984)", "0087182", "841"),
    (7842, "Dune (2000)", "0142032", "876"),
    (4993, "Lord of the Rings: The Fellowship of the Ring, The (2001)", "0120737", "120"),
]
ID = {title: movie_id for movie_id, title, _, _ in FILMS}


def _quoted(text: str) -> str:
    return f'"{text}"' if "," in text else text


def write_release(folder: Path, links: bool = True) -> Path:
    folder.mkdir(parents=True)
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "".join(
        f"{m},{_quoted(t)},Drama\n" for m, t, _, _ in FILMS), encoding="utf-8")
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + "".join(
        f"{u},{m},{(u + k) % 5 + 1}.0,{1_000_000 + 10 * k + u}\n" for k, (m, _, _, _) in enumerate(FILMS) for u in (1, 2)))
    if links:
        (folder / "links.csv").write_text("movieId,imdbId,tmdbId\n" + "".join(f"{m},{i},{t}\n" for m, _, i, t in FILMS))
    return folder


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return write_release(tmp_path / "ml-hand")


@pytest.fixture
def catalog(release: Path):
    return registry.load_dataset(str(release), use_cache=False).catalog


def day(text: str) -> float:
    return float(calendar.timegm(dt.date.fromisoformat(text).timetuple()))


def run(release: Path, *args: str):
    return CliRunner().invoke(cli, ["--headless", "--dataset", str(release), *args])


def one_error_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


LB_RATINGS = "Date,Name,Year,Letterboxd URI,Rating\n"
LB_LIST = "Date,Name,Year,Letterboxd URI\n"
LB_DIARY = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
IMDB = ("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,"
        "Num Votes,Release Date,Directors\n")


def imdb_row(const: str, rating: int, date: str, title: str, year: int, kind: str = "Movie") -> str:
    return (f"{const},{rating},{date},{_quoted(title)},{_quoted(title)},https://www.imdb.com/title/{const}/,{kind},"
            f"7.9,120,{year},Drama,100000,{year}-01-01,Someone\n")


# -- titles -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "year", "expected"), [
    ("The Matrix", 1999, "Matrix, The (1999)"),  # moved article
    ("Matrix", 1999, "Matrix, The (1999)"),
    ("Se7en", 1995, "Seven (a.k.a. Se7en) (1995)"),  # a.k.a. title in parentheses
    ("Amélie", 2001, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),  # accents folded
    ("Le Fabuleux Destin d'Amélie Poulain", 2001, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
    ("Amelie", 2000, "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),  # year one off
    ("Se7en", 1996, "Seven (a.k.a. Se7en) (1995)"),
    ("The Godfather Part II", 1974, "Godfather: Part II, The (1974)"),
    ("The Godfather: Part 2", 1974, "Godfather: Part II, The (1974)"),
    ("Star Wars", 1977, "Star Wars: Episode IV - A New Hope (1977)"),  # the title before the colon, same year
    ("Birdman or (The Unexpected Virtue of Ignorance)", 2014, "Birdman: Or (The Unexpected Virtue of Ignorance) (2014)"),
    ("(500) Days of Summer", 2009, "(500) Days of Summer (2009)"),
    ("The Thing", 1982, "Thing, The (1982)"),  # one title, two films: the year decides
    ("The Thing", 2011, "Thing, The (2011)"),
    ("The Thing", 2012, "Thing, The (2011)"),
    ("Ring", 1998, "Ringu (Ring) (1998)"),
    ("The Ring", 2002, "Ring, The (2002)"),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, "Lord of the Rings: The Fellowship of the Ring, The (2001)"),
])
def test_letterboxd_title_forms_match_the_movielens_title(catalog, name, year, expected):
    result = TitleIndex(catalog).match(name, year)
    assert result.index is not None and catalog.titles[result.index] == expected


@pytest.mark.parametrize(("name", "year", "why", "candidates"), [
    ("Emma", 1996, "ambiguous", ["Emma (1996)", "Emma (1996)"]),  # two films, same title and year
    ("The Thing", 1990, "not in the dataset", ["Thing, The (1982)", "Thing, The (2011)"]),  # nearest year first
    ("The Matrix", 2003, "not in the dataset", ["Matrix, The (1999)"]),  # a sequel missing from the data
    ("Dune", 2021, "not in the dataset", ["Dune (2000)", "Dune (1984)"]),  # newer than the release
    ("Star Wars", 1978, "not in the dataset", []),  # a title's first part matches only in its own year
    ("Anora", 2024, "not in the dataset", []),
    ("Toy Story", None, "no year", ["Toy Story (1995)"]),
])
def test_weak_or_ambiguous_names_are_not_found_with_candidates(catalog, name, year, why, candidates):
    result = TitleIndex(catalog).match(name, year)
    assert result.index is None and result.why == why
    shown = [catalog.titles[i] for i in result.candidates]
    assert shown[: len(candidates)] == candidates


def test_split_and_display_titles():
    assert split_title("Léon: The Professional (a.k.a. The Professional) (Léon) (1994)") == (
        "Léon: The Professional", ["The Professional", "Léon"])
    assert split_title("(500) Days of Summer (2009)") == ("(500) Days of Summer", [])
    assert display_title("Godfather: Part II, The (1974)") == "The Godfather: Part II"
    assert display_title("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)") == "Amelie"


# -- Letterboxd ---------------------------------------------------------------------------------------
def letterboxd_zip(path: Path, folder: str = "letterboxd-me-2024-12-01-10-00-utc/") -> Path:
    files = {
        "ratings.csv": LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n"
                                    "2021-03-05,Se7en,1995,https://boxd.it/29VU,4.5\n"
                                    "2021-03-06,Amélie,2001,https://boxd.it/1Z5C,4\n"
                                    "2021-03-07,Emma,1996,https://boxd.it/2aHa,3\n"
                                    "2024-11-20,Anora,2024,https://boxd.it/JRNs,4.5\n"
                                    "2024-02-01,The Zone of Interest,2023,https://boxd.it/5hZW,4\n",
        # A rewatch logged later, rated lower: the newer rating wins, at its watched date.
        "diary.csv": LB_DIARY + "2021-03-04,The Matrix,1999,https://boxd.it/a,5,,,2021-03-04\n"
                                "2023-06-02,Se7en,1995,https://boxd.it/b,3.5,Yes,,2023-06-01\n"
                                "2023-06-03,The Thing,1982,https://boxd.it/c,,,,2023-06-03\n",
        "watched.csv": LB_LIST + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m\n"
                                 "2023-06-03,The Thing,1982,https://boxd.it/c\n",
        "watchlist.csv": LB_LIST + "2023-05-01,Star Wars,1977,https://boxd.it/2b6a\n"
                                   "2023-05-02,The Godfather Part II,1974,https://boxd.it/2b8e\n"
                                   "2023-05-03,Dune: Part Two,2024,https://boxd.it/xyz\n",
        "profile.csv": "Date Joined,Username,Given Name\n2020-01-01,me,Me\n",
        "deleted/diary.csv": LB_DIARY + "2020-01-01,Toy Story,1995,https://boxd.it/d,1,,,2020-01-01\n",
        "lists/favourites.csv": "Letterboxd list export v7\n",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(folder + name, text)
    return path


def test_a_letterboxd_zip_imports_ratings_diary_and_watchlist(release, tmp_path):
    archive = letterboxd_zip(tmp_path / "export.zip")
    result = run(release, "profile", "import", str(archive), "--name", "me")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "imported 3 ratings and 2 watchlist films into 'me'; 1 film watched without a rating not imported; "
        "not found: Anora (2024), The Zone of Interest (2023), Dune: Part Two (2024); "
        "ambiguous (use --json for the candidates): Emma (1996)")
    profile = ProfileStore().load("me")
    assert {m: (r.stars, r.time) for m, r in profile.ratings.items()} == {
        ID["Matrix, The (1999)"]: (5.0, day("2021-03-04")),
        ID["Seven (a.k.a. Se7en) (1995)"]: (3.5, day("2023-06-01")),  # the diary's newer rating, at its date
        ID["Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"]: (4.0, day("2021-03-06")),
    }
    assert sorted(profile.watchlist) == sorted([ID["Star Wars: Episode IV - A New Hope (1977)"],
                                                ID["Godfather: Part II, The (1974)"]])
    assert ID["Toy Story (1995)"] not in profile.ratings  # deleted/diary.csv is not read


def test_json_lists_matched_and_unmatched_rows(release, tmp_path):
    result = run(release, "profile", "import", str(letterboxd_zip(tmp_path / "e.zip")), "--name", "me", "--json")
    data = json.loads(result.output)
    assert data["format"] == "letterboxd" and data["ratings"] == 3 and data["watchlist"] == 2
    assert {"source_title": "Se7en", "source_year": 1995, "kind": "rating", "movie_id": 47,
            "title": "Seven (a.k.a. Se7en) (1995)"} in data["matched"]
    emma = next(u for u in data["unmatched"] if u["source_title"] == "Emma")
    assert emma["why"] == "ambiguous" and {c["movie_id"] for c in emma["candidates"]} == {838, 26958}
    assert {u["source_title"] for u in data["unmatched"]} == {"Emma", "Anora", "The Zone of Interest", "Dune: Part Two"}


def test_reimporting_the_same_export_changes_nothing(release, tmp_path):
    archive = letterboxd_zip(tmp_path / "e.zip")
    assert run(release, "profile", "import", str(archive), "--name", "me").exit_code == 0
    stored = Path(os.environ["MOVIEREC_HOME"]) / "data" / "profiles" / "me.json"
    before, stamp = stored.read_bytes(), stored.stat().st_mtime_ns
    again = run(release, "profile", "import", str(archive), "--name", "me", "--json")
    assert json.loads(again.output)["merge"]["changed"] == 0
    assert stored.read_bytes() == before and stored.stat().st_mtime_ns == stamp  # not even rewritten


def test_a_newer_rating_wins_either_way(release, tmp_path):
    store = ProfileStore()
    store.rate("me", ID["Matrix, The (1999)"], 2.0, "Matrix, The (1999)")  # rated now: newer than the export
    store.rate("me", ID["Dune (1984)"], 1.0, "Dune (1984)")
    old = tmp_path / "ratings.csv"
    old.write_text(LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n"
                                "2021-03-04,Dune,1984,https://boxd.it/x,4\n")
    result = run(release, "profile", "import", str(old), "--name", "me")
    assert "kept 2 newer ratings already there" in result.output
    assert ProfileStore().load("me").ratings[ID["Matrix, The (1999)"]].stars == 2.0
    # A rating made before the export's date loses to it (dates after today are refused: see below).
    store.update("me", lambda p: setattr(p.ratings[ID["Matrix, The (1999)"]], "time", day("2021-03-03")))
    assert run(release, "profile", "import", str(old), "--name", "me").exit_code == 0
    assert ProfileStore().load("me").ratings[ID["Matrix, The (1999)"]].stars == 5.0


def test_one_letterboxd_csv_alone_and_the_watched_file_by_its_name(release, tmp_path):
    listed = tmp_path / "watchlist.csv"
    listed.write_text(LB_LIST + "2023-05-01,The Ring,2002,https://boxd.it/r\n")
    out = run(release, "profile", "import", str(listed))
    assert out.output.strip() == "imported 0 ratings and 1 watchlist film into 'default'"
    watched = tmp_path / "watched.csv"  # the same header: its name says it is films seen, not wanted
    watched.write_text(LB_LIST + "2023-05-01,Dune,1984,https://boxd.it/r\n")
    line = one_error_line(run(release, "profile", "import", str(watched)))
    assert "watched.csv holds only 1 film watched without a rating" in line
    assert list(ProfileStore().load("default").watchlist) == [ID["Ring, The (2002)"]]


def test_a_long_not_found_list_is_shortened(release, tmp_path):
    rows = "".join(f"2024-01-01,Unknown Film {k},2024,https://boxd.it/{k},3\n" for k in range(12))
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n" + rows)
    line = run(release, "profile", "import", str(source)).output.strip()
    assert line.endswith("not found: Unknown Film 0 (2024), Unknown Film 1 (2024), Unknown Film 2 (2024), "
                         "Unknown Film 3 (2024), Unknown Film 4 (2024) and 7 more (see --json)")


# -- IMDb -----------------------------------------------------------------------------------------------
def test_imdb_ratings_match_by_id_and_skip_tv_series(release, tmp_path):
    source = tmp_path / "imdb.csv"
    source.write_text(IMDB + imdb_row("tt0133093", 10, "2020-05-01", "The Matrix", 1999)
                      + imdb_row("tt0118308", 7, "2020-05-02", "Emma", 1996)  # exact: the TV film, not the other Emma
                      + imdb_row("tt0903747", 10, "2020-05-03", "Breaking Bad", 2008, "TV Series")
                      + imdb_row("tt0959621", 9, "2020-05-04", "Pilot", 2008, "TV Episode")
                      + imdb_row("tt28607951", 8, "2024-11-30", "Anora", 2024))
    result = run(release, "profile", "import", str(source), "--name", "me")
    assert result.output.strip() == ("imported 2 ratings and 0 watchlist films into 'me'; skipped 2 titles that are "
                                     "not films (TV series, episodes, ...); not found: Anora (2024)")
    ratings = ProfileStore().load("me").ratings
    assert {m: (r.stars, r.time) for m, r in ratings.items()} == {2571: (5.0, day("2020-05-01")),
                                                                  26958: (3.5, day("2020-05-02"))}


def test_imdb_with_a_dataset_without_links_says_so_and_changes_nothing(tmp_path):
    bare = write_release(tmp_path / "ml-nolinks", links=False)
    source = tmp_path / "imdb.csv"
    source.write_text(IMDB + imdb_row("tt0133093", 10, "2020-05-01", "The Matrix", 1999))
    line = one_error_line(run(bare, "profile", "import", str(source)))
    assert "has no IMDb links" in line and "ml-latest-small" in line
    assert ProfileStore().names() == []


def test_imdb_watchlist_csv_fills_the_watchlist(release, tmp_path):
    source = tmp_path / "WATCHLIST.csv"
    source.write_text("Position,Const,Created,Modified,Description,Title,Original Title,URL,Title Type,IMDb Rating,"
                      "Runtime (mins),Year,Genres,Num Votes,Release Date,Directors,Your Rating,Date Rated\n"
                      "1,tt0071562,2022-01-01,2022-01-01,,The Godfather Part II,The Godfather Part II,"
                      "https://www.imdb.com/title/tt0071562/,Movie,9.0,202,1974,Crime,1000,1974-12-18,Coppola,,\n")
    assert run(release, "profile", "import", str(source)).exit_code == 0
    assert list(ProfileStore().load("default").watchlist) == [1221]


# -- bad input: one line, exit 1, the profile untouched ----------------------------------------------------
def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    cases = {}

    def put(name: str, data: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    cases["other-csv"] = put("contacts.csv", "name,email\nAnn,ann@example.com\n")
    cases["movielens-csv"] = put("ml.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n")
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ratings.csv", LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n" * 400)
    cases["damaged-zip"] = put("damaged.zip", good.getvalue()[: len(good.getvalue()) // 2])
    cases["empty-file"] = put("empty.csv", "")
    cases["empty-export"] = put("ratings-empty.csv", LB_RATINGS)
    empty_zip = io.BytesIO()
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("letterboxd/ratings.csv", LB_RATINGS)
        zf.writestr("letterboxd/watchlist.csv", "")
    cases["empty-zip-export"] = put("empty.zip", empty_zip.getvalue())
    no_csv = io.BytesIO()
    with zipfile.ZipFile(no_csv, "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8\xff")
    cases["zip-without-csv"] = put("photos.zip", no_csv.getvalue())
    cases["bad-rating"] = put("r.csv", LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,7\n")
    cases["bad-date"] = put("d.csv", LB_RATINGS + "yesterday,The Matrix,1999,https://boxd.it/2a1m,4\n")
    cases["bad-imdb-id"] = put("i.csv", IMDB + imdb_row("nm0000123", 8, "2020-01-01", "Someone", 1999))
    cases["binary"] = put("blob.bin", bytes(range(256)) * 4)
    cases["folder"] = tmp_path / "a-folder.zip"
    cases["folder"].mkdir()
    cases["fifo"] = tmp_path / "pipe.csv"
    os.mkfifo(cases["fifo"])  # no writer: reading it would wait forever
    cases["device"] = Path("/dev/zero")
    cases["missing"] = tmp_path / "nope.zip"
    return cases


BAD = ["other-csv", "movielens-csv", "damaged-zip", "empty-file", "empty-export", "empty-zip-export",
       "zip-without-csv", "bad-rating", "bad-date", "bad-imdb-id", "binary", "folder", "fifo", "device", "missing"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_line_and_leaves_the_profile_alone(release, tmp_path, case):
    ProfileStore().rate("me", 1, 4.0, "Toy Story (1995)")
    stored = Path(os.environ["MOVIEREC_HOME"]) / "data" / "profiles" / "me.json"
    before = stored.read_bytes()
    line = one_error_line(run(release, "profile", "import", str(_bad_inputs(tmp_path)[case]), "--name", "me"))
    assert "nothing was imported" in line or "regular file" in line or "does not exist" in line, line
    assert stored.read_bytes() == before


def test_a_zip_bomb_unpacks_no_further_than_the_cap(release, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "MAX_MEMBER_BYTES", 100_000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ratings.csv", LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n" * 20_000)
    assert "MiB" in one_error_line(run(release, "profile", "import", str(bomb)))
    # A member whose headers say it is small is read no further than they say: a damaged zip, not a bomb.
    raw = bytearray(bomb.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature) + offset
        raw[at:at + 4] = (10).to_bytes(4, "little")
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(raw))
    assert "damaged zip" in one_error_line(run(release, "profile", "import", str(liar)))
    assert ProfileStore().names() == []


def test_a_huge_file_is_refused_before_it_is_read(release, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 1000)
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n" * 100)
    assert "MiB" in one_error_line(run(release, "profile", "import", str(source)))
    assert ProfileStore().names() == []


# -- movierec JSON, the watchlist, old files ------------------------------------------------------------------
def test_movierec_json_still_imports_without_a_dataset(tmp_path):
    ProfileStore().rate("a", 2571, 5.0, "Matrix, The (1999)")
    ProfileStore().watch("a", 1221, "Godfather: Part II, The (1974)")
    target = tmp_path / "a.json"
    ProfileStore().export("a", target)
    result = CliRunner().invoke(cli, ["--headless", "--dataset", str(tmp_path / "no-such-dataset"),
                                      "profile", "import", str(target), "--name", "b"])
    assert result.output.strip() == "imported 1 rating and 1 watchlist film into 'b'"
    assert set(ProfileStore().load("b").watchlist) == {1221}


def test_watch_unwatch_and_watchlist(release):
    assert "Added The Matrix (1999)" in run(release, "watch", "The Matrix", "-p", "me").output
    assert "Already there" in run(release, "watch", "matrix", "-p", "me").output
    assert run(release, "watch", "Seven", "-p", "me").exit_code == 0
    listed = json.loads(run(release, "watchlist", "-p", "me", "--json").output)
    assert [(f["movie_id"], f["title"]) for f in listed["watchlist"]] == [
        (47, "Seven (a.k.a. Se7en) (1995)"), (2571, "Matrix, The (1999)")]  # newest first
    assert "Took The Matrix (1999) off" in run(release, "unwatch", "The Matrix", "-p", "me").output
    assert "is not on the watchlist" in one_error_line(run(release, "unwatch", "The Matrix", "-p", "me"))
    run(release, "rate", "Seven", "4", "-p", "me")  # seen it: off the watchlist
    profile = ProfileStore().load("me")
    assert not profile.on_watchlist(47) and profile.watchlist == {}


def test_a_profile_file_from_before_the_watchlist_still_loads(home):
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    (folder / "old.json").write_text(json.dumps({"format": "movierec-profile", "version": 1, "name": "old",
                                                 "ratings": [{"movie_id": 1, "stars": 4.0, "time": 5.0}],
                                                 "not_interested": []}))
    store = ProfileStore()
    assert store.load("old").watchlist == {} and set(store.load("old").ratings) == {1}
    store.watch("old", 2, "Jumanji (1995)")
    data = json.loads((folder / "old.json").read_text())
    assert data["watchlist"][0]["movie_id"] == 2 and data["ratings"][0]["movie_id"] == 1


def test_merge_rules():
    here = Profile("x", ratings={1: Rating(1, 4.0, 100.0)}, watchlist={2: Rating(2, 0.0, 50.0)})
    incoming = Profile("y", ratings={1: Rating(1, 2.0, 90.0), 2: Rating(2, 5.0, 60.0)},
                       watchlist={3: Rating(3, 0.0, 10.0), 1: Rating(1, 0.0, 99.0)})
    report = here.merge(incoming)
    assert here.ratings[1].stars == 4.0 and report.kept == 1  # the profile's newer rating stays
    assert here.ratings[2].stars == 5.0 and 2 not in here.watchlist  # rated after it was listed: off the list
    assert set(here.watchlist) == {3} and report.watchlist_seen == 1  # 1 was rated after being listed


# -- export to Letterboxd ------------------------------------------------------------------------------------
def test_export_to_letterboxd_writes_its_import_columns(release, tmp_path):
    store = ProfileStore()
    store.update("me", lambda p: p.ratings.update({
        2571: Rating(2571, 4.5, day("2021-03-04") + 3600, "Matrix, The (1999)"),
        4973: Rating(4973, 3.0, day("2022-07-01"), "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
        999999: Rating(999999, 2.0, day("2022-08-01"), "Not In This Release (2020)")}))
    target = tmp_path / "letterboxd.csv"
    result = run(release, "profile", "export", str(target), "--name", "me", "--to", "letterboxd")
    assert result.exit_code == 0 and "exported 3 ratings" in result.output
    assert target.read_text().splitlines() == [
        "Title,Year,Rating,WatchedDate,imdbID,tmdbID",
        "The Matrix,1999,4.5,2021-03-04,tt0133093,603",
        "Amelie,2001,3,2022-07-01,tt0211915,194",
        "Not In This Release,2020,2,2022-08-01,,",
    ]
    # The file goes back in: matched by imdbID, the rating and its date kept.
    assert run(release, "profile", "import", str(target), "--name", "again").exit_code == 0
    again = ProfileStore().load("again").ratings
    assert {m: (r.stars, r.time) for m, r in again.items()} == {2571: (4.5, day("2021-03-04")),
                                                                4973: (3.0, day("2022-07-01"))}


def test_export_never_replaces_what_is_not_a_file(release, tmp_path):
    ProfileStore().rate("me", 1, 4.0, "Toy Story (1995)")
    (tmp_path / "precious.csv").write_text("mine\n")
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "precious.csv")
    line = one_error_line(run(release, "profile", "export", str(link), "--name", "me", "--to", "letterboxd"))
    assert "left alone" in line and link.is_symlink() and (tmp_path / "precious.csv").read_text() == "mine\n"


def test_the_engine_lists_watchlist_films_for_the_tui(release):
    from movierec.engine import Engine

    store = ProfileStore()
    store.watch("me", 2571, "Matrix, The (1999)")
    store.watch("me", 999999, "Gone From This Release (2030)")
    rows = Engine(str(release), "cpu").watchlist_films(store.load("me"))
    assert [(r.movie_id, r.title, r.index is None) for r in rows] == [
        (999999, "Gone From This Release (2030)", True), (2571, "Matrix, The (1999)", False)]
    assert rows[1].year == 1999 and store.load("me").on_watchlist(2571)


def test_a_reimport_says_nothing_changed(release, tmp_path):
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n")
    assert run(release, "profile", "import", str(source)).output.strip() == \
        "imported 1 rating and 0 watchlist films into 'default'"
    assert run(release, "profile", "import", str(source)).output.strip() == \
        "imported 0 ratings and 0 watchlist films into 'default' (1 already there: nothing changed)"


def test_a_reimport_keeps_off_what_was_dismissed_or_taken_off_since(release, tmp_path):
    archive = letterboxd_zip(tmp_path / "e.zip")
    assert run(release, "profile", "import", str(archive), "--name", "me").exit_code == 0
    star_wars, godfather = ID["Star Wars: Episode IV - A New Hope (1977)"], ID["Godfather: Part II, The (1974)"]
    assert run(release, "dismiss", "Star Wars", "-p", "me").exit_code == 0
    assert run(release, "unwatch", "Godfather: Part II", "-p", "me").exit_code == 0
    again = run(release, "profile", "import", str(archive), "--name", "me")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("imported 0 ratings and 0 watchlist films into 'me' (3 already there: nothing "
                                   "changed); kept off the watchlist: 1 dismissed, 1 taken off since;"), again.output
    profile = ProfileStore().load("me")
    assert profile.watchlist == {} and star_wars in profile.not_interested and godfather in profile.unwatched
    # Listed again later than it was taken off: the newer action wins, so it goes back on (taken off in 2023
    # here: a date after today is refused).
    ProfileStore().update("me", lambda p: setattr(p.unwatched[godfather], "time", day("2023-06-01")))
    relisted = tmp_path / "watchlist.csv"
    relisted.write_text(LB_LIST + "2023-06-02,The Godfather Part II,1974,https://boxd.it/2b8e\n")
    assert run(release, "profile", "import", str(relisted), "--name", "me").output.startswith(
        "imported 0 ratings and 1 watchlist film into 'me'")
    assert set(ProfileStore().load("me").watchlist) == {godfather}


def test_removals_round_trip_through_the_profile_file(home):
    store = ProfileStore()
    store.watch("w", 1, "Toy Story (1995)")
    assert store.unwatch("w", 1)
    profile = store.load("w")
    assert set(profile.unwatched) == {1} and profile.watchlist == {}
    store.watch("w", 1, "Toy Story (1995)")  # put back by hand: the removal is forgotten
    assert store.load("w").unwatched == {} and set(store.load("w").watchlist) == {1}
    # A movierec file carrying a newer removal takes the film off here.
    newer = Profile("x", unwatched={1: Rating(1, 0.0, store.load("w").watchlist[1].time + 1)})
    here = store.load("w")
    here.merge(newer)
    assert here.watchlist == {} and set(here.unwatched) == {1}


def test_an_import_that_matches_nothing_is_an_error_and_creates_nothing(release, tmp_path):
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2024-01-01,Anora,2024,https://boxd.it/a,4\n"
                                   "2024-01-02,Unknown Film,2023,https://boxd.it/b,3\n")
    line = one_error_line(run(release, "profile", "import", str(source), "-p", "zero"))
    assert line.startswith("error: none of the 2 rows of ratings.csv matched a film of ") and \
        line.endswith("; nothing was imported"), line
    folder = Path(os.environ["MOVIEREC_HOME"]) / "data" / "profiles"
    assert not list(folder.glob("zero*")) if folder.exists() else True


def test_a_title_of_two_films_is_refused_with_their_ids_and_an_id_chooses(release):
    line = one_error_line(run(release, "rate", "Emma (1996)", "3", "-p", "me"))
    assert "names 2 films titled Emma (1996): id:" in line and "id:838" in line and "id:26958" in line
    assert 'as "id:' in line
    for command in (["watch", "Emma"], ["dismiss", "Emma (1996)"], ["similar", "Emma"]):
        assert "names 2 films" in one_error_line(run(release, *command, "-p", "me") if command[0] != "similar"
                                                 else run(release, *command))
    assert run(release, "rate", "id:26958", "3", "-p", "me").exit_code == 0
    assert set(ProfileStore().load("me").ratings) == {26958}
    assert "no film has movie id 5" in one_error_line(run(release, "rate", "id:5", "3", "-p", "me"))
    assert run(release, "rate", "Dune", "3", "-p", "me").exit_code == 0  # two titles, two years: the most rated
    table = run(release, "search", "Emma").output
    assert "id:838" in table and "id:26958" in table


def test_export_of_a_missing_profile_is_an_error_and_the_watchlist_is_named(release, tmp_path):
    for to in ("letterboxd", "movierec"):
        line = one_error_line(run(release, "profile", "export", str(tmp_path / "x"), "--name", "nobody", "--to", to))
        assert line == "error: no profile 'nobody'; see movierec --headless profile list"
    assert not (tmp_path / "x").exists()
    store = ProfileStore()
    store.rate("me", 2571, 4.0, "Matrix, The (1999)")
    store.watch("me", 1, "Toy Story (1995)")
    store.watch("me", 47, "Seven (a.k.a. Se7en) (1995)")
    out = run(release, "profile", "export", str(tmp_path / "lb.csv"), "-p", "me", "--to", "letterboxd")
    assert out.exit_code == 0 and out.output.strip().endswith(
        "; its 2 watchlist films are not exported: Letterboxd imports ratings"), out.output
    assert out.output.startswith("exported 1 rating of profile 'me'")
    assert run(release, "profile", "export", str(tmp_path / "me.json"), "-p", "me").output.strip() == \
        f"exported profile 'me' to {tmp_path / 'me.json'}"


def test_unwatch_json(release):
    run(release, "watch", "The Matrix", "-p", "me")
    data = json.loads(run(release, "unwatch", "The Matrix", "-p", "me", "--json").output)
    assert data == {"profile": "me", "movie_id": 2571, "title": "Matrix, The (1999)", "removed": True, "watchlist": 0}


# -- line numbers: the file's own (the header is line 1), a quoted title over two lines counted as two -----------
def test_a_bad_line_is_named_by_the_files_line_number(release, tmp_path):
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + '2021-03-04,"The\nMatrix",1999,https://boxd.it/2a1m,5\n'
                                   "\n"
                                   "2021-03-04,Dune,1984,https://boxd.it/x,7\n")
    line = one_error_line(run(release, "profile", "import", str(source), "--name", "me"))
    assert "ratings.csv line 5: '7' is not a rating" in line, line


# -- encodings: UTF-8 with a BOM, UTF-16 (what Excel's "Unicode text" writes), or one line saying what to do --------
LB_ONE = LB_RATINGS + "2021-03-06,Amélie,2001,https://boxd.it/1Z5C,4\n"


@pytest.mark.parametrize("encoding, text", [
    ("utf-8-sig", LB_ONE),
    ("utf-16", LB_ONE),  # a BOM, then little-endian here
    ("utf-16-be", "\ufeff" + LB_ONE),
    ("utf-16", LB_ONE.replace(",", "\t")),  # Excel's "Unicode Text": UTF-16 and tab-separated
    ("utf-32", LB_ONE),
    ("cp1252", LB_ONE),  # a CSV saved by Excel on Windows
], ids=["utf8-bom", "utf16-le-bom", "utf16-be-bom", "utf16-tabs", "utf32-bom", "cp1252"])
def test_a_csv_in_utf16_or_with_a_bom_imports(release, tmp_path, encoding, text):
    source = tmp_path / "ratings.csv"
    source.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    result = run(release, "profile", "import", str(source), "--name", "me")
    assert result.output.strip() == "imported 1 rating and 0 watchlist films into 'me'", result.output
    assert set(ProfileStore().load("me").ratings) == {ID["Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"]}


def test_utf16_inside_a_zip_and_a_movierec_profile_in_utf16_import(release, tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("letterboxd/ratings.csv", LB_ONE.encode("utf-16"))
    assert run(release, "profile", "import", str(archive), "--name", "me").exit_code == 0
    ProfileStore().rate("a", 2571, 5.0, "Matrix, The (1999)")
    saved = tmp_path / "a.json"
    ProfileStore().export("a", saved)
    saved.write_bytes(saved.read_text(encoding="utf-8").encode("utf-16"))
    assert run(release, "profile", "import", str(saved), "--name", "b").output.strip() == \
        "imported 1 rating and 0 watchlist films into 'b'"


@pytest.mark.parametrize("data", [
    LB_ONE.encode("utf-16-le"),  # UTF-16 without its BOM: NUL bytes everywhere
    LB_ONE.encode("utf-8")[:-12] + bytes([0x81, 0x8D]) + b",4\n",  # bytes neither UTF-8 nor Windows-1252 have
    LB_ONE.encode("utf-16")[:-1],  # UTF-16 cut mid-character
], ids=["utf16-no-bom", "not-utf8-nor-1252", "utf16-cut"])
def test_undecodable_text_says_to_save_it_as_utf8(release, tmp_path, data):
    source = tmp_path / "ratings.csv"
    source.write_bytes(data)
    line = one_error_line(run(release, "profile", "import", str(source), "--name", "me"))
    assert "save it as UTF-8" in line and "nothing was imported" in line, line
    assert ProfileStore().names() == []


# -- CSV injection: what we write never starts a cell with a formula; the importer takes the quote off again ----
HOSTILE = [(900001, "=cmd|' /C calc'!A0 (2001)"), (900002, "+SUM(1) (2002)"), (900003, "-2+3 (2003)"),
           (900004, "@SUM(A1) (2004)"), (900005, "'=already quoted (2005)"), (900006, "\uff1dfull width (2006)")]


def test_export_neutralises_formula_cells_and_reimports_the_same_titles(tmp_path):
    """From a release whose movies.csv holds formula titles (no links: matched back by title and year),
    and from a profile's stored titles (films the release lacks)."""
    folder = tmp_path / "ml-hostile"
    folder.mkdir()
    (folder / "movies.csv").write_text("movieId,title,genres\n" + "".join(
        f'{m},"{t.replace(chr(34), chr(34) * 2)}",Drama\n' for m, t in [(1, "Toy Story (1995)"), *HOSTILE]),
        encoding="utf-8")
    (folder / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + "".join(
        f"{u},{m},4.0,{1_000_000 + u}\n" for m, _ in [(1, ""), *HOSTILE] for u in (1, 2)))
    store = ProfileStore()
    store.update("me", lambda p: p.ratings.update(
        {m: Rating(m, 4.0, day("2022-01-01") + k, t) for k, (m, t) in enumerate(HOSTILE)}
        | {5: Rating(5, 3.0, day("2022-02-01"), "-Gone From This Release (2010)")}))
    target = tmp_path / "letterboxd.csv"
    assert run(folder, "profile", "export", str(target), "--name", "me", "--to", "letterboxd").exit_code == 0
    import csv

    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"), newline="")))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c and c[0] in "=+-@\t\r\n\uff1d"], rows
    assert [r[0] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "'-2+3", "'@SUM(A1)", "''=already quoted",
                                        "'\uff1dfull width", "'-Gone From This Release"]
    result = run(folder, "profile", "import", str(target), "--name", "again", "--json")
    data = json.loads(result.output)
    assert {(m["source_title"], m["movie_id"]) for m in data["matched"]} == {
        (display_title(t), m) for m, t in HOSTILE}
    assert [u["source_title"] for u in data["unmatched"]] == ["-Gone From This Release"]
    assert set(ProfileStore().load("again").ratings) == {m for m, _ in HOSTILE}


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "\nx", "'=1", "''+1", "\uff0b1",
                                  "'Round Midnight", "'", "", "plain", "1-2", "a=b"])
def test_neutralise_and_restore_are_inverse(cell):
    out = csvfiles.neutralise(cell)
    assert out[:1] not in csvfiles.FORMULA_LEADS
    assert csvfiles.restore(out) == cell
    assert out == cell or out == "'" + cell


def test_display_title_keeps_parentheses_that_are_part_of_the_title():
    """Only a group after a space is an alternative title ("Seven (a.k.a. Se7en)"); "+SUM(1)" and
    "Frontière(s)" (ml-latest-small) keep theirs, and only a trailing (YYYY) or (YYYY-YYYY) is a year."""
    assert display_title("+SUM(1) (2002)") == "+SUM(1)"
    assert display_title("Frontière(s) (2007)") == "Frontière(s)"
    assert display_title("+SUM(1)") == "+SUM(1)"
    assert display_title("Babylon 5 (1993-1998)") == "Babylon 5"
    assert display_title("Seven (a.k.a. Se7en) (1995)") == "Seven"
    assert display_title("1-900 (06) (1994)") == "1-900"


# -- dates after today: refused, naming the line (a rating dated 9999 would beat every later rating forever) ------
@pytest.mark.parametrize("date", ["2999-12-31", "9999-12-31"])
def test_a_rating_dated_in_the_future_is_refused_naming_its_line(release, tmp_path, date):
    ProfileStore().rate("me", 1, 4.0, "Toy Story (1995)")
    stored = Path(os.environ["MOVIEREC_HOME"]) / "data" / "profiles" / "me.json"
    before = stored.read_bytes()
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2021-03-04,Dune,1984,https://boxd.it/x,4\n"
                                   f"{date},The Matrix,1999,https://boxd.it/2a1m,5\n")
    line = one_error_line(run(release, "profile", "import", str(source), "--name", "me"))
    assert f"ratings.csv line 3: {date} is after today" in line and "nothing was imported" in line, line
    assert stored.read_bytes() == before


def test_a_future_date_never_beats_a_later_manual_rating_on_reimport(release, tmp_path):
    source = tmp_path / "ratings.csv"
    source.write_text(LB_RATINGS + "2021-03-04,The Matrix,1999,https://boxd.it/2a1m,5\n")
    assert run(release, "profile", "import", str(source), "--name", "me").exit_code == 0
    assert run(release, "rate", "The Matrix", "2", "-p", "me").exit_code == 0  # changed my mind, today
    source.write_text(LB_RATINGS + "9999-12-31,The Matrix,1999,https://boxd.it/2a1m,5\n")  # the export, edited
    assert "line 2: 9999-12-31 is after today" in one_error_line(
        run(release, "profile", "import", str(source), "--name", "me"))
    assert ProfileStore().load("me").ratings[ID["Matrix, The (1999)"]].stars == 2.0
    # A movierec profile with an entry timed in year 9999 is refused the same way.
    future = tmp_path / "future.json"
    future.write_text(json.dumps({"format": "movierec-profile", "version": 1, "name": "x",
                                  "ratings": [{"movie_id": 2571, "stars": 5.0, "time": 253402214400.0}]}))
    assert "after today" in one_error_line(run(release, "profile", "import", str(future), "--name", "me"))
    assert ProfileStore().load("me").ratings[ID["Matrix, The (1999)"]].stars == 2.0


def test_today_anywhere_on_earth_is_not_the_future():
    """A date is refused only once it has not begun in any time zone (UTC+14): a user in Kiribati rating at
    breakfast writes a date that is tomorrow in UTC."""
    now = day("2026-12-08") + 11 * 3600  # 11:00 UTC: 01:00 of the 9th in UTC+14
    assert imports.check_not_future(day("2026-12-09"), now, "x") == day("2026-12-09")
    with pytest.raises(imports.ProfileError, match="x: 2026-12-10 is after today"):
        imports.check_not_future(day("2026-12-10"), now, "x")


def test_export_to_a_missing_folder_is_refused_and_dash_is_standard_output(release, tmp_path):
    """A mistyped folder was created silently, and `-` wrote a file named '-' (fresh-eyes report)."""
    assert run(release, "rate", "The Matrix", "4", "-p", "me").exit_code == 0
    missing = tmp_path / "no-such-folder" / "x.csv"
    for to in ("letterboxd", "movierec"):
        result = run(release, "profile", "export", str(missing), "--name", "me", "--to", to)
        assert result.exit_code == 1 and "does not exist" in one_error_line(result)
        assert not missing.parent.exists()
    out = run(release, "profile", "export", "-", "--name", "me", "--to", "letterboxd")
    assert out.exit_code == 0 and out.output.splitlines()[1].startswith("The Matrix,1999,4,"), out.output
    assert json.loads(run(release, "profile", "export", "-", "--name", "me").output)["format"] == "movierec-profile"
    assert not Path("-").exists()
