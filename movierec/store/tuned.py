"""The tuned-settings file (``movierec --headless tune`` writes it, ``train`` and ``eval`` read it): one JSON
file per dataset and model at ``paths.tuned_path(fingerprint, model)``, written atomically after every trial
that beats the best so far, so an interrupted search keeps what it found. The search itself is
``movierec.evaluation.tuning``.

The file is a :class:`TunedFile`, read and written by the one settings mechanism (``models/settings.py``);
its settings are checked as the model's own config class would read them, so a wrong-typed or out-of-range
value is refused when the file is read, in one line naming the file and the field's path
(``settings.lr 'fast' is not a number``) and saying what to do.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from movierec import files, paths
from movierec.atomic import atomic_write_json
from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.models.settings import Measured, Settings, SettingsError

FORMAT = "movierec-tuned"


@dataclass(frozen=True, kw_only=True)
class TunedFile(Settings):
    """The file's JSON. Only ``format``, ``fingerprint`` and ``settings`` are required (a hand-written file,
    or one of an older movierec, may have only those)."""

    format: str
    version: int = 1
    dataset: str = ""
    fingerprint: str
    model: str = ""
    settings: dict[str, Any]  # the model's config fields that were searched: checked by ``read``
    val_hr: Measured | None = None  # the best trial's validation HR@10
    trial: int = 0  # the trial that found them (1-based)
    trials_run: int = 0
    created: str = ""

    def problem(self) -> str | None:
        return None if self.format == FORMAT else f"format {self.format[:30]!r} is not {FORMAT}"


def read(fingerprint: str, model: str) -> TunedFile | None:
    """The tuned-settings file of a dataset and model (its settings under today's names and checked as the
    model's config), None when there is none; MovieRecError, one line saying what to do, when it is bad."""
    path = paths.tuned_path(fingerprint, model)
    if not path.exists():
        return None
    hint = f"delete it or rerun `movierec --headless tune --model {model}`"
    raw = files.read_regular(path, max_bytes=1 << 20, what="a tuned-settings file", hint=hint)  # no FIFO hangs
    try:
        try:
            data = TunedFile.read(json.loads(raw.decode("utf-8")))
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8
            raise SettingsError(str(exc)) from None
        if data.fingerprint != fingerprint:
            raise SettingsError("not tuned settings for this dataset")
        settings = _checked(model, data.settings)
    except SettingsError as exc:
        raise MovieRecError(f"{path} is not valid tuned settings ({exc}); {hint}") from None
    return replace(data, settings=settings)


def load(fingerprint: str, model: str) -> tuple[dict, str] | None:
    """(settings, path) of the tuned settings for a dataset and model, None when there are none."""
    data = read(fingerprint, model)
    return None if data is None else (data.settings, str(paths.tuned_path(fingerprint, model)))


#: Settings saved under an older name: (old, new). NCF's per-example embedding L2 was "l2" until 2026-11-30
#: (renamed because EASE's --l2 also set it); a file tuned before then keeps its value under the new name.
RENAMED = (("l2", "embedding_l2"),)


def _renamed(model: str, settings: dict) -> dict:
    fields = getattr(registry.get(model).config_class(), "__dataclass_fields__", {})
    for old, new in RENAMED:
        if old in settings and old not in fields and new in fields and new not in settings:
            settings = {**{k: v for k, v in settings.items() if k != old}, new: settings[old]}
    return settings


def _checked(model: str, settings: dict) -> dict:
    """``settings`` under today's names, each known one checked as the model's config reads it (unknown
    ones are left for the reader to ignore); SettingsError naming ``settings.<the file's key>``."""
    renamed = _renamed(model, settings)
    cls = registry.get(model).config_class()
    if cls is None:
        return renamed
    known = {k: v for k, v in renamed.items() if k in cls.__dataclass_fields__}
    if "model" in cls.__dataclass_fields__:
        known["model"] = model  # as the registry fills it in (spec.make_config)
    try:
        cls.read(known, "settings.")
    except SettingsError as exc:
        text = str(exc)
        for old, new in RENAMED:  # named as the file names it
            if old in settings and new not in settings and text.startswith(f"settings.{new} "):
                text = f"settings.{old} " + text[len(f"settings.{new} "):]
        raise SettingsError(text) from None
    return renamed


def save(fingerprint: str, dataset: str, model: str, settings: dict, val_hr: float | None, trial: int,
         done: int) -> None:
    """The best settings so far for a dataset and model (``trial`` found them, ``done`` trials have run)."""
    atomic_write_json(paths.tuned_path(fingerprint, model), TunedFile(
        format=FORMAT, dataset=dataset, fingerprint=fingerprint, model=model, settings=settings, val_hr=val_hr,
        trial=trial, trials_run=done, created=time.strftime("%Y-%m-%dT%H:%M:%S%z")).to_json())
