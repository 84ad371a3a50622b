"""Pieces every main screen has: a Header, the model status line and a Footer."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker

from movierec.tui.handle import movierec_app, watch_app
from movierec.tui.widgets.footer import FittingFooter
from movierec.tui.widgets.status import ModelStatus


def follow_app(screen: Screen) -> None:
    """A screen that shows films re-reads what changed: the scores (a model loaded or trained, a fine-tune,
    deepcontent), the profile, the watchlist."""
    watch_app(screen, ("scores_version",), screen.refresh_matches)
    watch_app(screen, ("profile_version",), screen.refresh_data)
    watch_app(screen, ("marks_version",), screen.refresh_marks)


class MainScreen(Screen):
    @on(events.Mount)
    def _follow_app(self) -> None:
        follow_app(self)

    def compose_frame(self) -> ComposeResult:
        yield Header(show_clock=False)

    def compose_footer(self) -> ComposeResult:
        yield ModelStatus()
        # Compact: every binding a screen shows fits in 80 columns (tests/tui/test_keys.py checks it); the
        # watchlist keys show where there is room for them.
        yield FittingFooter(compact=True, show_command_palette=False)

    @on(Worker.StateChanged)
    def worker_state(self, event: Worker.StateChanged) -> None:
        """A screen's worker failed: the app shows one notification (workers do not bubble)."""
        movierec_app(self).worker_failed(event)

    def on_screen_resume(self) -> None:
        # Also sent when the screen first shows (after on_mount): screens fill themselves here only.
        # The status line too: a screen out of view (another mode) missed the updates made meanwhile.
        self.refresh_status()
        self.refresh_data()

    def refresh_data(self) -> None:
        """Re-read what the screen shows (the profile may have changed elsewhere)."""

    def refresh_matches(self) -> None:
        """The model's scores changed (a model loaded or trained, a fine-tune, deepcontent): re-read what
        they decide here (match cells, rankings). Screens without either keep this no-op."""

    def refresh_marks(self) -> None:
        """The watchlist changed: show its marks (screens that can do it without recomputing say so)."""
        self.refresh_data()

    def refresh_status(self) -> None:
        for status in self.query(ModelStatus):
            status.refresh_status()
