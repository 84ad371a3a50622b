"""Picks: several diversified top-10 lists, as a person browses a streaming service.

"Top picks for you", a "Because you rated X" list for your latest high rating, one "<genre> for
you" list per genre you rated highly (the one you like most first), then "Because you rated"
lists for your next latest high ratings. Each row shows the pick's reason in full: the same text
as `recommend --json`'s "reason".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from movierec.console import clean
from movierec.engine import modes as mode_rules
from movierec.tui.handle import movierec_app
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, column_widths, match_text, safe

if TYPE_CHECKING:
    from movierec.engine.rows import PickList

MODEL_LOADING = "model still loading: picks are content-based until it is ready"


def list_title(block: PickList) -> str:
    """The heading of one list of ``Engine.browse`` (its kind and what it is about)."""
    kind, about = block.kind, block.about
    if kind == "top":
        return "Top picks for you" + (f" in {about}" if about else "")
    if kind == "genre":
        return f"{about} for you"
    if kind == "because":
        return f"Because you rated {about}"
    if kind == "next":
        return f"Next after {about}"
    return str(about or kind)

# Genres go first below ~90 columns: the title, its match and the reason are what a pick must show in full.
COLUMNS = (Col("#", 2), Col("title", 26, grow=3), Col("match", 5),
           Col("genres", 20, grow=1, hide=1, most=30, lines=2), Col("why", 30, grow=3))


class PicksScreen(MainScreen):
    BINDINGS = [
        Binding("plus,equals_sign", "diversity(0.1)", "diversity", key_display="+/-"),
        Binding("minus", "diversity(-0.1)", "less diverse", show=False),
        Binding("m", "cycle_mode", "model"),
        Binding("g", "cycle_genre", "genre"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("", id="picks-status", markup=False)
        yield VerticalScroll(id="lists", can_focus=False)
        yield from self.compose_footer()

    has_lists = False  # set once lists are on screen: later recomputations replace them in one go
    _asked = 0  # lists asked for (each compute); _shown: the number of the last one on screen
    _shown = 0

    def refresh_matches(self) -> None:
        self.refresh_data()  # ranked by the model

    def refresh_data(self) -> None:
        self.status_line()  # the model or mode may have changed while this screen was out of view
        self.compute()

    def computing(self) -> bool:
        """Lists are being computed that will replace (or fill) the ones on screen."""
        return self._shown < self._asked

    def status_line(self, mix: dict | None = None) -> None:
        app = movierec_app(self)
        mode = app.mode if app.model_ready else f"{mode_rules.fallback(app.mode)} (model loading)"
        # The genre only when one is chosen: with a three-part mix the line fits 80 columns.
        text = f"diversity {app.diversity:.1f} · model {mode}" + (f" · genre {app.genre}" if app.genre else "")
        if self.computing():  # the lists below are the previous ones (`m` left them for seconds with no sign)
            served = app.mode if app.model_ready else mode_rules.fallback(app.mode)
            # a blend (or its fallback alone) by its mode's name, a mode of one model by the model's
            plain = mode_rules.blends(served) or served == mode_rules.fallback(served)
            source = served if plain else app.engine.mode_model_name(served)
            text += f" · computing picks from {source}..."
        elif mix:
            text += " · mix " + ", ".join(f"{k} {v:.0%}" for k, v in mix.items() if v)
        self.query_one("#picks-status", Static).update(text)
        self.query_one("#lists", VerticalScroll).set_class(self.computing() and self.has_lists, "-stale")

    def compute(self) -> None:
        """New lists for the current profile, mode, diversity and genre; until they are on screen the status line
        says they are being computed and the lists shown are dimmed."""
        self._asked += 1
        self.status_line()
        self._compute(self._asked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="picks")
    def _compute(self, asked: int) -> None:
        app = movierec_app(self)
        worker = get_current_worker()
        # Until the model is loaded, content-based picks (no torch needed) fill the screen.
        mode = app.mode if app.model_ready else mode_rules.fallback(app.mode)
        def first(lists: list[PickList]) -> None:  # the first lists on screen at once, the others follow
            if not worker.is_cancelled and not self.has_lists:
                app.call_from_thread(self.show, lists, asked)

        lists = app.engine.browse(app.profile, diversity=app.diversity, mode=mode, genre=app.genre,
                                  should_stop=lambda: worker.is_cancelled, first=first)
        if not worker.is_cancelled:
            app.call_from_thread(self.show, lists, asked)

    async def show(self, lists: list[PickList], asked: int = 0) -> None:
        self._shown = max(self._shown, asked)
        container = self.query_one("#lists", VerticalScroll)
        was = self.focused if isinstance(self.focused, FilmTable) else None
        focused, cursor, film = (was.id, was.cursor_row, was.current_key() if was.chosen else None) \
            if was is not None else (None, 0, None)
        mix = None
        widgets = []
        titles = movierec_app(self).titles()
        self.lists = lists
        for n, block in enumerate(lists):
            mix = mix or block.mix
            widgets.append(Label(clean(list_title(block)), classes="list-title", markup=False))
            table = FilmTable(id=f"list-{n}", classes="picks")
            table.specs = list(COLUMNS)
            table.widths_for = self.widths_for
            table.film_rows = [(str(pick.index), [safe(str(rank)), titles(pick.index, pick.title), match_text(pick.match),
                                                  safe(", ".join(pick.genres)), safe(pick.reason, "italic")])
                               for rank, pick in enumerate(block.picks, 1)]
            widgets.append(table)
        if not widgets:
            widgets.append(Static("Rate a few films first: / to search, o for well-known films.", markup=False))
        self._share_widths([table.film_rows for table in widgets if isinstance(table, FilmTable)])
        with self.app.batch_update():
            await container.remove_children()
            await container.mount_all(widgets)
        for table in self.query(FilmTable):
            table.set_rows(table.film_rows)
        self.has_lists = bool(lists)
        self.status_line(mix)
        movierec_app(self).first_screen_shown.set()  # the model may load now (see MovieRecApp.load)
        tables = list(self.query(FilmTable))
        if tables:  # the list that had focus keeps it and its film (else its row); else the first list, first row
            target = next((t for t in tables if t.id == focused), tables[0])
            row = min(target.row_of(film, cursor) if target.id == focused else 0, target.row_count - 1)
            target.chosen = film is not None and target.id == focused
            target.move_cursor(row=row, animate=False)
            # Not Textual's scroll-on-focus: it centres a list taller than it can show at once, with an
            # animation that ends after any scroll asked for here, and the first list's title went out
            # of view. The list's title goes to the top instead (the first: the view's top), unless the
            # cursor is further down that list: then the least scroll that shows its row.
            target.focus(scroll_visible=False)
            if row == 0:
                title = container.children[max(container.children.index(target) - 1, 0)]
                self.call_after_refresh(container.scroll_to_widget, title, animate=False, top=True)
            else:
                self.call_after_refresh(target._scroll_cursor_into_view)

    lists: list[PickList] = []
    _rows: list = []  # every list's rows, which the lists' shared column widths are fitted to
    _widths: dict = {}

    def _share_widths(self, rows: list) -> None:
        self._rows, self._widths = [row for table_rows in rows for row in table_rows], {}

    def widths_for(self, available: int) -> list[int | None]:
        """The column widths every list uses (fitted to all of their rows at once), so that the match and
        the other columns line up from one list to the next."""
        if available not in self._widths:
            self._widths[available] = column_widths(list(COLUMNS), self._rows, available)
        return self._widths[available]

    def refresh_marks(self) -> None:
        """The watchlist changed: the same picks (a watchlist film stays a pick), their marks redrawn."""
        titles = movierec_app(self).titles()
        updated = []
        for n, block in enumerate(self.lists):
            for table in self.query(f"#list-{n}").results(FilmTable):
                updated.append((table, [(key, [cells[0], titles(pick.index, pick.title), *cells[2:]])
                                        for (key, cells), pick in zip(table.film_rows, block.picks)]))
        self._share_widths([rows for _, rows in updated])  # a mark makes a title wider: fitted to all again
        for table, rows in updated:
            table.set_rows(rows)

    def to_top(self) -> None:
        """The first list's first pick, its title at the top of the view (p on the picks screen)."""
        tables = list(self.query(FilmTable))
        if not tables:
            return
        tables[0].move_cursor(row=0, animate=False)
        tables[0].focus(scroll_visible=False)
        self.query_one("#lists", VerticalScroll).scroll_home(animate=False)

    def action_diversity(self, delta: float) -> None:
        app = movierec_app(self)
        app.diversity = round(min(1.0, max(0.0, app.diversity + delta)), 1)
        self.status_line()
        self.compute()

    def action_cycle_mode(self) -> None:
        app = movierec_app(self)
        if not app.model_ready:  # the picks are content-based until then, whatever the mode says
            app.notify(MODEL_LOADING, timeout=4, markup=False)
            return
        modes = app.engine.modes()  # the registry's: hybrid, then one per model that serves new users
        following = modes[(modes.index(app.mode) + 1) % len(modes)] if app.mode in modes else modes[0]
        if app.engine.reads_sequence(following) and not app.engine.has_model(following):
            # A mode whose model is not trained yet (the sequence model): trained first, with progress; the
            # picks (and the mode the header names) stay as they are until it is ready (app.train_done).
            if not app.train_state.running:
                app.notify(f"training {app.engine.mode_model_name(following)} for mode {following} (once; it is "
                           f"saved); the picks stay in mode {app.mode} until it is ready", timeout=8, markup=False)
            app.start_mode_training(following)
            return
        app.set_mode(following)
        self.status_line()
        self.compute()

    def action_cycle_genre(self) -> None:
        app = movierec_app(self)
        options = [None, *app.engine.genre_choices(app.profile)]
        current = options.index(app.genre) if app.genre in options else 0
        app.genre = options[(current + 1) % len(options)]
        self.status_line()
        self.compute()

    @on(Worker.StateChanged)
    def picks_failed(self, event: Worker.StateChanged) -> None:
        """Lists that failed are not coming: the status line stops saying they are computed (the app says why)."""
        if event.state == WorkerState.ERROR and event.worker.group == "picks":
            self._shown = self._asked
            self.status_line()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            movierec_app(self).open_movie(int(event.row_key.value))
