"""A DataTable of films with the rating keys (1-5 stars, shift for a half star less)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from movierec.console import clean

#: shift+1..5 on a US keyboard: half a star less than the digit.
HALF_KEYS = {"exclamation_mark": 0.5, "at": 1.5, "number_sign": 2.5, "dollar_sign": 3.5, "percent_sign": 4.5}


def safe(text: object, style: str = "") -> Text:
    """Show data literally: no markup, no terminal escape sequences."""
    return Text(clean(text), style=style)


def stars_text(stars: float | None) -> Text:
    if not stars:
        return Text("")
    full = int(stars)
    return Text("★" * full + ("½" if stars - full else ""), style="yellow")


class FilmTable(DataTable):
    """Rows keyed by catalogue index; rating keys post RateRequested for the highlighted film."""

    BINDINGS = [
        Binding("1", "rate(1)", "1-5 stars", show=True),
        Binding("2", "rate(2)", show=False),
        Binding("3", "rate(3)", show=False),
        Binding("4", "rate(4)", show=False),
        Binding("5", "rate(5)", show=False),
        *[Binding(key, f"rate({value})", "½ less" if value == 4.5 else "", show=value == 4.5,
                  key_display="shift+1-5") for key, value in HALF_KEYS.items()],
        Binding("n", "dismiss_film", "not interested"),
        Binding("x,delete", "unrate", "remove rating", show=False),
    ]

    class RateRequested(Message):
        def __init__(self, table: "FilmTable", index: int, stars: float | None) -> None:
            super().__init__()
            self.table, self.index, self.stars = table, index, stars

        @property
        def control(self) -> "FilmTable":
            return self.table

    class DismissRequested(Message):
        def __init__(self, table: "FilmTable", index: int) -> None:
            super().__init__()
            self.table, self.index = table, index

        @property
        def control(self) -> "FilmTable":
            return self.table

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def current_index(self) -> int | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def action_rate(self, stars: float) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.RateRequested(self, index, float(stars)))

    def action_unrate(self) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.RateRequested(self, index, None))

    def action_dismiss_film(self) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.DismissRequested(self, index))
