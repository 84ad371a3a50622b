"""The engine the CLI and the TUI call: a facade (``Engine``) over parts that each own one responsibility
(context, films, profile view, model shelf, evaluations, picks, matches)."""

from movierec.engine.context import UIThreadError
from movierec.engine.facade import Engine
from movierec.engine.rows import FilmRow, FilmSearch, PickList, TrainSummary
from movierec.engine.shelf import DEFAULT_MODEL

__all__ = ["DEFAULT_MODEL", "Engine", "FilmRow", "FilmSearch", "PickList", "TrainSummary", "UIThreadError"]
