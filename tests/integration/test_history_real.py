"""Import from Letterboxd and IMDb into the bundled ml-latest-small, and export back (marked slow).

The rows are hand-written in the services' layouts with the titles as Letterboxd and IMDb write them;
the expected movie ids are ml-latest-small's.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.store.profiles import ProfileStore

pytestmark = pytest.mark.slow

# (Letterboxd name, year, ml-latest-small movieId or None when it must not be matched)
LETTERBOXD = [
    ("The Shawshank Redemption", 1994, 318), ("Pulp Fiction", 1994, 296), ("The Silence of the Lambs", 1991, 593),
    ("Star Wars", 1977, 260), ("The Empire Strikes Back", 1980, 1196), ("Return of the Jedi", 1983, 1210),
    ("Star Wars: Episode I – The Phantom Menace", 1999, 2628), ("Schindler's List", 1993, 527),
    ("The Lord of the Rings: The Fellowship of the Ring", 2001, 4993), ("Spirited Away", 2001, 5618),
    ("Amélie", 2001, 4973), ("Se7en", 1995, 47), ("Léon: The Professional", 1994, 293),
    ("Pan's Labyrinth", 2006, 48394), ("Harry Potter and the Philosopher's Stone", 2001, 4896),
    ("WALL·E", 2008, 60069), ("Birdman or (The Unexpected Virtue of Ignorance)", 2014, 112183),
    ("The Godfather Part II", 1974, 1221), ("Y Tu Mamá También", 2001, 5225), ("8½", 1963, 1251),
    ("Oldboy", 2003, 27773), ("Oldboy", 2013, 107314), ("Avengers: Infinity War", 2018, 122912),
    ("Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb", 1964, 750),
    ("Emma", 1996, None),  # two films of that title and year: ambiguous
    ("War of the Worlds", 2005, None),  # likewise
    ("Anora", 2024, None), ("The Zone of Interest", 2023, None), ("Parasite", 2019, None),  # newer than the release
    ("Andrei Rublev", 1966, None),  # MovieLens says 1969: three years off is too far
]


def test_letterboxd_names_match_ml_latest_small_and_nothing_is_guessed(tmp_path, home):
    source = tmp_path / "ratings.csv"
    source.write_text("Date,Name,Year,Letterboxd URI,Rating\n" + "".join(
        f'2024-01-{k % 28 + 1:02d},"{name}",{year},https://boxd.it/{k},4\n' for k, (name, year, _) in enumerate(LETTERBOXD)),
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["--headless", "profile", "import", str(source), "--name", "me", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    got = {(m["source_title"], m["source_year"]): m["movie_id"] for m in data["matched"]}
    expected = {(name, year): movie for name, year, movie in LETTERBOXD if movie is not None}
    assert got == expected
    assert {(u["source_title"], u["source_year"]) for u in data["unmatched"]} == {
        (name, year) for name, year, movie in LETTERBOXD if movie is None}
    assert set(ProfileStore().load("me").ratings) == set(expected.values())


def test_imdb_ratings_through_links_and_back_out_to_letterboxd(tmp_path, home):
    header = ("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,"
              "Genres,Num Votes,Release Date,Directors\n")
    rows = [("tt0114709", 9, "Toy Story", "Movie", 1995), ("tt0133093", 10, "The Matrix", "Movie", 1999),
            ("tt0903747", 10, "Breaking Bad", "TV Series", 2008)]
    source = tmp_path / "imdb.csv"
    source.write_text(header + "".join(f'{c},{r},2020-02-02,"{t}","{t}",https://www.imdb.com/title/{c}/,{k},8,90,{y},'
                                       f'Drama,1,{y}-01-01,X\n' for c, r, t, k, y in rows))
    result = CliRunner().invoke(cli, ["--headless", "profile", "import", str(source), "--name", "me"])
    assert result.output.strip() == ("imported 2 ratings and 0 watchlist films into 'me'; skipped 1 title that is "
                                     "not a film (TV series, episodes, ...)")
    target = tmp_path / "out.csv"
    CliRunner().invoke(cli, ["--headless", "profile", "export", str(target), "--name", "me", "--to", "letterboxd"])
    assert target.read_text().splitlines() == ["Title,Year,Rating,WatchedDate,imdbID,tmdbID",
                                               "Toy Story,1995,4.5,2020-02-02,tt0114709,862",
                                               "The Matrix,1999,5,2020-02-02,tt0133093,603"]
