"""What crosses from the engine to the CLI and the TUI: frozen rows with ``to_json``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FilmSearch:
    """Engine.search: film rows (catalogue fields, "index", "ratings", "mean_rating", "score": the title
    match, None without text) and ``note``, the sentence shown instead of close matches ("" when they are
    close; Catalog.lookup); ``hidden``: close matches the filters hide."""

    rows: list[dict]
    note: str = ""
    hidden: int = 0


@dataclass(frozen=True)
class TrainSummary:
    """What ``Engine.train`` says about the model it returns (the model's own training figures are its
    ``FitResult``): where it is saved, how long it took, whether a saved one was reused, and why."""

    model: str
    path: str | None
    epochs: int
    best_epoch: int
    val_hr: float
    fit_seconds: float
    reused: bool
    device: str
    note: str = ""  # why it was trained, or that a saved model was reused
    created: str = ""  # when the model was trained (a reused one: its original date)

    def to_json(self) -> dict:
        """Floats rounded; a missing figure (no validation users: NaN) is null, as JSON has no NaN."""
        return {k: ((round(v, 6) if v == v else None) if isinstance(v, float) else v) for k, v in self.__dict__.items()}
