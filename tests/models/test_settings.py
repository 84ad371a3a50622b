"""One config path (issue 25): every model's settings are read and written by movierec.models.settings."""

from __future__ import annotations

import json
import typing
from dataclasses import fields

import pytest

from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.models.ncf.config import NCFConfig
from movierec.models.settings import Settings

CONFIGS = sorted({spec.config_class() for spec in registry.SPECS if spec.config_class() is not None},
                 key=lambda cls: cls.__name__)


def _wrong(kind: object) -> object:
    """A JSON value that is not of ``kind``."""
    if typing.get_origin(kind) is tuple:
        return "64,32"
    return "x" if kind is not str else 3


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda cls: cls.__name__)
def test_every_config_is_read_and_written_by_the_one_mechanism(cls):
    assert issubclass(cls, Settings)
    default = cls()
    assert cls.from_json(json.loads(json.dumps(default.to_json()))) == default  # JSON round trip
    assert cls.from_json({**default.to_json(), "not_a_field": object()}) == default  # unknown keys ignored
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        with pytest.raises(MovieRecError, match=rf"^{cls.LABEL} config: {f.name} .* is not "):
            cls.from_json({f.name: _wrong(hints[f.name])})
    with pytest.raises(MovieRecError, match=rf"^{cls.LABEL} config is not a JSON object$"):
        cls.from_json(["not", "an", "object"])


def test_numbers_are_checked_strictly_and_the_bad_path_is_named():
    assert NCFConfig.from_json({"lr": 1}).lr == 1.0 and isinstance(NCFConfig.from_json({"lr": 1}).lr, float)
    assert NCFConfig.from_json({"layers": [8, 4]}).layers == (8, 4)
    for bad, words in [({"epochs": True}, "epochs 'True' is not a whole number"),
                       ({"epochs": 2.0}, "epochs '2.0' is not a whole number"),
                       ({"lr": float("nan")}, "lr nan is not a finite number"),
                       ({"lr": float("inf")}, "lr inf is not a finite number"),
                       ({"layers": [8, "4"]}, "layers[1] '4' is not a whole number"),
                       ({"layers": "8,4"}, "layers '8,4' is not a list"),
                       ({"pretrain": 1}, "pretrain '1' is not true or false"),
                       ({"model": "svd"}, "model 'svd' is not one of gmf, mlp, neumf"),
                       ({"ema": 1.0}, "ema 1.0 is not in [0, 1)")]:
        with pytest.raises(MovieRecError, match=rf"^ncf config: {__import__('re').escape(words)}"):
            NCFConfig.from_json(bad)


def test_replace_checks_the_changed_values():
    config = NCFConfig(model="gmf")
    assert config.replace(lr=0.5) == NCFConfig(model="gmf", lr=0.5)
    with pytest.raises(MovieRecError, match="refit 'later' is not one of"):
        config.replace(refit="later")


@pytest.mark.parametrize("name", [s.name for s in registry.SPECS if s.config_class() is not None])
def test_a_models_settings_from_a_tuned_file_go_through_the_same_check(name):
    spec = registry.get(name)
    hints = typing.get_type_hints(spec.config_class())
    key = next(f.name for f in fields(spec.config_class()) if f.name != "model")
    with pytest.raises(MovieRecError, match=rf"config: {key} .* is not "):
        spec.make_config({key: _wrong(hints[key])})
