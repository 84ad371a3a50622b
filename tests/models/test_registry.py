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
from movierec.models.base import Checkpointed, FoldsIn, HasBounds, ReadsSequence, Recommender
from tests.factories import checkerboard

#: Quick settings for any config that has these fields (others ignore them): a checkerboard is learnt
#: in a few dozen small epochs.
QUICK = dict(epochs=40, batch_size=64, lr=0.01, patience=40, pretrain=False)
ABILITY_PROTOCOLS = {"fold_in": FoldsIn, "sequence": ReadsSequence, "bounds": HasBounds}
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
