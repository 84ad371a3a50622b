"""A fresh-eyes tester's TUI defects: a refused profile name, the well-known films' match column, the
status line with nothing rated, the empty watchlist's layout, progress labels, picks' column widths."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.widgets.tables import FilmTable
from tests.tui.conftest import settle

pytestmark = pytest.mark.slow

RATED = ((1, 5.0), (2571, 4.5), (858, 4.0), (6377, 5.0))


def _rate_some(name: str = "default", rated=RATED) -> None:
    store = ProfileStore()
    for movie_id, stars in rated:
        store.rate(name, movie_id, stars)


def _said(app) -> list[str]:
    return [n.message for n in app._notifications]


def _count(screen) -> str:
    return str(screen.query_one("#count", Label).render())


async def test_a_refused_profile_name_keeps_the_open_profile_and_an_existing_name_says_it_switched(
        trained, app_factory):
    _rate_some()
    _rate_some("other", ((1, 3.0),))
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen) and _count(app.screen).startswith("4 ratings")
        await pilot.press("c", *"../evil", "enter")
        await settle(app, pilot)
        assert any("not a valid profile name" in said for said in _said(app))
        assert app.profile_name == "default" and len(app.profile.ratings) == 4
        assert _count(app.screen).startswith("4 ratings")
        assert "profile default" in app.sub_title
        await pilot.press("escape", "r")
        await settle(app, pilot)
        assert _count(app.screen).startswith("4 ratings")
        # The picks are still this profile's: none of them is a film already rated.
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        rated = {str(app.engine.index_of(m)) for m in app.profile.ratings}
        shown = {key for table in app.screen.query(FilmTable) for key, _ in table.film_rows}
        assert shown and not rated & shown
        assert "popular 100%" not in str(app.screen.query_one("#picks-status").render())
        await pilot.press("r")
        await settle(app, pilot)

        await pilot.press("c", *"other", "enter")
        await settle(app, pilot)
        assert app.profile_name == "other" and len(app.profile.ratings) == 1
        assert "switched to profile 'other' (1 rating)" in _said(app)
        await pilot.press("c", *"fresh", "enter")
        await settle(app, pilot)
        assert app.profile_name == "fresh" and "new profile 'fresh' (0 ratings)" in _said(app)
