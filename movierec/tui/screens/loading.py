"""The screen shown while the catalogue and the model load (at start-up and on a dataset switch)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class LoadingScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        # Static text, not an animated LoadingIndicator: its 60 fps repaint competes for the GIL
        # with the loading thread and made start-up measurably slower.
        yield Static("Loading the catalogue and your model...", id="loading-text", markup=False)
        yield Footer()
