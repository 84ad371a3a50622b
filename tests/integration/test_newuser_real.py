"""Acceptance of the new-user engine on the bundled ml-latest-small."""

from __future__ import annotations

import pytest

from movierec.engine import Engine
from movierec.store.profiles import Profile, Rating
from tests.conftest import copy_cache


@pytest.fixture(scope="module")
def engine(tmp_path_factory, neumf_cache):
    import os

    old = os.environ.get("MOVIEREC_HOME")
    os.environ["MOVIEREC_HOME"] = str(copy_cache(neumf_cache, tmp_path_factory.mktemp("home")))
    try:
        e = Engine(None, "cpu")
        assert e.get("ncf") is not None  # the session's NeuMF, loaded, not trained again
    finally:
        if old is None:
            os.environ.pop("MOVIEREC_HOME", None)
        else:
            os.environ["MOVIEREC_HOME"] = old
    yield e


def _profile(engine, pairs):
    cat = engine.dataset.catalog
    p = Profile("t")
    for title, stars in pairs:
        i = engine.find_title(title)
        mid = int(cat.item_ids.ids(i)[0])
        p.ratings[mid] = Rating(mid, stars, 0.0, cat.titles[i])
    return p


@pytest.mark.slow
def test_pixar_fan_gets_animation_and_diversity_adds_variety(engine):
    pixar = _profile(engine, [("Toy Story", 5), ("Finding Nemo", 5), ("Monsters, Inc.", 5), ("Up", 5),
                              ("Incredibles, The", 5)])
    family = lambda r: sum(1 for p in r.picks if {"Animation", "Children"} & set(p.genres))
    plain = engine.recommend(pixar, diversity=0.0)
    assert len(plain.picks) == 10
    assert family(plain) >= 8
    assert {"Animation", "Children"} & set(plain.picks[0].genres)
    varied = engine.recommend(pixar, diversity=0.5)
    assert varied.genre_diversity >= plain.genre_diversity + 0.05
    assert family(varied) >= 5
    rated = set(pixar.ratings)
    assert not {p.movie_id for p in plain.picks + varied.picks} & rated
    assert any(p.reason.startswith("because you rated") for p in plain.picks)


@pytest.mark.slow
def test_horror_fan_who_hates_romance_gets_no_romance(engine):
    profile = _profile(engine, [("Shining, The", 5), ("Exorcist, The", 5), ("Halloween", 5), ("Alien", 5),
                                ("Thing, The", 5), ("Notebook, The", 1), ("Titanic", 1), ("Pretty Woman", 1),
                                ("Sleepless in Seattle", 1)])
    for diversity in (0.0, 0.2):
        result = engine.recommend(profile, diversity=diversity)
        assert len(result.picks) == 10
        assert not [p.title for p in result.picks if "Romance" in p.genres]


@pytest.mark.slow
def test_cold_start_list_spans_genres_and_decades(engine):
    rows = engine.cold_start(30)
    genres = {g for r in rows for g in r.genres}
    decades = {r.year // 10 for r in rows if r.year}
    assert len(rows) == 30 and len(genres) >= 12 and len(decades) >= 4
