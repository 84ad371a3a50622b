"""Title search ranks as a person expects: among titles the query names as well (an exact title, a title
it begins), the much more rated film first; sequel numbers match as arabic or roman numerals."""

from __future__ import annotations

import numpy as np
import pytest

from movierec.data.catalog import Catalog
from movierec.data.titles import number_form
from movierec.data.ids import Vocabulary
from tests.factories import SEARCH_FILMS as FILMS

@pytest.fixture(scope="module")
def catalog() -> Catalog:
    n = len(FILMS)
    return Catalog(Vocabulary(np.arange(n)), [t for t, _ in FILMS], np.zeros(n, np.int32),
                   np.zeros((n, 20), np.uint8), n_ratings=np.array([c for _, c in FILMS], np.int32))


def titles(catalog: Catalog, query: str, n: int = 3) -> list[str]:
    return [m.title for m in catalog.search(query, limit=n)]


def test_the_much_more_rated_of_the_titles_a_query_names_comes_first(catalog):
    top = titles(catalog, "lord of the rings", 4)
    assert top[0] == "Lord of the Rings: The Fellowship of the Ring, The (2001)", top
    assert set(top) == {t for t, _ in FILMS[:4]}  # every "Lord of the Rings" before Ring, The or Lord of War
    # Not much more rated: the exact title stays first.
    assert titles(catalog, "toy story")[0] == "Toy Story (1995)"
    assert titles(catalog, "toy story 2")[0] == "Toy Story 2 (1999)"
    assert titles(catalog, "the matrix")[:2] == ["Matrix, The (1999)", "Matrix Reloaded, The (2003)"]
    assert titles(catalog, "alien")[0] == "Alien (1979)"


def test_a_title_being_typed_lists_the_titles_it_begins_first(catalog):
    assert titles(catalog, "godfa") == ["Godfather, The (1972)", "Godfather: Part II, The (1974)",
                                        "Godfather: Part III, The (1990)"]
    assert titles(catalog, "star wars", 3) == ["Star Wars: Episode IV - A New Hope (1977)",
                                               "Star Wars: Episode V - The Empire Strikes Back (1980)",
                                               "Star Wars: Episode I - The Phantom Menace (1999)"]
    assert {"Inception (2010)", "I, Robot (2004)"} <= set(titles(catalog, "i"))  # a letter, not the numeral 1
    assert titles(catalog, "in")[0] == "Inception (2010)"
    assert titles(catalog, "v")[0] == "V for Vendetta (2006)"
    assert titles(catalog, "ve")[0] == "Vertigo (1958)"


@pytest.mark.parametrize("query, first", [
    ("godfather 2", "Godfather: Part II, The (1974)"),
    ("godfather part ii", "Godfather: Part II, The (1974)"),
    ("godfather part 2", "Godfather: Part II, The (1974)"),
    ("godfather ii", "Godfather: Part II, The (1974)"),
    ("godfather 3", "Godfather: Part III, The (1990)"),
    ("rocky 3", "Rocky III (1982)"),
    ("rocky v", "Rocky V (1990)"),
    ("rocky 5", "Rocky V (1990)"),
    ("star wars 4", "Star Wars: Episode IV - A New Hope (1977)"),
    ("star wars episode 5", "Star Wars: Episode V - The Empire Strikes Back (1980)"),
    ("star wars episode i", "Star Wars: Episode I - The Phantom Menace (1999)"),
    ("kill bill 2", "Kill Bill: Vol. 2 (2004)"),
    ("kill bill vol 1", "Kill Bill: Vol. 1 (2003)"),
    ("i robot", "I, Robot (2004)"),
    ("malcolm x", "Malcolm X (1992)"),
    ("v for vendetta", "V for Vendetta (2006)"),
])
def test_sequel_numbers_match_as_arabic_or_roman_numerals(catalog, query, first):
    assert titles(catalog, query, 1) == [first]


def test_number_form():
    assert number_form("godfather part ii") == "godfather 2"
    assert number_form("rocky iii") == "rocky 3"
    assert number_form("star wars episode iv a new hope") == "star wars 4 a new hope"
    assert number_form("i robot") == "i robot"  # a first word is a word
    assert number_form("a part of me") == "a part of me"


def test_find_keeps_an_exact_title_for_rate_and_the_numbers_for_sequels(catalog):
    assert catalog.find("lord of the rings").title == "Lord of the Rings, The (1978)"  # the title as written
    assert catalog.find("godfather 2").title == "Godfather: Part II, The (1974)"
    assert catalog.find("godfather part ii").exact


def test_search_on_a_catalogue_of_ml_32m_size_still_ranks_and_stays_cheap():
    """87k generated titles (bench/tui.py's shape): the most rated of the titles a query begins comes
    first; the work per keystroke is bounded (no wall clock here: bench/tui.py measures it)."""
    rng = np.random.default_rng(0)
    words = "night love return dark city last blue dead star summer secret man girl war king lost".split()
    n = 87_585
    titles_ = [f"{' '.join(rng.choice(words, size=int(rng.integers(1, 5))).tolist()).title()} {k} ({1900 + k % 125})"
               for k in range(n)]
    titles_[5] = "Dark City Returns (1990)"
    titles_[6] = "Dark City (1998)"
    popularity = rng.integers(0, 50, n).astype(np.int32)
    popularity[5] = 5_000
    cat = Catalog(Vocabulary(np.arange(n)), titles_, np.zeros(n, np.int32), np.zeros((n, 20), np.uint8),
                  n_ratings=popularity)
    found = cat.search("dark city", limit=10)
    assert found[0].title == "Dark City Returns (1990)"
    assert found[1].title == "Dark City (1998)"
    assert all(m.title.lower().startswith("dark city") for m in found)
    assert cat.search("d", limit=50) and len(cat.search("dark", limit=50)) == 50


def test_an_alternative_title_names_its_film_exactly():
    films = ["Seven (a.k.a. Se7en) (1995)", "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)",
             "Spirited Away (Sen to Chihiro no kamikakushi) (2001)", "Selena (1997)", "(500) Days of Summer (2009)"]
    n = len(films)
    cat = Catalog(Vocabulary(np.arange(n)), films, np.array([1995, 2001, 2001, 1997, 2009], np.int32),
                  np.zeros((n, 20), np.uint8), n_ratings=np.array([10, 10, 10, 500, 10], np.int32))
    for query, film in (("Se7en", 0), ("se7en (1995)", 0), ("Le Fabuleux Destin d'Amelie Poulain", 1),
                        ("sen to chihiro no kamikakushi", 2), ("seven", 0), ("500 days of summer", 4)):
        found = cat.search(query, limit=3)
        assert found[0].index == film and found[0].exact, (query, found)
    assert cat.find("Se7en").index == 0 and cat.find("Se7en").exact
    assert not any(m.exact for m in cat.search("Se7en 2001", limit=3))  # the year still counts


# -- filters first, then the title ranking; one decision about "close" (issue 24, items 11-13) ------------

HORROR_70S_80S = ["Shining, The (1980)", "Exorcist, The (1973)", "Thing, The (1982)", "Fly, The (1986)"]


def _filtered_catalog() -> Catalog:
    """300 much rated "X, The" dramas and, rated far less, four horror films of 1970-89 named "The ...", a
    horror film of 2002 and "Spirited Away": a top-N title match filtered afterwards finds no horror film."""
    films = [(f"Drama {k}, The ({1950 + k % 60})", "Drama", 1950 + k % 60, 1000 + k) for k in range(300)]
    films += [(t, "Horror", int(t[-5:-1]), 20 + k) for k, t in enumerate(HORROR_70S_80S)]
    films += [("Ring, The (2002)", "Horror", 2002, 90), ("Spirited Away (2001)", "Animation", 2001, 87),
              ("Qwerty Street (1999)", "Comedy", 1999, 3)]
    return _catalog_of(films)


def _catalog_of(films: list[tuple[str, str, int, int]]) -> Catalog:
    """A catalogue of (title, its one genre, year, rating count) rows."""
    from movierec.data.movielens import GENRES

    n = len(films)
    genres = np.zeros((n, len(GENRES)), np.uint8)
    for i, (_, genre, _, _) in enumerate(films):
        genres[i, GENRES.index(genre)] = 1
    return Catalog(Vocabulary(np.arange(n)), [f[0] for f in films], np.array([f[2] for f in films], np.int32),
                   genres, n_ratings=np.array([f[3] for f in films], np.int32))


def _among(cat: Catalog, genre: str, lo: int, hi: int) -> np.ndarray:
    from movierec.picks.scoring import genre_filter

    return genre_filter(cat, [genre], (lo, hi))


def test_filters_apply_before_the_title_ranking_so_no_match_they_allow_is_lost():
    """`the`, Horror, 1970-89 listed 8 unrelated films and none of The Shining, The Exorcist, The Thing, The
    Fly: the filters were applied to the top 200 title matches, all of them more rated dramas."""
    cat = _filtered_catalog()
    among = _among(cat, "Horror", 1970, 1989)
    found = cat.search("the", limit=10, among=among)
    assert sorted(m.title for m in found) == sorted(HORROR_70S_80S)
    assert all(among[m.index] for m in cat.search("shinning", limit=10, among=among))  # fuzzy matches too
    assert all(among[m.index] for m in cat.search("ring", limit=10, among=among))  # Ring, The is of 2002


def test_a_lone_article_lists_the_titles_that_begin_with_it():
    """"the" named no film whose title is "The ..." (MovieLens writes "Shining, The"): only "There's..."."""
    cat = _filtered_catalog()
    found = [m.title for m in cat.search("the", limit=5)]
    assert len(found) == 5 and all(", The (" in t for t in found), found


def test_a_query_nothing_matches_closely_says_so_with_the_sentence_find_raises():
    """`qwerty` listed unrelated films in the TUI as if they matched; the CLI said "no film matches 'qwerty'
    closely; did you mean ...". One decision (Catalog.lookup), one sentence, for both."""
    from movierec.errors import TitleError

    cat = _filtered_catalog()
    found = cat.lookup("xqwzrtv")
    assert found.note.startswith("no film matches 'xqwzrtv' closely; did you mean: "), found.note
    with pytest.raises(TitleError) as raised:
        cat.find("xqwzrtv")
    assert str(raised.value) == found.note
    assert found.matches and all(m.title in found.note for m in found.matches)  # the films it names, no others
    close = cat.lookup("spirited")
    assert close.note == "" and close.matches[0].title == "Spirited Away (2001)"
    assert cat.lookup("zzzzzzzzzzzzzzzzzzzz").note.startswith("no film matches 'zzzzzzzzzzzzzzzzzzzz'")


def test_filters_that_hide_every_close_match_say_how_many_there_are_without_them():
    """`spirited` with Horror on listed horror films only, no Spirited Away, and nothing said so."""
    cat = _filtered_catalog()
    found = cat.lookup("spirited", among=_among(cat, "Horror", 1900, 2100))
    assert found.note == "no match with these filters; 1 without them" and found.matches == []
    assert found.hidden == 1
    assert cat.lookup("the", among=_among(cat, "Horror", 1970, 1989)).note == ""


# -- the one search function the CLI and the TUI share (Engine.search), on a generated release ----


@pytest.fixture
def the_release(tmp_path, synth):
    """36 dramas "Drama k, The (2000)" and four horror films of 1970-89 named "The ...": as ml-latest-small's
    `the`, Horror, 1970-89."""
    from tests import factories

    for k, (mid, _, _) in enumerate(synth.movies):
        title, genres = (HORROR_70S_80S[k], ["Horror"]) if k < 4 else (f"Drama {k}, The (2000)", ["Drama"])
        synth.movies[k] = (mid, title, genres)
    synth.movies[5] = (synth.movies[5][0], "Spirited Away (2001)", ["Animation"])
    return factories.write_latest(tmp_path / "the-release", synth)


def _cli(*args):
    from click.testing import CliRunner

    from movierec.cli import cli

    return CliRunner().invoke(cli, ["--headless", *args])


def test_the_engine_search_filters_first_and_says_what_the_filters_hide(the_release):
    from movierec.engine import Engine

    engine = Engine(str(the_release), "cpu")
    found = engine.search("the", ["Horror"], (1970, 1989), limit=3)
    assert found.note == "" and len(found.rows) == 3
    assert {r.title for r in found.rows} <= set(HORROR_70S_80S)
    hidden = engine.search("spirited", ["Horror"], None)
    assert (hidden.rows, hidden.note) == ([], "no match with these filters; 1 without them")
    nonsense = engine.search("thong")
    assert nonsense.note == "no film matches 'thong' closely; did you mean: The Thing (1982); The Shining (1980)"
    assert [r.title for r in nonsense.rows] == ["Thing, The (1982)", "Shining, The (1980)"]  # the films it names
    assert engine.search("xqwzrtv").note == "no film matches 'xqwzrtv'; try fewer or other words"
    assert engine.search("", ["Horror"], (1970, 1989), limit=10).rows  # no text: the most rated of them
    assert engine.search("", ["Horror"], (2050, 2060)).note == "no film passes these filters"


def test_the_cli_search_filters_first_and_says_no_film_matches_closely(the_release):
    result = _cli("search", "the", "--genre", "Horror", "--from-year", "1970", "--to-year", "1989", "--n", "3",
                  "--dataset", str(the_release), "--json")
    assert result.exit_code == 0, result.output
    import json

    assert {r["title"] for r in json.loads(result.output)} <= set(HORROR_70S_80S)
    for args in (["thong"], ["thong", "--json"]):  # rate, watch... say it too (Catalog.find): one sentence
        result = _cli("search", *args, "--dataset", str(the_release))
        assert result.exit_code == 1 and result.output == ("error: no film matches 'thong' closely; did you mean: "
                                                           "The Thing (1982); The Shining (1980)\n"), result.output
    assert _cli("rate", "thong", "4", "--dataset", str(the_release)).output == result.output
    result = _cli("search", "spirited", "--genre", "horror", "--dataset", str(the_release))
    assert (result.exit_code, result.output.strip()) == (1, "error: no match with these filters; 1 without them")
    assert _cli("search", "spirited", "--genre", "Nope", "--dataset", str(the_release)).exit_code == 2


@pytest.mark.slow
def test_the_horror_films_of_1970_89_named_the_on_ml_latest_small():
    """The run that found it: `the`, Horror, 1970-89 gave 8 films, none of these four."""
    from movierec.engine import Engine

    found = Engine(None, "cpu").search("the", ["Horror"], (1970, 1989), limit=50)
    titles_ = {r.title for r in found.rows}
    assert {"Shining, The (1980)", "Exorcist, The (1973)", "Thing, The (1982)", "Fly, The (1986)"} <= titles_
    assert len(found.rows) == 50 and found.note == ""


# -- the query inside longer titles, the filter hiding the whole-title matches (issue 24) -------------------

ALIEN_2000S = ["AVP: Alien vs. Predator (2004)", "Monsters vs. Aliens (2009)", "Evil Aliens (2005)"]


def _alien_catalog() -> Catalog:
    """"Alien" and "Aliens" (much rated, 1979/1986, Sci-Fi), and, of 2000-2010, three films with the word
    inside a longer title and three titles only near it in spelling ("Ali", "Alice", "Alfie"): `alien` with
    2000-2010 said "no match with these filters; 2 without them", as the whole titles were the only close
    matches and a title the query sits inside scored ~70, below the line."""
    films = [("Alien (1979)", "Sci-Fi", 1979, 300), ("Aliens (1986)", "Sci-Fi", 1986, 250),
             ("AVP: Alien vs. Predator (2004)", "Sci-Fi", 2004, 30), ("Monsters vs. Aliens (2009)", "Animation", 2009, 12),
             ("Evil Aliens (2005)", "Horror", 2005, 2), ("Ali (2001)", "Drama", 2001, 60),
             ("Alice (2009)", "Drama", 2009, 40), ("Alfie (2004)", "Comedy", 2004, 45)]
    films += [(f"Drama {k} (2003)", "Drama", 2003, 100 + k) for k in range(40)]
    return _catalog_of(films)


@pytest.mark.parametrize("genres, years, wanted", [
    (None, (2000, 2010), ALIEN_2000S),
    (["Sci-Fi"], (2000, 2010), ALIEN_2000S[:1]),
    (["Animation", "Horror"], None, ALIEN_2000S[1:]),
])
def test_a_filter_hiding_the_whole_title_matches_lists_the_titles_the_query_is_inside(genres, years, wanted):
    """What passes the filters is ranked with the same notion of a match as an unfiltered search: the titles
    the query sits inside (at a word's start) match, before titles only near it in spelling."""
    from movierec.picks.scoring import genre_filter

    cat = _alien_catalog()
    found = cat.lookup("alien", limit=10, among=genre_filter(cat, genres, years))
    assert found.note == "", found.note
    titles_ = [m.title for m in found.matches]
    assert sorted(titles_[:len(wanted)]) == sorted(wanted), titles_
    unfiltered = [m.title for m in cat.lookup("alien", limit=10).matches]  # the same films, the same order
    assert [t for t in unfiltered if t in wanted] == titles_[:len(wanted)], unfiltered
    assert unfiltered[:2] == ["Alien (1979)", "Aliens (1986)"]
    assert unfiltered.index("Evil Aliens (2005)") < unfiltered.index("Ali (2001)")  # inside a title: a match


def test_a_word_inside_a_title_matches_at_a_word_start_only():
    cat = _alien_catalog()
    cat._index()
    assert set(cat._inside("alien", 30)) == {2, 3, 4}  # AVP: Alien..., Monsters vs. Aliens, Evil Aliens
    assert cat._inside("liens", 30) == {} and cat._inside("vs", 30) == {}  # mid-word; too short
    assert cat.lookup("predator", among=np.arange(len(cat.titles)) != 0).matches[0].title == ALIEN_2000S[0]


@pytest.mark.slow
def test_alien_in_2000_2010_on_ml_latest_small_in_the_engine_and_the_cli():
    """The run that found it: `alien`, 2000-2010 said "no match with these filters; 8 without them"."""
    import json

    from movierec.engine import Engine

    wanted = {"AVP: Alien vs. Predator (2004)", "AVPR: Aliens vs. Predator - Requiem (2007)",
              "Monsters vs. Aliens (2009)", "Evil Aliens (2005)", "Mutant Aliens (2001)"}
    found = Engine(None, "cpu").search("alien", None, (2000, 2010), limit=20)
    assert found.note == "" and wanted <= {r.title for r in found.rows[:len(wanted) + 1]}, found
    assert {r.title for r in Engine(None, "cpu").search("alien", ["Sci-Fi"], (2000, 2010)).rows} >= {
        "AVP: Alien vs. Predator (2004)", "AVPR: Aliens vs. Predator - Requiem (2007)"}
    result = _cli("search", "alien", "--from-year", "2000", "--to-year", "2010", "--json")
    assert result.exit_code == 0, result.output
    assert wanted <= {r["title"] for r in json.loads(result.output)}
