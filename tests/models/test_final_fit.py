"""Final models fit on train + validation (issue 13): the baselines count the validation items and EASE picks
its L2 on validation; a refit trains exactly the chosen epochs without validation."""

from __future__ import annotations

import numpy as np
import torch

from movierec.data import registry
from movierec.data.splits import leave_one_out
from movierec.engine import Engine
from movierec.models.ncf import NCFConfig
from movierec.models.ncf.recommender import NeuralRecommender
from movierec.models.ncf.training import fit_ncf



def test_baselines_fit_on_train_and_validation(clusters):
    engine = Engine(str(clusters), "cpu")
    split = engine.split
    pop = engine.train("pop")[0]
    expected = np.bincount(np.concatenate([split.train_items, split.valid_items]), minlength=split.n_items)
    np.testing.assert_array_equal(pop.counts, expected)  # validation items counted, test items not
    notes: list[str] = []
    engine.on_note = notes.append
    ease = engine.train("ease")[0]
    assert ease.chosen["l2"] in (50.0, 200.0, 800.0) and len(ease.chosen["grid"]) == 3
    assert any("chosen on validation" in n for n in notes)
    assert engine.train("ease", l2=7.0)[0].l2 == 7.0  # --l2 wins over the grid


def test_a_refit_trains_exactly_the_chosen_epochs_without_validation(clusters):
    ds = registry.load_dataset(str(clusters))
    split = leave_one_out(ds)
    config = NCFConfig(model="gmf", epochs=3, batch_size=64, lr=0.01)
    fixed = fit_ncf(config, split.with_validation(), torch.device("cpu"), epochs_by_stage={"gmf": 2})
    assert len(fixed.history) == 2 and all("val_hr" not in h for h in fixed.history)
    rec = NeuralRecommender(NCFConfig(model="neumf", epochs=2, batch_size=256, lr=0.01), "cpu")
    rec.fit(split, ds.catalog)
    result = rec.result
    assert set(result.stage_epochs) == {"gmf", "mlp", "neumf"} and "from scratch" in result.refit
    assert result.best_val_hr == result.best_val_hr  # the validation figure of the first fit is kept
    assert "train + validation" in result.refit
