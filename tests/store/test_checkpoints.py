"""Saved models (store/checkpoints.py) as the engine reuses them (issue 13): non-finite weights are refused and
trained over, a checkpoint from before a setting existed is reused as its default, and eval says whether its
figures come from a reused model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from movierec.engine import Engine
from movierec.store import checkpoints
from tests.factories import headless as _run



def test_a_checkpoint_with_non_finite_weights_is_refused_and_retrained_over(clusters):
    engine = Engine(str(clusters), "cpu")
    rec, info = engine.train("gmf", epochs=1, batch_size=256)
    state = {k: v.clone() for k, v in rec.module.state_dict().items()}
    state["item.weight"][3, 0] = float("nan")
    path = Path(info.path)
    checkpoints.save(path, state, rec.meta, engine.dataset.user_ids.array, engine.dataset.item_ids.array)
    with pytest.raises(checkpoints.NonFiniteCheckpoint, match="not finite"):
        checkpoints.load(path)
    again = Engine(str(clusters), "cpu")
    notes: list[str] = []
    again.on_note = notes.append
    _, info2 = again.train("gmf", epochs=1, batch_size=256)
    assert not info2.reused and any("not finite" in n for n in notes)
    checkpoints.load(path)  # the new one is sound


def test_eval_marks_a_reused_model_and_says_why_it_trains(clusters):
    args = ("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "1", "--json")
    first = json.loads(_run(*args).output)
    assert first["results"][0]["reused"] is False and any("no saved model" in n for n in first["notes"])
    assert isinstance(first["tied_users"], int)
    second = json.loads(_run(*args).output)
    assert second["results"][0]["reused"] is True and any("reusing" in n for n in second["notes"])
    other = json.loads(_run("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "2", "--json").output)
    assert other["results"][0]["reused"] is False
    assert any("other settings" in n and "epochs 1, wanted 2" in n for n in other["notes"])
    table = _run("eval", "--dataset", str(clusters), "--model", "gmf", "--epochs", "2")
    assert "reused" in table.output


def test_a_checkpoint_from_before_a_setting_existed_is_reused_as_its_default(clusters):
    engine = Engine(str(clusters), "cpu")
    engine.train("gmf", epochs=1)
    path = checkpoints.path_for(engine.dataset.fingerprint, "gmf")
    payload = torch.load(path, weights_only=True)  # the meta rewritten the way a movierec before embedding_l2 wrote it
    meta = json.loads(payload["meta"])
    del meta["config"]["embedding_l2"]
    payload["meta"] = json.dumps(meta)
    torch.save(payload, path)
    notes: list[str] = []
    again = Engine(str(clusters), "cpu")
    again.on_note = notes.append
    assert again.train("gmf", epochs=1)[1].reused, notes
    assert not again.train("gmf", epochs=1, embedding_l2=1e-3)[1].reused  # a setting it lacks, asked for: retrained
    assert any("embedding_l2 0.0, wanted 0.001" in n for n in notes), notes
    # EASE's L2 (`--l2`) is another setting: it never reaches an NCF model.
    assert again.shelf.build("gmf", l2=800.0).config.embedding_l2 == 0.0
