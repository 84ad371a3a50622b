"""The TUI on a release of another movie id space reads the profile through the engine's mapping:
ratings made on the "movielens" release show on ml-100k as the same films (by title), a new rating is
stored in the ml-100k space, and `w` on a watchlist film that release lacks takes that entry off."""

from __future__ import annotations

import pytest

from movierec.data.movielens import ML100K_SPACE, MOVIELENS_SPACE
from movierec.store.profiles import ProfileStore
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.watchlist import WatchlistScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import write_100k
from tests.tui.conftest import settle
from tests.factories import SPACE_FILMS as FILMS, space_release as _release


@pytest.fixture
def ml100k(tmp_path):
    return write_100k(tmp_path / "ml-100k-same", _release(1))


async def test_the_tui_shows_a_movielens_profile_on_ml100k_by_title(ml100k, app_factory):
    store = ProfileStore()
    store.rate("default", FILMS["Toy Story (1995)"][0], 5, "Toy Story (1995)")  # ml-100k's 1 is Heat
    store.rate("default", FILMS["Jumanji (1995)"][0], 2, "Jumanji (1995)")
    store.rate("default", FILMS["Only In Latest (2001)"][0], 4, "Only In Latest (2001)")  # ml-100k lacks it
    store.watch("default", FILMS["Only In Latest (2001)"][0], "Only In Latest (2001)")  # listed again since
    app = app_factory(dataset=str(ml100k))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        cat = app.engine.dataset.catalog
        assert {cat.titles[i]: s for i, s in app.rated_stars().items()} == {"Toy Story (1995)": 5.0,
                                                                           "Jumanji (1995)": 2.0}
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen)
        table = app.screen.query_one(FilmTable)
        assert sorted(cat.titles[int(k)] for k, _ in table.film_rows) == ["Jumanji (1995)", "Toy Story (1995)"]
        # Counted as shown, the one this release lacks apart (fresh-eyes report: "3 ratings" over 2 rows).
        assert str(app.screen.query_one("#count").render()).startswith("2 ratings · 1 not in this release ·")
        heat = app.engine.find_title("Heat (1995)")
        table.post_message(FilmTable.RateRequested(table, heat, 4.0))  # a film of this release, rated here
        await settle(app, pilot)
        saved = {(r.title, r.space) for r in ProfileStore().load("default").ratings.values()}
        assert saved == {("Toy Story (1995)", MOVIELENS_SPACE), ("Jumanji (1995)", MOVIELENS_SPACE),
                         ("Only In Latest (2001)", MOVIELENS_SPACE), ("Heat (1995)", ML100K_SPACE)}
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, WatchlistScreen)
        table = app.screen.query_one(FilmTable)
        assert [k for k, _ in table.film_rows] == [f"id:{FILMS['Only In Latest (2001)'][0]}"]
        table.focus()
        await pilot.press("w")
        await settle(app, pilot)
        assert ProfileStore().load("default").watchlist == {}
