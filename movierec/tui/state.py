"""The app's shared state as frozen values: the app holds each in a reactive attribute (a ``var``), changes it by
putting a new value there, and the widgets that show it watch it (no loops over the screens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TrainState:
    """The "train" worker group: the model it trains (one at a time) and its progress, or idle."""

    running: bool = False
    model: str | None = None
    stage: str = "model"
    epoch: int = 0
    total: int | None = None  # None: not known (a refit whose message does not carry its epoch count)
    loss: float = 0.0
    val_hr: float | None = None


IDLE = TrainState()


@dataclass(frozen=True)
class LearnedState:
    """deepcontent (films with few ratings) training behind the picks: ``epoch`` of ``total``."""

    epoch: int
    total: int


@dataclass(frozen=True)
class FoldIn:
    """The fine-tune: the running (or last) one's progress, what the Fine-tune screen draws; ``wanted``: ratings
    changed since the last one started (it is due, or waits for the model); ``last``: the last one's result."""

    active: int | None = None  # the number of the fine-tune running now (each one's messages carry it)
    losses: tuple[float, ...] = ()
    steps: tuple[int, int] | None = None  # (first step shown, latest step) of losses
    total: int = 0
    wanted: bool = False
    last: Any = None  # messages.FoldInDone | None
    runs: int = field(default=0)  # fine-tunes started

    @property
    def running(self) -> bool:
        """Set when one starts, cleared by its own FoldInDone (not by the worker's state, which changes after
        that message, so a screen drawn between the two said "fitting" for good)."""
        return self.active is not None
