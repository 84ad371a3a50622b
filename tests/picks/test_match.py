"""The predicted match: the monotone calibration on planted data, and the match recommend carries."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from movierec.picks import calibration
from movierec.cli import cli
from movierec.engine import Engine
from tests import factories


def test_pool_adjacent_violators_pools_a_rise_into_its_weighted_mean():
    assert np.allclose(calibration.pool_adjacent_violators(np.array([0.8, 0.6, 0.7]), np.ones(3)), [0.8, 0.65, 0.65])
    assert np.allclose(calibration.pool_adjacent_violators(np.array([0.2, 0.9]), np.array([3.0, 1.0])), [0.375, 0.375])
    done = np.array([0.9, 0.5, 0.1])
    assert np.allclose(calibration.pool_adjacent_violators(done, np.ones(3)), done)


def test_percentiles_count_the_candidates_below_and_half_the_ties():
    scores = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 2.0, 2.0, 9.0]])
    candidates = np.ones_like(scores, dtype=bool)
    candidates[0, 4] = False  # a rated film is no competitor
    got = calibration.percentiles(scores, candidates, np.array([3, 1]))
    assert np.allclose(got, [1.0, (1 + 0.5 * 2) / 4])
    one = calibration.percentiles_of(scores[1], candidates[1], np.array([1, 4, 0]))
    assert np.allclose(one, [(1 + 0.5 * 2) / 4, 1.0, 0.0])
    assert np.allclose(calibration.percentiles_of(scores[0], candidates[0], np.array([3]))[0], got[0])


def test_the_map_recovers_a_planted_monotone_relation():
    """Held-out films in the top 1% rated 4+ 80% of the time, the next 9% 60%, the rest 30%: the map says so,
    is monotone and stays in [0, 1]; a map fitted on half the data predicts the other half's rates."""
    rng = np.random.default_rng(0)
    q = 10 ** rng.uniform(-4, 0, 200_000)  # the share of candidates ranked above
    truth = np.where(q < 0.01, 0.8, np.where(q < 0.1, 0.6, 0.3))
    good = rng.random(q.size) < truth
    m = calibration.fit(1 - q, good)
    rates = np.array(m.rates)
    assert (np.diff(rates) <= 1e-12).all() and (rates >= 0).all() and (rates <= 1).all()
    centres = 10 ** calibration._centres(calibration.EDGES)
    planted = np.where(centres < 0.01, 0.8, np.where(centres < 0.1, 0.6, 0.3))
    inside = (centres < 0.005) | ((centres > 0.015) & (centres < 0.05)) | (centres > 0.15)  # not bins across a step
    assert np.abs(rates[inside] - planted[inside]).max() < 0.02
    assert m(1.0) == pytest.approx(0.8, abs=0.02) and m(0.5) == pytest.approx(0.3, abs=0.02)
    assert m.base_rate == pytest.approx(good.mean())
    half = rng.random(q.size) < 0.5
    for group in calibration.reliability(calibration.fit(1 - q[half], good[half]), 1 - q[~half], good[~half]):
        assert group["predicted"] == pytest.approx(group["observed"], abs=0.03)


def test_sparse_bins_sit_near_the_base_rate_and_a_noisy_rise_is_pooled():
    pct = np.array([0.99999] * 2 + [0.5] * 200)  # two held-out films at the top, both rated low
    good = np.array([False] * 2 + [True] * 100 + [False] * 100)
    m = calibration.fit(pct, good)
    assert (np.diff(m.rates) <= 1e-12).all()
    assert m(0.99999) == pytest.approx(m(0.5))  # two low ratings do not make the top worse than the middle
    assert 0.4 < m(0.99999) <= 0.5


def test_a_map_survives_json_and_a_damaged_one_is_refused():
    m = calibration.fit(np.linspace(0, 1, 50), np.arange(50) % 3 == 0, meta={"mode": "content"})
    back = calibration.MatchMap.from_json(json.loads(json.dumps(m.to_json())))
    assert back.rates == pytest.approx(m.rates) and back.meta == {"mode": "content"}
    for bad in ({}, {**m.to_json(), "rates": [2.0] * len(m.rates)}, {**m.to_json(), "edges": [0.0, 1.0]},
                {**m.to_json(), "rates": sorted(m.rates)[:-1] + [0.99]}, [1, 2]):
        with pytest.raises(ValueError):
            calibration.MatchMap.from_json(bad)


def _tastes(tmp_path):
    """Even users love even (comedy) films and dislike odd (horror) ones, odd users the other way; each
    user's latest rating (the held-out one) is a film of either kind, so some are rated 4+, some not."""
    data = factories.Synthetic([], [], [])
    n_items = 40
    for m in range(n_items):
        data.movies.append((m + 1, f"Film {m} (2000)", ["Comedy"] if m % 2 == 0 else ["Horror"]))
    for u in range(40):
        rng = np.random.default_rng(u)
        films = rng.permutation(n_items)[:24]
        for t, m in enumerate(films):
            stars = 5.0 if m % 2 == u % 2 else 1.5
            data.ratings.append((u + 1, int(m) + 1, stars, 1000 + t))
    return factories.write_latest(tmp_path / "tastes", data)


@pytest.fixture
def tastes_engine(tmp_path):
    return Engine(str(_tastes(tmp_path)), "cpu")


@pytest.mark.parametrize("mode", ["hybrid", "content"])
def test_recommend_json_carries_a_match_for_every_pick_higher_ranked_first(tastes_engine, mode):
    if mode == "hybrid":  # the content mode needs no trained model
        tastes_engine.train("neumf", epochs=15, batch_size=64, lr=0.01, patience=15, pretrain=False, refit="none")
    ds_path = tastes_engine.dataset_ref
    result = CliRunner().invoke(cli, ["--headless", "recommend", "--dataset", ds_path, "--rate", "Film 0 (2000)=5",
                                      "--rate", "Film 2 (2000)=4.5", "--rate", "Film 1 (2000)=1", "--mode", mode,
                                      "--diversity", "0", "--n", "8", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    matches = [p["match"] for p in out["picks"]]
    assert len(matches) == 8 and all(0.0 <= m <= 1.0 for m in matches)
    assert all(a >= b for a, b in zip(matches, matches[1:]))  # diversity 0: the list is in score order
    assert out["match"]["mode"] == mode and out["match"]["scale"] == "0-1"
    assert 0 < out["match"]["base_rate"] < 1
    saved = tastes_engine.matches.path(mode)
    assert saved.exists()  # computed once, then read back
    assert calibration.MatchMap.from_json(json.loads(saved.read_text())).meta["mode"] == mode


def test_a_mode_without_its_model_shows_no_match(tastes_engine):
    """No sequence model trained: no calibration, never a made-up number."""
    assert tastes_engine.match_map("sequence") is None
    assert not tastes_engine.matches.path("sequence").exists()


def test_a_damaged_calibration_file_is_computed_again(tastes_engine):
    path = tastes_engine.matches.path("content")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    m = tastes_engine.match_map("content")
    assert m is not None and m.n > 0
    assert json.loads(path.read_text())["format"] == calibration.FORMAT


def test_other_film_lists_get_the_match_the_picks_give(tastes_engine):
    from movierec.store.profiles import Profile, Rating

    engine = tastes_engine
    profile = Profile("t")
    for t, (film, stars) in enumerate(((0, 5.0), (2, 4.5), (1, 1.0))):
        movie_id = int(engine.dataset.catalog.item_ids.ids(film)[0])
        profile.ratings[movie_id] = Rating(movie_id, stars, float(t))
    assert engine.film_matches(profile, [4, 6], "content") == [None, None]  # nothing at hand, nothing computed
    picks = engine.recommend(profile, n=5, diversity=0.0, mode="content").picks
    got = engine.film_matches(profile, [p.index for p in picks] + [0], "content")
    assert got[:-1] == pytest.approx([p.match for p in picks]) and got[-1] is None  # a rated film: your stars
    more = int(engine.dataset.catalog.item_ids.ids(8)[0])
    profile.ratings[more] = Rating(more, 4.0, 9.0)
    assert engine.film_matches(profile, [4], "content") == [None]  # the profile changed: not at hand any more
    assert engine.film_matches(profile, [4], "content", compute=True)[0] is not None


@pytest.mark.parametrize("mode", ["content", "hybrid", "ncf"])
def test_the_calibration_scores_a_profile_as_recommend_does(tastes_engine, mode):
    """personal_scores_rows (many dataset users at once) gives the scores personal_scores gives one profile."""
    from movierec.picks.scoring import personal_scores, personal_scores_rows, popular_scores

    engine = tastes_engine
    cat = engine.dataset.catalog
    n = len(cat)
    items = np.array([0, 2, 1, 5], dtype=np.int64)
    stars = np.array([5.0, 4.5, 1.0, 3.0], dtype=np.float32)
    weights = np.array([0.7, 0.9, 1.1, 1.3], dtype=np.float32)
    candidates = np.ones(n, dtype=bool)
    candidates[items] = False
    own = np.random.default_rng(0).normal(size=n)
    one, _, _ = personal_scores(cat, engine.content, items, stars, np.zeros(0, np.int64), candidates, mode,
                                {"ncf": lambda: own}, None, weights)
    rows = personal_scores_rows(engine.content, popular_scores(cat), mode, np.zeros(items.size, np.int64), items,
                                stars, weights, candidates[None, :], None if mode == "content" else own[None, :])
    assert np.allclose(rows[0], one, atol=1e-5)
