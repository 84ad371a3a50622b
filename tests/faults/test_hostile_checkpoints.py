"""Hostile and damaged checkpoints: a checkpoint is a cache, so a bad one is moved aside, said so
in one line, and a new model is trained; a crafted config is refused before anything is built.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from movierec.cli import cli
from movierec.engine import Engine
from movierec.errors import CheckpointError
from movierec.store import checkpoints


@pytest.fixture
def trained(latest_release):
    engine = Engine(str(latest_release), "cpu")
    _, info = engine.train("gmf", epochs=1, batch_size=64)
    path = Path(info.path)
    payload = torch.load(path, weights_only=True)
    return latest_release, path, payload


def _meta_with(meta: dict, case: str):
    meta = json.loads(json.dumps(meta))
    if case == "meta-a-list":
        return [1, 2]
    if case == "no-config":
        meta.pop("config")
    elif case == "n-users-many":
        meta["n_users"] = "many"
    elif case == "layers-x":
        meta["config"]["layers"] = ["x"]
    elif case == "factors-negative":
        meta["config"]["factors"] = -5
    elif case == "factors-2e8":  # would allocate hundreds of GB
        meta["config"]["factors"] = 200_000_000
    elif case == "model-unknown":
        meta["model"] = meta["config"]["model"] = "resnet"
    return meta


CASES = ["meta-a-list", "no-config", "n-users-many", "layers-x", "factors-negative", "factors-2e8", "model-unknown"]


@pytest.mark.parametrize("case", CASES)
def test_a_crafted_config_is_refused_before_anything_is_built(trained, case, monkeypatch):
    _, path, payload = trained
    payload["meta"] = json.dumps(_meta_with(json.loads(payload["meta"]), case))
    torch.save(payload, path)
    built = []
    from movierec.models.ncf import modules as ncf

    monkeypatch.setattr(ncf, "build", lambda *a: built.append(a))
    with pytest.raises(CheckpointError, match="bad config"):
        checkpoints.load(path)
    assert not built


def _corrupt(path: Path, case: str, payload: dict) -> None:
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif case == "not-a-zip":
        path.write_bytes(b"\x00" * 1000)
    elif case == "weights-wrong-shape":
        payload["state"] = {k: torch.zeros(3) for k in payload["state"]}
        torch.save(payload, path)
    else:
        payload["meta"] = json.dumps(_meta_with(json.loads(payload["meta"]), case))
        torch.save(payload, path)


@pytest.mark.parametrize("case", ["truncated", "not-a-zip", "weights-wrong-shape", "factors-2e8", "meta-a-list"])
def test_train_moves_a_bad_checkpoint_aside_and_retrains_without_force(trained, case):
    release, path, payload = trained
    _corrupt(path, case, payload)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's UserWarning must not leak
        result = CliRunner().invoke(cli, ["--headless", "train", "--model", "gmf", "--epochs", "1", "--batch-size",
                                          "64", "--device", "cpu", "--dataset", str(release)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "moved to" in notes[0] and "a new gmf model will be trained" in notes[0], result.output
    assert "Trained gmf" in result.output and "internal error" not in result.output
    assert "Warning" not in result.output
    aside = list(path.parent.glob("gmf.damaged-*.pt"))
    assert len(aside) == 1 and Engine(str(release), "cpu").shelf.load_saved("gmf") is not None


class _Evil:
    pass


def test_messages_are_never_cut_mid_word(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"a": _Evil()}, path)  # refused by weights_only, with a long message from torch
    with pytest.raises(CheckpointError) as err:
        checkpoints.load(path)
    inside = str(err.value).split("(", 1)[1].rsplit(")", 1)[0]
    assert inside.endswith("...") or len(inside) <= 100
    assert not inside.rstrip(".").endswith("argumen")


def test_hybrid_recommend_on_a_bad_checkpoint_says_so(trained, home):
    release, path, payload = trained
    neumf = path.with_name("neumf.pt")
    neumf.write_bytes(b"\x00" * 100)
    engine = Engine(str(release), "cpu")
    from movierec.store.profiles import Profile, Rating

    profile = Profile("x")
    profile.ratings[int(engine.dataset.item_ids.ids(0)[0])] = Rating(int(engine.dataset.item_ids.ids(0)[0]), 5.0, 1.0)
    result = engine.recommend(profile, n=5)
    assert result.picks and any("moved to" in note for note in engine.notes)
