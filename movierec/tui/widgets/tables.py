"""A DataTable of films with the rating keys (1-5 stars, shift for a half star less).

Columns have roles so that tables fit the terminal: a fixed column (year, your stars) always
shows at its width; a flexible one (title, genres, reason) shares what is left by weight and
wraps its text onto more lines rather than cutting it; a column that may hide goes first when
the width is short. The table re-lays itself out when its width changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from movierec.data.titles import spoken_title

from movierec.console import WATCH_MARK, clean, plural  # noqa: F401 (WATCH_MARK, plural: the screens import them from here)

#: shift+1..5 on a US keyboard: half a star less than the digit.
HALF_KEYS = {"exclamation_mark": 0.5, "at": 1.5, "number_sign": 2.5, "dollar_sign": 3.5, "percent_sign": 4.5}
#: What a film marked "not interested" shows in the "yours" column.
DISMISSED = "✗ no"
#: The row key of a watchlist film the loaded dataset lacks (rows of films in it are keyed by index).
MISSING = "id:"


def safe(text: object, style: str = "") -> Text:
    """Show data literally: no markup, no terminal escape sequences."""
    return Text(clean(text), style=style)


def stars_text(stars: float | None) -> Text:
    if not stars:
        return Text("")
    full = int(stars)
    return Text("★" * full + ("½" if stars - full else ""), style="yellow")


def match_text(match: float | None) -> Text:
    """A predicted match as a whole percent, right-aligned ("" when there is none)."""
    if match is None:
        return Text("")
    return Text(f"{round(100 * match)}%", justify="right")


def yours_text(stars: float | None, dismissed: bool = False) -> Text:
    """Your stars, or the "not interested" mark."""
    if dismissed and not stars:
        return Text(DISMISSED, style="red")
    return stars_text(stars)


def title_text(title: str, listed: bool = False, style: str = "") -> Text:
    """A film's title as the reasons and the CLI say it ("The Shining (1980)", not MovieLens's "Shining, The
    (1980)": ``spoken_title``), after the watchlist mark when it is on your watchlist."""
    text = safe(spoken_title(title), style)
    if listed:
        text = Text.assemble((WATCH_MARK + " ", "bold magenta"), text)
    return text


@dataclass(frozen=True)
class Col:
    """A column: ``width`` is fixed (``grow`` 0) or the least it may shrink to (``grow`` > 0, its share
    of the spare width, up to ``most``); ``hide`` ranks the columns that may disappear when the width is
    short (1 first); ``lines`` (0: no limit) is the most lines a cell may wrap to, the last one ending
    in "…" when the text is longer (genres: a film's title and reason are never shortened)."""

    label: str
    width: int
    grow: int = 0
    hide: int = 0
    most: int = 1_000
    lines: int = 0


def shorten(text: Text, width: int, lines: int) -> Text:
    """``text`` wrapped at its spaces to ``width``; past ``lines`` lines, the last one ends in "…".

    A list ("Adventure, Animation, Children, ...") that does not fit says so rather than stopping
    at a comma as if it were whole; the lines are joined by newlines, so the table shows them as here.
    """
    words = text.plain.split()
    rows: list[str] = []
    for word in words:
        if rows and len(rows[-1]) + 1 + len(word) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    if lines <= 0 or sum(-(-len(row) // width) for row in rows) <= lines:  # a word wider than a line folds
        return text
    kept, last = rows[: lines - 1], ""
    for n, row in enumerate(kept):
        if len(row) > width:  # a word wider than the column (none of the genres at the least widths)
            return Text("\n".join([*kept[:n], row[: width - 1] + "…"]), style=text.style)
    for word in " ".join(rows[lines - 1:]).split():
        if len(last) + bool(last) + len(word) + 2 > width:  # room for " …"
            break
        last = f"{last} {word}" if last else word
    kept.append(f"{last} …" if last else "…")
    return Text("\n".join(kept), style=text.style)


def fit_columns(columns: list[Col], content: list[int], available: int, padding: int = 1,
                typical: list[int] | None = None) -> list[int | None]:
    """Each column's width in cells for ``available`` cells (None: hidden).

    ``content`` is the widest cell of each column: a flexible column never takes more than that,
    so the spare width goes where text would otherwise wrap. ``typical`` (a high percentile of the
    cell widths) is served first, so one very long title does not take the width every genre list needs.
    """
    shown = list(range(len(columns)))

    def need(idx: list[int]) -> int:
        return sum(columns[i].width + 2 * padding for i in idx)

    for i in sorted((i for i, c in enumerate(columns) if c.hide), key=lambda i: columns[i].hide):
        if need(shown) <= available:
            break
        shown.remove(i)
    widths: dict[int, int] = {i: columns[i].width for i in shown}
    spare = available - need(shown)
    flex = [i for i in shown if columns[i].grow]
    for i in flex:  # a flexible column as wide as its label at least
        widths[i] = max(widths[i], min(len(columns[i].label), columns[i].width))
    if typical:  # first the typical widths, the most important column (largest grow) first
        for i in sorted(flex, key=lambda i: -columns[i].grow):
            give = max(min(max(min(typical[i], columns[i].most), columns[i].width) - widths[i], spare), 0)
            widths[i] += give
            spare -= give
    for limit in [content]:
        def cap(i: int) -> int:
            return max(min(limit[i], columns[i].most), columns[i].width)

        while spare > 0 and flex:
            wants = [i for i in flex if widths[i] < cap(i)]
            if not wants:
                break
            total = sum(columns[i].grow for i in wants)
            given = 0
            for i in wants:
                share = max(1, spare * columns[i].grow // total)
                share = min(share, cap(i) - widths[i], spare - given)
                widths[i] += share
                given += share
                if given >= spare:
                    break
            if given == 0:
                break
            spare -= given
    return [widths.get(i) for i in range(len(columns))]


def column_widths(specs: list[Col], rows: list[tuple[str, list[Text]]], available: int,
                  padding: int = 1) -> list[int | None]:
    """The widths of ``specs`` for these rows (key, cells) in ``available`` cells (see fit_columns)."""
    lengths = [sorted([len(c.label), *(cells[i].cell_len for _, cells in rows)]) for i, c in enumerate(specs)]
    content = [values[-1] for values in lengths]
    typical = [values[int(0.9 * (len(values) - 1))] for values in lengths]
    return fit_columns(specs, content, available, padding, typical)


class FilmTable(DataTable):
    """Rows keyed by catalogue index; rating keys post RateRequested for the highlighted film."""

    BINDINGS = [
        Binding("1", "rate(1)", "rate", show=True, key_display="1-5"),
        Binding("2", "rate(2)", show=False),
        Binding("3", "rate(3)", show=False),
        Binding("4", "rate(4)", show=False),
        Binding("5", "rate(5)", show=False),
        *[Binding(key, f"rate({value})", show=False) for key, value in HALF_KEYS.items()],
        Binding("n", "dismiss_film", "not interested"),
        Binding("x,delete", "unrate", "remove rating", show=False),
        Binding("w", "toggle_watch", "± watchlist"),
        # DataTable's Home/End scroll sideways (a row cursor stayed where it was, and `5` after Home rated the
        # film the cursor was on); PageUp/PageDown paged by the table's own height, the whole list where the
        # table is as tall as its rows and the page around it scrolls (the picks). Here they move the cursor.
        Binding("home", "first_row", show=False),
        Binding("end", "last_row", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
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

    class WatchRequested(Message):
        """`w`: the film goes on the watchlist, or off it when it is there. ``ref`` is set for a film the
        dataset lacks (``index`` None): a watchlist row of another release, named by its entry's ``ref``."""

        def __init__(self, table, index: int | None, ref: str | None = None) -> None:
            super().__init__()
            self.table, self.index, self.ref = table, index, ref

        @property
        def control(self):
            return self.table

    def __init__(self, advance: bool = False, **kwargs) -> None:
        """``advance``: the cursor moves to the next film as soon as one is rated or dismissed (in the
        key's own handler, so that keys typed quickly each go to the next film)."""
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.advance = advance
        #: a key moved the cursor or acted on its film: a refresh keeps the cursor on that film (set_rows)
        self.chosen = False
        self.specs: list[Col] = []
        self.film_rows: list[tuple[str, list[Text]]] = []
        #: available width -> column widths, when tables shown together share theirs (the picks' lists);
        #: None: from this table's own rows.
        self.widths_for = None
        self._laid_out_for = -1

    # -- layout -----------------------------------------------------------------------------
    def set_columns(self, *columns: Col) -> None:
        self.specs = list(columns)
        self._laid_out_for = -1
        self.set_rows(self.film_rows)

    def set_rows(self, rows: list[tuple[str, list[Text | str]]], keep_cursor: bool = True) -> None:
        """Replace the rows (key, cells). ``keep_cursor``: the cursor stays on its film, wherever the film is
        now, or on the same row number when the film left the list (issue 24.8: picks re-ranked when the model
        loaded moved another film under the cursor); else it goes to the top. A cursor no key has moved yet
        stays on its row: it marks the top of the list, not a film (and start-up pictures stay the same)."""
        key, row = (self.current_key() if self.chosen else None, self.cursor_row) if keep_cursor else (None, 0)
        self.film_rows = [(key, [c if isinstance(c, Text) else Text(c) for c in cells]) for key, cells in rows]
        self._layout(force=True, cursor=self.row_of(key, row))

    def row_of(self, key: str | None, row: int) -> int:
        """The row of the film ``key``, or ``row`` (its rank, for a film no longer listed)."""
        keys = [k for k, _ in self.film_rows]
        return keys.index(key) if key in keys else row

    def _available(self) -> int:
        width = self.size.width or (self.app.size.width if self.is_attached else 80)
        return max(20, width - 2)  # the vertical scrollbar, when rows overflow

    def _layout(self, force: bool = False, cursor: int | None = None) -> None:
        if not self.specs:
            return
        available = self._available()
        if not force and available == self._laid_out_for:
            return
        self._laid_out_for = available
        if self.widths_for is not None:
            widths = self.widths_for(available)
        else:
            widths = column_widths(self.specs, self.film_rows, available, self.cell_padding)
        cursor = self.cursor_row if cursor is None else cursor
        self.clear(columns=True)
        shown = [i for i, w in enumerate(widths) if w is not None]
        for i in shown:
            self.add_column(self.specs[i].label, width=widths[i], key=self.specs[i].label)
        console = self.app.console
        limits = {i: self.specs[i].lines for i in shown if self.specs[i].lines}
        for key, cells in self.film_rows:
            cells = [shorten(cell, widths[i], limits[i]) if i in limits and cell.cell_len > widths[i] else cell
                     for i, cell in enumerate(cells)]
            # Rows are as tall as their longest text wrapped to its column (measured here only for the
            # cells that overflow: DataTable's own auto height renders every cell of every row).
            height = max([1, *(len(cells[i].wrap(console, widths[i])) for i in shown
                                if cells[i].cell_len > widths[i] or "\n" in cells[i].plain)])
            self.add_row(*(cells[i] for i in shown), key=key, height=height)
        if self.row_count:
            self.move_cursor(row=min(max(cursor, 0), self.row_count - 1), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        self._layout()

    def cell_text(self, row: int, label: str) -> str:
        """The whole text of one cell (what a person reads, for the tests)."""
        key, cells = self.film_rows[row]
        return cells[[c.label for c in self.specs].index(label)].plain

    # -- moving ---------------------------------------------------------------------------
    def _scroller(self):
        """The container that scrolls this table into view (the picks' page), or None: the table scrolls itself."""
        from textual.screen import Screen

        for node in self.ancestors:
            if isinstance(node, Screen):
                return None
            if node.styles.overflow_y in ("auto", "scroll"):
                return node
        return None

    def _page_lines(self) -> int:
        """The lines of rows a person sees at once: the table's own height, or less where the page around it
        shows less of it."""
        header = self.header_height if self.show_header else 0
        lines = self.scrollable_content_region.height - header
        scroller = self._scroller()
        if scroller is not None:
            lines = min(lines, scroller.scrollable_content_region.height - header)
        return max(lines, 1)

    def action_cursor_up(self) -> None:
        self.chosen = True
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self.chosen = True
        super().action_cursor_down()

    def action_first_row(self) -> None:
        self.chosen = True
        if self.row_count:
            self._set_hover_cursor(False)
            self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        self.chosen = True
        if self.row_count:
            self._set_hover_cursor(False)
            self.move_cursor(row=self.row_count - 1, animate=False)

    def action_page(self, direction: int) -> None:
        """One page down (``direction`` 1) or up (-1): the row a page away, whole rows, at least one row."""
        self.chosen = True
        if not self.row_count:
            return
        self._set_hover_cursor(False)
        row, lines = self.cursor_row, self._page_lines()
        heights = [r.height for r in self.ordered_rows]
        target, used = row, 0
        step = 1 if direction > 0 else -1
        for i in range(row + step, self.row_count if step > 0 else -1, step):
            used += heights[i]
            if used > lines and target != row:
                break
            target = i
        self.move_cursor(row=target, animate=False)

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        """The cursor's row in view, also where the page around the table scrolls rather than the table."""
        super()._scroll_cursor_into_view(animate=animate)
        scroller = self._scroller()
        if scroller is None or not self.row_count or not self.has_focus:  # the lists out of focus stay put
            return
        region = self._get_row_region(self.cursor_row)
        top = self.virtual_region.y + self.styles.gutter.top - round(self.scroll_y)
        if self.cursor_row == 0:  # the first row: the table's header and the line above it (a list's title)
            region = region.union(region._replace(y=-1))
        scroller.scroll_to_region(region._replace(x=0, y=top + region.y), animate=False, force=True)

    # -- keys -------------------------------------------------------------------------------
    def current_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def current_index(self) -> int | None:
        """The highlighted film's catalogue index (None: no rows, or a film the dataset lacks)."""
        key = self.current_key()
        return int(key) if key is not None and not key.startswith(MISSING) else None

    def action_toggle_watch(self) -> None:
        key = self.current_key()
        if key is None:
            return
        if key.startswith(MISSING):
            self.post_message(self.WatchRequested(self, None, key[len(MISSING):]))
        else:
            self.post_message(self.WatchRequested(self, int(key)))
        self._advance()

    def action_rate(self, stars: float) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.RateRequested(self, index, float(stars)))
            self._advance()

    def action_unrate(self) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.RateRequested(self, index, None))
            self._advance()

    def action_dismiss_film(self) -> None:
        index = self.current_index()
        if index is not None:
            self.post_message(self.DismissRequested(self, index))
            self._advance()

    def _advance(self) -> None:
        self.chosen = True
        if self.advance:
            self.action_cursor_down()
