"""The messages the app's workers post (dataclasses; progress floods are merged with ``can_replace``).

Workers report only by these (see :mod:`movierec.tui.jobs`); the app reacts to them in its handlers, on the UI
thread. ``eq=False``: a message is one event, compared by identity (Textual's own messages are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from movierec.engine.modes import FOLD_IN


@dataclass(eq=False)
class Loaded(Message):
    """The dataset, the content model and the profile are loaded; ``has_model``: a trained model is saved."""

    engine: Any
    profile: Any
    has_model: bool


@dataclass(eq=False)
class ModelLoaded(Message):
    """The saved fold-in model is loaded (torch imported)."""


@dataclass(eq=False)
class ModelSetAside(Message):
    """The saved model was bad and was moved aside (``notes`` say where); a new one is trained."""

    notes: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Note(Message):
    """A sentence a worker has for the person (a damaged file moved aside, ...)."""

    text: str
    severity: str = "warning"
    timeout: float = 12


@dataclass(eq=False)
class TrainProgress(Message):
    """Background training moved on; floods are merged (only the latest matters)."""

    stage: str
    epoch: int
    total: int | None
    loss: float
    val_hr: float | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainProgress)


@dataclass(eq=False)
class TrainDone(Message):
    ok: bool
    text: str
    mode: str = FOLD_IN


@dataclass(eq=False)
class FoldInProgress(Message):
    """``run``: which fine-tune (the app counts them), so a late message of a superseded one is told apart.
    Not merged: the Fine-tune screen's chart draws every step's loss."""

    step: int
    total: int
    loss: float
    run: int = 0


@dataclass(eq=False)
class FoldInDone(Message):
    """A fine-tune ended; ``fitted`` False: the profile had nothing to fit (nothing rated), nothing was tuned."""

    seconds: float
    device: str
    cancelled: bool = False
    fitted: bool = True
    run: int = 0


@dataclass(eq=False)
class LearnedProgress(Message):
    """The background deepcontent training (films with few ratings) moved on; floods are merged."""

    epoch: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LearnedProgress)


@dataclass(eq=False)
class LearnedDone(Message):
    """The background deepcontent training ended: ``ok`` False when it was cancelled or could not train;
    ``engine``: the one it trained for (a dataset switched meanwhile makes it stale); ``trained`` False: a saved
    one was loaded, nothing trained."""

    ok: bool
    engine: Any
    trained: bool = True
