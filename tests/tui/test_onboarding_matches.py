"""The well-known films (onboarding) list their titles at once and fill the match column from one background
worker, for the newest rows, as the search screen does (issue 24, item 7, a follow-up)."""

from __future__ import annotations

import threading

import pytest

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.widgets.tables import FilmTable
from tests.tui.conftest import settle, wait_for

pytestmark = pytest.mark.slow

RATED = ((1, 5.0), (2571, 4.5), (858, 4.0), (6377, 5.0))


def _waiting(screen) -> bool:
    """A match request waits for the running worker (False on code without one worker)."""
    column = getattr(screen, "match_column", None)
    return column is not None and column.waiting


async def test_well_known_films_show_at_once_and_one_worker_computes_their_match(trained, app_factory, monkeypatch):
    """Each time the model's scores changed (a model loaded, a fine-tune ended) the screen started another
    match worker (``exclusive`` cancels the old one's flag, not its fold-in): two computations of the same
    column ran at once, each seconds long the first time. Now one worker computes, for the newest rows: a
    second request waits for it. The match computation is held here until the test lets it go; the films are
    listed meanwhile, and the column fills when it is let go."""
    from movierec.engine import Engine

    store = ProfileStore()
    for movie_id, stars in RATED:
        store.rate("default", movie_id, stars)
    gate, armed = threading.Event(), threading.Event()
    lock = threading.Lock()
    flight = {"now": 0, "most": 0, "entered": 0}
    film_matches = Engine.film_matches

    def held_matches(self, profile, indices, mode="hybrid", compute=False, seed=0):
        if not (compute and armed.is_set()):
            return film_matches(self, profile, indices, mode, compute, seed)
        with lock:
            flight["now"] += 1
            flight["entered"] += 1
            flight["most"] = max(flight["most"], flight["now"])
        try:
            gate.wait(300)  # longer than wait_for's bound; the finally below lets it go
            return film_matches(self, profile, indices, mode, compute, seed)
        finally:
            with lock:
                flight["now"] -= 1

    monkeypatch.setattr(Engine, "film_matches", held_matches)
    app = app_factory()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert app.model_ready
            await pilot.press("o")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, OnboardingScreen)
            table = screen.query_one(FilmTable)
            armed.set()
            app.scores_changed()  # a model loaded: the match column is computed again ...
            await wait_for(pilot, lambda: flight["entered"] == 1, "the match computation started")
            app.scores_changed()  # ... and a fine-tune ended meanwhile
            # Unchanged code: a second worker enters the computation. Fixed: the request waits for the worker.
            await wait_for(pilot, lambda: flight["entered"] == 2 or _waiting(screen), "the second request taken")
            assert len(table.film_rows) == 40  # the films are listed while their match is computed
            assert flight["most"] == 1, "two computations of the match column ran at once"
            gate.set()
            await settle(app, pilot)
            assert flight["most"] == 1 and flight["entered"] == 2  # the waiting request, computed after
            assert any(table.cell_text(r, "match").endswith("%") for r in range(len(table.film_rows)))
    finally:
        gate.set()


async def test_well_known_films_fill_their_match_column_once_the_fine_tune_ends(trained, start_app, monkeypatch):
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 0.05)
    async with start_app() as (app, pilot):
        assert isinstance(app.screen, OnboardingScreen)
        table = app.screen.query_one(FilmTable)
        assert not any(table.cell_text(r, "match") for r in range(table.row_count))  # nothing rated: no match
        await pilot.press("5", "4", "5")
        # The fine-tune's timer, then its worker (on a busy machine the timer can fire after workers were idle).
        await wait_for(pilot, lambda: len(app.profile.ratings) == 3 and not app.foldin_waiting()
                       and app.foldin_state.last is not None, "the fine-tune of three ratings")
        await settle(app, pilot)  # then the matches' worker
        assert len(app.profile.ratings) == 3 and app.foldin_state.last is not None and app.foldin_state.last.fitted
        matches = [table.cell_text(r, "match") for r in range(table.row_count)]
        assert all(not m for m in matches[:3])  # the films rated: your stars instead
        assert sum(m.endswith("%") for m in matches[3:]) >= table.row_count - 5
