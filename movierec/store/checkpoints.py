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
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from movierec import paths
from movierec.errors import CheckpointError
from movierec.store.atomic import atomic_write_bytes

if TYPE_CHECKING:  # torch is imported when a checkpoint is read or written, not to locate one
    import torch

FORMAT = "movierec-checkpoint"
VERSION = 1


class NonFiniteCheckpoint(CheckpointError):
    """The weights hold NaN or infinite values (a diverged model saved by an older movierec)."""


@dataclass
class Checkpoint:
    meta: dict
    state: dict[str, torch.Tensor]
    user_ids: np.ndarray
    item_ids: np.ndarray


def model_dir(fingerprint: str) -> Path:
    return paths.cache_dir() / "models" / fingerprint[:16]


def path_for(fingerprint: str, model: str) -> Path:
    return model_dir(fingerprint) / f"{model}.pt"


def save(path: Path, state: dict[str, torch.Tensor], meta: dict, user_ids: np.ndarray, item_ids: np.ndarray) -> None:
    import torch

    payload = {
        "format": FORMAT,
        "version": VERSION,
        "meta": json.dumps(meta, sort_keys=True),
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
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError,
            AttributeError, TypeError, KeyError, IndexError, ImportError) as exc:
        first = str(exc).strip().splitlines()[0][:100] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path} is not a valid movierec checkpoint ({first}); it was not loaded or run. "
                              "Delete it and retrain with `movierec --headless train`") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a movierec checkpoint; delete it and retrain")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path} has checkpoint format {payload.get('version')}, this movierec reads {VERSION}; retrain")
    try:
        meta = json.loads(payload["meta"])
        state = dict(payload["state"])
        if not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise TypeError("non-tensor weights")
        user_ids = payload["user_ids"].numpy()
        item_ids = payload["item_ids"].numpy()
    except (KeyError, TypeError, ValueError, AttributeError, json.JSONDecodeError):
        raise CheckpointError(f"{path} is damaged (missing parts); delete it and retrain") from None
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:  # a diverged model scores NaN everywhere: refused, never used
        raise NonFiniteCheckpoint(f"{path} has weights that are not finite numbers ({bad[0]}): the model diverged; "
                                  "retrain it with `movierec --headless train --force` (a lower --lr)")
    return Checkpoint(meta, state, user_ids, item_ids)
