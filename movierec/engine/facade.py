"""The one facade the CLI and the TUI call: it builds the engine's parts and keeps the verbs they need.

Nothing here prints: methods return values and report progress through callbacks; the caller decides how
to show them. torch (~1 s to import) is imported by the parts that train, fold in or score with a neural
model, never on import: data, search, content-based picks and the TUI's first screen skip it.
"""

from __future__ import annotations

from movierec.data import registry as data_registry
from movierec.errors import MovieRecError
from movierec.models.base import Callback
from movierec.picks.scoring import DEFAULT_DIVERSITY
from movierec.engine import modes as mode_rules
from movierec.engine.context import Context
from movierec.engine.evaluations import Evaluations
from movierec.engine.films import Films
from movierec.engine.matches import Matches
from movierec.engine.picks import Picks
from movierec.engine.profile_view import ProfileView
from movierec.engine.rows import FilmRow, FilmSearch, PickList
from movierec.engine.shelf import DEFAULT_MODEL, LEARNED, ModelShelf


class Engine:
    """``context``: dataset, split, device, notes; ``shelf``: models by name or mode; ``films``: rows, search,
    more like this; ``view``: a profile on this release; ``picks``: fold-in, lists, watchlist; ``matches``: the
    predicted match's calibrations; ``evaluations``: leave-one-out, cold start, tuning."""

    def __init__(self, dataset: str | None = None, device: str | None = "auto", on_note=None) -> None:
        self.context = Context(dataset, device, on_note)
        self.shelf = ModelShelf(self.context)
        self.films = Films(self.context, self.shelf)
        self.view = ProfileView(self.context)
        self.matches = Matches(self.context, self.shelf, self.films)
        self.picks = Picks(self.context, self.films, self.view, self.shelf, self.matches)
        self.evaluations = Evaluations(self.context, self.shelf)
        ctx, films, view, shelf, picks, ev = self.context, self.films, self.view, self.shelf, self.picks, self.evaluations
        # The verbs that need no more than their part: read straight through.
        self.find_title, self.film, self.similar = films.find_title, films.film, films.similar
        self.cold_start = films.cold_start
        self.index_of, self.entry_index, self.indexed = view.index_of, view.entry_index, view.indexed
        self.profile_films, self.profile_items, self.entry_args = view.profile_films, view.profile_items, view.entry_args
        self.same_film = view.same_film
        self.favourite_genres, self.genre_choices = view.favourite_genres, view.genre_choices
        self.has_model, self.plan, self.epochs_of = shelf.has, shelf.plan, shelf.epochs_of
        self.watchlist_films, self.match_map = picks.watchlist_films, self.matches.match_map
        self.evaluate_cold, self.diversity_sweep, self.tune = ev.evaluate_cold, ev.diversity_sweep, ev.tune
        self.protocol_users, self.tied_users = ev.protocol_users, ev.tied_users
        self.notes = ctx.notes

    # -- what is shared -----------------------------------------------------------------------------
    @property
    def dataset(self):
        return self.context.dataset

    @property
    def split(self):
        return self.context.split

    @property
    def dataset_ref(self) -> str | None:
        return self.context.dataset_ref

    @property
    def device(self):
        return self.context.device

    @property
    def device_name(self) -> str:
        return self.context.device_name

    @property
    def id_space(self) -> str:
        return self.view.id_space

    @property
    def on_note(self):
        """Called with each note as it happens (the CLI prints it)."""
        return self.notes.on_note

    @on_note.setter
    def on_note(self, value) -> None:
        self.notes.on_note = value

    @property
    def ui_thread(self) -> int | None:
        """The TUI's own thread (its event loop), set by the app: model work there raises UIThreadError instead of
        freezing every key behind it; only cheap reads (search, films, profile mapping, cached matches) answer there."""
        return self.context.ui_thread

    @ui_thread.setter
    def ui_thread(self, value: int | None) -> None:
        self.context.ui_thread = value

    @property
    def content(self):
        return self.films.content

    # -- modes and models ---------------------------------------------------------------------------
    modes = staticmethod(mode_rules.modes)
    reads_sequence = staticmethod(mode_rules.reads_sequence)
    mode_folds_in = staticmethod(mode_rules.folds_in)
    mode_model_name = staticmethod(mode_rules.model_name)
    mode_served = staticmethod(mode_rules.served)  # the mode whose model a mode needs (a blend: its first part's)
    mode_blends = staticmethod(mode_rules.blends)
    mode_fallback = staticmethod(mode_rules.fallback)
    mode_trains = staticmethod(mode_rules.trains)

    @property
    def default_epochs(self) -> int:
        """Most epochs the default model trains for (a progress bar's length)."""
        return self.shelf.epochs_of(DEFAULT_MODEL)

    @property
    def foldin_steps(self) -> int:
        from movierec.models.ncf.foldin import FoldInConfig

        return FoldInConfig().steps

    def get(self, ref: str, train: bool = False, callback: Callback | None = None, should_stop=None, **overrides):
        """The model a name or a mode names (``ModelShelf.get``): held, else saved, else None or trained."""
        return self.shelf.get(ref, train, callback, should_stop, **overrides)

    def train(self, model: str = DEFAULT_MODEL, callback: Callback | None = None, should_stop=None,
              force: bool = False, **overrides):
        """(model, TrainSummary): any model of the registry, a saved one reused when its settings match."""
        return self.shelf.train(model, callback, should_stop, force, **overrides)

    def train_learned(self, callback: Callback | None = None, should_stop=None, **overrides):
        """The deepcontent model the hybrid's films with few ratings are scored by: held or saved, else trained
        now (the CLI's recommend and the TUI do it once, after the fold-in model); a failed training is a note
        and None (the picks go on without it)."""
        try:
            return self.shelf.get(LEARNED, True, callback, should_stop, **overrides)
        except MovieRecError as exc:
            self.context.note(f"films with few ratings are scored without deepcontent: {exc}", once="learned-failed")
            return None

    def evaluate(self, models: list[str], k: int = 10, negatives: int = 99, seed: int = 0, full: bool = False,
                 callback: Callback | None = None, on_result=None, retrain: bool = False, **overrides):
        """Leave-one-out reports of ``models``; one that cannot run here among several: ``notes.skipped``."""
        return self.evaluations.evaluate(models, k, negatives, seed, full, callback, on_result, retrain, **overrides)

    # -- a person's picks ---------------------------------------------------------------------------
    def search(self, text: str, genres: list[str] | None = None, years=None, limit: int = 50) -> FilmSearch:
        """The title search the CLI and the TUI show (``Films.search``)."""
        return self.films.search(text, genres, years, limit)

    def recommend(self, profile, n: int = 10, diversity: float = DEFAULT_DIVERSITY, genres: list[str] | None = None,
                  years=None, mode: str = mode_rules.DEFAULT, seed: int = 0, callback=None, should_stop=None,
                  anchor: int | None = None, exclude: set[int] | None = None, within=None, calibrate: bool = True):
        """A diversified, explained top ``n`` for a profile (``Picks.recommend`` says the options)."""
        return self.picks.recommend(profile, n, diversity, genres, years, mode, seed, callback, should_stop, anchor,
                                    exclude, within, calibrate)

    def browse(self, profile, diversity: float = DEFAULT_DIVERSITY, mode: str = mode_rules.DEFAULT,
               genre: str | None = None, n: int = 10, should_stop=None, because: int = 3, first=None) -> list[PickList]:
        """The lists of the picks screen (``Picks.browse``)."""
        return self.picks.browse(profile, diversity, mode, genre, n, should_stop, because, first)

    def watchlist(self, profile, mode: str = mode_rules.DEFAULT, should_stop=None) -> list[FilmRow]:
        """The profile's watchlist, the film that fits it best first (``Picks.watchlist``)."""
        return self.picks.watchlist(profile, mode, should_stop)

    def film_matches(self, profile, indices: list[int], mode: str = mode_rules.DEFAULT, compute: bool = False,
                     seed: int = 0) -> list[float | None]:
        """The predicted match of any films for a profile (``Picks.film_matches``)."""
        return self.picks.film_matches(profile, indices, mode, compute, seed)

    def fold_in(self, profile, callback=None, should_stop=None, seed: int = 0) -> float | None:
        """Fold a profile in now (what its picks will use); None when it has nothing to fit."""
        return self.picks.fold_in(profile, callback, should_stop, seed)

    def import_history(self, path, name: str | None = None, default_name: str = "default", candidates: bool = True):
        """Import a Letterboxd, IMDb or movierec export into a profile (movierec.store.imports):
        (plan, merge report, profile). The dataset is loaded only for a service's export. ``candidates``:
        similar titles for each film not found (a title search each), not only the same title's other years."""
        from movierec.store import imports
        from movierec.store.profiles import ProfileStore

        return imports.import_into(ProfileStore(), path, name, default_name, lambda: self.dataset.catalog,
                                   self.dataset_ref or data_registry.DEFAULT_DATASET, candidates)
