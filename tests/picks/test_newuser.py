"""Fold-in, MMR, blending and the recommend command on small generated data."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from movierec.cli import cli
from movierec.models.ncf.foldin import FoldInConfig, fold_in, score_items
from movierec.models.ncf.modules import GMF, NeuMF
from movierec.picks.scoring import cold_start_list
from movierec.picks.rerank import list_diversity, mmr, mmr_batch
from movierec.store.profiles import Profile, Rating
from tests.conftest import engine_reusing, train_for_module
from tests.factories import checkerboard


BOARD_NEUMF = dict(epochs=40, batch_size=64, lr=0.01, patience=40, refit="none")  # refit: tests/models/test_final_fit.py


@pytest.fixture(scope="module")
def board_cache(tmp_path_factory):
    """The checkerboard and its NeuMF, trained once for this module (it was trained again for each of 9 tests:
    about 10 s each on a busy 2-core machine); each test reuses the saved model from a copy of this cache."""
    folder = tmp_path_factory.mktemp("board")
    release = checkerboard(folder)
    return release, train_for_module(folder, release, "neumf", **BOARD_NEUMF)


@pytest.fixture
def board_engine(board_cache, home):
    release, cache = board_cache
    return engine_reusing(cache, home, release, "neumf", **BOARD_NEUMF)


def test_fold_in_leaves_the_model_frozen_and_is_deterministic():
    torch.manual_seed(0)
    model = NeuMF(10, 30, 8, 8)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    trainable = [p.requires_grad for p in model.parameters()]  # NeuMF's parts' own output layers are frozen
    a = fold_in(model, np.array([1, 2, 3]), np.array([4]), 30, FoldInConfig(steps=30, seed=3))
    b = fold_in(model, np.array([1, 2, 3]), np.array([4]), 30, FoldInConfig(steps=30, seed=3))
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert all(torch.equal(x, y) for x, y in zip(a.vectors, b.vectors))
    assert [p.requires_grad for p in model.parameters()] == trainable
    assert len(a.vectors) == 2 and a.vectors[0].shape == (8,)


def test_fold_in_recovers_a_checkerboard_user(board_engine):
    """A new user who likes three even films gets even films on top, odd ones at the bottom."""
    rec = board_engine.get("ncf", train=True)
    n = board_engine.dataset.n_items
    liked = np.array([0, 2, 4])
    res = fold_in(rec.module, liked, np.array([1]), n, FoldInConfig(seed=0))
    scores = score_items(rec.module, res.vectors)
    scores[liked] = -np.inf
    scores[1] = -np.inf
    top = np.argsort(-scores)[:5]
    assert all(i % 2 == 0 for i in top)


def _profile(engine, pairs):
    cat = engine.dataset.catalog
    p = Profile("t")
    for idx, stars in pairs:
        mid = int(cat.item_ids.ids(idx)[0])
        p.ratings[mid] = Rating(mid, stars, 0.0)
    return p


def test_recommend_never_shows_rated_or_dismissed_films(board_engine):
    engine = board_engine
    profile = _profile(engine, [(0, 5), (2, 5), (4, 4.5), (1, 1)])
    dismissed = int(engine.dataset.item_ids.ids(6)[0])
    profile.not_interested[dismissed] = Rating(dismissed, 0, 0)
    result = engine.recommend(profile, n=8, diversity=0.0)
    shown = {p.index for p in result.picks}
    assert not shown & {0, 1, 2, 4, 6}
    assert all(p.reason for p in result.picks)
    # 3 liked films: a blend that leans on content, and says so.
    assert result.mix == {"ncf": 0.375, "content": 0.625}
    assert [p.index % 2 for p in result.picks[:5]] == [0] * 5


@pytest.mark.parametrize("pairs, expect", [
    ([(0, 5)], {"ncf": round(1 / 6, 3), "content": round(5 / 6, 3)}),  # one rating
    ([(0, 1), (2, 0.5)], None),  # only bad ratings
    ([], {"popular": 1.0}),  # no ratings
])
def test_edge_profiles(board_engine, pairs, expect):
    result = board_engine.recommend(_profile(board_engine, pairs), n=5)
    assert len(result.picks) == 5
    assert not {p.index for p in result.picks} & {i for i, _ in pairs}
    if expect is not None:
        assert result.mix == expect
    else:
        # Popular films pull a third of the scores; the shares of the mix add up to one.
        assert abs(result.mix.get("popular") - 1 / 3) < 1e-9 and abs(sum(result.mix.values()) - 1) < 1e-9
        # Steered away from what was disliked: the disliked parity is not on top.
        assert result.picks[0].index % 2 == 1


def test_filters(board_engine):
    result = board_engine.recommend(_profile(board_engine, [(0, 5)]), n=5, genres=["Horror"])
    assert result.picks and all("Horror" in p.genres for p in result.picks)
    with pytest.raises(Exception, match="unknown genre"):
        board_engine.recommend(_profile(board_engine, [(0, 5)]), genres=["Cowboy"])


def test_mmr_trades_relevance_for_diversity():
    genres = np.array([[1, 0, 0]] * 5 + [[0, 1, 0], [0, 0, 1]], dtype=np.float32)
    scores = np.array([1.0, 0.99, 0.98, 0.97, 0.96, 0.5, 0.4])
    cand = np.arange(7)
    assert mmr(scores, cand, genres, 3, 0.0).tolist() == [0, 1, 2]
    assert mmr(scores, cand, genres, 3, 0.7).tolist() == [0, 5, 6]
    batch = mmr_batch(scores[None, :], genres[None, :, :], 3, 0.7)
    assert batch.tolist() == [[0, 5, 6]]


def test_cold_start_spans_genres(board_engine):
    cat = board_engine.dataset.catalog
    picks = cold_start_list(cat, 6)
    assert len(picks) == len(set(picks)) == 6
    assert {cat.genre_names(i)[0] for i in picks} == {"Comedy", "Horror"}


def test_recommend_cli_json(board_engine):
    ds_path = board_engine.dataset_ref
    cat = board_engine.dataset.catalog
    result = CliRunner().invoke(cli, ["--headless", "recommend", "--dataset", ds_path, "--rate", f"{cat.titles[0]}=5",
                                      "--rate", f"{cat.titles[2]}=4.5", "--n", "4", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)  # notes (deepcontent trained once) go to stderr
    assert len(out["picks"]) == 4
    for pick in out["picks"]:
        assert set(pick) == {"movie_id", "title", "year", "genres", "score", "reason", "match", "percentile", "watchlist"}
    bad = CliRunner().invoke(cli, ["--headless", "recommend", "--dataset", ds_path, "--rate", "Nothing Like It=5"])
    assert bad.exit_code == 1 and bad.output.strip().splitlines()[-1].startswith("error: ")
    bad = CliRunner().invoke(cli, ["--headless", "recommend", "--dataset", ds_path, "--rate", "Film 0 (2000)"])
    assert bad.exit_code == 2 and "TITLE=STARS" in bad.output  # a usage error, as every malformed option


def test_rate_cli_round_trip(latest_release, home):
    runner = CliRunner()
    ok = runner.invoke(cli, ["--headless", "rate", "matrix", "4.5", "--dataset", str(latest_release), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["title"] == "Matrix, The (1999)"
    listed = json.loads(runner.invoke(cli, ["--headless", "ratings", "--json"]).output)
    assert [r["title"] for r in listed["ratings"]] == ["Matrix, The (1999)"]
    gone = runner.invoke(cli, ["--headless", "unrate", "Matrix, The", "--dataset", str(latest_release)])
    assert gone.exit_code == 0
    unknown = runner.invoke(cli, ["--headless", "rate", "qqqq zzzz wwww", "5", "--dataset", str(latest_release)])
    assert unknown.exit_code == 1 and unknown.output.startswith("error: ")
    bad_stars = runner.invoke(cli, ["--headless", "rate", "matrix", "9", "--dataset", str(latest_release)])
    assert bad_stars.exit_code == 1 and "half stars" in bad_stars.output


def test_corrupted_profile_cli_is_a_clear_error(latest_release, home):
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    (folder / "default.json").write_text("{{{")
    result = CliRunner().invoke(cli, ["--headless", "ratings"])
    assert result.exit_code == 1 and "moved to" in result.output
    assert any(".damaged-" in p.name for p in folder.iterdir())


def test_genre_diversity_helper():
    from movierec.data.catalog import Catalog
    from movierec.data.ids import Vocabulary

    cat = Catalog(Vocabulary(np.arange(3)), ["a", "b", "c"], np.zeros(3, np.int32),
                  np.array([[1, 0], [1, 0], [0, 1]], dtype=np.uint8))
    assert list_diversity(np.array([0, 1]), cat) == 0.0
    assert list_diversity(np.array([0, 2]), cat) == 1.0


@pytest.mark.parametrize("model_cls", [GMF])
def test_score_vectors_match_module_scores(model_cls):
    torch.manual_seed(0)
    m = model_cls(4, 9)
    full = m.score_all(torch.arange(4))
    vec = m.score_vectors([m.user.weight[torch.arange(4)]])
    torch.testing.assert_close(full, vec)


@pytest.mark.parametrize("text, span", [("1990-99", (1990, 1999)), ("1980-89", (1980, 1989)), ("1995-05", (1995, 2005)),
                                        ("1990-1999", (1990, 1999)), ("1990-", (1990, None)), ("-1980", (None, 1980)),
                                        ("1995", (1995, 1995)), ("", None)])
def test_year_ranges_read_as_the_year_box_suggests(text, span):
    from movierec.picks.scoring import parse_years

    assert parse_years(text) == span


@pytest.mark.parametrize("text, words", [("-", "name no year"), ("  -  ", "name no year"),
                                         ("1990-1980", "1990 is after 1980 (swap them)"),
                                         ("0-0", "a year has four digits"), ("95", "a year has four digits"),
                                         ("abc", "should look like")])
def test_year_ranges_that_name_no_years_are_refused_in_words(text, words):
    """The TUI's year box said 'filters on: None' for '-', 'filters on: 0' for '0-0', and for '1990-1980' 'no match
    with these filters; 8 without them' where the CLI says 'swap them' (fresh-eyes report)."""
    from movierec.errors import MovieRecError
    from movierec.picks.scoring import parse_years

    with pytest.raises(MovieRecError, match=re.escape(words)):
        parse_years(text)
