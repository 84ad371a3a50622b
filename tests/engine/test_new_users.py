"""The new-user protocol through the engine: held-out users never reach training, splits or calibration, and
every profile is served by Engine.recommend, the function the CLI's recommend and the TUI call."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from movierec.data import registry as data_registry
from movierec.engine import context as engine_context
from movierec.engine.facade import Engine
from movierec.evaluation import newusers
from movierec.models import registry
from tests import factories

MINIMUM = 5
CUTS = (5, None)


def _classes():
    for spec in registry.SPECS:
        module, name = spec.factory.split(":")
        yield getattr(importlib.import_module(module), name)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One run of the protocol on a release of taste groups, with spies on every model's fit, on every split
    made, and on Engine.recommend."""
    folder = tmp_path_factory.mktemp("new-users")
    release = factories.write_latest(folder / "clusters", factories.clusters(n_users=60, n_items=40, per_user=10))
    fits, splits, served = [], [], []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIEREC_HOME", str(folder / "home"))
        for cls in set(_classes()):
            fit = cls.fit

            def spy(self, split, catalog, callback=None, _fit=fit, _cls=cls):
                fits.append((_cls.__name__, split, catalog))
                return _fit(self, split, catalog, callback)

            mp.setattr(cls, "fit", spy)
        split_of = engine_context.leave_one_out

        def split_spy(ds, *args, **kwargs):
            splits.append(ds)
            return split_of(ds, *args, **kwargs)

        mp.setattr(engine_context, "leave_one_out", split_spy)
        recommend = Engine.recommend

        def recommend_spy(self, profile, *args, **kwargs):
            served.append((profile.name, kwargs.get("mode"), kwargs.get("diversity"), kwargs.get("within") is None))
            return recommend(self, profile, *args, **kwargs)

        mp.setattr(Engine, "recommend", recommend_spy)
        engine = Engine(str(release), device="cpu")
        report = engine.evaluate_new_users(0.2, CUTS, seed=3, minimum=MINIMUM)
        full = data_registry.load_dataset(str(release))
    held = newusers.choose_users(full.users, 0.2, 3, MINIMUM)
    return {"report": report, "fits": fits, "splits": splits, "served": served, "full": full, "held": held,
            "skipped": list(engine.notes.skipped)}


def test_held_out_users_reach_no_model_fit(run):
    full, held = run["full"], run["held"]
    mine = np.isin(full.users, held)
    their_times = set(full.timestamps[mine].tolist())  # each rating's time is its own in this release
    assert run["fits"], "no model was fitted"
    fitted = {name for name, _, _ in run["fits"]}
    assert {"NeuralRecommender", "SASRecRecommender"} <= fitted
    for name, split, catalog in run["fits"]:
        assert split.n_users == full.n_users - held.size, name
        seen = set(split.train_timestamps.tolist())
        if split.valid_timestamps is not None:
            seen |= set(split.valid_timestamps.tolist())
        assert not seen & their_times, f"{name} was fitted on held-out ratings"
        # Not even a film's popularity counts their ratings.
        assert int(catalog.n_ratings.sum()) == int((~mine).sum()), name


def test_every_split_and_calibration_is_made_without_them(run):
    held_ids = set(run["full"].user_ids.array[run["held"]].tolist())
    assert run["splits"]
    for ds in run["splits"]:
        assert not held_ids & set(ds.user_ids.array.tolist())
        assert ds.fingerprint != run["full"].fingerprint


def test_every_profile_is_served_through_engine_recommend(run):
    report = run["report"]
    modes = [m for m in registry.modes() if m not in {s for s, _ in run["skipped"]}]
    assert modes == list(registry.modes())  # every mode could be served here
    profiles = sum(report["cuts"].values())
    diversities = report["diversities"]
    assert len(run["served"]) == len(modes) * profiles * len(diversities) * 2  # every film, and the sampled ones
    held_ids = set(run["full"].user_ids.array[run["held"]].tolist())
    assert {int(name.rsplit("-", 1)[1]) for name, *_ in run["served"]} == held_ids
    assert {m for _, m, _, _ in run["served"]} == set(modes)
    assert {d for _, _, d, _ in run["served"]} == set(diversities) == {0.0, 0.2}


def test_the_report_has_a_row_per_mode_diversity_and_cut(run):
    report = run["report"]
    assert report["held_out_users"] == run["held"].size == 12  # 20% of 60
    assert report["cuts"] == {"5": 12, newusers.LATEST: 12}
    assert report["training_users"] == 48
    rows = report["results"]
    assert len(rows) == len(registry.modes()) * 2 * 2
    for r in rows:
        assert 0.0 <= r["hr"] <= 1.0 and 0.0 <= r["hr_sampled"] <= 1.0
        assert 0.0 <= r["ndcg"] <= r["hr"] + 1e-9 and r["seconds_per_profile"] > 0 and r["failed"] == 0
    best = max(r["hr_sampled"] for r in rows)
    assert best > 0.2, rows  # taste groups: some mode finds the next film among 100
