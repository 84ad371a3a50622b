"""What every part of the engine shares: the dataset and its split, the device, the notes for the caller, and
the guard that keeps model work off a UI's thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from movierec.data import registry as data_registry
from movierec.data.dataset import Dataset
from movierec.data.splits import Split, leave_one_out

if TYPE_CHECKING:
    import torch


class UIThreadError(RuntimeError):
    """Model work (loading, training, folding in, scoring) asked for on the thread a UI marked as its own
    (``Engine.ui_thread``): every key would wait until it is done. A bug in the caller, never a user's error."""


@dataclass
class Notes:
    """The lines the engine leaves for its caller, typed by what they are for.

    ``lines``: things set right on the way (why a model is trained or reused, tuned settings used, a bad
    checkpoint moved aside), each passed to ``on_note`` as it happens (the CLI prints it); ``calibrated``: one
    line per match calibration computed here (said after the picks: `recommend --json` keeps its output one JSON
    document); ``skipped``: (model, why) left out of the last evaluation."""

    on_note: Callable[[str], None] | None = None
    lines: list[str] = field(default_factory=list)
    calibrated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    _once: set[str] = field(default_factory=set)

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, at):
        return self.lines[at]

    def add(self, text: str, once: str | None = None) -> None:
        """One line for the caller; with ``once``, only the first time that key is given."""
        if once is not None:
            if once in self._once:
                return
            self._once.add(once)
        self.lines.append(text)
        if self.on_note is not None:
            self.on_note(text)

    def forget(self, prefix: str) -> None:
        """Let the ``once`` lines whose key starts with ``prefix`` be said again (new tuned settings)."""
        self._once = {n for n in self._once if not n.startswith(prefix)}


class Context:
    """The dataset (loaded on first use), its leave-one-out split, the device (chosen once: auto = cuda, then
    mps, then cpu), the notes, and ``ui_thread``: the TUI's own thread, where model work raises UIThreadError
    instead of freezing every key behind it."""

    def __init__(self, dataset: str | None = None, device: str | None = "auto", on_note=None) -> None:
        self.dataset_ref = dataset
        self.device_ref = device
        self.notes = Notes(on_note)
        self.ui_thread: int | None = None
        self._device: torch.device | None = None
        self._dataset: Dataset | None = None
        self._split: Split | None = None

    def model_work(self, what: str) -> None:
        if self.ui_thread is not None and threading.get_ident() == self.ui_thread:
            raise UIThreadError(f"{what} asked for on the UI thread; run it in a worker")

    def note(self, text: str, once: str | None = None) -> None:
        self.notes.add(text, once)

    @property
    def device(self) -> torch.device:
        """The compute device, chosen once (auto = cuda, then mps, then cpu)."""
        if self._device is None:
            from movierec import device as devices

            self._device = devices.resolve(self.device_ref)
        return self._device

    @property
    def device_used(self) -> bool:
        """Whether the device was chosen (a neural model was involved)."""
        return self._device is not None

    @property
    def device_name(self) -> str:
        from movierec import device as devices

        return devices.describe(self.device)

    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = data_registry.load_dataset(self.dataset_ref)
        return self._dataset

    @property
    def split(self) -> Split:
        if self._split is None:
            self._split = leave_one_out(self.dataset)
        return self._split
