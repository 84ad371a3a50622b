"""What crosses from the engine to the CLI and the TUI: frozen rows with ``to_json``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FilmSearch:
    """Engine.search: film rows (FilmRow: "ratings", "mean_rating", "score": the title
    match, None without text) and ``note``, the sentence shown instead of close matches ("" when they are
    close; Catalog.lookup); ``hidden``: close matches the filters hide."""

    rows: list[FilmRow]
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


@dataclass(frozen=True)
class FilmRow:
    """One film as a list shows it: the catalogue's fields (``index`` None: a watchlist entry this dataset
    lacks, named by its stored title and ``ref``), and what the list that made it adds: ``ratings`` and
    ``mean_rating`` (search, starters, one film), ``tags`` (one film), ``score`` (search: the title match,
    None without text; the watchlist: the personal score, None where there is none), ``similarity`` (more
    like this), ``exact`` (a film found by a title: whether the title named it exactly), ``added`` and
    ``ref`` (the watchlist), ``reason`` and ``match`` (the watchlist ranked as picks are)."""

    index: int | None
    movie_id: int
    title: str
    year: int | None
    genres: list[str]
    ratings: int | None = None
    mean_rating: float | None = None
    tags: list[str] | None = None
    score: float | None = None
    similarity: float | None = None
    exact: bool | None = None
    added: float | None = None
    ref: str | None = None
    reason: str = ""
    match: float | None = None

    @classmethod
    def of(cls, catalog, index: int, **fields) -> FilmRow:
        """The row of film ``index`` of ``catalog``, with the list's own ``fields``."""
        return cls(index=index, **catalog.describe(index), **fields)

    def to_json(self, *fields: str) -> dict:
        """The catalogue's fields (movie_id, title, year, genres), then ``fields`` in the order given."""
        out = {"movie_id": self.movie_id, "title": self.title, "year": self.year, "genres": self.genres}
        return {**out, **{name: getattr(self, name) for name in fields}}


@dataclass(frozen=True)
class PickList:
    """One list of the picks screen (``Engine.browse``): its ``kind`` ("top", "because", "next", "genre"),
    what it is ``about`` (a film's spoken title, a genre, or None), its picks and their mix of models."""

    kind: str
    about: str | None
    picks: list
    mix: dict

    def to_json(self) -> dict:
        return {"kind": self.kind, "about": self.about, "mix": self.mix, "picks": [p.to_json() for p in self.picks]}
