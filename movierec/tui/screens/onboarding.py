"""First run: two lines of welcome and well-known films to rate quickly."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import FilmTable, safe, stars_text


class OnboardingScreen(MainScreen):
    BINDINGS = [Binding("s", "skip", "skip"), Binding("enter", "open", "details", show=False)]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("Welcome to movierec. Rate films you have seen (1-5, shift for a half star less; s skips, "
                     "n = not interested).\nAfter five or so, press p for picks fine-tuned for you on this machine.",
                     id="welcome", markup=False)
        yield FilmTable(id="starters")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one(FilmTable)
        table.add_column("title", width=44)
        for name, width in (("year", 4), ("genres", 30), ("yours", 5)):
            table.add_column(name, width=width)
        table.focus()

    def refresh_data(self) -> None:
        app = self.app
        table = self.query_one(FilmTable)
        cursor = table.cursor_row
        table.clear()
        rated = app.rated_stars()
        for film in app.engine.cold_start(40):
            table.add_row(safe(film["title"]), str(film["year"] or ""), safe(", ".join(film["genres"][:3])),
                          stars_text(rated.get(film["index"])), key=str(film["index"]))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def action_skip(self) -> None:
        self.query_one(FilmTable).action_cursor_down()

    def action_open(self) -> None:
        index = self.query_one(FilmTable).current_index()
        if index is not None:
            self.app.open_movie(index)

    def on_film_table_rate_requested(self, event: FilmTable.RateRequested) -> None:
        # The app stores the rating; here the cursor moves on to the next film.
        self.call_after_refresh(self.query_one(FilmTable).action_cursor_down)
