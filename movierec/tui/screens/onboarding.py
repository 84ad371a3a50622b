"""First run: two lines of welcome and well-known films to rate quickly.

The films show at once, with the match cells at hand; the rest of the column follows from one background
worker (movierec/tui/match_column.py, as in the search screen)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from movierec.tui.handle import movierec_app
from movierec.tui.match_column import MatchColumn
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, safe

COLUMNS = (Col("title", 24, grow=3), Col("year", 4), Col("genres", 16, grow=2, hide=1, lines=2), Col("match", 5),
           Col("yours", 5))


class OnboardingScreen(MainScreen):
    BINDINGS = [Binding("s", "skip", "skip"), Binding("enter", "open", "details", show=False),
                Binding("p", "app.show_picks", "picks"), Binding("t", "app.show_finetune", "fine-tune")]

    def __init__(self) -> None:
        super().__init__()
        self.match_column = MatchColumn(self, self._show_matches, group="onboarding-matches")

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("Welcome to movierec. Rate films you have seen: 1-5 stars (shift for half a star less), "
                     "s skips, n = not interested.\nw keeps a film you want to see on your watchlist (l shows it).\n"
                     "After five or so, press p for picks fine-tuned for you on this machine.", id="welcome", markup=False)
        yield FilmTable(id="starters", advance=True)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one(FilmTable)
        table.set_columns(*COLUMNS)
        table.focus()

    def refresh_data(self) -> None:
        app = movierec_app(self)
        yours, titles = app.yours(), app.titles()
        films = app.engine.cold_start(40)
        matches = app.matches([film.index for film in films])  # from your latest picks' scores
        self.query_one(FilmTable).set_rows([
            (str(film.index), [titles(film.index, film.title), str(film.year or ""),
                               safe(", ".join(film.genres)), match, yours(film.index)])
            for film, match in zip(films, matches)])
        if not any(m.plain for m in matches) and not app.foldin_waiting():
            self.fill_matches()  # no picks computed for this profile yet: the matches are computed here

    def refresh_matches(self) -> None:
        self.fill_matches()

    def fill_matches(self) -> None:
        """The match cells, computed in the background (MatchColumn: one worker, for the newest rows): when the
        model is loaded and the profile's fine-tune is not due (its end asks again)."""
        app = movierec_app(self)
        if app.ready and app.model_ready and app.profile.ratings and not app.foldin_state.wanted:  # else: when it ends
            indices = [int(key) for key, _ in self.query_one(FilmTable).film_rows]
            self.match_column.want(tuple(indices), indices)

    def _show_matches(self, indices: tuple[int, ...], matches: list) -> None:
        table = self.query_one(FilmTable)
        if [key for key, _ in table.film_rows] != [str(i) for i in indices]:
            return  # the rows changed meanwhile: their own refresh fills them
        column = [c.label for c in COLUMNS].index("match")
        table.set_rows([(key, [*cells[:column], match, *cells[column + 1:]])
                        for (key, cells), match in zip(table.film_rows, matches)])

    def action_skip(self) -> None:
        self.query_one(FilmTable).action_cursor_down()

    def action_open(self) -> None:
        index = self.query_one(FilmTable).current_index()
        if index is not None:
            movierec_app(self).open_movie(index)

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        """Enter on the list: the table's own Enter binding (select the row) takes the key before the screen's
        (issue 24: Enter here opened nothing, while it opens the film on every other list)."""
        if event.row_key.value is not None:
            movierec_app(self).open_movie(int(event.row_key.value))
