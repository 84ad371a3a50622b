"""Model checkpoints: weights plus a JSON config in one file, written atomically, never unpickled.

A checkpoint is one ``torch.save`` file holding only tensors and plain values:

    {"format": "movierec-checkpoint", "version": 1,
     "meta": "<JSON: model, config, dataset name and fingerprint, sizes, figures>",
     "state": {parameter name: tensor}, "user_ids": tensor, "item_ids": tensor}

It is loaded with ``torch.load(weights_only=True, map_location="cpu")``, which
refuses any pickled object (a crafted file is rejected, its code never runs),
and moved to whatever device the caller wants: a GPU-trained model works on a
CPU-only laptop. Keeping the config inside the weights file means a crash can
never pair new weights with an old config.

The meta is a frozen dataclass, :class:`CheckpointMeta`, read and written by the one settings mechanism
(``models/settings.py``): a wrong-typed or missing field is refused in one line naming the file and the
field's path (``config.layers[2] 'x' is not a whole number``), and then ranges and the size of the model it
describes (at most ``MAX_PARAMETERS``) are checked before anything is built from it, so a crafted config
cannot make the loader allocate hundreds of GB. A checkpoint is a cache: the engine moves a bad one aside
(``set_aside``) and trains a new one.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from movierec import paths
from movierec.errors import CheckpointError
from movierec.atomic import atomic_write_bytes
from movierec.models.settings import Measured, Settings, SettingsError

if TYPE_CHECKING:  # torch is imported when a checkpoint is read or written, not to locate one
    import torch

FORMAT = "movierec-checkpoint"
VERSION = 1
MAX_PARAMETERS = 2**28  # 1 GiB of float32; NeuMF on ML-32M (200k users, 87k items) has about 14 million
MAX_ROWS = 2**31 - 1  # users or items: int32 indices
MAX_WIDTH = 2**16  # an embedding or a layer


class NonFiniteCheckpoint(CheckpointError):
    """The weights hold NaN or infinite values (a diverged model saved by an older movierec)."""


@dataclass(frozen=True)
class TrainedWith(Settings):
    """What an automatic batch size and learning rate became in training (NCF's ``0 = auto``)."""

    batch_size: int
    lr: float


@dataclass(frozen=True, kw_only=True)
class CheckpointMeta(Settings):
    """The JSON beside a checkpoint's weights. Only ``model``, ``config`` and the counts are required: a file
    written before a later field existed reads as that field's default."""

    model: str  # a checkpointed model of the registry
    config: Settings  # that model's config class (``field_types``)
    dataset: str = ""
    fingerprint: str = ""
    n_users: int
    n_items: int
    epochs: int = 0
    best_epoch: int = 0
    val_hr: Measured = float("nan")  # NaN: trained without a validation holdout
    fit_seconds: float = 0.0
    device: str = ""
    created: str = ""
    stage_epochs: dict[str, int] = field(default_factory=dict)  # best epoch of each stage (NeuMF: gmf, mlp, neumf)
    refit: str = ""
    trained_with: TrainedWith | None = None
    ranks: int | None = None  # trained under torchrun by this many processes
    note: str = ""  # free text (bench scripts mark the untrained models they save)

    @classmethod
    def field_types(cls, data: dict, where: str = "") -> dict[str, Any]:
        from movierec.models import registry  # the table of models (torch-free)

        kinds = super().field_types(data, where)
        model, checkpointed = data.get("model"), registry.names(checkpointed=True)
        if not isinstance(model, str) or model not in checkpointed:
            raise SettingsError(f"{where}model {str(model)[:20]!r} is not one of {', '.join(checkpointed)}")
        kinds["config"] = registry.get(model).config_class()
        return kinds

    def problem(self) -> str | None:
        """The counts, then the model's own check of the sizes its config and the counts add up to."""
        for key in ("n_users", "n_items"):
            if not 1 <= getattr(self, key) <= MAX_ROWS:
                return f"{key} {getattr(self, key)} is not a count from 1 to {MAX_ROWS:,}"
        check = getattr(type(self.config), "check", None)
        problem = check(self.to_json(), MAX_WIDTH, MAX_PARAMETERS) if check is not None else None
        return f"config: {problem}" if problem else None


@dataclass
class Checkpoint:
    meta: CheckpointMeta
    state: dict[str, torch.Tensor]
    user_ids: np.ndarray
    item_ids: np.ndarray


def model_dir(fingerprint: str) -> Path:
    return paths.cache_dir() / "models" / fingerprint[:16]


def path_for(fingerprint: str, model: str) -> Path:
    return model_dir(fingerprint) / f"{model}.pt"


def save(path: Path, state: dict[str, torch.Tensor], meta: CheckpointMeta, user_ids: np.ndarray, item_ids: np.ndarray) -> None:
    import torch

    payload = {
        "format": FORMAT,
        "version": VERSION,
        "meta": json.dumps(meta.to_json(), sort_keys=True),
        "state": {k: v.detach().to("cpu").clone() for k, v in state.items()},
        "user_ids": torch.from_numpy(np.ascontiguousarray(user_ids, dtype=np.int64)),
        "item_ids": torch.from_numpy(np.ascontiguousarray(item_ids, dtype=np.int64)),
    }
    # Serialised in memory first (tens of MB even for ML-20M): torch.save reports a failed write (disk full,
    # file too large) as a RuntimeError from its zip writer; a plain file write reports it as OSError.
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load(path: Path) -> Checkpoint:
    """Read a checkpoint without unpickling anything; CheckpointError when it is not a valid one."""
    import torch

    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}; train one with `movierec --headless train`")
    try:
        with warnings.catch_warnings():  # torch's notes on weights_only are for its own callers, not for ours
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError,
            AttributeError, TypeError, KeyError, IndexError, ImportError, RecursionError, MemoryError) as exc:
        raise CheckpointError(f"{path} is not a valid movierec checkpoint ({_first_words(exc)}); it was not loaded "
                              "or run") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a movierec checkpoint")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint format {str(payload.get('version'))[:20]}, this movierec reads {VERSION}")
    try:
        meta = json.loads(payload["meta"])
        state = dict(payload["state"])
        if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
            raise TypeError("non-tensor weights")
        user_ids = payload["user_ids"].numpy()
        item_ids = payload["item_ids"].numpy()
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is damaged (missing parts)") from None
    try:
        read = CheckpointMeta.read(meta)
    except SettingsError as exc:
        raise CheckpointError(f"{path} has a bad config ({exc})") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:  # a diverged model scores NaN everywhere: refused, never used
        raise NonFiniteCheckpoint(f"{path} has weights that are not finite numbers ({bad[0]}): the model diverged "
                                  "(train it with a lower --lr)")
    return Checkpoint(read, state, user_ids, item_ids)


def set_aside(path: Path) -> Path | None:
    """Move a bad checkpoint to ``NAME.damaged-YYYYmmdd-HHMMSS-PID[-N].pt`` (kept for a look, never reused).

    None when it is gone already (another process moved it).
    """
    stem = f"{path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    aside = path.with_name(f"{stem}{path.suffix}")
    n = 1
    while aside.exists() or aside.is_symlink():  # a second one set aside in the same second: never over the first
        n += 1
        aside = path.with_name(f"{stem}-{n}{path.suffix}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CheckpointError(f"{path} is not usable and could not be moved aside ({exc.strerror or exc}); "
                              "delete it by hand") from None
    return aside


def _first_words(exc: BaseException, limit: int = 100) -> str:
    """The first line of an error, cut at a word boundary (never mid-word)."""
    text = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "..."
