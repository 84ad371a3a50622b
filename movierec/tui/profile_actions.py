"""What the person does to their profile: rate, not interested, watchlist, switch profile, export; and what the
screens read of it (your stars, the watchlist marks, the match cells)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on
from textual.app import App

from movierec.engine import modes as mode_rules
from movierec.errors import MovieRecError
from movierec.tui.widgets.tables import FilmTable, match_text, plural, spoken_title, title_text, yours_text


class ProfileActions(App):
    """The profile's actions (a layer of :class:`movierec.tui.app.MovieRecApp`, which holds the engine, the store,
    the open profile and the mode, and says what a changed profile sets off in ``profile_changed``)."""

    engine: object
    store: object
    profile: object
    profile_name: str
    ready: bool
    model_ready: bool
    mode: str
    marks_version: int

    if TYPE_CHECKING:  # the app's (declared here for type checkers only: a stub would shadow the app's own)
        def profile_changed(self) -> None: ...
        def _set_sub_title(self) -> None: ...

    def dismissed(self) -> set[int]:
        """Catalogue indices of the films marked "not interested" in this dataset."""
        if not self.ready:
            return set()
        return set(self.engine.profile_films(self.profile)[1])

    def yours(self) -> Callable[[int], Text]:
        """index -> the "yours" cell: your stars or the not-interested mark."""
        rated, dismissed = self.rated_stars(), self.dismissed()
        return lambda index: yours_text(rated.get(index), index in dismissed)

    def watchlisted(self) -> set[int]:
        """Catalogue indices of the films on the current profile's watchlist in this dataset."""
        if not self.ready:
            return set()
        return set(self.engine.indexed(self.profile.watchlist))

    def titles(self) -> Callable[[int, str], Text]:
        """(index, title) -> the title cell: the watchlist mark in front of a film on your watchlist."""
        listed = self.watchlisted()
        return lambda index, title: title_text(title, index in listed)

    def matches(self, indices: list[int], compute: bool = False) -> list[Text]:
        """The "match" cells of these films for the current profile and mode (blank where there is none).
        ``compute=False`` (the UI thread): only from the scores of the profile's latest picks."""
        blank = [match_text(None)] * len(indices)
        if not self.ready:
            return blank
        mode = self.mode if self.model_ready else mode_rules.fallback(self.mode)
        try:
            values = self.engine.film_matches(self.profile, indices, mode, compute=compute)
        except MovieRecError:  # e.g. a sequence mode and no film liked yet: no match to show
            return blank
        return [match_text(v) for v in values]

    def rated_stars(self) -> dict[int, float]:
        """Catalogue index -> stars, for the films of the current profile in this dataset."""
        if not self.ready:
            return {}
        return {index: rating.stars for index, rating in self.engine.profile_films(self.profile)[0].items()}

    @on(FilmTable.RateRequested)
    def rate_film(self, event: FilmTable.RateRequested) -> None:
        if not self.ready:
            return
        film = self.engine.film(event.index)
        listed = event.index in self.watchlisted()
        where = self.engine.entry_args(event.index)  # the engine's mapping
        try:
            if event.stars is None:
                undo = event.index in self.dismissed()
                self.store.unrate(self.profile_name, film.movie_id, **where)
                self.profile = self.store.load(self.profile_name)
                said = spoken_title(film.title)
                self.notify(f"interested again: {said}" if undo else f"removed {said}",
                            markup=False, timeout=2)
            else:
                self.profile = self.store.rate(self.profile_name, film.movie_id, event.stars, film.title, **where)
                seen = " · off your watchlist" if listed else ""  # rating a film takes it off (the store's rule)
                self.notify(f"{spoken_title(film.title)}: {plural(event.stars, 'star')}{seen}", markup=False,
                            timeout=2)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.profile_changed()

    @on(FilmTable.DismissRequested)
    def dismiss_film(self, event: FilmTable.DismissRequested) -> None:
        """`n`: not interested; on a film already marked, the mark is taken back (a toggle)."""
        film = self.engine.film(event.index)
        undo = event.index in self.dismissed()
        where = self.engine.entry_args(event.index)
        try:
            if undo:
                self.store.unrate(self.profile_name, film.movie_id, **where)
                self.profile = self.store.load(self.profile_name)
            else:
                self.profile = self.store.not_interested(self.profile_name, film.movie_id, film.title, **where)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(f"{'interested again' if undo else 'not interested'}: {spoken_title(film.title)}", markup=False,
                    timeout=2)
        self.profile_changed()

    @on(FilmTable.WatchRequested)
    def toggle_watch(self, event: FilmTable.WatchRequested) -> None:
        """`w`: on the watchlist, or off it when it is there; written at once (the store is atomic)."""
        if not self.ready:
            return
        if event.index is not None:
            film = self.engine.film(event.index)
            movie_id, title, listed = film.movie_id, film.title, event.index in self.watchlisted()
            where = self.engine.entry_args(event.index)
        else:  # a watchlist film this release lacks, named by its entry's ref
            entry = next((e for e in self.profile.watchlist.values() if e.ref == event.ref), None)
            if entry is None:
                return
            movie_id, listed, where = entry.movie_id, True, {"space": entry.space}
            title = entry.title or f"movie id {entry.ref}"
        try:
            if listed:
                self.store.unwatch(self.profile_name, movie_id, **where)
                self.profile = self.store.load(self.profile_name)
                said = "removed from your watchlist"
            else:
                self.profile, _ = self.store.watch(self.profile_name, movie_id, title, **where)
                said = "added to your watchlist"
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.notify(f"{said}: {spoken_title(title)}", markup=False, timeout=3)
        # What the picks are fitted to is unchanged: no fine-tune, and the picks only re-mark their titles.
        self.marks_version += 1

    def switch_profile(self, name: str, create: bool = False) -> bool:
        """Open profile ``name`` (``create``: typed as a new one). A name the store refuses leaves the
        open profile loaded and shown as it was; a new profile's name that exists already opens that
        profile and says so. True when the profile was switched."""
        from movierec.store.profiles import Profile, check_name

        try:
            name = check_name(name)  # the store's one check (NFC: "e" + U+0301 is "é"), before anything changes
            exists = name in self.store.names()
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False
        if name == self.profile_name:
            if create:
                self.notify(f"profile {name!r} is open already ({plural(len(self.profile.ratings), 'rating')})",
                            markup=False, timeout=4)
            return False
        try:  # a new one is written now: with no rating yet it is still there after a restart
            profile = self.store.create(name)[0] if create else self.store.load(name)
        except MovieRecError as exc:  # damaged: moved aside, its valid entries kept (as at start-up)
            self.notify(str(exc), severity="warning", timeout=12, markup=False)
            try:
                profile = self.store.load(name)
            except MovieRecError:
                profile = Profile(name)
        self.profile_name, self.profile = name, profile
        if create:
            said = "switched to profile" if exists else "new profile"
            self.notify(f"{said} {name!r} ({plural(len(profile.ratings), 'rating')})", markup=False, timeout=4)
        self._set_sub_title()
        self.profile_changed()
        return True

    def action_export_profile(self) -> None:
        from movierec import paths

        target = paths.data_dir() / "exports" / f"{self.profile_name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        try:
            self.store.export(self.profile_name, target)
        except MovieRecError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        from movierec.tui.widgets.toast import path_lines, toast_text_width

        lines = path_lines(target, toast_text_width(self.size.width))  # cut between folders, not mid-name
        self.notify("profile exported to\n" + "\n".join(lines), markup=False, timeout=8)
