"""The tuned-settings file (issue 25, one config path): its envelope a frozen dataclass, its settings the
model's own config class, both read and written by models/settings.py.

A file written by today's movierec (or by hand with only the parts `train` needs) reads back; a wrong-typed
field, in the envelope or in the settings, is refused in one line naming the file, the field's path and what
to do (delete it or re-run tune), never a traceback.
"""

from __future__ import annotations

import json
import typing
from dataclasses import fields

import pytest
from click.testing import CliRunner

from movierec import paths
from movierec.cli import cli
from movierec.data import registry
from movierec.errors import MovieRecError
from movierec.store import tuned
from movierec.store.tuned import TunedFile

FINGERPRINT = "e" * 40


def _write(model: str, data: object) -> str:
    path = paths.tuned_path(FINGERPRINT, model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return str(path)


def _written_today() -> dict:
    """The file exactly as tuned.save wrote it before issue 25 (keys, order and value types)."""
    return {"format": tuned.FORMAT, "version": 1, "dataset": "ml-test", "fingerprint": FINGERPRINT, "model": "gmf",
            "settings": {"lr": 0.003, "batch_size": 2048, "negatives": 3, "weight_decay": 0.0, "embedding_l2": 1e-4,
                         "ema": 0.999, "factors": 16},
            "val_hr": 0.61, "trial": 2, "trials_run": 3, "created": "2026-12-01T10:00:00+0000"}


def test_a_file_written_the_way_movierec_wrote_it_reads_back():
    path = _write("gmf", _written_today())
    assert tuned.load(FINGERPRINT, "gmf") == (_written_today()["settings"], path)
    assert tuned.read(FINGERPRINT, "gmf") == TunedFile(**{**_written_today(), "settings": _written_today()["settings"]})


def test_a_hand_written_file_with_only_what_train_needs_reads_back():
    path = _write("ease", {"format": tuned.FORMAT, "fingerprint": FINGERPRINT, "settings": {"l2": 200.0}})
    assert tuned.load(FINGERPRINT, "ease") == ({"l2": 200.0}, path)


def test_save_then_load_round_trips_the_file(home):
    tuned.save(FINGERPRINT, "ml-test", "sasrec", {"hidden": 64, "dropout": 0.2}, 0.5, 3, 4)
    saved = tuned.read(FINGERPRINT, "sasrec")
    assert (saved.model, saved.dataset, saved.settings, saved.val_hr, saved.trial, saved.trials_run) == (
        "sasrec", "ml-test", {"hidden": 64, "dropout": 0.2}, 0.5, 3, 4)
    assert list(json.loads(paths.tuned_path(FINGERPRINT, "sasrec").read_text())) == list(_written_today())


def _wrong(kind: object) -> object:
    if kind is str:
        return 7
    if typing.get_origin(kind) is dict:
        return [1]
    return "x"  # int, float, float | None


HINT = "; delete it or rerun `movierec --headless tune --model gmf`"


@pytest.mark.parametrize("name", [f.name for f in fields(TunedFile)])
def test_a_wrong_typed_envelope_field_is_one_line_naming_the_file_and_the_field(name):
    kinds = typing.get_type_hints(TunedFile, include_extras=True)
    kind = typing.get_args(kinds[name])[0] if name == "val_hr" else kinds[name]  # Measured | None
    path = _write("gmf", {**_written_today(), name: _wrong(kind)})
    with pytest.raises(MovieRecError) as err:
        tuned.load(FINGERPRINT, "gmf")
    line = str(err.value)
    assert line.startswith(f"{path} is not valid tuned settings ({name} ") and line.endswith(HINT), line
    assert "\n" not in line


@pytest.mark.parametrize("settings, words", [
    ({"lr": "fast"}, "settings.lr 'fast' is not a number"),
    ({"factors": 16.5}, "settings.factors '16.5' is not a whole number"),
    ({"factors": 0}, "settings.factors 0 is not a positive whole number"),
    ({"pretrain": "yes"}, "settings.pretrain 'yes' is not true or false"),
    ({"l2": "much"}, "settings.l2 'much' is not a number"),  # the old name of embedding_l2
    ([1, 2], "settings '[1, 2]' is not a JSON object"),
])
def test_a_wrong_setting_names_its_path(settings, words):
    path = _write("gmf", {**_written_today(), "settings": settings})
    with pytest.raises(MovieRecError) as err:
        tuned.load(FINGERPRINT, "gmf")
    assert str(err.value) == f"{path} is not valid tuned settings ({words}){HINT}"


@pytest.mark.parametrize("data, words", [
    ({**_written_today(), "format": "other"}, "format 'other' is not movierec-tuned"),
    ({**_written_today(), "fingerprint": "f" * 40}, "not tuned settings for this dataset"),
    ({k: v for k, v in _written_today().items() if k != "settings"}, "settings is missing"),
    ([1], "it is not a JSON object"),
])
def test_a_file_that_is_not_tuned_settings_for_this_dataset_says_so(data, words):
    path = _write("gmf", data)
    with pytest.raises(MovieRecError) as err:
        tuned.load(FINGERPRINT, "gmf")
    assert str(err.value) == f"{path} is not valid tuned settings ({words}){HINT}"


def test_train_with_a_hand_edited_tuned_file_is_one_error_line(latest_release):
    fingerprint = registry.load_dataset(str(latest_release)).fingerprint
    path = paths.tuned_path(fingerprint, "gmf")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**_written_today(), "fingerprint": fingerprint, "settings": {"epochs": "1"}}))
    result = CliRunner().invoke(cli, ["--headless", "train", "--dataset", str(latest_release), "--model", "gmf",
                                      "--device", "cpu"], catch_exceptions=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {path} is not valid tuned settings (settings.epochs '1' is not a whole number){HINT}"]
