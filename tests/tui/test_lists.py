"""Film lists: the keys that move on them, a list refreshed under the cursor, key bursts against every screen,
"More like this" and the picks' layout (issue 24, items 1, 2, 8, 9, 14, 15)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Label

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.movie import MovieScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, SHREK, rate_some
from tests.tui.conftest import burst, fuzz_bursts, quit_app, settle, wait_for

pytestmark = pytest.mark.slow


def _movie_id(app, index: int) -> int:
    return app.engine.film(index).movie_id


async def test_home_end_and_pages_move_on_the_picks_list(trained, start_app, monkeypatch):
    """Issue 24.1: `p`, Down x9, Up x3, Home, Down, `5` rated the 8th pick (Home did nothing)."""
    # No fine-tune of the new rating 1.5 s later: its new picks replaced the list under the keys below (failed
    # once in the full suite on a busy machine, the cursor read from the replaced list).
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 600.0)
    async with start_app(rated=RATED) as (app, pilot):
        assert isinstance(app.screen, PicksScreen)
        top = app.screen.query_one("#list-0", FilmTable)
        second = top.film_rows[1][0]
        await pilot.press("p", *["down"] * 9, *["up"] * 3, "home", "down", "5")
        await settle(app, pilot)
        rated = {mid for mid, r in app.profile.ratings.items()} - {mid for mid, _ in RATED}
        assert rated == {_movie_id(app, int(second))}, "5 rated another film than the 2nd pick"
        top = app.screen.query_one("#list-0", FilmTable)
        assert app.screen.focused is top
        await pilot.press("end")
        assert top.cursor_row == top.row_count - 1
        await pilot.press("home")
        assert top.cursor_row == 0
        await pilot.press("pagedown")
        assert 0 < top.cursor_row <= top.row_count - 1
        down = top.cursor_row
        await pilot.press("pagedown")
        assert top.cursor_row >= down
        await pilot.press("pageup")
        assert top.cursor_row < top.row_count - 1 or top.row_count <= down + 1
        await pilot.press("home", "pageup")
        assert top.cursor_row == 0
        await pilot.press("end", "pagedown")
        assert top.cursor_row == top.row_count - 1


async def test_home_and_end_on_every_film_list(trained, start_app):
    """Issue 24.1: every film list (search results, ratings, watchlist, well-known films, more like this)."""
    rate_some()
    store = ProfileStore()
    for movie_id in (3114, 1258, 1214, 4973, 2019):
        store.watch("default", movie_id)
    async with start_app(size=(80, 24)) as (app, pilot):
        openers = {"search results": ("slash", *"alien", "down"), "ratings": ("r",), "watchlist": ("l",),
                   "well-known films": ("o",), "more like this": ("p", "enter", "tab")}
        for where, keys in openers.items():
            await pilot.press(*keys)
            await settle(app, pilot)
            table = app.screen.focused
            assert isinstance(table, FilmTable), where
            assert table.row_count > 2, where
            await pilot.press("end")
            assert table.cursor_row == table.row_count - 1, where
            await pilot.press("home")
            assert table.cursor_row == 0, where
            await pilot.press("pagedown")
            assert table.cursor_row > 0, where
            await pilot.press("pageup")
            assert table.cursor_row == 0, where
            if isinstance(app.screen, MovieScreen):
                await pilot.press("escape")
                await settle(app, pilot)


async def test_enter_and_escape_at_once_on_a_film_list(trained, start_app):
    """Issue 24.2: `p`, then Enter Escape x3 sent at once ended the app: NoMatches 'FilmTable' on MovieScreen."""
    async with start_app(rated=RATED) as (app, pilot):
        burst(app, ["p", *["enter", "escape"] * 3])
        await settle(app, pilot)
        assert app.is_running
        await quit_app(app, pilot)
    assert app.return_code == 0


#: What a burst is drawn from: every key a screen or list binds, moves, text and Enter/Escape/Tab (not q, which
#: ends the run, nor ctrl+p: the palette is opened in the tests of its own).
FUZZ_KEYS = (*"rptolsfcgnxwm12345!@#$%", "question_mark", "plus", "minus", "slash", "enter", "escape", "tab", "up",
             "down", "home", "end", "pageup", "pagedown", "a", "e", "space", "backspace", "delete")
async def test_bursts_of_random_keys_against_every_screen(trained, start_app):
    """Issue 24.2: keys delivered at once (a fast typist, tmux send-keys, a key held down) against every screen
    end no screen with an exception; the app then quits with status 0. Seeded: a failure replays."""
    async with start_app(rated=RATED, size=(80, 24)) as (app, pilot):
        await fuzz_bursts(app, pilot, random.Random(24), FUZZ_KEYS, rounds=2, per_burst=25)
        await quit_app(app, pilot)
    assert app.return_code == 0


async def test_escape_from_more_like_this_goes_back_to_the_film_you_came_from(trained, start_app):
    """Issue 24.14: Esc from a film opened through "More like this" skipped back past the film it came from,
    and the Footer under the film window listed the picks' keys (+/- diversity, m model, g genre)."""
    async with start_app(rated=RATED, size=(80, 24)) as (app, pilot):
        assert isinstance(app.screen, PicksScreen)
        first = app.screen.focused.current_index()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen) and app.screen.index == first
        shown = app.export_screenshot()
        assert "diversity" not in shown and "m&#160;model" not in shown  # the picks' keys
        assert "close" in shown and "not&#160;interested" in shown  # the film window's
        await pilot.press("tab", "down", "enter")
        await settle(app, pilot)
        second = app.screen.index
        assert isinstance(app.screen, MovieScreen) and second != first
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen) and app.screen.index not in (first, second)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen) and app.screen.index == second
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen) and app.screen.index == first
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)


async def test_a_list_refreshed_under_the_cursor_keeps_its_film(trained, start_app):
    """Issue 24.8: the picks were replaced under the cursor (a model finished loading): the highlighted film
    changed without a key. The cursor stays on its film, or at its rank when the film left the list; the same
    in every list (here: my ratings, re-sorted by a new rating)."""
    from movierec.tui.screens.ratings import RatingsScreen

    async with start_app(rated=RATED) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        await pilot.press("tab", "down", "down", "down")  # the second list, its 4th pick
        table = screen.focused
        assert table.id == "list-1" and table.cursor_row == 3
        film = table.current_key()
        lists = list(screen.lists)
        picks = list(lists[1].picks)
        picks.insert(6, picks.pop(3))
        lists[1] = replace(lists[1], picks=picks)
        await screen.show(lists)  # as the worker's call does when the model has loaded
        await pilot.pause()
        table = screen.focused
        assert table.id == "list-1" and table.current_key() == film and table.cursor_row == 6
        lists[1] = replace(lists[1], picks=[p for p in picks if str(p.index) != film])
        await screen.show(lists)
        await pilot.pause()
        table = screen.focused
        assert table.id == "list-1" and table.cursor_row == 6 and table.current_key() != film

        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen)
        table = app.screen.focused
        await pilot.press("down", "down")
        film = table.current_key()
        app.profile = app.store.rate(app.profile_name, 32, 4.0)  # rated elsewhere: the newest first
        app.profile_changed()
        await settle(app, pilot)
        assert table.current_key() == film and table.cursor_row == 3


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_top_picks_show_without_scrolling_and_the_page_has_one_scrollbar(trained, app_factory, size):
    """Issue 24.9: 5-6 of the 10 top picks showed at 120x40 (3-4 at 80x24): each list scrolled inside the
    scrolling page (two scrollbars). Lists are as tall as their rows; the page alone scrolls."""
    rate_some()
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        page = screen.query_one("#lists")
        tables = list(screen.query(FilmTable))
        assert len(tables) > 1 and tables[0].row_count == 10
        for table in tables:
            assert table.max_scroll_y == 0, f"{table.id} scrolls inside the page"
            rows = sum(row.height for row in table.ordered_rows)
            assert table.size.height == table.header_height + rows, table.id
        assert page.max_scroll_y > 0  # the page scrolls: the other lists are below
        view, top = page.content_region, tables[0].region
        if size == (120, 40):
            assert view.y <= top.y and top.bottom <= view.bottom, "the ten top picks need scrolling"
        # Down to the last top pick, then End/Home on the next list: the page follows the cursor.
        await pilot.press(*["down"] * 9)
        await pilot.pause()
        await wait_for(pilot, lambda: _row_in_view(tables[0], page), "the 10th pick in view")
        await pilot.press("tab", "end")
        await wait_for(pilot, lambda: _row_in_view(tables[1], page), "the next list's last pick in view")
        await pilot.press("home")
        await wait_for(pilot, lambda: _row_in_view(tables[1], page), "the next list's first pick in view")
        title = page.children[page.children.index(tables[1]) - 1]
        await wait_for(pilot, lambda: title.region.y >= page.content_region.y, "the list's title in view")


def _row_in_view(table: FilmTable, page) -> bool:
    """The cursor's row is within what the page shows."""
    row = table._get_row_region(table.cursor_row)
    y = table.region.y + row.y
    return page.content_region.y <= y and y + row.height <= page.content_region.bottom


@pytest.mark.parametrize("key", ["o", "ctrl+p"])
async def test_a_slow_screen_says_at_once_that_its_key_was_taken(trained, app_factory, monkeypatch, key):
    """Issue 24.15: the palette (~3 s) and `o` (4-5 s under load) showed nothing until they were open. A sign is
    shown (its notification handled: run_test mounts no toasts) before the new screen is built."""
    from textual.command import CommandPalette

    from movierec.tui.screens.onboarding import OnboardingScreen

    rate_some()
    app = app_factory()
    seen: list[tuple[list[str], list[str]]] = []  # when the new screen is built: notifications shown, told
    built = CommandPalette.compose if key == "ctrl+p" else OnboardingScreen.compose

    def compose(screen):
        seen.append(([n.message for n in app._notifications], [n.message for n in app.told]))
        return built(screen)

    monkeypatch.setattr(CommandPalette if key == "ctrl+p" else OnboardingScreen, "compose", compose)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        app.told.clear()
        await pilot.press(key)
        await wait_for(pilot, lambda: bool(seen), "the screen built")
        await settle(app, pilot)
        shown, told = seen[0]
        assert any(m.startswith("opening ") for m in told), told
        assert any(m.startswith("opening ") for m in shown), "the sign was not shown before the screen was built"
        assert isinstance(app.screen, CommandPalette if key == "ctrl+p" else OnboardingScreen)


async def test_the_help_window_shows_its_own_keys(trained, start_app):
    """The footer under the help window listed the picks' keys (1-5 rate, m model, ...), which do nothing there
    (fresh-eyes report; the film window's was fixed for issue 24.14)."""
    from movierec.tui.screens.help import HelpScreen

    async with start_app(rated=RATED, size=(80, 24)) as (app, pilot):
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        shown = app.export_screenshot()
        assert "diversity" not in shown and "m&#160;model" not in shown and "not&#160;interested" not in shown
        assert "close" in shown


async def test_every_picks_list_uses_the_same_column_widths(trained, start_app):
    from movierec.tui.screens.picks import PicksScreen as Picks

    rate_some()  # RATED: four films and Amadeus (1197, 3.5)
    async with start_app() as (app, pilot):
        assert isinstance(app.screen, Picks)
        tables = list(app.screen.query(FilmTable))
        assert len(tables) >= 3
        widths = {tuple((str(c.label), c.width) for c in table.columns.values()) for table in tables}
        assert len(widths) == 1, widths
        await pilot.press("w")  # a watchlist mark widens a title: the lists still share their widths
        await settle(app, pilot)
        widths = {tuple((str(c.label), c.width) for c in table.columns.values()) for table in app.screen.query(FilmTable)}
        assert len(widths) == 1, widths


async def test_picks_open_on_the_first_list_title_with_its_first_row_focused(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        lists = screen.query_one("#lists", VerticalScroll)
        assert lists.scroll_y == 0
        title = screen.query(".list-title").first(Label)
        assert str(title.render()) == "Top picks for you"
        assert "Top&#160;picks&#160;for&#160;you" in app.export_screenshot()  # on screen, not scrolled away
        first = screen.query_one("#list-0", FilmTable)
        assert screen.focused is first and first.cursor_row == 0


async def test_genre_cells_end_in_an_ellipsis_when_cut_and_lists_show_whole_rows(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        for table in app.screen.query(FilmTable):  # picks: no row is cut by the bottom of its list
            heights = [row.height for row in table.ordered_rows]
            inside = table.size.height - table.header_height
            shown = 0
            for height in heights:
                if shown + height > inside:
                    break
                shown += height
            assert shown == inside or shown == sum(heights), (table.id, heights, table.size.height)
        await pilot.press("slash", *"shrek")
        await settle(app, pilot)
        for size in ((120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(app, pilot)
            results = app.screen.query_one(FilmTable)
            labels = [c.label.plain for c in results.columns.values()]
            assert "genres" in labels
            col = labels.index("genres")
            width = list(results.columns.values())[col].width
            for key in results.rows:
                cell = results.get_row(key)[col]
                lines = cell.wrap(app.console, width)
                assert results.rows[key].height >= len(lines)  # what is shown is shown whole
                full = ", ".join(app.engine.film(int(key.value)).genres)
                if cell.plain != full:  # a shortened genre list says so
                    assert cell.plain.endswith("…") and len(lines) <= 2, (cell.plain, full)
            shrek = results.get_row(str(app.engine.index_of(SHREK)))[col].plain
            assert shrek.endswith("…") if size == (80, 24) else shrek.count(",") == 5, shrek


async def test_enter_on_the_well_known_films_opens_the_film(trained, start_app):
    """Issue 24 (fresh eyes, 3): Enter on the well-known films (`o`) opened nothing, as it does on every other film
    list: the table's own Enter binding (select the row) took the key before the screen's, and the screen did not
    answer the row's selection."""
    async with start_app() as (app, pilot):
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "OnboardingScreen"
                       and app.screen.query_one(FilmTable).row_count > 0, "the well-known films")
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MovieScreen), "the film window")
        assert app.screen.index == app.screen_stack[-2].query_one(FilmTable).current_index()
        await quit_app(app, pilot)
    assert app.return_code == 0
