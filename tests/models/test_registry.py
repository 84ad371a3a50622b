"""The model registry's contract: every registered model passes the same tests (LensKit's ScorerTests).

Each entry is fitted through the engine (the one path that fits a model by name) on checkerboard
data: its scores have the right shape and are finite, candidate scores agree with full scores, a
personalising model ranks the held-out film first, the same seed gives the same scores, a
checkpointed model survives a save/load round trip bit for bit, and every ability it declares is
really there (and the protocols it satisfies are declared).
"""

from __future__ import annotations

import numpy as np
import pytest

from movierec.engine import Engine
from movierec.errors import MovieRecError
from movierec.evaluation.protocol import Protocol
from movierec.models import registry
from movierec.models.base import (Checkpointed, FoldsIn, HasBounds, KnownProfiles, Prepared, ProfileArrays,
                                  ReadsSequence, Recommender, ScoresProfile)
from tests.factories import checkerboard

#: Quick settings for any config that has these fields (others ignore them): a checkerboard is learnt
#: in a few dozen small epochs.
QUICK = dict(epochs=40, batch_size=64, lr=0.01, patience=40, pretrain=False)
ABILITY_PROTOCOLS = {"fold_in": FoldsIn, "sequence": ReadsSequence, "bounds": HasBounds, "prepared": Prepared}
NAMES = registry.names()


@pytest.fixture(scope="module")
def board_path(tmp_path_factory):
    return checkerboard(tmp_path_factory.mktemp("board"))


@pytest.fixture(scope="module")
def fitted(board_path, tmp_path_factory):
    """Every registered model fitted once on the checkerboard (module scope: the contract tests share them)."""
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("MOVIEREC_HOME", str(home))
    engine = Engine(str(board_path), "cpu")
    models = {name: engine.train(name, seed=0, **QUICK) for name in NAMES}
    mp.undo()
    return engine, models, home


def test_the_table_is_consistent():
    assert len(set(NAMES)) == len(NAMES) and registry.DEFAULT in NAMES
    modes = registry.modes()
    assert modes[0] == "hybrid" and len(set(modes)) == len(modes)
    for mode in modes[1:]:
        assert registry.for_mode(mode).mode == mode
    for spec in registry.SPECS:
        assert spec.abilities <= set(registry.ABILITIES), spec.name
        config = spec.make_config()
        if config is not None:  # settings survive JSON (checkpoints and tuned files keep them so)
            assert spec.make_config(config.to_json()) == config
        if spec.can("tune"):
            assert hasattr(spec.config_class(), "suggest") and hasattr(spec.model_class(), "tuning_objective")
    with pytest.raises(MovieRecError, match="unknown model 'nope'; choose one of"):
        registry.get("nope")


@pytest.mark.parametrize("name", NAMES)
def test_every_model_keeps_the_contract(fitted, name):
    engine, models, _ = fitted
    spec = registry.get(name)
    model, info = models[name]
    assert isinstance(model, Recommender) and model.name == name
    # What it declares is what it is.
    for ability, protocol in ABILITY_PROTOCOLS.items():
        assert isinstance(model, protocol) == spec.can(ability), f"{name}: {ability}"
    assert isinstance(model, Checkpointed) == spec.checkpointed
    assert (info.path is not None) == spec.checkpointed

    split, n_items = engine.split, engine.dataset.n_items
    users = np.arange(engine.dataset.n_users)
    full = model.score_all(users)
    assert full.shape == (users.size, n_items) and np.isfinite(full).all()
    candidates = np.random.default_rng(0).integers(0, n_items, size=(users.size, 7))
    candidates[:, -1] = -1  # padding, as the protocol sends for users with few unrated films
    picked = model.score(users, candidates)
    assert picked.shape == candidates.shape
    np.testing.assert_allclose(picked[:, :-1], np.take_along_axis(full, candidates[:, :-1], axis=1), rtol=1e-5, atol=1e-5)

    report = Protocol(split, k=1, negatives=10, seed=0).evaluate(model, engine.dataset.catalog)
    if spec.kind != "baseline":  # popularity cannot tell even from odd users: every film is as popular
        assert report.hr == 1.0, f"{name} did not learn the checkerboard (HR@1 {report.hr})"

    if spec.can("fold_in"):
        even = np.arange(0, n_items, 2)
        scores, _, _ = model.fold_in(even[:4], np.array([1, 3]), exclude=np.concatenate([even[:4], [1, 3]]),
                                     popularity=engine.dataset.catalog.n_ratings, seed=0)
        assert scores.shape == (n_items,) and np.isfinite(scores).all()
        assert scores[even[4:]].mean() > scores[np.arange(5, n_items, 2)].mean()  # the user is even
    if spec.can("sequence"):
        scores = model.score_sequence(np.arange(0, 8, 2))  # an even user's films, oldest first
        assert scores.shape == (n_items,) and np.isfinite(scores).all()
        assert scores[np.arange(8, n_items, 2)].mean() > scores[np.arange(9, n_items, 2)].mean()


@pytest.mark.parametrize("name", NAMES)
def test_checkpoints_round_trip_and_the_same_seed_gives_the_same_scores(fitted, board_path, name, monkeypatch):
    engine, models, home = fitted
    spec = registry.get(name)
    users = np.arange(engine.dataset.n_users)
    monkeypatch.setenv("MOVIEREC_HOME", str(home))  # where the fitted models were saved
    again = Engine(str(board_path), "cpu")
    model, info = again.train(name, seed=0, **QUICK)
    assert info.reused == spec.checkpointed  # a checkpointed model comes back from disk, bit for bit
    np.testing.assert_array_equal(model.score_all(users), models[name][0].score_all(users))
    # Two fresh fits with one seed (a few epochs where the model trains in epochs): the same scores.
    short = {**QUICK, "epochs": 2}
    twice = []
    for _ in range(2):
        fresh = spec.build(spec.make_config({**short, "seed": 0}), "cpu")
        fresh.fit(engine.split if fresh.chooses_on_validation else engine.split.with_validation(), engine.dataset.catalog)
        twice.append(fresh.score_all(users))
    np.testing.assert_array_equal(twice[0], twice[1])


# -- modes: how a model serves a new user is an ability of the registry ------------------------------------------

def even_profile(n_items: int, seed: int = 0) -> ProfileArrays:
    """An even user of the checkerboard as a new profile: four even films liked, one odd film disliked."""
    items = np.array([0, 2, 4, 6, 1], dtype=np.int64)
    stars = np.array([5.0, 4.5, 4.0, 5.0, 1.0], dtype=np.float32)
    weights = np.ones(items.size, dtype=np.float32)
    liked = stars >= 3.5
    return ProfileArrays(items, stars, np.zeros(0, np.int64), weights, items[liked], weights[liked], items[~liked],
                         items[liked], np.ones(n_items, np.float32), seed)


def board_profile(engine, films=(0, 2, 4, 6), stars=5.0):
    from movierec.store.profiles import Profile, Rating

    profile = Profile("t")
    for k, idx in enumerate(films):
        mid = int(engine.dataset.catalog.item_ids.ids(idx)[0])
        profile.ratings[mid] = Rating(mid, stars, 1000.0 + k)
    return profile


def test_the_modes_are_the_registrys_and_every_blend_is_made_of_modes():
    from movierec.cli.people import recommend_cmd

    modes = registry.modes()
    assert Engine.modes() == modes  # what the TUI's `m` cycles through (tui/screens/picks.py)
    choice = next(p for p in recommend_cmd.params if p.name == "mode").type
    assert tuple(choice.choices) == modes  # `recommend --mode`
    for b in registry.BLENDS:
        assert b.mode in modes and all(part in modes and registry.blend(part) is None for part in b.parts)
    assert registry.fold_in_mode() in modes and registry.for_mode(registry.fold_in_mode()).can("fold_in")


@pytest.mark.parametrize("mode", registry.modes())
def test_every_mode_scores_a_profile_and_gets_picks_and_a_match(fitted, mode):
    engine, _, _ = fitted
    n_items = engine.dataset.n_items
    for part in (registry.blend(mode).parts if registry.blend(mode) else (mode,)):
        model = engine.shelf.serving(part)
        assert isinstance(model, ScoresProfile), part
        scores = model.score_profile(even_profile(n_items))
        assert scores.shape == (n_items,) and np.isfinite(scores).all(), part
        users = np.arange(3)
        known = KnownProfiles(users, np.array([0, 0, 1, 2]), np.array([0, 2, 1, 4]),
                              np.array([5.0, 4.0, 4.5, 3.0], np.float32), np.array([1.0, 2.0, 1.0, 1.0]),
                              np.ones(4, np.float32), np.ones(4, bool))
        rows, scored = model.score_known(known)
        assert rows.shape == (3, n_items) and np.isfinite(rows[scored]).all() and scored.any(), part
    result = engine.recommend(board_profile(engine), n=5, diversity=0.0, mode=mode)
    assert len(result.picks) == 5 and all(np.isfinite(p.score) for p in result.picks)
    assert engine.match_map(mode) is not None  # its calibration (the content mode's too)
    assert all(p.match is not None for p in result.picks)


class CoRated:
    """A model added in one module plus one registry line (below): films rated by the same users as yours."""

    name = "corated"
    chooses_on_validation = False

    @classmethod
    def create(cls, config=None, device=None) -> "CoRated":
        return cls()

    def fit(self, split, catalog, callback=None) -> None:
        self.n_items = split.n_items
        seen = np.zeros((split.n_users, split.n_items), dtype=np.float32)
        seen[split.train_users, split.train_items] = 1.0
        self.seen, self.together = seen, seen.T @ seen

    def score(self, users, items):
        return np.take_along_axis(self.score_all(users), np.maximum(items, 0), axis=1)

    def score_all(self, users):
        return self.seen[users] @ self.together

    def score_profile(self, profile: ProfileArrays) -> np.ndarray:
        return self.together[profile.liked].sum(axis=0)

    def score_known(self, known: KnownProfiles):
        liked = np.zeros((known.users.size, self.n_items), dtype=np.float32)
        keep = known.stars >= 3.5
        liked[known.rows[keep], known.items[keep]] = 1.0
        return liked @ self.together, np.ones(known.users.size, dtype=bool)


def test_a_model_registered_with_a_mode_serves_new_users_everywhere(board_path, monkeypatch):
    """One module and one registry line: the new mode is a `recommend --mode` choice, in the TUI's cycle, gets
    picks through Engine.recommend (and the CLI) and a match calibration; no engine, picks or CLI code names it."""
    import json

    from click.testing import CliRunner

    from movierec.cli import cli

    spec = registry.ModelSpec("corated", "collaborative", "films rated by the same users", f"{__name__}:CoRated",
                              mode="together")
    monkeypatch.setattr(registry, "SPECS", (*registry.SPECS, spec))
    monkeypatch.setattr(registry, "_BY_NAME", {**registry._BY_NAME, "corated": spec})
    assert registry.modes()[-1] == "together" and "together" in Engine.modes()
    engine = Engine(str(board_path), "cpu")
    result = engine.recommend(board_profile(engine), n=4, diversity=0.0, mode="together")
    assert result.mix == {"together": 1.0, "content": 0.0}
    assert [p.index % 2 for p in result.picks] == [0, 0, 0, 0]  # an even user's films: the model read the profile
    assert engine.match_map("together") is not None and result.picks[0].match is not None
    out = CliRunner().invoke(cli, ["--headless", "recommend", "-d", str(board_path), "--mode", "together", "--json",
                                   "--rate", "Film 0 (2000)=5", "--rate", "Film 2 (2000)=4.5"])
    assert out.exit_code == 0, out.output
    picks = json.loads(out.stdout)["picks"]
    assert picks and all((p["movie_id"] - 1) % 2 == 0 for p in picks)
