"""One config path (issue 25): every model's settings are read and written by movierec.models.settings."""

from __future__ import annotations

import json
import math
import re
import typing
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import pytest

from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.models.ncf.config import NCFConfig
from movierec.models.settings import Measured, Settings, SettingsError

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


# -- the types the file envelopes need (checkpoint meta, tuned-settings files) ----------------------------------
@dataclass(frozen=True)
class _Inner(Settings):
    size: int = 1

    def problem(self) -> str | None:
        return None if self.size >= 1 else f"size {self.size} is not a positive whole number"


@dataclass(frozen=True, kw_only=True)
class _Outer(Settings):
    LABEL: ClassVar[str] = "outer"
    name: str  # required: no default
    counts: dict[str, int] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    inner: _Inner = field(default_factory=_Inner)
    maybe: _Inner | None = None
    anything: dict[str, Any] = field(default_factory=dict)
    figure: Measured = float("nan")


def test_dicts_lists_nested_settings_and_measured_figures_round_trip():
    outer = _Outer(name="x", counts={"a": 1}, ids=[3, 4], inner=_Inner(2), maybe=_Inner(5), anything={"k": [1, "v"]},
                   figure=0.5)
    assert _Outer.from_json(json.loads(json.dumps(outer.to_json()))) == outer
    back = _Outer.from_json({"name": "y", "figure": float("nan")})
    assert back.name == "y" and back.inner == _Inner() and back.maybe is None and math.isnan(back.figure)
    assert json.loads(json.dumps(outer.to_json()))["inner"] == {"size": 2}


@pytest.mark.parametrize("data, words", [
    ({}, "name is missing"),
    ({"name": 3}, "name '3' is not a string"),
    ({"name": "x", "counts": [1]}, "counts '[1]' is not a JSON object"),
    ({"name": "x", "counts": {"a": "1"}}, "counts.a '1' is not a whole number"),
    ({"name": "x", "ids": [1, 2.5]}, "ids[1] '2.5' is not a whole number"),
    ({"name": "x", "ids": {"a": 1}}, "ids \"{'a': 1}\" is not a list"),
    ({"name": "x", "inner": 4}, "inner '4' is not a JSON object"),
    ({"name": "x", "inner": {"size": "big"}}, "inner.size 'big' is not a whole number"),
    ({"name": "x", "inner": {"size": 0}}, "inner.size 0 is not a positive whole number"),
    ({"name": "x", "maybe": {"size": True}}, "maybe.size 'True' is not a whole number"),
    ({"name": "x", "anything": "v"}, "anything 'v' is not a JSON object"),
    ({"name": "x", "figure": "0.5"}, "figure '0.5' is not a number"),
    ({"name": "x", "figure": float("inf")}, "figure inf is not a finite number"),
])
def test_a_bad_value_in_an_envelope_names_its_path(data, words):
    with pytest.raises(SettingsError) as err:
        _Outer.read(data)
    assert str(err.value) == words
    with pytest.raises(SettingsError, match=rf"^settings\.{re.escape(words)}$"):
        _Outer.read(data, "settings.")
    with pytest.raises(MovieRecError, match=rf"^outer config: {re.escape(words)}$"):
        _Outer.from_json(data)
