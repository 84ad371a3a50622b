"""The tuned-settings file (``movierec --headless tune`` writes it, ``train`` and ``eval`` read it): one JSON
file per dataset and model at ``paths.tuned_path(fingerprint, model)``, written atomically after every trial
that beats the best so far, so an interrupted search keeps what it found. The search itself is
``movierec.evaluation.tuning``.
"""

from __future__ import annotations

import json
import time

from movierec import files, paths
from movierec.atomic import atomic_write_json
from movierec.errors import MovieRecError
from movierec.models import registry

FORMAT = "movierec-tuned"


def load(fingerprint: str, model: str) -> tuple[dict, str] | None:
    """(settings, path) of the tuned settings for a dataset and model, None when there are none."""
    path = paths.tuned_path(fingerprint, model)
    if not path.exists():
        return None
    hint = f"delete it or rerun `movierec --headless tune --model {model}`"
    raw = files.read_regular(path, max_bytes=1 << 20, what="a tuned-settings file", hint=hint)  # no FIFO hangs
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("format") != FORMAT or data.get("fingerprint") != fingerprint or not isinstance(data["settings"], dict):
            raise ValueError("not tuned settings for this dataset")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise MovieRecError(f"{path} is not valid tuned settings ({exc}); delete it or rerun "
                            f"`movierec --headless tune --model {model}`") from None
    return _renamed(model, data["settings"]), str(path)


#: Settings saved under an older name: (old, new). NCF's per-example embedding L2 was "l2" until 2026-11-30
#: (renamed because EASE's --l2 also set it); a file tuned before then keeps its value under the new name.
RENAMED = (("l2", "embedding_l2"),)


def _renamed(model: str, settings: dict) -> dict:
    fields = getattr(registry.get(model).config_class(), "__dataclass_fields__", {})
    for old, new in RENAMED:
        if old in settings and old not in fields and new in fields and new not in settings:
            settings = {**{k: v for k, v in settings.items() if k != old}, new: settings[old]}
    return settings


def save(fingerprint: str, dataset: str, model: str, settings: dict, val_hr: float | None, trial: int,
         done: int) -> None:
    """The best settings so far for a dataset and model (``trial`` found them, ``done`` trials have run)."""
    atomic_write_json(paths.tuned_path(fingerprint, model), {
        "format": FORMAT, "version": 1, "dataset": dataset, "fingerprint": fingerprint, "model": model,
        "settings": settings, "val_hr": val_hr, "trial": trial, "trials_run": done,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
