"""My ratings: sortable, edit with the rating keys, remove with x; switch or create profiles.

Films marked "not interested" are listed too (marked ✗ no): x (or n again) undoes the mark.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Select

from movierec.tui.handle import movierec_app
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.tables import Col, FilmTable, plural, safe, yours_text

SORTS = ("newest", "stars", "title")
COLUMNS = (Col("yours", 5), Col("title", 24, grow=3), Col("year", 4), Col("genres", 16, grow=2, hide=1, lines=2))


class RatingsTable(FilmTable):
    """My ratings' list: x is shown in the Footer here, where it undoes a rating or a "not interested"."""

    BINDINGS = [Binding("x,delete", "unrate", "remove", key_display="x")]


class RatingsScreen(MainScreen):
    # `s` sorts: `o` opens the well-known films here as everywhere (README, help). p works everywhere
    # (the app's binding) and is left out of this Footer, where x takes its room at 80 columns.
    BINDINGS = [Binding("s", "cycle_sort", "sort"), Binding("c", "new_profile", "new profile"),
                Binding("escape", "close_new_profile", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "newest"

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Horizontal(id="profile-bar"):
            yield Label("profile:")
            names = self._profile_names()
            yield Select([(n, n) for n in names], allow_blank=False, value=movierec_app(self).profile_name,
                         id="profile")
            yield Input(placeholder="new profile name, Enter", id="new-profile", classes="hidden")
            yield Label("", id="count")
        yield RatingsTable(id="ratings")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(FilmTable).set_columns(*COLUMNS)
        self.query_one(FilmTable).focus()

    def refresh_data(self) -> None:
        app = movierec_app(self)
        select = self.query_one("#profile", Select)
        names = self._profile_names()
        with self.prevent(Select.Changed):
            select.set_options([(n, n) for n in names])
            select.value = app.profile_name
        profile = app.profile
        rows = []  # (rating, dismissed, index, film)
        # A film this dataset lacks is kept in the profile, not shown here; one rated on a release of another
        # id space is shown when its title names one film here (the engine's mapping).
        films = app.engine.profile_films(profile)
        for entries, dismissed in zip(films, (False, True)):
            for index, rating in entries.items():
                rows.append((rating, dismissed, index, app.engine.film(index)))
        key = {"newest": lambda r: -r[0].time, "stars": lambda r: (r[1], -r[0].stars, r[3].title.lower()),
               "title": lambda r: r[3].title.lower()}[self.sort]
        rows.sort(key=key)
        titles = app.titles()
        table_rows = [(str(index), [yours_text(None if dismissed else rating.stars, dismissed),
                                    titles(index, film.title), str(film.year or ""),
                                    safe(", ".join(film.genres))])
                      for rating, dismissed, index, film in rows]
        self.query_one(FilmTable).set_rows(table_rows)
        # The rows counted as shown: one film rated on two releases is one row, and a film this release lacks
        # is counted apart (kept in the profile; switch dataset to see it).
        count = plural(len(films[0]), "rating")
        if films[1]:
            count += f" · {len(films[1])} not interested (x undoes)"
        missing = len(app.engine.profile_items(profile)[3])
        if missing:
            count += f" · {missing} not in this release"
        self.query_one("#count", Label).update(f"{count} · sorted by {self.sort}")

    def _profile_names(self) -> list[str]:
        return sorted(set(movierec_app(self).store.names()) | {movierec_app(self).profile_name})

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_data()

    def action_new_profile(self) -> None:
        box = self.query_one("#new-profile", Input)
        box.remove_class("hidden")
        box.focus()

    def action_close_new_profile(self) -> None:
        box = self.query_one("#new-profile", Input)
        box.value = ""
        box.add_class("hidden")
        self.query_one(FilmTable).focus()

    @on(Input.Submitted, "#new-profile")
    def create_profile(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        event.input.value = ""
        event.input.add_class("hidden")
        if name:
            movierec_app(self).switch_profile(name, create=True)
        self.query_one(FilmTable).focus()

    @on(Select.Changed, "#profile")
    def pick_profile(self, event: Select.Changed) -> None:
        if event.value != Select.NULL and event.value != movierec_app(self).profile_name:
            movierec_app(self).switch_profile(str(event.value))

    @on(DataTable.RowSelected)
    def open_film(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            movierec_app(self).open_movie(int(event.row_key.value))
