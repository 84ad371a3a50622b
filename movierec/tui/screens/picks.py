"""Picks: several diversified top-10 lists, as a person browses a streaming service."""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, Static

from movierec.tui.screens.base import MainScreen
from movierec.console import clean
from movierec.tui.widgets.tables import FilmTable, safe

MODES = ("hybrid", "ncf", "content")


class PicksScreen(MainScreen):
    BINDINGS = [
        Binding("plus,equals_sign", "diversity(0.1)", "more diverse"),
        Binding("minus", "diversity(-0.1)", "less diverse"),
        Binding("m", "cycle_mode", "model"),
        Binding("g", "cycle_genre", "genre"),
    ]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        yield Static("", id="picks-status", markup=False)
        yield VerticalScroll(id="lists")
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.compute()

    def status_line(self, mix: dict | None = None) -> None:
        app = self.app
        mode = app.mode if app.model_ready else "content (model loading)"
        text = (f"diversity {app.diversity:.1f} (+/-)   model {mode} (m)   genre {app.genre or 'any'} (g)")
        if mix:
            text += "   mix: " + ", ".join(f"{k} {v:.0%}" for k, v in mix.items() if v)
        self.query_one("#picks-status", Static).update(text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="picks")
    def compute(self) -> None:
        app = self.app
        worker = get_current_worker()
        # Until the model is loaded, content-based picks (no torch needed) fill the screen.
        mode = app.mode if app.model_ready else "content"
        lists = app.engine.browse(app.profile, diversity=app.diversity, mode=mode, genre=app.genre,
                                  should_stop=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            app.call_from_thread(self.show, lists)

    async def show(self, lists: list[dict]) -> None:
        container = self.query_one("#lists", VerticalScroll)
        focused_id = self.focused.id if self.focused is not None else None
        await container.remove_children()
        mix = None
        widgets = []
        for n, block in enumerate(lists):
            mix = mix or block.get("mix")
            widgets.append(Label(clean(block["title"]), classes="list-title", markup=False))
            table = FilmTable(id=f"list-{n}", classes="picks")
            wide = self.size.width >= 110
            title_width = 44 if wide else max(24, self.size.width // 2 - 4)
            table.add_column("#", width=2)
            table.add_column("title", width=title_width)
            if wide:
                table.add_column("genres", width=24)
            table.add_column("why")
            for rank, pick in enumerate(block["picks"], 1):
                cells = [str(rank), safe(pick.title)]
                if wide:
                    cells.append(safe(", ".join(pick.genres[:3])))
                table.add_row(*cells, safe(pick.reason, "italic"), key=str(pick.index))
            widgets.append(table)
        if not widgets:
            widgets.append(Static("Rate a few films first: / to search, o for well-known films.", markup=False))
        await container.mount_all(widgets)
        self.status_line(mix)
        self.app.first_screen_shown.set()  # the model may load now (see MovieRecApp.load)
        target = self.query(f"#{focused_id}") if focused_id else None
        if target:
            target.first().focus()
        elif self.query(FilmTable):
            self.query(FilmTable).first().focus()

    def action_diversity(self, delta: float) -> None:
        app = self.app
        app.diversity = round(min(1.0, max(0.0, app.diversity + delta)), 1)
        self.status_line()
        self.compute()

    def action_cycle_mode(self) -> None:
        app = self.app
        app.mode = MODES[(MODES.index(app.mode) + 1) % len(MODES)]
        self.status_line()
        self.compute()

    def action_cycle_genre(self) -> None:
        app = self.app
        options = [None, *app.engine.favourite_genres(app.profile, 6)]
        current = options.index(app.genre) if app.genre in options else 0
        app.genre = options[(current + 1) % len(options)]
        self.status_line()
        self.compute()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.open_movie(int(event.row_key.value))
