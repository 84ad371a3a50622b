"""A checkpoint's meta (issue 25, one config path): a frozen dataclass read and written by models/settings.py.

A file written by today's movierec (or an older one, lacking later fields) reads back; a hand-edited or
corrupt meta with a wrong-typed field is refused in one line naming the file and the field's path; the
engine then sets the file aside and says a new model will be trained (a checkpoint is a cache).
"""

from __future__ import annotations

import json
import math
import typing
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import torch

from movierec.engine import Engine
from movierec.errors import CheckpointError
from movierec.models.ncf.config import NCFConfig
from movierec.store import checkpoints
from movierec.store.checkpoints import CheckpointMeta, TrainedWith

N_USERS, N_ITEMS = 3, 5
CONFIG = NCFConfig(model="gmf", factors=4, epochs=2)


def _state() -> dict[str, torch.Tensor]:
    return {"user.weight": torch.zeros(N_USERS, 4), "item.weight": torch.zeros(N_ITEMS, 4)}


def _write_raw(path: Path, meta: object) -> Path:
    """A checkpoint file with ``meta`` as given (the way a movierec of any day, or a hand edit, left it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": checkpoints.FORMAT, "version": checkpoints.VERSION, "meta": json.dumps(meta),
                "state": _state(), "user_ids": torch.arange(1, N_USERS + 1), "item_ids": torch.arange(1, N_ITEMS + 1)},
               path)
    return path


def _written_today() -> dict:
    """The meta exactly as the engine wrote it before issue 25 (engine.train's dict, keys and value types)."""
    return {"model": "gmf", "config": CONFIG.to_json(), "dataset": "ml-test", "fingerprint": "ab" * 20,
            "n_users": N_USERS, "n_items": N_ITEMS, "epochs": 2, "best_epoch": 1, "val_hr": 0.25,
            "fit_seconds": 1.5, "device": "cpu", "created": "2026-12-01T10:00:00+0000",
            "stage_epochs": {"gmf": 1}, "refit": "scratch", "trained_with": {"batch_size": 4096, "lr": 0.002}}


def test_a_meta_written_the_way_movierec_wrote_it_reads_back(tmp_path):
    meta = checkpoints.load(_write_raw(tmp_path / "gmf.pt", _written_today())).meta
    assert meta == CheckpointMeta(model="gmf", config=CONFIG, n_users=N_USERS, n_items=N_ITEMS, dataset="ml-test",
                                  fingerprint="ab" * 20, epochs=2, best_epoch=1, val_hr=0.25, fit_seconds=1.5,
                                  device="cpu", created="2026-12-01T10:00:00+0000", stage_epochs={"gmf": 1},
                                  refit="scratch", trained_with=TrainedWith(batch_size=4096, lr=0.002))
    assert meta.ranks is None and isinstance(meta.config, NCFConfig)


def test_an_older_meta_without_the_later_fields_reads_as_their_defaults(tmp_path):
    config = {k: v for k, v in CONFIG.to_json().items() if k != "embedding_l2"}  # before embedding_l2 existed
    older = {"model": "gmf", "config": config, "n_users": N_USERS, "n_items": N_ITEMS, "dataset": "ml-test",
             "fingerprint": "ab" * 20, "val_hr": float("nan")}  # NaN: trained without a validation holdout
    meta = checkpoints.load(_write_raw(tmp_path / "gmf.pt", older)).meta
    assert meta.config == CONFIG and meta.stage_epochs == {} and meta.refit == "" and meta.created == ""
    assert meta.trained_with is None and math.isnan(meta.val_hr)


def test_save_and_load_round_trip_the_meta(tmp_path):
    meta = CheckpointMeta(model="gmf", config=CONFIG, n_users=N_USERS, n_items=N_ITEMS, fingerprint="cd" * 20,
                          val_hr=0.5, stage_epochs={"gmf": 2}, ranks=2, trained_with=TrainedWith(batch_size=64, lr=0.01))
    path = tmp_path / "gmf.pt"
    checkpoints.save(path, _state(), meta, np.arange(1, N_USERS + 1), np.arange(1, N_ITEMS + 1))
    assert checkpoints.load(path).meta == meta
    with pytest.raises(AttributeError):
        meta.epochs = 3  # type: ignore[misc]  # frozen


def _wrong(kind: object) -> object:
    """A JSON value that is not of ``kind`` (a field of CheckpointMeta)."""
    if kind is str:
        return 7
    if kind in (int, float) or typing.get_origin(kind) is typing.Annotated:
        return "x"
    return [1]  # not an object: config, stage_epochs, trained_with


META_FIELDS = [f.name for f in fields(CheckpointMeta)]


@pytest.mark.parametrize("name", META_FIELDS)
def test_a_wrong_typed_field_is_refused_naming_the_file_and_the_field(tmp_path, name):
    kinds = typing.get_type_hints(CheckpointMeta, include_extras=True)
    kind = typing.get_args(kinds[name])[0] if name in ("trained_with", "ranks") else kinds[name]  # X | None
    path = _write_raw(tmp_path / "gmf.pt", {**_written_today(), name: _wrong(kind)})
    with pytest.raises(CheckpointError) as err:
        checkpoints.load(path)
    line = str(err.value)
    assert line.startswith(f"{path} has a bad config ({name} ") and "\n" not in line, line


@pytest.mark.parametrize("change, path_words", [
    (lambda m: m["config"].update(layers=[8, "4"]), "config.layers[1] '4' is not a whole number"),
    (lambda m: m["config"].update(lr="fast"), "config.lr 'fast' is not a number"),
    (lambda m: m["config"].update(factors=0), "config.factors 0 is not a positive whole number"),
    (lambda m: m["config"].update(factors=200_000_000), "config: factors '200000000' is not a size from 1 to"),
    (lambda m: m["stage_epochs"].update(gmf="one"), "stage_epochs.gmf 'one' is not a whole number"),
    (lambda m: m["trained_with"].update(lr=None), "trained_with.lr 'None' is not a number"),
    (lambda m: m.pop("n_items"), "n_items is missing"),
    (lambda m: m.update(n_users=0), "n_users 0 is not a count from 1 to"),
    (lambda m: m.update(model="resnet"), "model 'resnet' is not one of gmf, mlp, neumf"),
])
def test_a_bad_nested_value_names_its_path(tmp_path, change, path_words):
    meta = _written_today()
    change(meta)
    with pytest.raises(CheckpointError, match="bad config") as err:
        checkpoints.load(_write_raw(tmp_path / "gmf.pt", meta))
    assert path_words in str(err.value)


def test_the_engine_sets_a_hand_edited_checkpoint_aside_in_one_note_naming_the_field(latest_release):
    engine = Engine(str(latest_release), "cpu")
    ds = engine.dataset
    path = checkpoints.path_for(ds.fingerprint, "gmf")
    _write_raw(path, {**_written_today(), "fingerprint": ds.fingerprint, "n_users": ds.n_users,
                      "n_items": ds.n_items, "created": 20261201})
    assert engine.shelf.load_saved("gmf") is None
    (note,) = [n for n in engine.notes if str(path) in n]
    assert note.startswith(f"{path} has a bad config (created '20261201' is not a string)") and "\n" not in note
    assert "a new gmf model will be trained" in note and not path.exists()
