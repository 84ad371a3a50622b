"""MovieRecApp: the screens, the bindings, the command palette and the background work.

Build it with :func:`make_app` (the CLI and the tests use the same factory). All
model work goes through :class:`movierec.engine.Engine` in thread workers; the
UI thread never trains, folds in or loads.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Iterable

from rich.text import Text

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from movierec.console import clean
from movierec.errors import MovieRecError
from movierec.tui import jobs
from movierec.tui.messages import (FoldInDone, FoldInProgress, LearnedDone, LearnedProgress, Loaded, ModelLoaded,
                                   ModelSetAside, Note, TrainDone, TrainProgress)
from movierec.tui.screens.base import MainScreen
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.help import HelpScreen
from movierec.tui.screens.movie import MovieScreen
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.search import SearchScreen, YearsInput, edit_now, type_text
from movierec.tui.screens.watchlist import WatchlistScreen
from movierec.tui.widgets.tables import FilmTable, match_text, plural, spoken_title, title_text, yours_text

#: What the sign says while a screen opens (App._open).
OPENING = {"ratings": "your ratings", "picks": "your picks", "finetune": "fine-tune", "onboarding": "well-known films",
           "watchlist": "your watchlist"}
#: Seconds of quiet after a rating before the background fine-tune starts.
FINETUNE_PAUSE = 1.5
#: What a screen key or command says while the catalogue loads (it is not dropped without a word).
LOADING = "still loading the catalogue; try again in a moment"
ADD_DATASET = ("add one with `movierec --headless data fetch ml-1m` (or another GroupLens release) or "
               "`movierec --headless data import PATH`")


class LoadingScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        # Static text, not an animated LoadingIndicator: its 60 fps repaint competes for the GIL
        # with the loading thread and made start-up measurably slower.
        yield Static("Loading the catalogue and your model...", id="loading-text", markup=False)
        yield Footer()


class MovieRecApp(App):
    TITLE = "movierec"
    CSS_PATH = "app.tcss"
    MODES = {
        "onboarding": OnboardingScreen,
        "search": SearchScreen,
        "ratings": RatingsScreen,
        "picks": PicksScreen,
        "finetune": FineTuneScreen,
        "watchlist": WatchlistScreen,
    }
    BINDINGS = [
        # Priority: runs as the key arrives, so the keys typed next already go to the search box (a
        # text box with focus still takes "/" as text: Textual leaves out keys an Input consumes).
        Binding("slash", "show_search", "search", priority=True),
        # r, p and t work everywhere; screens with room in the Footer show them (80 columns fit).
        Binding("r", "show_ratings", "ratings", show=False),
        Binding("p", "show_picks", "picks", show=False),
        Binding("t", "show_finetune", "fine-tune", show=False),
        Binding("o", "show_onboarding", "well-known films", show=False),
        Binding("l", "show_watchlist", "watchlist"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, dataset: str | None = None, profile: str | None = None, device: str = "auto",
                 train_overrides: dict | None = None, engine=None) -> None:
        super().__init__()
        from movierec.picks.scoring import DEFAULT_DIVERSITY
        from movierec.store.profiles import DEFAULT_PROFILE, Profile, ProfileStore

        self.dataset_ref = dataset
        self.device_ref = device
        self.train_overrides = dict(train_overrides or {})
        self.engine = engine
        self.store = ProfileStore()
        self.profile_name = profile or DEFAULT_PROFILE
        self.profile = Profile(self.profile_name)
        self.train_state: dict = {"running": False}
        # The background deepcontent training (films with few ratings): {"epoch", "total"} while it runs.
        self.learned_state: dict | None = None
        self._loading_mode = False  # the "loading" mode a dataset switch shows (added on the first switch)
        self.status_text = ""
        self.diversity = DEFAULT_DIVERSITY
        self.mode = "hybrid"
        self.genre: str | None = None
        self._finetune_timer = None
        self._foldin_wanted = False  # ratings changed since the last fine-tune started
        self.last_foldin: FoldInDone | None = None  # the last fine-tune's result, for the screens out of view
        # The running (or last) fine-tune's progress: what the Fine-tune screen draws (foldin_view says its state).
        self.foldin_losses: list[float] = []
        self.foldin_steps: tuple[int, int] | None = None  # (first step shown, latest step) of foldin_losses
        self.foldin_total = 0
        self._foldin_runs = 0  # fine-tunes started (each one's messages carry its number)
        self.foldin_active: int | None = None  # the number of the fine-tune running now
        self.previous_mode: str | None = None  # where Escape from the search box goes back to
        self._held_keys: list[events.Key] | None = None  # typed after `/` while the search screen opens
        self._search_on_load = False
        self._hold_count = 0  # a hold's timer releases that hold only, never a later one
        self.ready = False
        self.quitting = False  # `q` was pressed: no more actions (check_action)
        self.model_ready = False  # a trained model is loaded (torch imported)
        # Set when the first screen has its content: torch's import (~1 s of CPU, holding the GIL) waits
        # for it, so it does not slow the first picks down.
        self.first_screen_shown = threading.Event()

    # -- start-up ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self, fresh: bool = False) -> None:
        from movierec.engine import Engine

        # ``fresh``: another dataset (the old engine stays until this one is ready: workers still on it finish).
        engine = Engine(self.dataset_ref, self.device_ref) if fresh or self.engine is None else self.engine
        jobs.load(engine, self._read_profile, self.post_message, self.first_screen_shown)

    def _read_profile(self):
        return jobs.read_profile(self.store, self.profile_name, self.post_message)

    @on(Note)
    def worker_note(self, event: Note) -> None:
        self.notify(event.text, severity=event.severity, timeout=event.timeout, markup=False)

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        engine, profile, has_model = event.engine, event.profile, event.has_model
        engine.ui_thread = threading.get_ident()  # model work asked for here raises: keys never wait behind it
        self.engine = engine
        self.profile = profile
        self.ready = True
        self._set_sub_title()
        self.status_text = "loading the model..." if has_model else ""
        self.switch_mode("picks" if profile.ratings else "onboarding")
        if not profile.ratings:
            self.first_screen_shown.set()
        if not has_model:
            self.start_training()
        if self._search_on_load:
            self.call_later(self._search_after_load)

    def _search_after_load(self) -> None:
        self._search_on_load = False
        self._open_search()

    @on(ModelSetAside)
    def _model_set_aside(self, event: ModelSetAside) -> None:
        for text in event.notes:
            self.notify(text, severity="warning", timeout=12, markup=False)
        self.start_training()

    @on(ModelLoaded)
    def _model_loaded(self, event: ModelLoaded | None = None) -> None:
        self.model_ready = True
        self._set_sub_title()
        self.status_text = "model ready"
        self._refresh_status()
        self.scores_changed()
        self.start_learned()
        if self._foldin_wanted:  # ratings made (or a fine-tune asked for) while the model was not there
            self.start_foldin(announce=False)

    def scores_changed(self) -> None:
        """The model's scores for this profile changed: every screen of the current mode's stack re-reads
        what they decide (picks, watchlist order, match cells in search results, well-known films and
        "more like this"). Screens of other modes re-read everything when they are shown again."""
        for screen in self._visible_screens():
            refresh = getattr(screen, "refresh_matches", None)
            if refresh is not None:
                refresh()

    # -- films with few ratings: deepcontent, trained once in the background -----------------
    def start_learned(self) -> None:
        """Train deepcontent once for this dataset (none saved, or a bad one set aside), behind the picks: they
        show at once from the fold-in model and take in the films with few ratings when it is done (about
        20 s on ml-latest-small)."""
        if not self.ready or self._group_busy("learned"):
            return
        self.train_learned(self.train_overrides.get("epochs", self.engine.epochs_of("deepcontent")))

    @work(thread=True, exclusive=True, exit_on_error=False, group="learned")
    def train_learned(self, total: int) -> None:
        worker = get_current_worker()
        jobs.train_learned(self.engine, total, self.train_overrides, self.post_message, lambda: worker.is_cancelled,
                           self.first_screen_shown)

    @on(LearnedProgress)
    def learned_progress(self, event: LearnedProgress) -> None:
        if self._group_busy("learned"):  # not a late one from a worker cancelled since
            self.learned_state = {"epoch": event.epoch, "total": event.total}
            self._refresh_status()

    @on(LearnedDone)
    def learned_done(self, event: LearnedDone) -> None:
        if event.engine is not self.engine:  # trained for a dataset left since
            return
        self.learned_state = None
        self._refresh_status()
        if not event.trained:  # a saved one, loaded
            return
        if not event.ok:  # cancelled (it trains next time), or it could not train: its note says why
            for text in self.engine.notes:
                if text.startswith("films with few ratings"):
                    self.notify(text, severity="warning", timeout=8, markup=False)
            return
        self.notify("films with few ratings are now scored from their content too", timeout=4)
        self.scores_changed()  # the hybrid picks blend it in

    def _set_sub_title(self) -> None:
        device = f" · {self.engine.device_name}" if self.model_ready else ""
        self.sub_title = clean(f"{self.engine.dataset.name} · profile {self.profile_name}{device}")

    def notify(self, message: str, *, title: str = "", **kwargs) -> None:
        """Every notification passes the terminal filter: titles and errors carry data (escapes, bidi controls)."""
        super().notify(clean(message), title=clean(title), **kwargs)

    # -- navigation -------------------------------------------------------------------------
    def _go(self, mode: str) -> None:
        if self.quitting:
            return
        if not self.ready:  # a screen key or command while loading: refused with a sentence, never dropped
            self.notify(LOADING, timeout=3, markup=False)
            return
        while isinstance(self.screen, (MovieScreen, HelpScreen)):
            self.pop_screen()
        if mode != self.current_mode:
            self.previous_mode = self.current_mode
        self.switch_mode(mode)

    def action_show_search(self) -> None:
        """`/` from anywhere: the search screen with its box focused, so what follows is a query."""
        focused = self.focused
        if isinstance(focused, Input) and not isinstance(focused, YearsInput):
            # Textual gives "slash" no character, so Inputs do not keep this priority binding away
            # from themselves: in a text box (this one, the palette's, the profile name) "/" is text.
            # Typed at once, as every key in a text box is (edit_now): in the order typed.
            type_text(focused, "/")
            return
        # From this key on, keys are held and given to the search box once it has focus, in order.
        # The screen switches only after the keys typed *before* `/` are handled where they were
        # typed (Textual reads bindings from the active screen, so switching at once would apply
        # them to the search screen instead).
        self.hold_keys()
        if not self.ready:  # still loading: search opens as soon as it can
            self._search_on_load = True
            return
        # A key goes to the focused widget and bubbles up its ancestors to the app, one queue at a
        # time; the switch follows the same path, so it comes after the keys already on their way.
        path = list(self.focused.ancestors_with_self) if self.focused is not None else [self.screen, self]

        def relay(nodes: list) -> None:
            if nodes:
                nodes[0].call_later(relay, nodes[1:])
            else:
                self._open_search()

        relay(path)

    def _open_search(self) -> None:
        self._go("search")
        screen = self.screen
        if isinstance(screen, SearchScreen) and screen.query("#query"):
            screen.focus_box()  # gives it the held keys; a screen opening for the first time does on mount

    #: Seconds after which held keys go where they would have gone anyway (the search box), whatever happens.
    HOLD_SECONDS = 5.0

    def hold_keys(self) -> int:
        """Hold the keys typed from now on until :meth:`release_keys` (or ``HOLD_SECONDS``, whatever happens);
        the hold's number, for :meth:`holding`."""
        if self._held_keys is None:
            self._held_keys = []
            self._hold_count += 1
            count = self._hold_count
            self.set_timer(self.HOLD_SECONDS, lambda: self.release_keys() if count == self._hold_count else None)
        return self._hold_count

    def holding(self, hold: int) -> bool:
        """Hold number ``hold`` still holds keys (its timer has not given them to the box yet)."""
        return self._held_keys is not None and hold == self._hold_count

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            box = self.focused
            if isinstance(box, Input) and await edit_now(box, event):
                return
        await super().on_event(event)

    def release_keys(self) -> None:
        """The search box has focus: the keys held since `/` go to it, in order."""
        if self._held_keys is not None:
            self.call_next(self._release_keys)

    async def _release_keys(self) -> None:
        held, self._held_keys = self._held_keys or [], None
        for event in held:
            await self.on_event(event)

    def action_back(self) -> None:
        """Escape from the search box: back to the screen search was opened from."""
        back = self.previous_mode if self.previous_mode not in (None, self.current_mode) else None
        self._go(back or ("picks" if self.profile.ratings else "onboarding"))

    async def action_show_ratings(self) -> None:
        await self._open("ratings")

    async def action_show_picks(self) -> None:
        if self.ready and isinstance(self.screen, PicksScreen):  # p again: back to the top list's first pick
            self.screen.to_top()
            return
        await self._open("picks")

    async def action_show_finetune(self) -> None:
        if self.ready and isinstance(self.screen, FineTuneScreen):
            self.screen.action_start()
        await self._open("finetune")

    async def action_show_onboarding(self) -> None:
        await self._open("onboarding")

    async def action_show_watchlist(self) -> None:
        await self._open("watchlist")

    async def _open(self, mode: str) -> None:
        """A screen by its key, with a sign that the key was taken first (issue 24.15: a screen opened for the
        first time, or the well-known films under load, took seconds to show and nothing said the key was
        taken). The sign is painted before the slow part (Textual's styling of the new screen) starts; keys
        typed meanwhile are held and given to the new screen, in order."""
        if self.ready and not self.quitting and (mode != self.current_mode or isinstance(self.screen, ModalScreen)):
            self._with_sign(f"opening {OPENING.get(mode, mode)}...", lambda: self._go(mode))
        else:
            self._go(mode)

    def _with_sign(self, text: str, slow: Callable[[], object]) -> None:
        """Show ``text`` now, then do ``slow`` once it is on screen; keys typed meanwhile wait for the result."""
        self.notify(text, timeout=2, markup=False)
        self.hold_keys()

        def after_refreshes(screen: Screen, rounds: int, then: Callable[[], object]) -> None:
            # In the screen's own queue, not the app's: the app's queue stays free to mount and paint the toast.
            if rounds:
                screen.call_after_refresh(after_refreshes, screen, rounds - 1, then)
            else:
                then()

        def build() -> None:
            slow()
            after_refreshes(self.screen, 1, self.release_keys)  # the new screen has its widgets and focus

        # The notification's toast is mounted two hops down the app's queue (a Notify message, then its
        # handler's call_later of the rack's show); the screen is built after that and two refreshes.
        self.call_later(self.call_later, after_refreshes, self.screen, 2, build)

    def action_command_palette(self) -> None:
        """ctrl+p: the palette takes a while to open (seconds under load): a sign first (issue 24.15)."""
        if self.quitting or not self.use_command_palette or CommandPalette.is_open(self):
            return
        self._with_sign("opening the command palette...", super().action_command_palette)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_movie(self, index: int) -> None:
        """A film window, over the one it was opened from ("More like this"): Escape goes back to that film
        (issue 24.14: it replaced it, and Escape skipped back past it)."""
        self.push_screen(MovieScreen(index))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search", "Search titles as you type", self.action_show_search)
        yield SystemCommand("My ratings", "Your ratings and profiles", self.action_show_ratings)
        yield SystemCommand("Picks", "Your diversified top picks", self.action_show_picks)
        yield SystemCommand("Fine-tune", "Fit your own vectors on this machine", self.action_show_finetune)
        yield SystemCommand("Well-known films", "Quick rating of famous films", self.action_show_onboarding)
        yield SystemCommand("Watchlist", "Films you want to see, the best fit for you first",
                            self.action_show_watchlist)
        yield SystemCommand("Retrain model", "Train the NeuMF model again on this dataset", self.action_retrain)
        yield SystemCommand("Export profile", "Write your profile to a JSON file", self.action_export_profile)
        if self.ready:
            from movierec.data import registry

            others = [e for e in registry.entries() if e.name != self.engine.dataset.name]
            for entry in others:
                yield SystemCommand(f"Switch dataset: {entry.name}", f"{entry.kind} dataset at {entry.path}",
                                    lambda name=entry.name: self.switch_dataset(name))
            if not others:  # listed anyway, so that a person learns how to add one
                yield SystemCommand("Switch dataset", f"only {self.engine.dataset.name} is here; {ADD_DATASET}",
                                    lambda: self.notify(f"only {self.engine.dataset.name} is registered; {ADD_DATASET}",
                                                        markup=False, timeout=10))

    # -- ratings ----------------------------------------------------------------------------
    def dismissed(self) -> set[int]:
        """Catalogue indices of the films marked "not interested" in this dataset."""
        if not self.ready:
            return set()
        return set(self.engine.profile_films(self.profile)[1])

    def yours(self) -> Callable[[int], Text]:
        """index -> the "yours" cell: your stars or the not-interested mark."""
        rated, dismissed = self.rated_stars(), self.dismissed()
        return lambda index: yours_text(rated.get(index), index in dismissed)

    def watchlisted(self) -> set[int]:
        """Catalogue indices of the films on the current profile's watchlist in this dataset."""
        if not self.ready:
            return set()
        return set(self.engine.indexed(self.profile.watchlist))

    def titles(self) -> Callable[[int, str], Text]:
        """(index, title) -> the title cell: the watchlist mark in front of a film on your watchlist."""
        listed = self.watchlisted()
        return lambda index, title: title_text(title, index in listed)

    def matches(self, indices: list[int], compute: bool = False) -> list[Text]:
        """The "match" cells of these films for the current profile and mode (blank where there is none).
        ``compute=False`` (the UI thread): only from the scores of the profile's latest picks."""
        blank = [match_text(None)] * len(indices)
        if not self.ready:
            return blank
        mode = self.mode if self.model_ready else "content"
        try:
            values = self.engine.film_matches(self.profile, indices, mode, compute=compute)
        except MovieRecError:  # e.g. a sequence mode and no film liked yet: no match to show
            return blank
        return [match_text(v) for v in values]

    def rated_stars(self) -> dict[int, float]:
        """Catalogue index -> stars, for the films of the current profile in this dataset."""
        if not self.ready:
            return {}
        return {index: rating.stars for index, rating in self.engine.profile_films(self.profile)[0].items()}

    @on(FilmTable.RateRequested)
    def rate_film(self, event: FilmTable.RateRequested) -> None:
        if not self.ready:
            return
        film = self.engine.film(event.index)
        listed = event.index in self.watchlisted()
        where = self.engine.entry_args(event.index)  # the engine's mapping
        try:
            if event.stars is None:
                undo = event.index in self.dismissed()
                self.store.unrate(self.profile_name, film["movie_id"], **where)
                self.profile = self.store.load(self.profile_name)
                said = spoken_title(film["title"])
                self.notify(f"interested again: {said}" if undo else f"removed {said}",
                            markup=False, timeout=2)
            else:
                self.profile = self.store.rate(self.profile_name, film["movie_id"], event.stars, film["title"], **where)
                seen = " · off your watchlist" if listed else ""  # rating a film takes it off (the store's rule)
                self.notify(f"{spoken_title(film['title'])}: {plural(event.stars, 'star')}{seen}", markup=False,
                            timeout=2)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.profile_changed()

    @on(FilmTable.DismissRequested)
    def dismiss_film(self, event: FilmTable.DismissRequested) -> None:
        """`n`: not interested; on a film already marked, the mark is taken back (a toggle)."""
        film = self.engine.film(event.index)
        undo = event.index in self.dismissed()
        where = self.engine.entry_args(event.index)
        try:
            if undo:
                self.store.unrate(self.profile_name, film["movie_id"], **where)
                self.profile = self.store.load(self.profile_name)
            else:
                self.profile = self.store.not_interested(self.profile_name, film["movie_id"], film["title"], **where)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(f"{'interested again' if undo else 'not interested'}: {spoken_title(film['title'])}", markup=False,
                    timeout=2)
        self.profile_changed()

    @on(FilmTable.WatchRequested)
    def toggle_watch(self, event: FilmTable.WatchRequested) -> None:
        """`w`: on the watchlist, or off it when it is there; written at once (the store is atomic)."""
        if not self.ready:
            return
        if event.index is not None:
            film = self.engine.film(event.index)
            movie_id, title, listed = film["movie_id"], film["title"], event.index in self.watchlisted()
            where = self.engine.entry_args(event.index)
        else:  # a watchlist film this release lacks, named by its entry's ref
            entry = next((e for e in self.profile.watchlist.values() if e.ref == event.ref), None)
            if entry is None:
                return
            movie_id, listed, where = entry.movie_id, True, {"space": entry.space}
            title = entry.title or f"movie id {entry.ref}"
        try:
            if listed:
                self.store.unwatch(self.profile_name, movie_id, **where)
                self.profile = self.store.load(self.profile_name)
                said = "removed from your watchlist"
            else:
                self.profile, _ = self.store.watch(self.profile_name, movie_id, title, **where)
                said = "added to your watchlist"
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(f"{said}: {spoken_title(title)}", markup=False, timeout=3)
        # What the picks are fitted to is unchanged: no fine-tune, and the picks only re-mark their titles.
        for screen in self._visible_screens():
            if isinstance(screen, (MainScreen, MovieScreen)):
                screen.refresh_marks()

    def profile_changed(self) -> None:
        for screen in self._visible_screens():
            if isinstance(screen, (MainScreen, MovieScreen)):
                screen.refresh_data()
        if self._finetune_timer is not None:
            self._finetune_timer.stop()
        self._finetune_timer = self.set_timer(FINETUNE_PAUSE, lambda: self.start_foldin(announce=False))
        self._foldin_wanted = True

    def foldin_waiting(self) -> bool:
        """A fine-tune of the current ratings is due or running (what the matches and picks will read)."""
        return self._foldin_wanted or self.foldin_running()

    def _visible_screens(self) -> list[Screen]:
        """The current mode's screens that have their widgets: one still opening (its widgets not composed yet)
        or closed while it opened fills itself when it mounts. Keys typed at once (Enter Escape Enter...) reached
        a film window being opened or closed: NoMatches, exit status 1 (issue 24.2)."""
        return [screen for screen in self.screen_stack if screen.is_mounted]

    def switch_profile(self, name: str, create: bool = False) -> bool:
        """Open profile ``name`` (``create``: typed as a new one). A name the store refuses leaves the
        open profile loaded and shown as it was; a new profile's name that exists already opens that
        profile and says so. True when the profile was switched."""
        from movierec.store.profiles import Profile, check_name

        try:
            name = check_name(name)  # the store's one check (NFC: "e" + U+0301 is "é"), before anything changes
            exists = name in self.store.names()
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False
        if name == self.profile_name:
            if create:
                self.notify(f"profile {name!r} is open already ({plural(len(self.profile.ratings), 'rating')})",
                            markup=False, timeout=4)
            return False
        try:  # a new one is written now: with no rating yet it is still there after a restart
            profile = self.store.create(name)[0] if create else self.store.load(name)
        except MovieRecError as exc:  # damaged: moved aside, its valid entries kept (as at start-up)
            self.notify(str(exc), severity="warning", timeout=12, markup=False)
            try:
                profile = self.store.load(name)
            except MovieRecError:
                profile = Profile(name)
        self.profile_name, self.profile = name, profile
        if create:
            said = "switched to profile" if exists else "new profile"
            self.notify(f"{said} {name!r} ({plural(len(profile.ratings), 'rating')})", markup=False, timeout=4)
        self._set_sub_title()
        self.profile_changed()
        return True

    def action_export_profile(self) -> None:
        from movierec import paths

        target = paths.data_dir() / "exports" / f"{self.profile_name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        try:
            self.store.export(self.profile_name, target)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        from movierec.tui.widgets.toast import path_lines, toast_text_width

        lines = path_lines(target, toast_text_width(self.size.width))  # cut between folders, not mid-name
        self.notify("profile exported to\n" + "\n".join(lines), markup=False, timeout=8)

    # -- training ---------------------------------------------------------------------------
    def start_training(self, force: bool = False) -> None:
        total = self.train_overrides.get("epochs", self.engine.default_epochs)
        self.train_state = {"running": True, "model": self.engine.mode_model_name("ncf"), "stage": "model", "epoch": 0,
                            "total": total, "loss": 0.0, "val_hr": None}
        self._refresh_status()
        self.train(force)

    def training_now(self) -> str | None:
        """The model the "train" worker group is training now (one at a time), or None."""
        return self.train_state.get("model") if self.train_state.get("running") else None

    def action_retrain(self) -> None:
        """The palette's "Retrain model": runs, or says why not (it did nothing while another model trained)."""
        if not self.ready:
            self.notify(LOADING, timeout=3, markup=False)
            return
        name = self.engine.mode_model_name("ncf")
        training = self.training_now()
        if training is not None:
            self.notify(f"{training} is training now; retrain {name} when it is done (one training at a time)",
                        timeout=6, markup=False)
            return
        self.notify(f"retraining {name}; the status line shows its progress, your picks stay meanwhile",
                    timeout=4, markup=False)
        self.start_training(force=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def train(self, force: bool) -> None:
        worker = get_current_worker()
        total = self.train_overrides.get("epochs", self.engine.default_epochs)
        jobs.train(self.engine, force, total, self.train_overrides, self.post_message, lambda: worker.is_cancelled)

    @on(TrainProgress)
    def train_progress(self, event: TrainProgress) -> None:
        self.train_state = {"running": True, "model": self.train_state.get("model"), "stage": event.stage,
                            "epoch": event.epoch, "total": event.total, "loss": event.loss, "val_hr": event.val_hr}
        self._refresh_status()

    def start_mode_training(self, mode: str) -> None:
        """Train the model a picks mode needs (e.g. the sequence model), then show its picks."""
        training = self.training_now()
        if training is not None:
            self.notify(f"{training} is training now; try again when it is done (one training at a time)",
                        timeout=4, markup=False)
            return
        name = self.engine.mode_model_name(mode)
        total = self.train_overrides.get("epochs", self.engine.epochs_of(name))
        self.train_state = {"running": True, "model": name, "stage": mode, "epoch": 0, "total": total, "loss": 0.0,
                            "val_hr": None}
        self._refresh_status()
        self.train_mode(mode, total)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def train_mode(self, mode: str, total: int) -> None:
        worker = get_current_worker()
        jobs.train_mode(self.engine, mode, total, self.train_overrides, self.post_message,
                        lambda: worker.is_cancelled)

    @on(TrainDone)
    def train_done(self, event: TrainDone) -> None:
        self.train_state = {"running": False}
        self.status_text = event.text
        self._refresh_status()
        if event.ok and event.mode != "ncf":  # a mode's own model (sequence): its picks now
            self.set_mode(event.mode)
            self.notify(f"{event.text}: picks in mode {event.mode}", timeout=4, markup=False)
            self.scores_changed()
            return
        if event.ok:
            self._foldin_wanted = True  # your ratings, fine-tuned on the new model (by _model_loaded)
            self._model_loaded()
            self.notify("model trained; your picks are fine-tuned on it", timeout=4)
        else:
            self._refresh_foldin()  # a fine-tune waiting for this model says so

    def set_mode(self, mode: str) -> None:
        """Picks from ``mode`` from now on; the status line says what that mode does with your ratings
        (a fine-tune's line only where the mode uses the model fitted to you)."""
        self.mode = mode
        if self.engine.mode_folds_in(mode):
            if self.last_foldin is not None and not self.last_foldin.cancelled:
                self.status_text = self._foldin_text(self.last_foldin)
            elif self.status_text.startswith("mode "):
                self.status_text = "model ready"
        elif self.engine.reads_sequence(mode):
            self.status_text = (f"mode {mode}: {self.engine.mode_model_name(mode)} reads your ratings in time order "
                                "(nothing to fine-tune)")
        else:
            self.status_text = f"mode {mode}: genres and tags of the films you rated (nothing to fine-tune)"
        self._refresh_status()

    @staticmethod
    def _foldin_text(event: FoldInDone) -> str:
        if not event.fitted:  # nothing rated: nothing was fine-tuned
            return "model ready"
        return f"fine-tuned for you on {event.device} in {event.seconds:.2f} s"

    def _refresh_status(self) -> None:
        for screen in self._visible_screens():
            if isinstance(screen, MainScreen):
                screen.refresh_status()
        self._refresh_foldin()  # a training started or ended: what a fine-tune waits for

    # -- fold-in ----------------------------------------------------------------------------
    def foldin_blocked(self) -> str | None:
        """Why a fine-tune cannot start now, or None. Only the fold-in model itself stands in its way (loading, or
        being trained): training another model (SASRec) blocks nothing (it blocked fine-tuning for minutes)."""
        name = self.engine.mode_model_name("ncf") if self.ready else "the model"
        if self.training_now() == name:
            return f"{name} is training; fine-tuning starts when it is done"
        if not self.model_ready and self.ready and not self._group_busy("load"):  # its training failed
            return f"{name} is not there (see the error above); 'Retrain model' (ctrl+p) trains it"
        if not self.model_ready:
            return f"{name} is still loading; fine-tuning starts when it is ready"
        return None

    def start_foldin(self, announce: bool) -> None:
        """Fine-tune the current ratings now, or when the fold-in model is there (queued, and the Fine-tune screen
        says why); ``announce``: asked for by the person, who is told why it waits when not on that screen."""
        if not self.ready:
            return
        blocked = self.foldin_blocked()
        if blocked is not None:
            self._foldin_wanted = True  # started by _model_loaded
            if announce and not isinstance(self.screen, FineTuneScreen):
                self.notify(blocked, timeout=4, markup=False)
            self._refresh_foldin()
            return
        self._foldin_wanted = False
        self.foldin_losses, self.foldin_steps, self.foldin_total = [], None, self.engine.foldin_steps
        self._foldin_runs += 1
        self.foldin_active = self._foldin_runs
        self.foldin(self._foldin_runs)
        self._refresh_foldin()

    def foldin_view(self) -> tuple[str, str]:
        """The fine-tune's one state and the sentence that says it, from the app's own state only:
        running, waiting (for the fold-in model), due (ratings made; it starts after a pause), cancelled,
        nothing (nothing rated), done, or idle (none yet)."""
        if self.foldin_running():
            if self.foldin_steps is None:
                return "running", "fitting: starting..."
            return "running", f"fitting: step {self.foldin_steps[1]}/{self.foldin_total}..."
        blocked = self.foldin_blocked() if self.ready else LOADING
        if self._foldin_wanted:
            return ("waiting", blocked) if blocked else ("due", "your latest ratings are fine-tuned in a moment")
        last = self.last_foldin
        if last is None:
            return ("waiting", blocked) if blocked else ("idle", "not fine-tuned yet; press f to fine-tune")
        if last.cancelled:
            return "cancelled", "cancelled; your ratings are saved"
        if not last.fitted:
            return "nothing", "nothing rated yet: nothing to fine-tune; rate a few films first"
        return "done", f"done in {last.seconds:.2f} s on {last.device}; press p for your picks"

    def _refresh_foldin(self) -> None:
        for screen in self._visible_screens():  # a screen still being built has no widgets to update yet
            if isinstance(screen, FineTuneScreen):
                screen.show_state()

    def _group_workers(self, group: str) -> list[Worker]:
        """This group's workers that are pending or running (the app's own state: nothing to keep in step)."""
        return [w for w in self.workers if w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING)]

    def _group_busy(self, group: str) -> bool:
        return bool(self._group_workers(group))

    def foldin_running(self) -> bool:
        """A fine-tune is running: set when one starts, cleared by its own FoldInDone (not by the worker's state,
        which changes after that message, so a screen drawn between the two said "fitting" for good)."""
        return self.foldin_active is not None

    def cancel_foldin(self) -> bool:
        running = self._group_workers("foldin")
        for w in running:
            w.cancel()
        return bool(running)

    @work(thread=True, exclusive=True, exit_on_error=False, group="foldin")
    def foldin(self, run: int = 0) -> None:
        worker = get_current_worker()
        jobs.fold_in(self.engine, self.profile, run, self.post_message, lambda: worker.is_cancelled)

    @on(FoldInProgress)
    def foldin_progress(self, event: FoldInProgress) -> None:
        if event.run != self.foldin_active:  # a late one from a fine-tune cancelled since
            return
        self.foldin_losses.append(event.loss)
        first = self.foldin_steps[0] if self.foldin_steps else event.step
        self.foldin_steps, self.foldin_total = (first, event.step), event.total
        self._refresh_foldin()

    @on(FoldInDone)
    def foldin_done(self, event: FoldInDone) -> None:
        if event.run != self.foldin_active:  # one superseded by a later fine-tune (that one's result counts)
            return
        self.foldin_active = None
        self.last_foldin = event
        if not event.cancelled:
            if self.engine.mode_folds_in(self.mode):  # else the line keeps saying what the mode does
                self.status_text = self._foldin_text(event)
                self._refresh_status()
            self.scores_changed()  # the fine-tuned scores now
        self._refresh_foldin()

    # -- errors and datasets ----------------------------------------------------------------
    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "learned":
            self.learned_state = None
            self._refresh_status()
        if event.worker.group == "foldin":
            self.foldin_active = None
            self._refresh_foldin()
        if event.worker.group == "train":
            self.train_state = {"running": False}
            self.status_text = "training failed"
            self._refresh_status()
        text = str(error) if isinstance(error, MovieRecError) else f"{type(error).__name__}: {error}"
        self.notify(text, title="error", severity="error", markup=False, timeout=10)
        if event.worker.group == "load":
            self.exit(return_code=1, message=f"error: {text}")

    def switch_dataset(self, name: str) -> None:
        self.workers.cancel_group(self, "train")
        self.workers.cancel_group(self, "learned")
        self.learned_state = None
        self.workers.cancel_group(self, "foldin")
        self.ready = False
        self.model_ready = False
        self.dataset_ref = name
        # Every screen is rebuilt for the new dataset: the loading screen becomes the current mode (so no
        # mode's screens are current), each mode is replaced by a fresh one, and the load switches to one.
        if not self._loading_mode:
            self.add_mode("loading", LoadingScreen)
            self._loading_mode = True
        self.switch_mode("loading")
        for mode in list(self.MODES):
            try:
                self.remove_mode(mode)
            except Exception:  # noqa: BLE001 (a mode never opened has nothing to remove)
                pass
            self.add_mode(mode, self.MODES[mode])
        self.load(fresh=True)

    async def action_quit(self) -> None:
        # Ratings are written the moment they are made; stop the workers and leave.
        self.quitting = True
        self.workers.cancel_all()
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No app action after `q`: a key typed behind it ("qt") opened a screen while the app was closing
        down, whose widgets were gone (NoMatches, a traceback, exit status 1)."""
        return not self.quitting


def make_app(dataset: str | None = None, profile: str | None = None, device: str = "auto",
             train_overrides: dict | None = None) -> MovieRecApp:
    """The app factory used by ``movierec`` and by the tests."""
    return MovieRecApp(dataset, profile, device, train_overrides)


__all__ = ["MovieRecApp", "make_app"]
