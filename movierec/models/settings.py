"""One way to read and write settings and the files that carry them (issue 25).

Every settings dataclass (NCF, SASRec, deepcontent, EASE, the -recent variants, ease-sasrec) and every file
envelope around them (a checkpoint's meta: ``store/checkpoints.py``; the tuned-settings file:
``store/tuned.py``) inherits :class:`Settings`: ``to_json()`` writes plain JSON values (tuples as lists,
nested settings as objects), ``read(data)`` reads them back with one set of rules: unknown keys ignored, a
field without a default required, each known one of its field's declared type (``int``, ``float``, ``bool``,
``str``, ``X | None``, ``tuple[X, ...]``, ``list[X]``, ``dict[str, X]``, ``Any``, a nested ``Settings``
class, ``Measured``; an int where a float belongs is taken, a bool is never a number, a float must be finite
unless it is ``Measured``, where NaN says "not measured"), then the class's own ``problem()`` (ranges; None:
in range). A bad value raises :class:`SettingsError` whose message starts with the field's path
(``config.layers[2] 'x' is not a whole number``): the file readers put the file's name and what to do in
front. ``from_json(data)`` is ``read`` for a model's settings, naming the model
(``neumf config: layers[2] 'x' is not a whole number``).

A hand-written helper rather than pydantic or msgspec: the checks are these few types, this module is
imported on the way to every headless command, and the configs stay plain dataclasses that torch-free code
can build. Measured 2026-12-08 on the shared 2-core VM (busy: load ~7; median of 5 fresh interpreters):
importing pydantic 2.14 and building one ``TypeAdapter`` took ~210 ms, importing msgspec 0.23 ~70 ms, importing
this module ~33 ms; either library would also be one more dependency.
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, fields
from typing import Annotated, Any, ClassVar, TypeVar

from movierec.errors import MovieRecError

S = TypeVar("S", bound="Settings")

_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}

#: A float field that may be NaN, "not measured" (a checkpoint's validation HR@10 when there was no validation).
Measured = Annotated[float, "NaN: not measured"]


class SettingsError(MovieRecError):
    """A value read from JSON that is not of its field's type or range; the message starts with its path."""


class Settings:
    """Mixin for a settings dataclass: the one JSON reader and writer (see the module's docstring)."""

    #: How errors name the model when the config itself does not (NCF's carries its ``model``).
    LABEL: ClassVar[str] = "model"

    def to_json(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_json(cls: type[S], data: object) -> S:
        """A model's settings from JSON values; MovieRecError naming the model and the bad field's path."""
        if not isinstance(data, dict):
            raise MovieRecError(f"{cls.LABEL} config is not a JSON object")
        try:
            return cls.read(data)
        except SettingsError as exc:
            raise MovieRecError(f"{cls.LABEL} config: {exc}") from None

    @classmethod
    def read(cls: type[S], data: object, where: str = "") -> S:
        """``data`` as this class; SettingsError naming the bad field's path, ``where`` in front of it."""
        if not isinstance(data, dict):
            raise SettingsError(f"{where.rstrip('.') or 'it'} is not a JSON object")
        kinds = cls.field_types(data, where)
        values = {}
        for f in fields(cls):  # type: ignore[arg-type]
            if not f.init:
                continue
            if f.name in data:
                values[f.name] = _check(kinds[f.name], data[f.name], f"{where}{f.name}")
            elif f.default is MISSING and f.default_factory is MISSING:
                raise SettingsError(f"{where}{f.name} is missing")
        config = cls(**values)
        problem = config.problem()
        if problem:
            raise SettingsError(f"{where}{problem}")
        return config

    @classmethod
    def field_types(cls, data: dict, where: str = "") -> dict[str, Any]:
        """Each field's declared type; a class whose field's type depends on another field's value (a
        checkpoint's config: the class of its model) overrides this, raising SettingsError for a bad value."""
        return typing.get_type_hints(cls, include_extras=True)

    def replace(self: S, **changes: Any) -> S:
        """This config with ``changes``, checked like any other."""
        return type(self).from_json({**self.to_json(), **{k: _plain(v) for k, v in changes.items()}})

    def problem(self) -> str | None:
        """What is out of range (None: nothing), starting with the field's name; the classes say their ranges."""
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, Settings):
        return value.to_json()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def _check(kind: Any, value: object, path: str) -> Any:
    """``value`` as ``kind``, or SettingsError naming ``path``."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is Annotated:  # Measured: a float that may be NaN
        if type(value) is float and math.isnan(value):
            return value
        return _check(args[0], value, path)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (kind,) = [a for a in args if a is not type(None)]
        return _check(kind, value, path)
    if isinstance(kind, type) and issubclass(kind, Settings):
        if not isinstance(value, dict):
            raise SettingsError(f"{path} {str(value)[:30]!r} is not a JSON object")
        return kind.read(value, f"{path}.")
    if origin is dict:
        if not isinstance(value, dict):
            raise SettingsError(f"{path} {str(value)[:30]!r} is not a JSON object")
        return {k: _check(args[1], v, f"{path}.{k}") for k, v in value.items()}
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise SettingsError(f"{path} {str(value)[:30]!r} is not a list")
        return origin(_check(args[0], v, f"{path}[{i}]") for i, v in enumerate(value))
    if kind is float and type(value) in (int, float):
        if math.isfinite(value):  # type: ignore[arg-type]
            return float(value)  # type: ignore[arg-type]
        raise SettingsError(f"{path} {value} is not a finite number")
    if type(value) is not kind:
        raise SettingsError(f"{path} {str(value)[:30]!r} is not {_NAMES.get(kind, kind)}")
    return value
