"""Search as you type, with genre and year filters; rate from the table; Enter opens the film.

Keys: `/` (from anywhere) focuses the box; Down or Enter moves to the results; Escape walks back
(results -> box -> the screen search was opened from). While the box has focus every printable key
is text, never a command.
"""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select
from textual.worker import Worker, WorkerState, get_current_worker

from movierec.data.movielens import GENRES
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, safe

COLUMNS = (Col("title", 24, grow=3), Col("year", 4), Col("genres", 16, grow=1, hide=3, lines=2), Col("mean", 4, hide=1),
           Col("ratings", 7, hide=2), Col("match", 5), Col("yours", 5))


class SearchBox(Input):
    """A text box of the search bar: Enter and Down go to the results, Escape walks back.

    Priority bindings run as the key arrives, so keys typed right after Enter already reach the
    results (an Input's own Enter posts a message, and the keys behind it would still be text)."""

    BINDINGS = [
        Binding("enter,down", "screen.to_results", "results", show=False, priority=True),
        Binding("escape", "screen.back", "back", priority=True),
    ]

    def __init__(self, **kwargs) -> None:
        # Selecting all on focus happens later, from the Focus event: it would select what was just
        # typed. focus_box() selects the old query at once instead.
        super().__init__(select_on_focus=False, **kwargs)

    def types(self, event: events.Key) -> bool:
        """Type a printable key now, as the app reads it (not later from this widget's queue), so the
        box's value is current when a priority Enter right behind it asks for the results."""
        if not event.is_printable or event.key in {b.key for b in self._bindings.key_to_bindings.get(event.key, [])
                                                    if b.priority}:
            return False
        assert event.character is not None
        type_text(self, event.character)
        return True


def type_text(box: Input, text: str) -> None:
    """What Input does with a printable key: insert at the cursor, or replace the selection."""
    selection = box.selection
    if selection.is_empty:
        box.insert_text_at_cursor(text)
    else:
        box.replace(text, *selection)


class YearsInput(SearchBox):
    """The year filter: digits, '-' and spaces; `/` goes to the search box as it does everywhere."""

    BINDINGS = [Binding("slash", "app.show_search", "search", show=False, priority=True)]


class ResultsTable(FilmTable):
    """Escape goes back to the search box at once (priority), so a next query is text, not commands."""

    BINDINGS = [Binding("escape", "screen.focus_box", "search box", show=False, priority=True)]


class SearchScreen(MainScreen):
    BINDINGS = [Binding("escape", "back", "back")]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="search-bar"):
            yield SearchBox(placeholder="Search titles (typos and accents are fine)", id="query")
            yield Select([(g, g) for g in GENRES[:-1]], prompt="any genre", id="genre")
            yield YearsInput(placeholder="years 1990-99", id="years", restrict=r"[0-9\- ]*", max_length=11)
        yield ResultsTable(id="results")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(FilmTable).set_columns(*COLUMNS)
        self.focus_box()

    def focus_box(self) -> None:
        """Focus the search box now (not after a refresh, as Widget.focus does): the next key is text."""
        box = self.query_one("#query", Input)
        self.set_focus(box)
        box.select_all()  # what you type next replaces the last query
        self.app.release_keys()

    def action_focus_box(self) -> None:
        self.focus_box()

    def action_back(self) -> None:
        if self.focused is not None and self.focused.id in ("results", "genre", "years"):
            self.focus_box()
        else:
            self.app.action_back()

    def action_to_results(self) -> None:
        """To the results of what the boxes say now: when those are still being searched, the keys
        typed meanwhile wait for them (else "Enter 5" would rate a row of the previous query)."""
        if self._shown_for == self._query():
            self.set_focus(self.query_one(FilmTable))
        else:
            self._focus_results_when_shown = True
            self.app.hold_keys()
            self.run_search()

    def _query(self) -> tuple:
        genre = self.query_one("#genre", Select).value
        return (self.query_one("#query", Input).value, None if genre == Select.NULL else str(genre),
                self.query_one("#years", Input).value)

    def refresh_data(self) -> None:
        self.run_search()

    def refresh_matches(self) -> None:
        self.run_search()  # the same query: the cursor stays, the match column is recomputed

    @on(Input.Changed)
    @on(Select.Changed)
    def run_search(self) -> None:
        text = self.query_one("#query", Input).value
        genre = self.query_one("#genre", Select).value
        years = self.query_one("#years", Input).value
        self.search(text, None if genre == Select.NULL else str(genre), years)

    def __init__(self) -> None:
        super().__init__()
        self._shown_for: tuple | None = None
        self._focus_results_when_shown = False

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, text: str, genre: str | None, years: str) -> None:
        rows = self.app.engine.search_films(text, genre, years, limit=50)
        if get_current_worker().is_cancelled:  # a newer keystroke's search supersedes this one
            return
        # Each result's match for you, in this worker (the profile's scores: a fold-in when not at hand).
        matches = self.app.matches([row["index"] for row in rows], compute=True)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, rows, (text, genre, years), matches)

    def show(self, rows: list[dict], query: tuple = (), matches: list | None = None) -> None:
        """The results; the cursor stays where it was when only your ratings changed, else goes to the top."""
        same, self._shown_for = query == self._shown_for, query
        yours, titles = self.app.yours(), self.app.titles()
        matches = matches if matches is not None else self.app.matches([row["index"] for row in rows])
        self.query_one(FilmTable).set_rows([
            (str(row["index"]), [titles(row["index"], row["title"]), str(row["year"] or ""),
                                 safe(", ".join(row["genres"])), f"{row['mean_rating']:.1f}", f"{row['ratings']:,}",
                                 match, yours(row["index"])])
            for row, match in zip(rows, matches)], keep_cursor=same)
        if self._focus_results_when_shown and query == self._query():
            self._focus_results_when_shown = False
            self.set_focus(self.query_one(FilmTable))
            self.app.release_keys()

    @on(Worker.StateChanged)
    def search_failed(self, event: Worker.StateChanged) -> None:
        """A search that fails (years the box cannot read) shows its error; keys held for its results go on."""
        if event.state == WorkerState.ERROR and self._focus_results_when_shown:
            self._focus_results_when_shown = False
            self.set_focus(self.query_one(FilmTable))
            self.app.release_keys()

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_movie(int(event.row_key.value))
