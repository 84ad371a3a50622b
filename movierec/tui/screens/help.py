"""? : what every key does, one key per line so that narrow terminals wrap between phrases."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from movierec.tui.widgets.footer import FittingFooter

#: (where, [(keys, what)]): the same keys as README.md's table.
SECTIONS = [
    ("Anywhere", [
        ("/", "search titles (from any screen; what you type goes into the box)"),
        ("r", "my ratings"),
        ("p", "picks (on picks: back to the top list)"),
        ("t", "fine-tune now"),
        ("o", "well-known films to rate"),
        ("l", "your watchlist, the best fit for you first (w there takes a film off)"),
        ("?  /  q", "this help  /  quit"),
        ("ctrl+p", "command palette: screens, switch dataset, retrain, export profile, theme"),
    ]),
    ("On a film list", [
        ("1-5", "rate that many stars"),
        ("shift+1-5", "half a star less (0.5 ... 4.5)"),
        ("n  /  x", "not interested (n again: undo)  /  remove your rating or mark"),
        ("w", "add to your watchlist, or take off (◆ marks its films in every list; rating one takes it off)"),
        ("Home  /  End", "first  /  last film"),
        ("PgUp  /  PgDn", "a page up  /  down"),
        ("Enter", "open the film: details, your rating, more like this (Esc: back to the film you came from)"),
        ("match column", "share rated 4+ of films ranked like this for people here; blank: no model yet, "
                         "or a film you rated"),
    ]),
    ("Picks", [
        ("+  /  -", "more or less diverse (re-ranks at once, no refit)"),
        ("m", "model: hybrid, content, NCF, sequence (trained on first use)"),
        ("g", "genre filter: your genres first, then every other"),
        ("Tab", "next list"),
    ]),
    ("Search", [
        ("typing", "searches as you type; keys are text while the box has focus"),
        ("Down / Enter", "to the results"),
        ("ctrl+r", "clear the genre and year filters (a line names them while they are on)"),
        ("Esc", "results -> box -> back where you came from"),
    ]),
    ("Watchlist", [
        ("l", "open it: the films you want to see, the best fit for you first"),
        ("w", "take the film off the watchlist"),
        ("1-5", "rate it; a film you rated leaves the list (you have seen it)"),
        ("Enter", "open the film"),
    ]),
    ("My ratings", [
        ("s  /  c", "sort  /  new profile (choose one in the box at the top)"),
        ("x", "remove a rating, or undo a \"not interested\" (listed as ✗ no)"),
    ]),
    ("Fine-tune", [
        ("f  /  Esc", "fine-tune again  /  cancel (your ratings are always saved)"),
    ]),
]


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    table.add_row(Text("movierec keys", style="bold underline"), "")
    for where, keys in SECTIONS:
        table.add_row("", "")
        table.add_row(Text(where, style="bold"), "")
        for key, what in keys:
            table.add_row(Text("  " + key, style="cyan"), Text(what))
    table.add_row("", "")
    table.add_row("", Text("Rating a film fine-tunes your model again after a short pause, in the background."))
    return table


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "close"),
                Binding("slash", "app.show_search", "search", priority=True)]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; max-width: 100%; height: auto; max-height: 90%;
                                  border: thick $accent; background: $surface; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(help_table())
        # Its own keys under it: the Footer below belonged to the screen under the window (the picks' keys,
        # which do nothing here; fresh-eyes report), as the film window does.
        yield FittingFooter(compact=True, show_command_palette=False)
