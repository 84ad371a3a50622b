"""Search as you type, with genre and year filters; rate from the table; Enter opens the film.

Keys: `/` (from anywhere) focuses the box; Down or Enter moves to the results; Escape walks back
(results -> box -> the screen search was opened from). While the box has focus every printable key
is text, never a command.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select
from textual.worker import get_current_worker

from movierec.data.movielens import GENRES
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, safe

COLUMNS = (Col("title", 24, grow=3), Col("year", 4), Col("genres", 16, grow=1, hide=3, most=34), Col("mean", 4, hide=1),
           Col("ratings", 7, hide=2), Col("yours", 5))


class YearsInput(Input):
    """The year filter: digits, '-' and spaces; `/` goes to the search box as it does everywhere."""

    BINDINGS = [Binding("slash", "app.show_search", "search", show=False, priority=True)]


class SearchScreen(MainScreen):
    BINDINGS = [
        Binding("escape", "back", "back"),
        Binding("down", "to_results", "results", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="search-bar"):
            yield Input(placeholder="Search titles (typos and accents are fine)", id="query")
            yield Select([(g, g) for g in GENRES[:-1]], prompt="any genre", id="genre")
            yield YearsInput(placeholder="years 1990-99", id="years", restrict=r"[0-9\- ]*", max_length=11)
        yield FilmTable(id="results")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(FilmTable).set_columns(*COLUMNS)
        self.focus_box()

    def focus_box(self) -> None:
        """Focus the search box now, and again once the screen has resumed (resuming refocuses the last widget)."""
        boxes = self.query("#query")
        if boxes:
            boxes.first().focus()
            self.call_after_refresh(lambda: self.query_one("#query", Input).focus())

    def action_back(self) -> None:
        if self.focused is not None and self.focused.id in ("results", "genre", "years"):
            self.focus_box()
        else:
            self.app.action_back()

    def action_to_results(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one(FilmTable).focus()

    def refresh_data(self) -> None:
        self.run_search()

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

    @on(Input.Submitted)
    def to_results(self) -> None:
        self.query_one(FilmTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, text: str, genre: str | None, years: str) -> None:
        rows = self.app.engine.search_films(text, genre, years, limit=50)
        if not get_current_worker().is_cancelled:  # a newer keystroke's search supersedes this one
            self.app.call_from_thread(self.show, rows, (text, genre, years))

    def show(self, rows: list[dict], query: tuple = ()) -> None:
        """The results; the cursor stays where it was when only your ratings changed, else goes to the top."""
        same, self._shown_for = query == self._shown_for, query
        yours = self.app.yours()
        self.query_one(FilmTable).set_rows([
            (str(row["index"]), [safe(row["title"]), str(row["year"] or ""), safe(", ".join(row["genres"])),
                                 f"{row['mean_rating']:.1f}", f"{row['ratings']:,}", yours(row["index"])])
            for row in rows], keep_cursor=same)

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_movie(int(event.row_key.value))
