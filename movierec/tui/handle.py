"""The screens' typed handle to the app, and the app state they watch.

``movierec_app(node)`` is ``node.app`` typed as :class:`MovieRecHandle`: what the screens and widgets may read
and ask of the app, declared once (a Protocol, so that this module needs no import of the app: the screens
import it, and the app imports the screens). ``watch_app`` binds a widget to the app's reactive state.
"""

from __future__ import annotations

import threading
from typing import Any, Awaitable, Callable, ContextManager, Protocol, cast

from rich.text import Text
from textual.dom import DOMNode, NoScreen
from textual.screen import Screen

from movierec.tui.state import FoldIn, LearnedState, TrainState


class MovieRecHandle(Protocol):
    """What :class:`movierec.tui.app.MovieRecApp` offers its screens (it satisfies this structurally)."""

    engine: Any  # movierec.engine.Engine (the TUI talks to the engine only)
    store: Any  # movierec.store.profiles.ProfileStore
    profile: Any  # movierec.store.profiles.Profile: the open one
    profile_name: str
    mode: str
    genre: str | None
    diversity: float
    ready: bool
    first_screen_shown: threading.Event
    # The reactive state (app.py): watch it with watch_app.
    train_state: TrainState
    learned_state: LearnedState | None
    foldin_state: FoldIn
    status_text: str
    model_ready: bool
    scores_version: int
    profile_version: int
    marks_version: int

    # What the profile's cells show (profile_actions.py).
    def titles(self) -> Callable[[int, str], Text]: ...
    def yours(self) -> Callable[[int], Text]: ...
    def matches(self, indices: list[int], compute: bool = False) -> list[Text]: ...
    def rated_stars(self) -> dict[int, float]: ...
    def dismissed(self) -> set[int]: ...
    def watchlisted(self) -> set[int]: ...
    def switch_profile(self, name: str, create: bool = False) -> bool: ...
    # Navigation and keys (app.py, keys.py).
    def open_movie(self, index: int) -> None: ...
    def action_back(self) -> None: ...
    def action_show_search(self) -> None: ...
    def action_show_ratings(self) -> Awaitable[None]: ...
    def action_show_picks(self) -> Awaitable[None]: ...
    def action_show_finetune(self) -> Awaitable[None]: ...
    def action_show_onboarding(self) -> Awaitable[None]: ...
    def action_show_watchlist(self) -> Awaitable[None]: ...
    def action_export_profile(self) -> None: ...
    def switch_dataset(self, name: str) -> None: ...
    def hold_keys(self) -> int: ...
    def holding(self, hold: int) -> bool: ...
    def release_keys(self, force: bool = False) -> None: ...
    # The background work (background.py).
    def set_mode(self, mode: str) -> None: ...
    def action_retrain(self) -> None: ...
    def start_mode_training(self, mode: str) -> None: ...
    def start_foldin(self, announce: bool) -> None: ...
    def cancel_foldin(self) -> bool: ...
    def foldin_view(self) -> tuple[str, str]: ...
    def foldin_waiting(self) -> bool: ...
    def worker_failed(self, event: Any) -> None: ...
    # Textual's, used by the screens.
    screen_stack: list[Screen]
    def notify(self, message: str, *, title: str = "", **kwargs: Any) -> None: ...
    def call_from_thread(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...
    def batch_update(self) -> ContextManager[None]: ...
    def run_action(self, action: str) -> Awaitable[bool]: ...


def movierec_app(node: DOMNode) -> MovieRecHandle:
    """``node.app``, typed: the one way screens and widgets reach the app (no getattr)."""
    return cast(MovieRecHandle, node.app)


def in_view(node: DOMNode) -> bool:
    """``node``'s screen is in the current mode's stack and has its widgets: a screen still opening fills itself
    when it mounts, one of another mode when it is shown again (on_screen_resume). Keys typed at once (Enter
    Escape Enter...) reached a film window being opened or closed: NoMatches, exit status 1 (issue 24.2)."""
    if not node.is_attached or not node.is_mounted:
        return False
    try:
        screen = node if isinstance(node, Screen) else node.screen
    except NoScreen:  # removed meanwhile (a dataset switch rebuilds every screen)
        return False
    return screen.is_mounted and screen in node.app.screen_stack


def watch_app(node: DOMNode, names: tuple[str, ...], callback: Callable[[], object]) -> None:
    """Call ``callback`` when any of the app's reactive attributes ``names`` changes, while ``node`` is in view
    (Textual drops the watch when ``node`` is removed)."""

    def changed() -> None:
        if in_view(node):
            callback()

    for name in names:
        node.watch(node.app, name, changed, init=False)
