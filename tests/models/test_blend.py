"""``ease-sasrec`` (models/blend.py): z-scores over unrated films, a share chosen on validation only."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.errors import MovieRecError
from movierec.models.blend import WEIGHTS, BlendConfig, EASESASRec, standardise
from tests.factories import drift


def test_standardise_uses_only_unrated_recommendable_films():
    scores = np.array([[1.0, 2.0, 3.0, 100.0, -1e9]], dtype=np.float32)
    known = np.array([[False, False, False, True, False]])
    z = standardise(scores, known)
    np.testing.assert_allclose(z[0, :3], [-1.2247449, 0.0, 1.2247449], rtol=1e-5)  # the rated 100 changes nothing
    assert z[0, 3] == z[0, 4] == -1e9
    assert np.isfinite(standardise(np.full((1, 3), 5.0, np.float32), np.zeros((1, 3), bool))).all()  # flat row


def test_config_round_trip_and_range():
    config = BlendConfig(weight=0.3, l2=200.0, epochs=5, patience=2, seed=1)
    assert BlendConfig.from_json(config.to_json()) == config
    for bad in ({"weight": 1.5}, {"weight": True}, {"epochs": 0}, {"seed": -1}, {"patience": "x"}, {"l2": 0}, {"l2": "x"}):
        with pytest.raises(MovieRecError, match="ease-sasrec"):
            BlendConfig.from_json(bad)


@pytest.fixture(scope="module")
def drift_split(tmp_path_factory):
    ds = registry.load_dataset(str(drift(tmp_path_factory.mktemp("blend"))))
    return ds, leave_one_out(ds, seed=0)


def test_the_share_is_chosen_on_validation_and_never_reads_test_items(drift_split):
    ds, split = drift_split
    quick = BlendConfig(epochs=6, patience=6, seed=0)
    model = EASESASRec(quick)
    model.fit(split, ds.catalog)
    chosen = model.chosen
    assert chosen is not None and [r["weight"] for r in chosen["grid"]] == list(WEIGHTS)
    best = max(r["val_hr"] for r in chosen["grid"])
    first_best = next(r for r in chosen["grid"] if r["val_hr"] == best)
    assert chosen["weight"] == model.weight == first_best["weight"]  # the first best: less SASRec wins ties
    assert "chosen on validation" in model.describe_choice()
    # Other test items (each user's held-out film moved to a film the user never rated): the same choice.
    rng = np.random.default_rng(1)
    moved = split.test_items.copy()
    for row, user in enumerate(split.test_users):
        rated = set(split.train_items[split.train_users == user]) | {int(split.valid_items[split.valid_users == user][0])}
        moved[row] = rng.choice([i for i in range(split.n_items) if i not in rated and i != split.test_items[row]])
    other = EASESASRec(quick)
    other.fit(replace(split, test_items=moved), ds.catalog)
    assert other.chosen == chosen
    np.testing.assert_array_equal(other.score_all(np.arange(ds.n_users)), model.score_all(np.arange(ds.n_users)))


def test_a_given_share_is_used_and_zero_is_ease_recent_alone(drift_split):
    ds, split = drift_split
    users = np.arange(ds.n_users)
    alone = EASESASRec(BlendConfig(weight=0.0))
    alone.fit(split, ds.catalog)
    assert alone.sasrec is None and alone.chosen is None and "(given)" in alone.describe_choice()
    known = alone.known.dense(users, ds.n_items).astype(bool)
    # Same order of the unrated films as ease-recent's own scores (z-scores are a per-user affine map).
    ease = alone.ease.score_all(users)
    blended = alone.score_all(users)
    for u in users[:10]:
        free = np.flatnonzero(~known[u] & (ease[u] > -1e8))
        np.testing.assert_array_equal(np.argsort(-ease[u, free], kind="stable"), np.argsort(-blended[u, free], kind="stable"))
        assert (blended[u, known[u]] == -1e9).all()


def test_ease_sasrec_reads_the_tuned_settings_of_its_parts(drift_split, tmp_path, monkeypatch):
    """The registry's settings_from: EASE's tuned L2 and SASRec's tuned epochs reach the blend's config."""
    import json

    from movierec import paths
    from movierec.store import tuned
    from movierec.engine import Engine
    from movierec.atomic import atomic_write_bytes
    from tests.factories import drift as drift_release

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    release = drift_release(tmp_path)
    engine = Engine(str(release), "cpu")
    for model, settings in (("ease", {"l2": 123.0}), ("sasrec", {"epochs": 3, "lr": 0.5})):
        path = paths.tuned_path(engine.dataset.fingerprint, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps({"format": tuned.FORMAT, "version": 1, "model": model,
                                             "fingerprint": engine.dataset.fingerprint,
                                             "settings": settings}).encode())
    notes = []
    engine.on_note = notes.append
    config = engine.shelf.config("ease-sasrec")
    assert (config.l2, config.epochs, config.weight) == (123.0, 3, None)  # lr is SASRec's alone: not a blend field
    assert any("ease-sasrec: using tuned settings" in n and "-ease" in n for n in notes)
    assert any("ease-sasrec: using tuned settings" in n and "-sasrec" in n for n in notes)
    assert engine.shelf.config("ease-sasrec", l2=50.0).l2 == 50.0  # what is given wins


def test_an_engine_eval_of_the_ease_models_solves_each_system_once(tmp_path, monkeypatch):
    """ease, ease-recent and ease-sasrec all solve EASE for (train, L2) and (train + validation, L2): with the
    engine's memo, two solves in all (six without it), and the same figures as an engine whose memo is off."""
    from movierec.engine import Engine
    from movierec.models import solves
    from tests.factories import counting_solves as _counting_solves, drift as drift_release

    monkeypatch.setenv("MOVIEREC_HOME", str(tmp_path / "home"))
    release = drift_release(tmp_path)
    models = ["ease", "ease-recent", "ease-sasrec"]
    seen = _counting_solves(monkeypatch)
    engine = Engine(str(release), "cpu")
    shared = engine.evaluate(models, l2=10.0, epochs=1)
    assert seen == [10.0, 10.0] and engine.shelf.solves.misses == 2 and engine.shelf.solves.hits == 4
    off = Engine(str(release), "cpu")
    off.shelf.solves = solves.SolveMemo(max_bytes=0)  # keeps nothing
    alone = off.evaluate(models, l2=10.0, epochs=1)
    assert len(seen) == 2 + 6
    assert [(r.model, r.hr, r.ndcg, r.ild, r.coverage) for r in shared] == \
        [(r.model, r.hr, r.ndcg, r.ild, r.coverage) for r in alone]
