import json
import multiprocessing as mp

import pytest

from movierec.errors import ProfileError
from movierec.store.profiles import Profile, ProfileStore, check_stars


def test_rate_unrate_and_not_interested(home):
    store = ProfileStore()
    store.rate("default", 1, 4.5, "Toy Story (1995)")
    store.rate("default", 2, 2, "Jumanji (1995)")
    store.not_interested("default", 3, "Heat (1995)")
    p = store.load("default")
    assert {m: r.stars for m, r in p.ratings.items()} == {1: 4.5, 2: 2.0}
    assert set(p.not_interested) == {3}
    store.not_interested("default", 2)  # a dismissed film loses its rating
    assert set(store.load("default").ratings) == {1}
    assert store.unrate("default", 1) and not store.unrate("default", 1)
    assert store.names() == ["default"]


@pytest.mark.parametrize("bad", [0, 0.25, 5.5, -1, float("nan"), 3.3])
def test_stars_must_be_half_steps_in_range(bad):
    with pytest.raises(ProfileError):
        check_stars(bad)


def test_file_is_json_with_titles(home):
    ProfileStore().rate("me", 10, 3.5, "Title [bold]x[/]")
    data = json.loads((home / "data" / "profiles" / "me.json").read_text())
    assert data["format"] == "movierec-profile"
    assert data["version"] == 1  # every entry in the "movielens" id space: what an older movierec reads right
    assert data["ratings"][0] == {"movie_id": 10, "title": "Title [bold]x[/]", "stars": 3.5,
                                  "time": data["ratings"][0]["time"], "space": "movielens"}


@pytest.mark.parametrize("content", ["{not json", "", '{"format": "movierec-profile", "version": 1, "ratings": [{"movie_id": "x"}]}',
                                     '[1, 2]', '{"format": "other"}'])
def test_a_damaged_profile_is_moved_aside_never_overwritten(home, content):
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    (folder / "default.json").write_text(content)
    store = ProfileStore()
    with pytest.raises(ProfileError, match="moved to") as err:
        store.load("default")
    aside = [p for p in folder.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == content
    assert str(aside[0]) in str(err.value)
    # The app keeps working on an empty profile, and the damaged copy stays.
    assert store.load("default").ratings == {}
    store.rate("default", 1, 5)
    assert aside[0].read_text() == content


def test_export_and_import_round_trip(home, tmp_path):
    store = ProfileStore()
    store.rate("a", 1, 5, "One")
    store.not_interested("a", 2, "Two")
    target = tmp_path / "a.json"
    store.export("a", target)
    merged = store.import_file(target, "b")
    assert {m: r.stars for m, r in merged.ratings.items()} == {1: 5.0} and set(merged.not_interested) == {2}
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ProfileError, match="not a movierec profile"):
        store.import_file(tmp_path / "bad.json")


def test_invalid_profile_names(home):
    with pytest.raises(ProfileError):
        ProfileStore().load("../escape")


def _rate_many(home: str, start: int, count: int) -> None:
    import os

    os.environ["MOVIEREC_HOME"] = home
    store = ProfileStore()
    for m in range(start, start + count):
        store.rate("shared", m, 4.0)


def test_two_processes_rating_at_once_lose_nothing(home):
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_rate_many, args=(str(home), k * 1000, 150)) for k in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    ratings = ProfileStore().load("shared").ratings
    assert len(ratings) == 300
    assert set(ratings) == set(range(0, 150)) | set(range(1000, 1150))


def test_profile_json_schema_is_validated():
    with pytest.raises(ValueError):
        Profile.from_json({"format": "movierec-profile", "version": 1, "ratings": [{"movie_id": 1, "stars": 9}]})
    p = Profile.from_json({"format": "movierec-profile", "version": 1, "ratings": [{"movie_id": 1, "stars": 4}]})
    assert p.ratings[1].stars == 4.0


def test_create_writes_an_empty_profile_at_once_and_keeps_an_existing_one(home):
    """Issue 24 item 5: a profile made and given no rating has its file (it was written with the first rating)."""
    store = ProfileStore()
    profile, made = store.create("partner")
    assert made and not profile.ratings and store.names() == ["partner"]
    assert store.load("partner").name == "partner" and not list(store.folder.glob("*.tmp*"))
    store.rate("partner", 1, 4.0)
    again, made = store.create("partner")
    assert not made and len(again.ratings) == 1 and len(store.load("partner").ratings) == 1
