"""Search as you type, with genre and year filters; rate from the table; Enter opens the film.

Keys: `/` (from anywhere) focuses the box; Down or Enter moves to the results; Escape walks back
(results -> box -> the screen search was opened from); ctrl+r clears the filters. While the box has
focus every printable key is text, never a command.

The filters apply first, then the query ranks (Engine.search, the CLI's search too). Active
filters are named on a line of their own; when nothing matches closely, a line says so in the CLI's
words (what the filters hide, or "did you mean"). The titles show as soon as they are found; the
match column follows (its first computation, a fold-in and a calibration, takes seconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from movierec.data.movielens import GENRES
from movierec.errors import MovieRecError
from movierec.tui.handle import movierec_app
from movierec.tui.match_column import MatchColumn
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, safe

if TYPE_CHECKING:
    from movierec.engine.rows import FilmRow

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


async def edit_now(box: Input, event: events.Key) -> bool:
    """Apply a key to the focused text box as the app reads it, not later: a printable key is typed, and an
    editing key (Backspace, Delete, Home, End, the arrows, ctrl+w/u/k...) runs the box's own binding. Both in
    the order typed (an editing key used to bubble through every queue up to the app first, so letters typed
    after it overtook it: "abc Home X" gave abcX), and the value is current when a priority Enter right
    behind asks for the results. Keys with a priority binding (Enter in the search bar, `/`...) are left to
    those. False when the key is not the box's."""
    chain = box.screen._binding_chain  # Textual's own list: printable keys the box takes are filtered out
    if any(binding.priority for _, bindings in chain for binding in bindings.key_to_bindings.get(event.key, ())):
        return False
    if event.is_printable:
        assert event.character is not None
        type_text(box, event.character)
        return True
    for binding in box._bindings.key_to_bindings.get(event.key, ()):
        if await box.app.run_action(binding.action, box):
            return True
    return False


#: Tab and shift+tab where nothing binds them but the screen (Textual's own focus moves).
FOCUS_MOVES = {"tab": "app.focus_next", "shift+tab": "app.focus_previous"}


def focus_now(screen, event: events.Key) -> bool:
    """Move the focus for Tab or shift+tab as the app reads the key, not later: the screen's binding ran only
    once the key had bubbled through every queue up to it, and the text typed right behind it was typed at
    once (edit_now) into the box Tab was leaving. False when the key is not a focus move, or something else
    binds it (left to that binding)."""
    move = FOCUS_MOVES.get(event.key)
    if move is None:
        return False
    chain = screen._binding_chain  # from the focused widget up to the app: the first binding is the one that runs
    found = [binding for _, bindings in chain for binding in bindings.key_to_bindings.get(event.key, ())]
    if not found or any(binding.priority for binding in found) or found[0].action != move:
        return False
    if event.key == "tab":
        screen.focus_next()
    else:
        screen.focus_previous()
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


def filters_line(genre: str | None, years: str) -> str:
    """The line naming the active filters ("" when none is): they stay on from one search to the next."""
    from movierec.picks.scoring import parse_years

    try:
        span = parse_years(years)  # "1970-89" reads 1970-1989: say so
    except MovieRecError:  # the search itself says what is wrong with it
        span = None
    if span is None:
        shown = years.strip()
    elif span[0] == span[1]:
        shown = str(span[0])
    elif span[1] is None:
        shown = f"from {span[0]}"
    elif span[0] is None:
        shown = f"up to {span[1]}"
    else:
        shown = f"{span[0]}-{span[1]}"
    named = [f for f in (genre, shown) if f]
    return f"filters on: {' · '.join(named)} (ctrl+r clears them)" if named else ""


class SearchScreen(MainScreen):
    BINDINGS = [Binding("escape", "back", "back"), Binding("ctrl+r", "clear_filters", "clear filters", show=False)]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="search-bar"):
            yield SearchBox(placeholder="Search titles (typos and accents are fine)", id="query")
            yield Select([(g, g) for g in GENRES[:-1]], prompt="any genre", id="genre")
            yield YearsInput(placeholder="years 1990-99", id="years", restrict=r"[0-9\- ]*", max_length=11)
        yield Static(id="search-filters", markup=False)
        yield Static(id="search-note", markup=False)
        yield ResultsTable(id="results")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(FilmTable).set_columns(*COLUMNS)
        self.query_one("#search-filters").display = False
        self.query_one("#search-note").display = False
        self.focus_box()

    def focus_box(self) -> None:
        """Focus the search box now (not after a refresh, as Widget.focus does): the next key is text."""
        box = self.query_one("#query", Input)
        self.set_focus(box)
        box.select_all()  # what you type next replaces the last query
        movierec_app(self).release_keys()

    def action_focus_box(self) -> None:
        self.focus_box()

    def action_clear_filters(self) -> None:
        """ctrl+r: no genre, no years; the query stays (and is searched again)."""
        self.query_one("#genre", Select).clear()
        self.query_one("#years", Input).value = ""
        self.run_search()

    def action_back(self) -> None:
        if self.focused is not None and self.focused.id in ("results", "genre", "years"):
            self.focus_box()
        else:
            movierec_app(self).action_back()

    def action_to_results(self) -> None:
        """To the results of what the boxes say now: when those are still being searched, the keys
        typed meanwhile wait for them (else "Enter 5" would rate a row of the previous query)."""
        if self._shown_for == self._query():
            self.set_focus(self.query_one(FilmTable))
        else:
            self._focus_results_when_shown = movierec_app(self).hold_keys()
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
        text, genre, years = self._query()
        filters = self.query_one("#search-filters", Static)
        line = filters_line(genre, years)
        filters.update(line)
        filters.display = bool(line)
        self.search(text, genre, years)

    def __init__(self) -> None:
        super().__init__()
        self._shown_for: tuple | None = None
        self._shown_rows: list[FilmRow] = []
        # The key hold (its number) whose keys go to the results once they are shown; None: no such wish. Once
        # the hold has timed out its keys went to the box, and the results no longer take the focus: a key
        # typed after that would act on a row (rate it) the person never saw highlighted.
        self._focus_results_when_shown: int | None = None
        self.match_column = MatchColumn(self, self._show_matches, group="search-matches")

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, text: str, genre: str | None, years: str) -> None:
        found = movierec_app(self).engine.search(text, [genre] if genre else None, years, limit=50)
        if not get_current_worker().is_cancelled:  # a newer keystroke's search supersedes this one
            movierec_app(self).call_from_thread(self.show, found.rows, (text, genre, years), note=found.note)

    def _show_matches(self, shown: tuple[tuple, list[FilmRow]], matches: list) -> None:
        query, rows = shown
        if query == self._shown_for and rows is self._shown_rows:  # still the results on screen
            self.show(rows, query, matches)

    def show(self, rows: list[FilmRow], query: tuple = (), matches: list | None = None, note: str | None = None) -> None:
        """The results; the cursor stays where it was when only your ratings changed, else goes to the top.
        Without ``matches``, the match cells at hand now, and the rest computed in the background."""
        same, self._shown_for, self._shown_rows = query == self._shown_for, query, rows
        if note is not None:
            line = self.query_one("#search-note", Static)
            line.update(note)
            line.display = bool(note)
        yours, titles = movierec_app(self).yours(), movierec_app(self).titles()
        if matches is None:
            matches = movierec_app(self).matches([row.index for row in rows])
            self.match_column.want((query, rows), [row.index for row in rows])
        self.query_one(FilmTable).set_rows([
            (str(row.index), [titles(row.index, row.title), str(row.year or ""),
                              safe(", ".join(row.genres)), f"{row.mean_rating:.1f}", f"{row.ratings:,}",
                              match, yours(row.index)])
            for row, match in zip(rows, matches)], keep_cursor=same)
        if self._focus_results_when_shown is not None and query == self._query():
            self._focus_on_results()

    @on(Worker.StateChanged)
    def search_failed(self, event: Worker.StateChanged) -> None:
        """A search that fails (years the box cannot read) shows its error; keys held for its results go on."""
        if event.state == WorkerState.ERROR and event.worker.group == "search" and \
                self._focus_results_when_shown is not None:
            self._focus_on_results()

    def _focus_on_results(self) -> None:
        """The results are shown (or their search failed): the held keys go to them, if still held."""
        hold, self._focus_results_when_shown = self._focus_results_when_shown, None
        if hold is not None and movierec_app(self).holding(hold):
            self.set_focus(self.query_one(FilmTable))
            movierec_app(self).release_keys()

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            movierec_app(self).open_movie(int(event.row_key.value))
