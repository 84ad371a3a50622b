"""One film: details, your rating of it, and more like this (other films only)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from movierec.console import clean
from movierec.tui.handle import movierec_app
from movierec.tui.screens.base import follow_app
from movierec.tui.widgets.footer import FittingFooter
from movierec.tui.widgets.tables import HALF_KEYS, Col, FilmTable, plural, safe, spoken_title, stars_text, title_text

COLUMNS = (Col("title", 20, grow=3), Col("year", 4), Col("genres", 16, grow=2, hide=1, lines=2), Col("match", 5),
           Col("yours", 5))


class FilmRater(Static, can_focus=True):
    """Your rating of the film the modal shows: the rating keys act on this film while it has focus."""

    BINDINGS = [
        Binding("1", "rate(1)", "rate", key_display="1-5"),
        *[Binding(str(k), f"rate({k})", show=False) for k in range(2, 6)],
        *[Binding(key, f"rate({value})", show=False) for key, value in HALF_KEYS.items()],
        Binding("n", "dismiss_film", "not interested"),
        Binding("x,delete", "unrate", "remove rating", show=False),
        Binding("w", "toggle_watch", "± watchlist"),
    ]
    DEFAULT_CSS = """
    FilmRater { height: auto; padding: 0 1; margin-bottom: 1; border-left: blank; }
    FilmRater:focus { border-left: thick $accent; background: $boost; }
    """

    def __init__(self, index: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.index = index

    def action_rate(self, stars: float) -> None:
        self.post_message(FilmTable.RateRequested(self, self.index, float(stars)))

    def action_unrate(self) -> None:
        self.post_message(FilmTable.RateRequested(self, self.index, None))

    def action_dismiss_film(self) -> None:
        self.post_message(FilmTable.DismissRequested(self, self.index))

    def action_toggle_watch(self) -> None:
        self.post_message(FilmTable.WatchRequested(self, self.index))


class MovieScreen(ModalScreen):
    # A modal screen does not pass keys on to the app's bindings: `/` is bound here too.
    BINDINGS = [Binding("escape,q", "app.pop_screen", "close"), Binding("slash", "app.show_search", "search", priority=True)]
    DEFAULT_CSS = """
    MovieScreen { align: center middle; }
    MovieScreen > Vertical { width: 90%; height: 90%; border: thick $accent; background: $surface; padding: 0 1; }
    MovieScreen #details { height: auto; margin-bottom: 1; }
    MovieScreen FilmTable { height: 1fr; }
    """

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(id="details")
            yield FilmRater(self.index, id="mine")
            yield Static("More like this  (Tab here: 1-5 rates the highlighted film, Enter opens it)", markup=False)
            yield FilmTable(id="similar")
            yield Label("Esc: close", id="movie-help")
        # Its own keys under it: the Footer below belonged to the screen under the window (the picks' keys).
        yield FittingFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if not self.query(FilmTable):  # closed while it opened (Enter Escape typed at once): nothing to fill
            return
        self.query_one(FilmTable).set_columns(*COLUMNS)
        follow_app(self)
        self.refresh_data()
        self.query_one(FilmRater).focus()

    def refresh_data(self) -> None:
        app = movierec_app(self)
        info = app.engine.film(self.index)
        mine = app.rated_stars().get(self.index)
        text = Text()
        text.append(clean(spoken_title(info.title)) + "\n", style="bold")
        text.append(clean(", ".join(info.genres)) + "\n")
        text.append(f"mean {info.mean_rating:.2f} from {plural(info.ratings, 'rating')}")
        if info.tags:
            text.append("\ntags: " + clean(", ".join(info.tags[:12])), style="italic")
        self.query_one("#details", Static).update(text)
        rating = Text("your rating: ")
        if mine:
            rating.append_text(stars_text(mine))
            rating.append(f" ({plural(mine, 'star')})")
        elif self.index in app.dismissed():
            rating.append("not interested")
        else:
            rating.append("not rated")
        if self.index in app.watchlisted():
            rating.append(" · ")
            rating.append_text(title_text("on your watchlist", True))
        # Two lines, broken between phrases (wrapped at 80 columns, "n not / interested" read as two keys).
        rating.append("\n1-5 rate this film · shift+1-5 half a star less\nn not interested · x remove · "
                      "w watchlist", style="dim")
        self.query_one(FilmRater).update(rating)
        yours, titles = app.yours(), app.titles()
        rows = [row for row in app.engine.similar(self.index, 16)[1] if row.index != self.index][:15]
        matches = app.matches([row.index for row in rows])  # from your latest picks' scores
        self.query_one(FilmTable).set_rows([
            (str(row.index), [titles(row.index, row.title), str(row.year or ""),
                              safe(", ".join(row.genres)), match, yours(row.index)])
            for row, match in zip(rows, matches)])

    def refresh_marks(self) -> None:
        self.refresh_data()

    def refresh_matches(self) -> None:
        self.refresh_data()  # "more like this" shows a match

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None and int(event.row_key.value) != self.index:
            movierec_app(self).open_movie(int(event.row_key.value))
