"""Messages shared across screens."""

from __future__ import annotations

from textual.message import Message

from movierec.engine.modes import FOLD_IN


class TrainProgress(Message):
    """Background training moved on; floods are merged (only the latest matters)."""

    def __init__(self, stage: str, epoch: int, total: int | None, loss: float, val_hr: float | None) -> None:
        super().__init__()
        self.stage, self.epoch, self.total, self.loss, self.val_hr = stage, epoch, total, loss, val_hr

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, TrainProgress)


class TrainDone(Message):
    def __init__(self, ok: bool, text: str, mode: str = FOLD_IN) -> None:
        super().__init__()
        self.ok, self.text, self.mode = ok, text, mode


class FoldInProgress(Message):
    """``run``: which fine-tune (the app counts them), so a late message of a superseded one is told apart."""

    def __init__(self, step: int, total: int, loss: float, run: int = 0) -> None:
        super().__init__()
        self.step, self.total, self.loss, self.run = step, total, loss, run


class FoldInDone(Message):
    """A fine-tune ended; ``fitted`` False: the profile had nothing to fit (nothing rated), nothing was tuned."""

    def __init__(self, seconds: float, device: str, cancelled: bool = False, fitted: bool = True, run: int = 0) -> None:
        super().__init__()
        self.seconds, self.device, self.cancelled, self.fitted, self.run = seconds, device, cancelled, fitted, run


class LearnedProgress(Message):
    """The background deepcontent training (films with few ratings) moved on; floods are merged."""

    def __init__(self, epoch: int, total: int) -> None:
        super().__init__()
        self.epoch, self.total = epoch, total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LearnedProgress)


class LearnedDone(Message):
    """The background deepcontent training ended: ``ok`` False when it was cancelled or could not train;
    ``engine``: the one it trained for (a dataset switched meanwhile makes it stale); ``trained`` False: a saved
    one was loaded, nothing trained."""

    def __init__(self, ok: bool, engine, trained: bool = True) -> None:
        super().__init__()
        self.ok, self.engine, self.trained = ok, engine, trained
