"""Item cold-start: the split (evaluation/coldstart.py), deepcontent on films nobody rated, `eval --cold-items`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry as data_registry
from movierec.engine import Engine
from movierec.evaluation import coldstart
from movierec.models import registry
from movierec.models.content import ContentBased
from movierec.models.deepcontent import DeepContent, DeepContentConfig
from tests import factories


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return factories.write_latest(tmp_path_factory.mktemp("planted") / "decades", factories.decade_taste())


@pytest.fixture(scope="module")
def dataset(planted):
    return data_registry.load_dataset(str(planted))


def test_the_cold_split_keeps_every_cold_rating_out_of_training(dataset):
    ds = dataset
    cold = coldstart.cold_split(ds, 0.2, seed=3)
    s = cold.split
    counts = np.bincount(ds.items, minlength=ds.n_items)
    eligible = np.flatnonzero(counts >= coldstart.MIN_RATINGS)
    assert cold.eligible == eligible.size and cold.cold.size == round(0.2 * eligible.size)
    assert np.isin(cold.cold, eligible).all()
    is_cold = np.isin(np.arange(ds.n_items), cold.cold)
    # No rating of a cold film in training, in validation, or in the catalogue's counts and means.
    assert not is_cold[s.train_items].any() and not is_cold[s.valid_items].any()
    assert (cold.catalog.n_ratings[cold.cold] == 0).all() and (cold.catalog.mean_rating[cold.cold] == 0).all()
    assert cold.cold_ratings == int(is_cold[ds.items].sum())
    # Every warm rating is in training or validation: train + validation + cold ratings = the dataset.
    assert s.train_items.size + s.valid_items.size + cold.cold_ratings == ds.items.size
    # Each user who rated a cold film is tested on their latest cold rating, against cold films they did not rate.
    raters = np.unique(ds.users[is_cold[ds.items]])
    assert np.array_equal(np.sort(s.test_users), raters)
    rated = set(zip(ds.users.tolist(), ds.items.tolist()))
    stamp = {(u, i): t for u, i, t in zip(ds.users.tolist(), ds.items.tolist(), ds.timestamps.tolist())}
    for row, (u, item) in enumerate(zip(s.test_users.tolist(), s.test_items.tolist())):
        latest = max(t for (uu, i), t in stamp.items() if uu == u and is_cold[i])
        assert is_cold[item] and (u, item) in rated and stamp[(u, item)] == latest
        others = cold.candidates[row, 1:]
        others = others[others >= 0]
        assert is_cold[others].all() and not any((u, int(i)) in rated for i in others)
        assert np.unique(others).size == others.size
    # The same seed, the same split; another seed, other cold films.
    again = coldstart.cold_split(ds, 0.2, seed=3)
    assert np.array_equal(again.cold, cold.cold) and np.array_equal(again.candidates, cold.candidates)
    assert not np.array_equal(coldstart.cold_split(ds, 0.2, seed=4).cold, cold.cold)


def test_deepcontent_fitted_on_the_cold_split_never_sees_a_cold_rating(dataset):
    cold = coldstart.cold_split(dataset, 0.2, seed=0)
    model = DeepContent(DeepContentConfig(seed=0))
    model.fit(cold.split.with_validation(), cold.catalog)
    assert (model.counts[cold.cold] == 0).all()
    # The collaborative space has no trace of a cold film: its vector is predicted from its features alone.
    assert not model.collab[cold.cold].any()
    np.testing.assert_array_equal(model.film_vectors()[cold.cold], model.predicted[cold.cold])


def test_a_film_with_no_ratings_at_all_gets_finite_scores(dataset):
    never = [i for i, t in enumerate(dataset.catalog.titles) if "never rated" in t]
    assert never and dataset.catalog.n_ratings[never].sum() == 0
    split = coldstart.cold_split(dataset, 0.2, seed=0).split.with_validation()
    model = DeepContent(DeepContentConfig(seed=0))
    model.fit(split, dataset.catalog)
    full = model.score_all(np.arange(dataset.n_users))
    assert np.isfinite(full).all() and np.isfinite(full[:, never]).all() and full[:, never].std() > 0
    profile = model.profile_scores(np.array([0, 4, 8]), np.array([5.0, 4.5, 4.0]))
    assert profile.shape == (dataset.n_items,) and np.isfinite(profile).all()
    assert all(np.isfinite(s) for _, s in model.similar(never[0], 5))


def test_deepcontent_learns_a_planted_content_to_taste_rule(dataset):
    """Taste follows the decade; genres are noise (and there are no tags). On films nobody rated in training, deepcontent
    ranks a user's film in the top 10 of the other cold films far more often than chance or the genre/tag
    cosine does."""
    cold = coldstart.cold_split(dataset, 0.2, seed=0)
    deep = DeepContent(DeepContentConfig(seed=0))
    deep.fit(cold.split.with_validation(), cold.catalog)
    content = ContentBased()
    content.fit(cold.split.with_validation(), cold.catalog)
    hr_deep, _ = coldstart.evaluate(deep, cold, k=10)
    hr_content, _ = coldstart.evaluate(content, cold, k=10)
    chance = 10 / (cold.candidates >= 0).sum(axis=1).mean()
    assert hr_deep >= 0.8 and hr_deep > hr_content + 0.3 and hr_deep > chance + 0.3, (hr_deep, hr_content, chance)


def test_eval_cold_items_json(planted):
    result = CliRunner().invoke(cli, ["--headless", "eval", "--dataset", str(planted), "--cold-items", "0.2",
                                      "--epochs", "5", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["protocol"] == "cold-items" and out["cold_films"] == 32 and out["users"] > 0
    assert out["negatives"] == 31 and out["fraction"] == 0.2
    assert [r["model"] for r in out["results"]] == list(registry.names())
    for r in out["results"]:
        applicable = registry.get(r["model"]).kind == "content"
        assert r["applicable"] == applicable
        if applicable:
            assert 0 <= r["ndcg"] <= r["hr"] <= 1 and r["reason"] is None
        else:  # not applicable is never a zero
            assert r["hr"] is None and r["ndcg"] is None and r["reason"]
    one = CliRunner().invoke(cli, ["--headless", "eval", "--dataset", str(planted), "--cold-items", "0.2",
                                   "--model", "ease", "--json"])
    assert json.loads(one.stdout)["results"][0]["applicable"] is False


@pytest.mark.parametrize("args, phrase", [
    (["--cold-items", "0.2", "--full"], "drop --full"),
    (["--cold-items", "0.001"], "needs at least 2"),
])
def test_eval_cold_items_refuses_in_one_line(planted, args, phrase):
    result = CliRunner().invoke(cli, ["--headless", "eval", "--dataset", str(planted), *args])
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert result.exit_code == 1 and len(errors) == 1 and phrase in errors[0], result.output


def test_picks_score_a_film_nobody_rated_from_the_learned_space_and_say_so(planted, home):
    from movierec.store.profiles import Profile, Rating

    engine = Engine(str(planted), "cpu")
    engine.train("neumf", seed=0, epochs=2, pretrain=False)  # the hybrid's fold-in model, quickly
    assert engine.get("deepcontent") is None  # none saved: the picks do not train one by themselves
    engine.train("deepcontent", seed=0)
    assert engine.get("deepcontent") is not None
    cat = engine.dataset.catalog
    never = next(i for i, t in enumerate(cat.titles) if t.startswith("Film never rated 0"))  # a 1950s film
    fifties = [i for i in range(0, 160, 4)][:8]  # films 0, 4, 8, ...: the 1950s kind
    profile = Profile("t")
    for k, idx in enumerate(fifties):
        mid = int(cat.item_ids.ids(idx)[0])
        profile.ratings[mid] = Rating(mid, 5.0, float(k))
    result = engine.recommend(profile, n=30, diversity=0.0)
    assert result.mix["deepcontent"] > 0
    picked = {p.index: p for p in result.picks}
    assert never in picked and picked[never].reason.startswith("new to the catalogue, like Film 0")
    # Its match reads the rank the learned space gave it (diversity 0: the list's order is the percentile's).
    percentiles = [p.percentile for p in result.picks]
    assert None not in percentiles and percentiles == sorted(percentiles, reverse=True)
    # More like this in the learned space: films of its decade first.
    film, rows = engine.similar(cat.titles[never], 10, learned=True)
    assert sum(1 for r in rows if 1950 <= r.year < 1960) >= 8


def test_a_damaged_deepcontent_checkpoint_is_set_aside_not_used(planted, home):
    from movierec.store import checkpoints

    engine = Engine(str(planted), "cpu")
    engine.train("deepcontent", seed=0, epochs=2)
    path = checkpoints.path_for(engine.dataset.fingerprint, "deepcontent")
    ckpt = checkpoints.load(path)
    state = dict(ckpt.state)
    state["space.users"] = state["space.users"][:-1]  # one user short
    checkpoints.save(path, state, ckpt.meta, ckpt.user_ids, ckpt.item_ids)
    fresh = Engine(str(planted), "cpu")
    assert fresh.get("deepcontent") is None  # the picks go on without it
    assert any("space.users" in note and "moved to" in note for note in fresh.notes)
    assert not path.exists()


def _rated_fifties(engine) -> None:
    from movierec.store.profiles import ProfileStore

    cat = engine.dataset.catalog
    for idx in range(0, 32, 4):  # films 0, 4, 8, ...: the 1950s kind
        ProfileStore().rate("default", int(cat.item_ids.ids(idx)[0]), 5.0)


def test_recommend_trains_deepcontent_once_after_the_foldin_model_and_blends_it(planted, home):
    from movierec.store import checkpoints

    engine = Engine(str(planted), "cpu")
    engine.train("neumf", seed=0, epochs=2, pretrain=False)
    _rated_fifties(engine)
    path = checkpoints.path_for(engine.dataset.fingerprint, "deepcontent")
    assert not path.exists()
    args = ["--headless", "recommend", "--dataset", str(planted), "--n", "30", "--diversity", "0"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "note: training deepcontent: no saved model yet" in first.output and path.exists()
    assert "deepcontent" in first.output.split("mix:")[1].split(";")[0]
    stamp = path.stat().st_mtime_ns
    again = CliRunner().invoke(cli, [*args, "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["mix"]["deepcontent"] > 0
    assert any(p["reason"].startswith("new to the catalogue, like") for p in data["picks"])
    assert path.stat().st_mtime_ns == stamp and "training deepcontent" not in again.output  # saved: not again
    # Other modes do not need it; content never trains a model.
    content = CliRunner().invoke(cli, [*args, "--mode", "content", "--json"])
    assert content.exit_code == 0 and "deepcontent" not in json.loads(content.stdout)["mix"]


def test_recommend_goes_on_without_deepcontent_when_it_cannot_train(planted, home, monkeypatch):
    from movierec.errors import MovieRecError

    engine = Engine(str(planted), "cpu")
    engine.train("neumf", seed=0, epochs=2, pretrain=False)
    _rated_fifties(engine)

    def refuse(self, *args, **kwargs):
        raise MovieRecError("no film features to learn from")

    monkeypatch.setattr(DeepContent, "fit", refuse)
    result = CliRunner().invoke(cli, ["--headless", "recommend", "--dataset", str(planted), "--json"])
    assert result.exit_code == 0, result.output
    assert "note: films with few ratings are scored without deepcontent: no film features to learn from" in result.output
    data = json.loads(result.stdout)
    assert len(data["picks"]) == 10 and "deepcontent" not in data["mix"]


def test_similar_learned_trains_deepcontent_once_and_an_unknown_title_trains_nothing(planted, home):
    from movierec.store import checkpoints

    engine = Engine(str(planted), "cpu")
    path = checkpoints.path_for(engine.dataset.fingerprint, "deepcontent")
    base = ["--headless", "similar", "--dataset", str(planted), "--learned"]
    wrong = CliRunner().invoke(cli, [*base, "No such film at all (1800)"])
    assert wrong.exit_code == 1 and wrong.output.startswith("error:") and not path.exists(), wrong.output
    title = next(t for t in engine.dataset.catalog.titles if t.startswith("Film never rated 0"))
    first = CliRunner().invoke(cli, [*base, title, "--n", "10", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert data["space"] == "learned" and path.exists() and len(data["similar"]) == 10
    assert sum(1 for r in data["similar"] if 1950 <= r["year"] < 1960) >= 8  # its decade: the planted taste
    stamp = path.stat().st_mtime_ns
    again = CliRunner().invoke(cli, [*base, title, "--n", "10"])
    assert again.exit_code == 0 and "training deepcontent" not in again.output and path.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("damage", ["truncated", "another model's file"])
def test_a_bad_deepcontent_checkpoint_is_set_aside_and_trained_again_in_the_same_call(planted, home, damage):
    from movierec.store import checkpoints

    engine = Engine(str(planted), "cpu")
    engine.train("neumf", seed=0, epochs=2, pretrain=False)
    engine.train("deepcontent", seed=0, epochs=2)
    _rated_fifties(engine)
    path = checkpoints.path_for(engine.dataset.fingerprint, "deepcontent")
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        path.write_bytes(checkpoints.path_for(engine.dataset.fingerprint, "neumf").read_bytes())
    for args in (["recommend", "--json"], ["similar", "--learned", "--json", engine.dataset.catalog.titles[0]]):
        result = CliRunner().invoke(cli, ["--headless", args[0], "--dataset", str(planted), *args[1:]])
        assert result.exit_code == 0, result.output
        assert "training deepcontent: no saved model yet" in result.output
        json.loads(result.stdout)
        if args[0] == "recommend":
            assert "moved to" in result.output and json.loads(result.stdout)["mix"]["deepcontent"] > 0
            path.write_bytes(b"\x00" * 64)  # damaged again, for similar --learned
    assert path.stat().st_size > 1000 and len(list(path.parent.glob("deepcontent.damaged-*"))) == 2


def test_a_pick_from_the_learned_space_says_new_only_when_nobody_rated_it(dataset):
    from movierec.picks.scoring import Pick, new_film_reasons

    cat = dataset.catalog
    unrated = int(np.flatnonzero(cat.n_ratings == 0)[0])
    few = int(np.flatnonzero(cat.n_ratings > 0)[0])
    liked = np.array([few + 1])
    picks = [Pick(i, 0, cat.titles[i], None, [], 1.0, "because") for i in (unrated, few, few + 2)]
    share = np.zeros(len(cat))
    share[[unrated, few]] = 0.8  # mostly from the learned space; few + 2 is not
    vectors = np.random.default_rng(0).normal(size=(len(cat), 4))
    new_film_reasons(picks, share, liked, vectors, cat)
    assert picks[0].reason.startswith("new to the catalogue, like ")
    assert picks[1].reason.startswith("few ratings so far, like ")
    assert picks[2].reason == "because"


def test_cached_profile_scores_follow_the_models_held(planted, home):
    """The matches of other lists (search, more like this) read the latest picks' scores: once deepcontent (or
    a retrained model) arrives they are computed again, not read stale; the fold-in is kept unless the fold-in
    model itself changed."""
    from movierec.store.profiles import Profile, Rating

    engine = Engine(str(planted), "cpu")
    engine.train("neumf", seed=0, epochs=2, pretrain=False)
    cat = engine.dataset.catalog
    profile = Profile("t")
    for k, idx in enumerate(range(0, 40, 4)):
        mid = int(cat.item_ids.ids(idx)[0])
        profile.ratings[mid] = Rating(mid, 5.0, float(k))
    films = list(range(100, 160))
    before = engine.film_matches(profile, films, compute=True)
    assert engine.film_matches(profile, films) == before  # cached: the UI thread's read gives the same
    fold = engine.picks._fold_cache
    engine.train("deepcontent", seed=0, epochs=2)
    assert engine.film_matches(profile, films) == [None] * len(films)  # stale: not read any more
    after = engine.film_matches(profile, films, compute=True)
    assert after != before and engine.film_matches(profile, films) == after
    assert engine.picks._fold_cache is fold  # deepcontent changes no fold-in: it was not fitted again
    engine.train("neumf", seed=1, epochs=2, pretrain=False, force=True)
    engine.film_matches(profile, films, compute=True)
    assert engine.picks._fold_cache is not fold  # a retrained fold-in model: the profile is folded in again
