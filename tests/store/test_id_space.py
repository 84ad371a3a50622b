"""Movie id spaces: ml-100k numbers its films on its own, every other GroupLens release shares one numbering.

Two generated releases of the same few films with different ids: a "movielens" one (the latest CSV
layout) and an ml-100k one, where raw id 2 is another film than the latest's id 2. A profile made on
one is read on the other by title and year, never by the raw id.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry
from movierec.data.movielens import ML100K_SPACE, MOVIELENS_SPACE
from movierec.engine import Engine
from movierec.errors import ProfileError
from movierec.store import profiles
from movierec.store.profiles import Profile, ProfileStore
from tests.factories import SPACE_FILMS as FILMS, space_release as _release, write_100k, write_dat, write_latest

@pytest.fixture
def latest(tmp_path: Path) -> Path:
    return write_latest(tmp_path / "ml-same", _release(0))


@pytest.fixture
def ml100k(tmp_path: Path) -> Path:
    return write_100k(tmp_path / "ml-100k-same", _release(1))


def _titles(engine: Engine, indexed: dict) -> set[str]:
    return {engine.dataset.catalog.titles[i] for i in indexed}


def test_the_dataset_says_its_id_space_from_its_layout_cached_too(tmp_path, latest, ml100k):
    dat = write_dat(tmp_path / "ml-dat-same", _release(0))
    for path, space in ((latest, MOVIELENS_SPACE), (dat, MOVIELENS_SPACE), (ml100k, ML100K_SPACE)):
        parsed = registry.load_dataset(str(path))  # parsed, and saved to the cache
        cached = registry.load_dataset(str(path))  # read back from the cache's manifest (its layout)
        assert parsed.id_space == cached.id_space == parsed.catalog.id_space == cached.catalog.id_space == space
    assert profiles.DEFAULT_SPACE == MOVIELENS_SPACE


def test_a_profile_rated_on_movielens_reads_as_the_same_films_on_ml100k(latest, ml100k):
    store = ProfileStore()
    on_latest = Engine(str(latest), "cpu")
    for title, stars in (("Toy Story (1995)", 5), ("Jumanji (1995)", 2), ("Heat (1995)", 4)):
        index = on_latest.find_title(title)
        store.rate("me", on_latest.film(index).movie_id, stars, title, space=on_latest.id_space)
    store.not_interested("me", FILMS["Alien (1979)"][0], "Alien (1979)")
    store.watch("me", FILMS["Matrix, The (1999)"][0], "Matrix, The (1999)")
    profile = store.load("me")
    on_100k = Engine(str(ml100k), "cpu")
    rated, dismissed = on_100k.profile_films(profile)
    cat = on_100k.dataset.catalog
    assert {cat.titles[i]: r.stars for i, r in rated.items()} == {
        "Toy Story (1995)": 5.0, "Jumanji (1995)": 2.0, "Heat (1995)": 4.0}
    assert _titles(on_100k, dismissed) == {"Alien (1979)"}
    assert _titles(on_100k, on_100k.indexed(profile.watchlist)) == {"Matrix, The (1999)"}
    # Not the films with the same raw ids: ml-100k's 1, 2 and 3 are Heat, Toy Story and Jumanji.
    assert [cat.titles[on_100k.index_of(m)] for m in (1, 2, 3)] == ["Heat (1995)", "Toy Story (1995)", "Jumanji (1995)"]
    items, stars, skip, unknown = on_100k.profile_items(profile)
    assert [cat.titles[i] for i in items] == ["Heat (1995)", "Toy Story (1995)", "Jumanji (1995)"]  # index order
    assert stars.tolist() == [4.0, 5.0, 2.0] and [cat.titles[i] for i in skip] == ["Alien (1979)"] and unknown == []
    # Viewing it on another release changes nothing in the file: ids and space as they were made.
    assert {(r.movie_id, r.space) for r in store.load("me").ratings.values()} == {
        (1, MOVIELENS_SPACE), (2, MOVIELENS_SPACE), (3, MOVIELENS_SPACE)}


def test_a_film_the_other_release_lacks_is_reported_missing_not_mapped_to_another(latest, ml100k):
    store = ProfileStore()
    store.rate("me", FILMS["Only In Latest (2001)"][0], 5, "Only In Latest (2001)")  # ml-100k's id 6 is another film
    store.rate("me", FILMS["Twin (1990)"][0], 4, "Twin (1990)")  # two films of that title there: ambiguous
    store.rate("me", FILMS["Casino (1995)"][0], 3, "Casino (1995)")
    store.watch("me", FILMS["Only In Latest (2001)"][0] + 100, "Only In Latest (2001)")  # an id nobody has
    store.watch("me", FILMS["Twin (1990)"][0], "Twin (1990)")
    profile = store.load("me")
    on_100k = Engine(str(ml100k), "cpu")
    items, _, _, unknown = on_100k.profile_items(profile)
    assert [on_100k.dataset.catalog.titles[i] for i in items] == ["Casino (1995)"]
    assert sorted(unknown) == [FILMS["Only In Latest (2001)"][0], FILMS["Twin (1990)"][0]]
    rows = on_100k.watchlist_films(profile)
    assert all(r.index is None for r in rows) and {r.title for r in rows} == {"Only In Latest (2001)", "Twin (1990)"}
    ranked = on_100k.watchlist(profile, mode="content")
    assert [r.index for r in ranked] == [None, None]  # listed last, unscored, never another film
    picks = on_100k.recommend(profile, n=20, diversity=0.0, mode="content")
    assert "Casino (1995)" not in {p.title for p in picks.picks}  # rated (by title): not a pick
    assert "Only In 100k (1996)" in {p.title for p in picks.picks}  # raw id 6 here: not taken for the rated film


def test_a_rating_made_on_ml100k_keeps_its_space_and_replaces_the_same_film_rated_elsewhere(latest, ml100k, home):
    store = ProfileStore()
    store.rate("me", FILMS["Toy Story (1995)"][0], 5, "Toy Story (1995)")
    store.rate("me", FILMS["Jumanji (1995)"][0], 2, "Jumanji (1995)")
    on_100k = Engine(str(ml100k), "cpu")
    toy = on_100k.find_title("Toy Story (1995)")
    assert on_100k.film(toy).movie_id == 2  # the movielens id of Jumanji
    store.rate("me", 2, 3, "Toy Story (1995)", space=on_100k.id_space, same=on_100k.same_film(toy))
    profile = store.load("me")
    # Toy Story's movielens rating was replaced by the ml-100k one; Jumanji (movielens id 2) is untouched.
    assert {(r.movie_id, r.space, r.title, r.stars) for r in profile.ratings.values()} == {
        (2, ML100K_SPACE, "Toy Story (1995)", 3.0), (2, MOVIELENS_SPACE, "Jumanji (1995)", 2.0)}
    data = json.loads((home / "data" / "profiles" / "me.json").read_text())
    assert data["version"] == 2 and {e["space"] for e in data["ratings"]} == {ML100K_SPACE, MOVIELENS_SPACE}
    on_latest = Engine(str(latest), "cpu")
    rated = on_latest.profile_films(profile)[0]
    assert {on_latest.dataset.catalog.titles[i]: r.stars for i, r in rated.items()} == {
        "Toy Story (1995)": 3.0, "Jumanji (1995)": 2.0}
    # Taken back on the latest release: the ml-100k entry of that film goes, matched by title.
    assert store.unrate("me", 1, space=on_latest.id_space, same=on_latest.same_film(on_latest.find_title("Toy Story")))
    assert {r.title for r in store.load("me").ratings.values()} == {"Jumanji (1995)"}


def test_one_film_rated_on_both_releases_counts_once_the_newer(ml100k):
    on_100k = Engine(str(ml100k), "cpu")
    profile = Profile("x")
    for entry in (profiles.Rating(1, 5.0, 10.0, "Toy Story (1995)"),
                  profiles.Rating(2, 2.0, 20.0, "Toy Story (1995)", ML100K_SPACE),
                  profiles.Rating(3, 4.0, 30.0, "Heat (1995)", "movielens")):  # dismissed later on ml-100k:
        profile.ratings[entry.key] = entry
    profile.not_interested[(ML100K_SPACE, 1)] = profiles.Rating(1, 0.0, 40.0, "Heat (1995)", ML100K_SPACE)
    rated, dismissed = on_100k.profile_films(profile)
    cat = on_100k.dataset.catalog
    assert {cat.titles[i]: r.stars for i, r in rated.items()} == {"Toy Story (1995)": 2.0}
    assert _titles(on_100k, dismissed) == {"Heat (1995)"}


def test_an_old_profile_file_without_spaces_is_read_as_movielens(home, ml100k):
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    old = {"format": "movierec-profile", "version": 1, "name": "default",
           "ratings": [{"movie_id": 1, "title": "Toy Story (1995)", "stars": 4.5, "time": 1.0}],
           "not_interested": [], "watchlist": [{"movie_id": 4, "title": "Matrix, The (1999)", "time": 2.0}]}
    (folder / "default.json").write_text(json.dumps(old))
    profile = ProfileStore().load("default")
    assert [(r.movie_id, r.space) for r in profile.entries()] == [(1, MOVIELENS_SPACE), (4, MOVIELENS_SPACE)]
    assert profile.ratings[1].stars == 4.5  # keyed by the id as before
    on_100k = Engine(str(ml100k), "cpu")
    assert _titles(on_100k, on_100k.profile_films(profile)[0]) == {"Toy Story (1995)"}
    ProfileStore().watch("default", 9, "Casino (1995)")  # written again: version 1, every entry says its space
    data = json.loads((folder / "default.json").read_text())
    assert data["version"] == 1 and [e["space"] for e in data["watchlist"]] == [MOVIELENS_SPACE, MOVIELENS_SPACE]


@pytest.mark.parametrize("space", [5, None, "", ["ml-100k"], "ML 100K"])
def test_a_wrong_id_space_is_damage_and_the_rest_is_salvaged(home, space):
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    text = json.dumps({"format": "movierec-profile", "version": 2, "name": "default",
                       "ratings": [{"movie_id": 1, "title": "Toy Story (1995)", "stars": 4.5, "time": 1.0},
                                   {"movie_id": 2, "title": "Heat (1995)", "stars": 3, "time": 2.0, "space": space},
                                   {"movie_id": 3, "title": "Jumanji (1995)", "stars": 3, "time": 3.0,
                                    "space": ML100K_SPACE}]})
    (folder / "default.json").write_text(text)
    with pytest.raises(ProfileError, match="bad id space") as err:
        ProfileStore().load("default")
    assert "2 valid entries were kept and 1 dropped" in str(err.value)
    assert [p.read_text() for p in folder.iterdir() if ".damaged-" in p.name] == [text]
    kept = ProfileStore().load("default")
    assert {(r.movie_id, r.space) for r in kept.ratings.values()} == {(1, MOVIELENS_SPACE), (3, ML100K_SPACE)}


def test_export_and_import_keep_the_space(tmp_path, ml100k):
    store = ProfileStore()
    store.rate("a", 1, 5, "Toy Story (1995)")
    store.rate("a", 2, 4, "Toy Story (1995)", space=ML100K_SPACE)
    store.watch("a", 5, "Matrix, The (1999)", space=ML100K_SPACE)
    store.not_interested("a", 3, "Jumanji (1995)", space=ML100K_SPACE)
    store.unwatch("a", 5, space=ML100K_SPACE)
    target = store.export("a", tmp_path / "a.json")
    assert json.loads(target.read_text())["version"] == 2
    merged = store.import_file(target, "b")
    original = store.load("a")
    for part in ("ratings", "not_interested", "watchlist", "unwatched"):
        assert getattr(merged, part) == getattr(original, part), part
    assert set(merged.ratings) == {1, (ML100K_SPACE, 2)} and set(merged.unwatched) == {(ML100K_SPACE, 5)}
    assert store.import_file(target, "b") == merged  # again: nothing changes


def _run(release: Path, *args: str):
    return CliRunner().invoke(cli, ["--headless", "--dataset", str(release), *args])


def test_the_cli_rates_and_lists_through_the_engine_mapping(latest, ml100k):
    assert _run(latest, "rate", "Toy Story", "5").exit_code == 0
    assert _run(latest, "rate", "Jumanji", "2").exit_code == 0
    assert _run(latest, "watch", "Alien").exit_code == 0
    out = _run(ml100k, "recommend", "--mode", "content", "--n", "20", "--json")
    assert out.exit_code == 0, out.output
    picks = {p["title"]: p for p in json.loads(out.output)["picks"]}
    assert "Toy Story (1995)" not in picks and "Jumanji (1995)" not in picks  # rated, by title
    assert picks["Alien (1979)"]["watchlist"] and not picks["Heat (1995)"]["watchlist"]
    result = _run(ml100k, "rate", "Toy Story", "3")  # ml-100k's id 2: Jumanji's movielens id
    assert result.exit_code == 0 and "has 2 ratings" in result.output, result.output
    listed = json.loads(_run(ml100k, "ratings", "--json").output)["ratings"]
    assert {(r["title"], r["stars"], r["space"]) for r in listed} == {
        ("Toy Story (1995)", 3.0, ML100K_SPACE), ("Jumanji (1995)", 2.0, MOVIELENS_SPACE)}
    assert _run(ml100k, "unwatch", "Alien").exit_code == 0  # listed on the latest release, taken off here
    assert json.loads(_run(latest, "watchlist", "--json").output)["watchlist"] == []
    assert _run(latest, "unrate", "Toy Story").exit_code == 0  # rated on ml-100k, taken back on the latest
    assert [r["title"] for r in json.loads(_run(latest, "ratings", "--json").output)["ratings"]] == ["Jumanji (1995)"]


def test_letterboxd_export_and_the_watchlist_of_another_space_name_films_by_title(latest):
    from movierec.store.exports import letterboxd_rows

    profile = Profile("x")
    for entry in (profiles.Rating(2, 4.0, 10.0, "Toy Story (1995)", ML100K_SPACE),  # movielens 2 is Jumanji
                  profiles.Rating(6, 3.0, 20.0, "Only In 100k (1996)", ML100K_SPACE)):
        profile.ratings[entry.key] = entry
    profile.watchlist[(ML100K_SPACE, 6)] = profiles.Rating(6, 0.0, 30.0, "Only In 100k (1996)", ML100K_SPACE)
    on_latest = Engine(str(latest), "cpu")
    rows = letterboxd_rows(profile, on_latest.dataset.catalog)
    assert [(r["Title"], r["Year"], r["imdbID"]) for r in rows] == [
        ("Toy Story", 1995, "tt0000001"), ("Only In 100k", 1996, "")]
    [row] = on_latest.watchlist_films(profile)
    assert row.index is None and row.title == "Only In 100k (1996)" and row.ref == "ml-100k:6"


def test_an_entry_whose_title_names_another_film_of_this_release_is_that_film(home, latest):
    """A profile written on ml-100k before entries kept their space reads as "movielens": its id 2 (Toy Story
    there) is Jumanji here. The stored title wins when it names exactly one film; else the id stands."""
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    old = {"format": "movierec-profile", "version": 1, "name": "default",
           "ratings": [{"movie_id": 2, "title": "Toy Story (1995)", "stars": 5.0, "time": 1.0},  # ml-100k's id
                       {"movie_id": 3, "title": "Heat (1995)", "stars": 4.0, "time": 2.0},  # agrees
                       {"movie_id": 5, "title": "Alien (a.k.a. Something Else) (1979)", "stars": 3.0,
                        "time": 3.0},  # a title this release spells otherwise: the id stands
                       {"movie_id": 7, "title": "Twin (1990)", "stars": 2.0, "time": 4.0}],
           "not_interested": [], "watchlist": []}
    (folder / "default.json").write_text(json.dumps(old))
    profile = ProfileStore().load("default")
    engine = Engine(str(latest), "cpu")
    rated = engine.profile_films(profile)[0]
    titles = {engine.dataset.catalog.titles[i]: r.stars for i, r in rated.items()}
    assert titles == {"Toy Story (1995)": 5.0, "Heat (1995)": 4.0, "Alien (1979)": 3.0, "Twin (1990)": 2.0}
    assert engine.entry_index(profile.ratings[2]) == engine.index_of(1)  # Toy Story's id here
    assert "Jumanji (1995)" not in titles
