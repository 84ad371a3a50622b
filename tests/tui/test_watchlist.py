"""The watchlist in the TUI: `w` on any film list, the marks, and the Watchlist screen (`l`)."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.movie import MovieScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.search import SearchScreen
from movierec.tui.screens.watchlist import WatchlistScreen
from movierec.tui.widgets.tables import WATCH_MARK, FilmTable
from tests.factories import RATED, rate_some
from tests.tui.conftest import settle

pytestmark = pytest.mark.slow

SHINING, ALIEN, AMELIE, SEVEN_SAMURAI = 1258, 1214, 4973, 2019
ELSEWHERE = 99_999_999  # a film of a newer release (imported from Letterboxd)


def _said(app) -> list[str]:
    return [n.message for n in app.told]


def _titles(table: FilmTable) -> list[str]:
    return [table.cell_text(r, "title") for r in range(table.row_count)]


async def test_w_adds_marks_and_removes_on_any_list_and_a_pick_stays_a_pick(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        # Search results: w adds the highlighted film, says so, writes it, marks it.
        await pilot.press("slash", *"shining", "enter")
        await settle(app, pilot)
        results = app.screen.query_one("#results", FilmTable)
        assert app.engine.film(results.current_index()).movie_id == SHINING
        await pilot.press("w")
        await settle(app, pilot)
        assert ProfileStore().load("default").on_watchlist(SHINING)
        assert "added to your watchlist: The Shining (1980)" in _said(app)
        assert results.cell_text(0, "title") == f"{WATCH_MARK} The Shining (1980)"
        assert not results.cell_text(1, "title").startswith(WATCH_MARK)
        assert app.screen.focused is results and results.cursor_row == 0
        # w again takes it off.
        await pilot.press("w")
        await settle(app, pilot)
        assert not ProfileStore().load("default").on_watchlist(SHINING)
        assert "removed from your watchlist: The Shining (1980)" in _said(app)
        assert results.cell_text(0, "title") == "The Shining (1980)"
        # On the picks: the film stays a pick, marked; the lists are not recomputed, no fine-tune starts.
        await pilot.press("escape", "escape")
        await pilot.press("p")
        await settle(app, pilot)
        picks = app.screen
        assert isinstance(picks, PicksScreen)
        top = picks.query_one("#list-0", FilmTable)
        before = _titles(top)
        await pilot.press("down", "w")
        await pilot.pause()
        assert app._finetune_timer is None
        await settle(app, pilot)
        assert _titles(top) == [f"{WATCH_MARK} {t}" if r == 1 else t for r, t in enumerate(before)]
        listed = app.engine.film(top.current_index()).movie_id
        assert top.cursor_row == 1 and ProfileStore().load("default").on_watchlist(listed)
        # Recomputed picks (another diversity) keep the film marked where it is listed.
        await pilot.press("plus")
        await settle(app, pilot)
        for table in app.screen.query(FilmTable):
            for key, cells in table.film_rows:
                assert cells[1].plain.startswith(WATCH_MARK) == (app.engine.film(int(key)).movie_id == listed)
        # The film screen: w on the film itself, and its "more like this" list.
        await pilot.press("p", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen)
        film = app.engine.film(app.screen.index).movie_id
        await pilot.press("w")
        await settle(app, pilot)
        assert ProfileStore().load("default").on_watchlist(film) != (film == listed)
        await pilot.press("tab")
        similar = app.screen.query_one("#similar", FilmTable)
        other = app.engine.film(similar.current_index()).movie_id
        was = ProfileStore().load("default").on_watchlist(other)
        await pilot.press("w")
        await settle(app, pilot)
        assert similar.cell_text(0, "title").startswith(WATCH_MARK) != was
        assert ProfileStore().load("default").on_watchlist(other) != was


async def test_the_watchlist_screen_ranks_rates_and_removes(trained, start_app):
    rate_some()
    store = ProfileStore()
    store.watch("default", ELSEWHERE, "Anora (2024)")
    for movie_id in (SHINING, ALIEN, AMELIE, SEVEN_SAMURAI, 1):  # Toy Story (1): rated, listed to see again
        store.watch("default", movie_id)
    async with start_app(size=(80, 24)) as (app, pilot):
        footer = app.screen.query_one(Footer)
        assert footer.virtual_size.width <= footer.size.width
        await pilot.press("l")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, WatchlistScreen)
        table = screen.query_one("#watchlist", FilmTable)
        assert screen.focused is table
        # In the order of the engine's one watchlist method, the film of another release last, said so.
        # In a thread, as the app asks: the engine refuses model work on the UI thread (where this test runs).
        expected = await asyncio.to_thread(app.engine.watchlist, app.profile, mode=app.mode)
        assert [k for k, _ in table.film_rows] == [str(r.index) for r in expected[:-1]] + [f"id:{ELSEWHERE}"]
        # Sorted by the predicted match shown in the list, the picks' score within one match.
        order = [(r.match, r.score) for r in expected[:-2]]
        assert None not in [v for pair in order for v in pair] and order == sorted(order, reverse=True)
        assert [table.cell_text(r, "match") for r in range(4)] == [f"{round(100 * m)}%" for m, _ in order]
        # Not a pick (rated): after the ranked films, unnumbered, and why; then the film of another release.
        assert [table.cell_text(r, "#") for r in range(6)] == ["1", "2", "3", "4", "", ""]
        assert table.cell_text(4, "title") == "Toy Story (1995)" and table.cell_text(4, "why") == "you rated it 5 stars"
        assert table.cell_text(5, "title") == "Anora (2024)" and table.cell_text(5, "why") == "not in ml-latest-small"
        assert "6 films · the best fit for you first" in str(screen.query_one("#watchlist-status").render())
        assert "· 1 not in ml-latest-small" in str(screen.query_one("#watchlist-status").render())
        footer = screen.query_one(Footer)
        assert footer.virtual_size.width <= footer.size.width
        # Rate the first: rated, off the watchlist (seen), gone from the list, and said so.
        first = app.engine.film(table.current_index())
        await pilot.press("4")
        await settle(app, pilot)
        profile = ProfileStore().load("default")
        assert profile.ratings[first.movie_id].stars == 4.0 and not profile.on_watchlist(first.movie_id)
        assert f"{first.title}: 4 stars · off your watchlist" in _said(app)
        assert table.row_count == 5 and str(first.index) not in [k for k, _ in table.film_rows]
        # w removes the highlighted film; on the film of another release too.
        second = app.engine.film(table.current_index())
        await pilot.press("w")
        await settle(app, pilot)
        assert not ProfileStore().load("default").on_watchlist(second.movie_id) and table.row_count == 4
        table.move_cursor(row=table.row_count - 1)
        assert table.current_index() is None
        await pilot.press("enter", "5")  # a film the dataset lacks: nothing to open or rate
        await settle(app, pilot)
        assert isinstance(app.screen, WatchlistScreen) and ELSEWHERE not in ProfileStore().load("default").ratings
        await pilot.press("w")
        await settle(app, pilot)
        assert "removed from your watchlist: Anora (2024)" in _said(app)
        assert set(ProfileStore().load("default").watchlist) == {int(app.engine.film(int(k)).movie_id)
                                                                 for k, _ in table.film_rows}
        assert table.row_count == 3
        # Enter opens a film; the palette lists the screen.
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen)
        assert "Watchlist" in {c.title for c in app.get_system_commands(app.screen)}


async def test_an_empty_watchlist_says_how_to_fill_it_and_l_is_text_in_a_box(trained, start_app):
    async with start_app(rated=RATED, size=(80, 24)) as (app, pilot):
        await pilot.press("slash", *"wall-e")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen) and app.screen.query_one("#query").value == "wall-e"
        assert "watchlist" not in [k.description for k in app.screen.query(FooterKey)]
        await pilot.press("escape", "l")
        await settle(app, pilot)
        assert isinstance(app.screen, WatchlistScreen)
        assert "Your watchlist is empty: w on any film list" in str(app.screen.query_one("#watchlist-status").render())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_an_empty_watchlist_keeps_the_status_line_at_the_bottom(trained, app_factory, size):
    from movierec.tui.screens.watchlist import WatchlistScreen
    from movierec.tui.widgets.status import ModelStatus

    rate_some(RATED[:4])
    ProfileStore().watch("default", 1258, "The Shining")
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, WatchlistScreen)
        bottom = app.size.height - 2  # the Footer's line is the last
        assert app.screen.query_one(ModelStatus).region.y == bottom
        await pilot.press("w")  # the only film off the list: empty
        await settle(app, pilot)
        assert not app.profile.watchlist and not app.screen.query_one(FilmTable).display
        assert "empty" in str(app.screen.query_one("#watchlist-status").render())
        assert app.screen.query_one(ModelStatus).region.y == bottom
