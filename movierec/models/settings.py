"""One way to read and write a model's settings (issue 25).

Every settings dataclass (NCF, SASRec, deepcontent, EASE, the -recent variants, ease-sasrec) inherits
:class:`Settings`: ``to_json()`` writes plain JSON values (tuples as lists), ``from_json(data)`` reads a
checkpoint's config, a tuned-settings file or the CLI's values back, with one set of rules: unknown keys
ignored, each known one of its field's declared type (``int``, ``float``, ``bool``, ``str``, ``X | None``,
``tuple[int, ...]``; an int where a float belongs is taken, a bool is never a number, a float must be
finite), then the class's own ``problem()`` (ranges; None: in range). A bad value raises MovieRecError
naming the model and the field's path (``neumf config: layers[2] 'x' is not a whole number``).

A hand-written helper rather than pydantic or msgspec: the checks are these few types, this module is
imported on the way to every headless command (a library would be one more import at start-up and one
more dependency), and the configs stay plain dataclasses that torch-free code can build.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import fields
from typing import Any, ClassVar, TypeVar

from movierec.errors import MovieRecError

S = TypeVar("S", bound="Settings")

_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


class Settings:
    """Mixin for a settings dataclass: the one JSON reader and writer (see the module's docstring)."""

    #: How errors name the model when the config itself does not (NCF's carries its ``model``).
    LABEL: ClassVar[str] = "model"

    def to_json(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_json(cls: type[S], data: object) -> S:
        label = cls.LABEL
        if not isinstance(data, dict):
            raise MovieRecError(f"{label} config is not a JSON object")
        hints = typing.get_type_hints(cls)
        values = {f.name: _check(hints[f.name], data[f.name], f.name, label)
                  for f in fields(cls) if f.init and f.name in data}  # type: ignore[arg-type]
        config = cls(**values)
        problem = config.problem()
        if problem:
            raise MovieRecError(f"{label} config: {problem}")
        return config

    def replace(self: S, **changes: Any) -> S:
        """This config with ``changes``, checked like any other."""
        return type(self).from_json({**self.to_json(), **{k: _plain(v) for k, v in changes.items()}})

    def problem(self) -> str | None:
        """What is out of range (None: nothing); the classes say their ranges."""
        return None


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def _check(kind: Any, value: object, path: str, label: str) -> Any:
    """``value`` as ``kind``, or MovieRecError naming ``path``."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (kind,) = [a for a in args if a is not type(None)]
        return _check(kind, value, path, label)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise MovieRecError(f"{label} config: {path} {str(value)[:30]!r} is not a list")
        return tuple(_check(args[0], v, f"{path}[{i}]", label) for i, v in enumerate(value))
    if kind is float and type(value) in (int, float):
        if math.isfinite(value):  # type: ignore[arg-type]
            return float(value)  # type: ignore[arg-type]
        raise MovieRecError(f"{label} config: {path} {value} is not a finite number")
    if type(value) is not kind:
        raise MovieRecError(f"{label} config: {path} {str(value)[:30]!r} is not {_NAMES.get(kind, kind)}")
    return value
