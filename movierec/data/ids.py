"""Raw ids <-> contiguous indices, both ways, unknown ids handled explicitly."""

from __future__ import annotations

import numpy as np


class Vocabulary:
    """A sorted set of raw ids; index ``i`` stands for ``ids[i]``.

    ``index(raw)`` maps raw ids to indices and raises (or returns -1 with
    ``missing="negative"``) for ids it does not know; ``ids(idx)`` maps back.
    """

    __slots__ = ("_ids",)

    def __init__(self, ids: np.ndarray) -> None:
        arr = np.asarray(ids, dtype=np.int64)
        if arr.ndim != 1:
            raise ValueError("vocabulary ids must be one-dimensional")
        if arr.size > 1 and not np.all(arr[1:] > arr[:-1]):
            arr = np.unique(arr)
        self._ids = arr

    @classmethod
    def from_values(cls, values: np.ndarray) -> "Vocabulary":
        return cls(np.unique(np.asarray(values, dtype=np.int64)))

    def __len__(self) -> int:
        return int(self._ids.size)

    def __contains__(self, raw: object) -> bool:
        try:
            return bool(self.index(np.asarray([raw]), missing="negative")[0] >= 0)
        except (TypeError, ValueError):
            return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and np.array_equal(self._ids, other._ids)

    @property
    def array(self) -> np.ndarray:
        return self._ids

    def index(self, raw: np.ndarray | list | int, missing: str = "error") -> np.ndarray:
        """Indices of ``raw`` ids. ``missing``: "error" raises KeyError, "negative" gives -1."""
        values = np.atleast_1d(np.asarray(raw, dtype=np.int64))
        pos = np.searchsorted(self._ids, values)
        pos_clipped = np.minimum(pos, max(len(self._ids) - 1, 0))
        found = (pos < len(self._ids)) & (self._ids[pos_clipped] == values) if len(self._ids) else np.zeros(values.shape, bool)
        if not found.all():
            if missing == "error":
                raise KeyError(f"unknown id {int(values[~found][0])}")
            pos = np.where(found, pos, -1)
        return pos.astype(np.int32)

    def ids(self, indices: np.ndarray | list | int) -> np.ndarray:
        idx = np.atleast_1d(np.asarray(indices, dtype=np.int64))
        if idx.size and (idx.min() < 0 or idx.max() >= len(self._ids)):
            raise IndexError("index out of range for this vocabulary")
        return self._ids[idx]
