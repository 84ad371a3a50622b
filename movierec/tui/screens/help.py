"""? : what every key does."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """movierec keys

Anywhere          /  search      r  my ratings    p  picks       t  fine-tune
                  o  well-known films to rate     ?  this help   q  quit
                  ctrl+p  command palette (switch dataset, retrain, export profile, theme)
On a film list    1-5  rate that many stars        shift+1-5  half a star less (0.5 ... 4.5)
                  n  not interested   x  remove rating   Enter  open the film
Picks             + / -  more or less diverse (re-ranks at once, no refit)
                  m  NCF / content / hybrid      g  genre filter
Fine-tune         Esc  cancel (your ratings are always saved)
My ratings        o  sort   c  new profile   (choose a profile in the box at the top)
Search            type to search; Tab moves to the results; Esc back to the box

Rating a film fine-tunes your model again after a short pause, in the background.
"""


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
                                  border: thick $accent; background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(HELP, markup=False)
