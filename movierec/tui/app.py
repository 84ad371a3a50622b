"""MovieRecApp: the bindings, the shared state (reactive, typed), start-up and navigation.

Build it with :func:`make_app` (the CLI and the tests use the same factory). All
model work goes through :class:`movierec.engine.Engine` in thread workers; the
UI thread never trains, folds in or loads. The rest of the app is in layers it
inherits: keys.py (the `/` type-ahead, keys held while a screen or the palette opens),
profile_actions.py (rate, watchlist, profiles, export), background.py (the workers
and their messages; bodies in jobs.py), commands.py (the palette's commands).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Iterable

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.reactive import var
from textual.screen import ModalScreen, Screen

from movierec.console import clean
from movierec.engine import modes as mode_rules
from movierec.tui import jobs
from movierec.tui.background import LOADING, Background
from movierec.tui.commands import app_commands
from movierec.tui.keys import TypeAhead
from movierec.tui.messages import Loaded, ModelLoaded, ModelSetAside, Note
from movierec.tui.palette import close_palettes
from movierec.tui.profile_actions import ProfileActions
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.help import HelpScreen
from movierec.tui.screens.loading import LoadingScreen
from movierec.tui.screens.movie import MovieScreen
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.search import SearchScreen
from movierec.tui.screens.watchlist import WatchlistScreen
from movierec.tui.state import IDLE, FoldIn, LearnedState, TrainState

#: What the sign says while a screen opens (App._open).
OPENING = {"ratings": "your ratings", "picks": "your picks", "finetune": "fine-tune", "onboarding": "well-known films",
           "watchlist": "your watchlist"}
#: Seconds of quiet after a rating before the background fine-tune starts.
FINETUNE_PAUSE = 1.5


class MovieRecApp(TypeAhead, ProfileActions, Background, App):
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
    # The shared state, typed and bound: each holds a frozen value, replaced (never changed in place); the widgets
    # that show one watch it (screens/base.py: follow_app; widgets/status.py; the Fine-tune screen).
    train_state: var[TrainState] = var(IDLE, init=False)  # the "train" group's model and progress
    learned_state: var[LearnedState | None] = var(None, init=False)  # deepcontent training behind the picks
    foldin_state: var[FoldIn] = var(FoldIn(), init=False)  # the fine-tune: due, running, its progress, its result
    status_text: var[str] = var("", init=False)  # the status line when no model trains
    model_ready: var[bool] = var(False, init=False)  # a trained model is loaded (torch imported)
    # Counters: each change of what they count adds one (the screens in view re-read what it decides).
    scores_version: var[int] = var(0, init=False)  # the model's scores for this profile
    profile_version: var[int] = var(0, init=False)  # the profile's entries (ratings, not interested, a switch)
    marks_version: var[int] = var(0, init=False)  # the watchlist

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
        self._loading_mode = False  # the "loading" mode a dataset switch shows (added on the first switch)
        self.diversity = DEFAULT_DIVERSITY
        self.mode = mode_rules.DEFAULT
        self.genre: str | None = None
        self._finetune_timer = None
        self.previous_mode: str | None = None  # where Escape from the search box goes back to
        self.ready = False
        self.quitting = False  # `q` was pressed: no more actions (check_action)
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
        close_palettes(self)  # one opened while loading: not left on the loading screen's stack (issue 24)
        self.switch_mode("picks" if profile.ratings else "onboarding")
        if not profile.ratings:
            self.first_screen_shown.set()
        if not has_model:
            self.start_training()
        if self._search_on_load:
            self.call_later(self._search_after_load)

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
        self.scores_changed()
        self.start_learned()
        if self.foldin_state.wanted:  # ratings made (or a fine-tune asked for) while the model was not there
            self.start_foldin(announce=False)

    def scores_changed(self) -> None:
        """The model's scores for this profile changed: every screen of the current mode's stack re-reads
        what they decide (picks, watchlist order, match cells in search results, well-known films and
        "more like this"). Screens of other modes re-read everything when they are shown again."""
        self.scores_version += 1

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
        while isinstance(self.screen, (MovieScreen, HelpScreen, CommandPalette)):  # none left on another mode's
            self.pop_screen()  # stack (a palette there mounted on a one-screen stack, and a second one clashed)
        if mode != self.current_mode:
            self.previous_mode = self.current_mode
        self.switch_mode(mode)

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

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def open_movie(self, index: int) -> None:
        """A film window, over the one it was opened from ("More like this"): Escape goes back to that film
        (issue 24.14: it replaced it, and Escape skipped back past it)."""
        self.push_screen(MovieScreen(index))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from app_commands(self)

    # -- ratings ----------------------------------------------------------------------------
    def profile_changed(self) -> None:
        self.profile_version += 1  # the screens in view re-read the profile
        if self._finetune_timer is not None:
            self._finetune_timer.stop()
        self._finetune_timer = self.set_timer(FINETUNE_PAUSE, lambda: self.start_foldin(announce=False))
        self.foldin_state = replace(self.foldin_state, wanted=True)

    def foldin_waiting(self) -> bool:
        """A fine-tune of the current ratings is due or running (what the matches and picks will read)."""
        return self.foldin_state.wanted or self.foldin_state.running

    # -- datasets ----------------------------------------------------------------------------
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
