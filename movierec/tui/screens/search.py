"""Search as you type, with genre and year filters; rate from the table; Enter opens the film."""

from __future__ import annotations

from textual import on, work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select

from movierec.data.movielens import GENRES
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import FilmTable, safe, stars_text


class SearchScreen(MainScreen):
    BINDINGS = [Binding("escape", "focus_search", "search box", show=False)]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="search-bar"):
            yield Input(placeholder="Search titles: typos, accents and 'The' are fine", id="query")
            yield Select([(g, g) for g in GENRES[:-1]], prompt="any genre", id="genre")
            yield Input(placeholder="years e.g. 1990-1999", id="years")
        yield FilmTable(id="results")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one(FilmTable)
        table.add_column("title", width=44)
        for name, width in (("year", 4), ("genres", 26), ("mean", 4), ("ratings", 7), ("yours", 5)):
            table.add_column(name, width=width)
        self.query_one("#query", Input).focus()

    def action_focus_search(self) -> None:
        self.query_one("#query", Input).focus()

    def refresh_data(self) -> None:
        self.run_search()

    @on(Input.Changed)
    @on(Select.Changed)
    def run_search(self) -> None:
        text = self.query_one("#query", Input).value
        genre = self.query_one("#genre", Select).value
        years = self.query_one("#years", Input).value
        self.search(text, None if genre == Select.NULL else str(genre), years)

    @on(Input.Submitted, "#query")
    def to_results(self) -> None:
        self.query_one(FilmTable).focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, text: str, genre: str | None, years: str) -> None:
        rows = self.app.engine.search_films(text, genre, years, limit=50)
        if not get_current_worker().is_cancelled:  # a newer keystroke's search supersedes this one
            self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[dict]) -> None:
        table = self.query_one(FilmTable)
        table.clear()
        rated = self.app.rated_stars()
        for row in rows:
            table.add_row(safe(row["title"]), str(row["year"] or ""), safe(", ".join(row["genres"][:3])),
                          f"{row['mean_rating']:.1f}", f"{row['ratings']:,}", stars_text(rated.get(row["index"])),
                          key=str(row["index"]))

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_movie(int(event.row_key.value))
