"""One film: details, your rating, and more like this."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from movierec.console import clean
from movierec.tui.widgets.tables import FilmTable, safe, stars_text


class MovieScreen(ModalScreen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "close")]
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
            yield Label("More like this  (1-5 rates the highlighted film, Enter opens it)")
            yield FilmTable(id="similar")
            yield Label("1-5 / shift: rate this film's row  ·  Esc: close", id="movie-help")

    def on_mount(self) -> None:
        table = self.query_one(FilmTable)
        table.add_columns("title", "year", "genres", "yours")
        self.refresh_data()
        table.focus()

    def refresh_data(self) -> None:
        info = self.app.engine.film(self.index)
        rated = self.app.rated_stars()
        mine = rated.get(self.index)
        text = Text()
        text.append(clean(info["title"]) + "\n", style="bold")
        text.append(clean(", ".join(info["genres"])) + "\n")
        text.append(f"mean {info['mean_rating']:.2f} from {info['ratings']:,} ratings   your rating: ")
        text.append_text(stars_text(mine) if mine else Text("not rated (press 1-5 on its row below)"))
        if info["tags"]:
            text.append("\ntags: " + clean(", ".join(info["tags"][:12])), style="italic")
        self.query_one("#details", Static).update(text)
        table = self.query_one(FilmTable)
        cursor = table.cursor_row
        table.clear()
        table.add_row(safe(info["title"], "bold"), str(info["year"] or ""), safe(", ".join(info["genres"][:3])),
                      stars_text(mine), key=str(self.index))
        for row in self.app.engine.similar_films(self.index, 15):
            table.add_row(safe(row["title"]), str(row["year"] or ""), safe(", ".join(row["genres"][:3])),
                          stars_text(rated.get(row["index"])), key=str(row["index"]))
        table.move_cursor(row=min(cursor, table.row_count - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None and int(event.row_key.value) != self.index:
            self.app.open_movie(int(event.row_key.value))
