"""Your watchlist: the films you want to see, the one that fits you best first.

The order is the personal score of the picks' mode (``Engine.watchlist``), with each film's reason.
Films of another release (imported from Letterboxd, say) that the loaded dataset lacks come last,
marked as such. Rate, n, x and Enter work as on every film list; w takes the film off the list.
Rating a film takes it off too: you have seen it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from movierec.engine import modes as mode_rules
from movierec.errors import MovieRecError
from movierec.tui.handle import movierec_app
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import MISSING, WATCH_MARK, Col, FilmTable, match_text, plural, safe, title_text

if TYPE_CHECKING:
    from movierec.engine.rows import FilmRow

# Below ~90 columns the title and the reason take the width: "yours" is empty for most films here (rating
# one takes it off), and goes first.
COLUMNS = (Col("#", 3), Col("title", 24, grow=3), Col("year", 4), Col("match", 5),
           Col("genres", 16, grow=1, hide=2, most=30, lines=2), Col("why", 24, grow=2), Col("yours", 5, hide=1))
EMPTY = f"Your watchlist is empty: w on any film list adds the highlighted film (marked {WATCH_MARK} in every list)."


class WatchlistTable(FilmTable):
    """The watchlist itself: w is shown as what it does here (every film here is on it: no marks)."""

    BINDINGS = [Binding("w", "toggle_watch", "remove")]


class WatchlistScreen(MainScreen):
    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("", id="watchlist-status", markup=False)
        yield WatchlistTable(id="watchlist")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one(FilmTable)
        table.set_columns(*COLUMNS)
        table.focus()

    def refresh_matches(self) -> None:
        self.refresh_data()  # ranked by the model

    def refresh_data(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="watchlist")
    def compute(self) -> None:
        app = movierec_app(self)
        worker = get_current_worker()
        fallback = mode_rules.fallback(app.mode)  # content: no model needed
        mode = app.mode if app.model_ready else fallback
        note = "" if app.model_ready else " (the model is still loading)"
        try:
            rows = app.engine.watchlist(app.profile, mode=mode, should_stop=lambda: worker.is_cancelled)
        except MovieRecError as exc:  # a sequence mode with no film liked yet: content-based, and why
            rows, note = app.engine.watchlist(app.profile, mode=fallback), f" (mode {mode}: {exc})"
            mode = fallback
        if not worker.is_cancelled:
            app.call_from_thread(self.show, rows, mode, note)

    def show(self, rows: list[FilmRow], mode: str, note: str = "") -> None:
        app = movierec_app(self)
        yours = app.yours()
        dataset = app.engine.dataset.name
        table_rows = []
        rated, dismissed = app.rated_stars(), app.dismissed()
        ranked = 0
        for row in rows:
            if row.index is None:  # listed on another release: named, never matched to another film
                table_rows.append((f"{MISSING}{row.ref}", [
                    safe(""), title_text(row.title or f"movie id {row.ref}"), safe(""), match_text(None),
                    safe(""), safe(f"not in {dataset}", "dim italic"), safe("")]))
                continue
            if row.score is not None:
                ranked += 1
                rank, why = safe(str(ranked)), safe(row.reason, "italic")
            else:  # rated (listed again to see again) or dismissed: not a pick, so not ranked; said why
                stars = rated.get(row.index)
                said = (f"you rated it {plural(stars, 'star')}" if stars else
                        "marked not interested" if row.index in dismissed else "")
                rank, why = safe(""), safe(said, "dim italic")
            table_rows.append((str(row.index), [
                rank, title_text(row.title), safe(str(row.year or "")), match_text(row.match),
                safe(", ".join(row.genres)), why, yours(row.index)]))
        table = self.query_one(FilmTable)
        table.display = bool(rows)  # an empty list is said in the line above, not shown as a bare header
        # ...which then takes the table's room, so the status line stays at the bottom above the Footer.
        self.query_one("#watchlist-status", Static).set_class(not rows, "-empty")
        if rows and self.focused is None:
            table.focus()
        table.set_rows(table_rows)  # the cursor follows its film; the next film when its film left
        missing = sum(row.index is None for row in rows)
        if not rows:
            text = EMPTY
        else:
            text = f"{plural(len(rows), 'film')} · the best fit for you first · model {mode}{note}"
            if missing:
                text += f" · {missing} not in {dataset}"
        self.query_one("#watchlist-status", Static).update(text)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is not None and not key.startswith(MISSING):
            movierec_app(self).open_movie(int(key))
