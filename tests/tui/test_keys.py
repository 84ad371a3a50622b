"""Typing is safe, `/` always leads to the search box, and the keys shown work where they are shown.

Issue 12: after Enter in the search box, `/` did not return to the box, so a next query typed as
one-key commands changed ratings ("shining" marked a film not interested), opened screens, quit.
"""

from __future__ import annotations

import asyncio
import string

import pytest
from textual.command import CommandInput, CommandPalette
from textual.widgets import Input

from movierec.data.titles import spoken_title
from movierec.store.profiles import ProfileStore
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.help import HelpScreen
from movierec.tui.screens.movie import MovieScreen
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.search import SearchScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, rate_some
from tests.tui.conftest import settle, wait_for, wait_ready

pytestmark = pytest.mark.slow

WORDS = ("shining", "notting hill", "quit", "q", "toy stroy")


def _stack(app) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def _type(pilot, text: str) -> None:
    await pilot.press(*[" " if c == " " else c for c in text])


async def test_slash_then_a_word_lands_in_the_search_box_from_every_screen_and_focus(trained, start_app):
    before = rate_some()
    async with start_app() as (app, pilot):
        openers = {
            "picks (a list focused)": ("p",),
            "search results after Enter": ("slash", *"alien", "enter"),
            "search results after Down": ("slash", *"alien", "down"),
            "the film modal": ("slash", *"alien", "enter", "enter"),
            "my ratings": ("r",),
            "well-known films": ("o",),
            "fine-tune": ("t",),
            "help": ("question_mark",),
            "the genre filter": ("slash", "tab"),
        }
        for where, keys in openers.items():
            await pilot.press(*keys)
            await settle(app, pilot)
            await pilot.press("slash")
            for word in ("shining", "notting hill"):
                box = app.screen.query_one("#query", Input)
                box.value = ""
                await _type(pilot, word)
                assert isinstance(app.screen, SearchScreen), where
                assert app.screen.focused is box, where
                assert box.value == word, where
            await settle(app, pilot)
            assert app.is_running
            assert ProfileStore().path("default").read_bytes() == before, where
            app.screen.query_one("#query", Input).value = ""
            await pilot.press("escape")  # back where search was opened from
            await settle(app, pilot)


async def test_down_and_enter_go_to_the_results_and_escape_walks_back(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        assert isinstance(app.screen, PicksScreen)
        await pilot.press("slash", *"godfater")
        await settle(app, pilot)
        screen = app.screen
        results = screen.query_one("#results", FilmTable)
        await pilot.press("down")
        assert screen.focused is results and results.cursor_row == 0
        await pilot.press("escape")
        assert screen.focused is screen.query_one("#query")
        await pilot.press("enter")
        assert screen.focused is results
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        # The year box: Enter moves on to the results too.
        await pilot.press("slash", "tab", "tab", *"1972", "enter")
        await settle(app, pilot)
        assert app.screen.focused is app.screen.query_one("#results")
        assert app.engine.film(app.screen.query_one("#results", FilmTable).current_index()).year == 1972


async def test_every_printable_character_in_every_text_box_changes_nothing_else(trained, app_factory):
    before = rate_some()
    app = app_factory()
    characters = [c for c in string.printable if c not in "\t\n\r\x0b\x0c"]
    assert len(characters) == 95
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)

        async def type_everything(box: Input, stack: list[str]) -> None:
            # In chunks that end at "/": in the year box `/` goes to the search box, as it does everywhere.
            chunks = "".join(characters).replace("/", "/\0").split("\0")
            for text in [*chunks, *WORDS]:
                box.focus()
                await _type(pilot, text)
                assert app.is_running, text
                assert _stack(app) == stack, (text, _stack(app))
                assert ProfileStore().path("default").read_bytes() == before, text
            box.value = ""

        # Search: the query box and the year box.
        await pilot.press("slash")
        await settle(app, pilot)
        for box_id in ("#query", "#years"):
            await type_everything(app.screen.query_one(box_id, Input), _stack(app))
        # My ratings: the new-profile box.
        await app.action_show_ratings()
        await settle(app, pilot)
        await pilot.press("c")
        box = app.screen.query_one("#new-profile", Input)
        await type_everything(box, _stack(app))
        await pilot.press("escape")
        # The command palette (one widget whichever screen opens it).
        for mode in ("picks", "search"):
            app.switch_mode(mode)
            await settle(app, pilot)
            await pilot.press("ctrl+p")
            await settle(app, pilot)
            assert isinstance(app.screen, CommandPalette)
            await type_everything(app.screen.query_one(CommandInput), _stack(app))
            await pilot.press("escape")
            await settle(app, pilot)
        await settle(app, pilot)
        assert app.is_running
    assert ProfileStore().path("default").read_bytes() == before
    assert ProfileStore().names() == ["default"]


async def test_picks_open_with_the_first_list_focused_and_the_rating_keys_work(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        first = screen.query_one("#list-0", FilmTable)
        # Focused; its cursor on the film first highlighted, which the model's picks may have moved down since
        # (issue 24.8: a refreshed list keeps the highlighted film).
        assert screen.focused is first and first.current_index() is not None
        keys = {b.key for (_, b, _, _) in screen.active_bindings.values() if b.show}
        assert {"1", "n", "plus", "m", "g"} <= keys
        film = first.current_index()
        await pilot.press("5")
        await settle(app, pilot)
        assert app.profile.ratings[app.engine.film(film).movie_id].stars == 5.0
        assert app.screen.focused is app.screen.query_one("#list-0")
        assert app.screen.query_one("#list-0", FilmTable).row_count == 10


async def test_footer_fits_80_columns_and_your_stars_show_in_every_film_list(trained, start_app):
    from textual.widgets import Footer

    async with start_app(rated=RATED, size=(80, 24)) as (app, pilot):
        for keys, expect in ((("p",), PicksScreen), (("o",), OnboardingScreen), (("r",), RatingsScreen),
                             (("t",), FineTuneScreen), (("slash", *"alien"), SearchScreen),
                             (("slash", *"alien", "enter", "enter"), MovieScreen)):
            await pilot.press(*keys)
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, expect)
            footers = list(app.screen_stack[-2 if expect is MovieScreen else -1].query(Footer))
            for footer in footers:
                assert footer.virtual_size.width <= footer.size.width, (expect.__name__, footer.virtual_size)
            for table in screen.query(FilmTable):
                if not isinstance(screen, PicksScreen):  # picks never list films you rated
                    assert "yours" in [c.label.plain for c in table.columns.values()], expect.__name__
                assert table.size.width <= 80
            await pilot.press("escape")
            await settle(app, pilot)


def _uncut(table: FilmTable) -> None:
    """Every cell's row is as tall as its text wrapped to the column's width: no text is cut (a genre
    list too long for its two lines is shortened and ends in "…", nothing else is)."""
    labels = [c.label.plain for c in table.columns.values()]
    widths = [c.width for c in table.columns.values()]
    for key, cells in table.film_rows:
        height = table.rows[key].height
        full = {spec.label: cell.plain for spec, cell in zip(table.specs, cells)}
        for label, width, cell in zip(labels, widths, table.get_row(key)):
            lines = len(cell.wrap(table.app.console, width))
            assert height >= lines, (label, cell.plain, width, height)
            if cell.plain != full[label]:
                assert label == "genres" and cell.plain.endswith("…") and lines <= 2, (label, cell.plain)


async def test_nothing_that_names_a_film_is_cut_and_reasons_are_the_cli_reasons(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        for table in screen.query(FilmTable):
            assert [c.label.plain for c in table.columns.values()] == ["#", "title", "match", "genres", "why"]
            _uncut(table)
        # The reasons of the top list are `recommend --json`'s reasons, word for word.
        # In a thread, as the app asks: the engine refuses model work on the UI thread (where this test runs).
        expected = await asyncio.to_thread(app.engine.recommend, app.profile, diversity=app.diversity, mode=app.mode)
        top = screen.query_one("#list-0", FilmTable)
        assert [top.cell_text(r, "why") for r in range(top.row_count)] == [p.reason for p in expected.picks]
        # The titles in the one form every screen and sentence uses (JSON keeps the catalogue's form).
        assert [top.cell_text(r, "title") for r in range(top.row_count)] == [spoken_title(p.title)
                                                                             for p in expected.picks]
        # Each pick's match is the one `recommend` gives (a whole percent), and every pick has one.
        assert [top.cell_text(r, "match") for r in range(top.row_count)] == [
            f"{round(100 * p.match)}%" for p in expected.picks]
        await pilot.press("slash", *"star wars")
        await settle(app, pilot)
        results = app.screen.query_one(FilmTable)
        assert "genres" in [c.label.plain for c in results.columns.values()]
        _uncut(results)
        assert all(results.cell_text(r, "match").endswith("%") for r in range(results.row_count)
                   if results.cell_text(r, "yours") == "")  # every film you have not rated has a match
        # Columns follow a resize: they share what is there; narrower still, the optional ones go first
        # (the match stays: at 80 columns the mean rating gives way to it).
        for width, hidden in ((80, {"mean"}), (60, {"mean", "ratings", "genres"})):
            await pilot.resize_terminal(width, 24)
            await settle(app, pilot)
            labels = [c.label.plain for c in results.columns.values()]
            assert set(labels) == {"title", "year", "genres", "mean", "ratings", "match", "yours"} - hidden, labels
            assert sum(c.width + 2 for c in results.columns.values()) <= width - 2
            _uncut(results)


async def test_your_genres_get_lists_and_g_offers_every_genre(trained, start_app):
    store = ProfileStore()
    for movie_id, stars in ((1, 3.0), (2571, 4.0), (1258, 5.0), (1200, 5.0), (1214, 4.5)):
        store.rate("default", movie_id, stars)  # Toy Story, The Matrix, The Shining, Aliens, Alien
    async with start_app() as (app, pilot):
        screen = app.screen
        titles = [str(label.render()) for label in screen.query(".list-title")]
        favourites = app.engine.favourite_genres(app.profile)
        assert "Horror" in favourites and "Children" not in favourites  # Toy Story at 3 stars is not "high"
        assert [t for t in titles if t.endswith(" for you") and t != "Top picks for you"] == [
            f"{g} for you" for g in favourites]
        assert "Because you rated Alien (1979)" in titles  # the latest high rating
        assert "Because you rated The Shining (1980)" in titles  # spoken: the article in front
        # Down the lists and back: p on the picks screen returns to the top list's first pick.
        await pilot.press("tab", "tab", "down", "down")
        await pilot.pause()
        assert app.focused is not None and app.focused.id != "list-0"
        await pilot.press("p")
        await pilot.pause()
        lists = screen.query_one("#lists")
        assert app.focused.id == "list-0" and app.focused.cursor_row == 0 and lists.scroll_y == 0
        choices = app.engine.genre_choices(app.profile)
        assert choices[: len(favourites)] == favourites and "Horror" in choices and "Documentary" in choices
        seen = set()
        for _ in range(len(choices) + 1):
            await pilot.press("g")
            seen.add(app.genre)
        await settle(app, pilot)
        assert seen == {None, *choices}


async def test_labels_say_what_is_true(home, app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        # Ready (dataset and profile loaded) comes before the first screen is mounted on a busy machine.
        await wait_for(pilot, lambda: bool(app.screen.query("#status-text")), "the first screen's status line")
        status = str(app.screen.query_one("#status-text").render())
        assert "epoch 0/" not in status and "loss 0.000" not in status
        await settle(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        assert any(n.message.endswith(": 1 star") for n in app.told)
        await app.action_show_ratings()
        await settle(app, pilot)
        assert str(app.screen.query_one("#count").render()).startswith("1 rating ·")


async def test_smaller_points(trained, start_app):
    async with start_app(size=(80, 24)) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, OnboardingScreen)
        table = screen.query_one(FilmTable)
        first = table.current_index()
        await pilot.press("n")
        await settle(app, pilot)
        assert table.cursor_row == 1
        assert table.cell_text(0, "yours") == "✗ no"
        assert app.engine.film(first).movie_id in app.profile.not_interested
        # The palette always lists "Switch dataset" and says how to add one.
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert "data fetch" in commands["Switch dataset"] and "data import" in commands["Switch dataset"]
        # The year box's placeholder fits.
        await pilot.press("slash")
        await settle(app, pilot)
        years = app.screen.query_one("#years", Input)
        assert years.content_region.width >= len(years.placeholder)
        # The film modal does not list the film itself under "more like this".
        await pilot.press(*"alien", "enter", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, MovieScreen)
        similar = app.screen.query_one("#similar", FilmTable)
        assert similar.row_count > 0 and app.screen.index not in {int(k) for k, _ in similar.film_rows}
        await pilot.press("4")  # the rating keys act on the film itself while its rating line has focus
        await settle(app, pilot)
        assert app.rated_stars()[app.screen.index] == 4.0
        await pilot.press("escape", "question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)


def test_help_wraps_between_phrases_at_80_columns():
    from rich.console import Console

    from movierec.tui.screens.help import SECTIONS, help_table

    console = Console(width=76, record=True)
    console.print(help_table())
    lines = console.export_text().splitlines()
    at = 0  # a key may be in two sections (w on any list, w on the watchlist): each is read in its own
    for where, keys in SECTIONS:
        at = next(n for n in range(at, len(lines)) if lines[n].strip() == where)
        for key, what in keys:
            at = next(n for n in range(at, len(lines)) if lines[n].strip().startswith(key + " "))
            start = lines[at]
            first_phrase = " ".join(what.split(";")[0].split(":")[0].split(" (")[0].split())
            assert first_phrase in " ".join(start.split()), (key, start)


async def test_finetune_screen_has_a_title_and_a_chart_with_scale(trained, start_app, monkeypatch):
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 600.0)
    async with start_app(rated=RATED) as (app, pilot):
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, FineTuneScreen)
        assert "Fine-tune" in str(screen.query_one("#finetune-title").render())
        from rich.console import Console

        chart = screen.query_one("#loss")
        console = Console(width=chart.size.width, record=True)
        console.print(chart.render())
        text = console.export_text()
        steps = len(screen.losses)
        assert steps > 1 and f"step {steps}" in text
        assert f"{max(screen.losses):.3f}" in text and f"{min(screen.losses):.3f}" in text


async def test_a_burst_of_keys_lands_where_each_was_meant(trained, start_app):
    """All keys sent at once, as tmux send-keys or a fast typist does: nothing waits between them."""
    from textual import events
    from textual.keys import _character_to_key

    async with start_app() as (app, pilot):
        assert isinstance(app.screen, OnboardingScreen)
        first = [app.engine.film(int(k)).movie_id for k, _ in app.screen.query_one(FilmTable).film_rows[:3]]
        keys = ["5", "4", "n", "slash", *"shawshank redemtion", "enter", "5", "slash", *"notting hill", "down", "4",
                "slash", *"shining", "enter", "5"]
        for key in keys:
            name = key if len(key) > 1 or key.isalnum() else _character_to_key(key)
            app.post_message(events.Key(name, key if len(key) == 1 else ("/" if key == "slash" else None)))
        await settle(app, pilot)
        await pilot.pause(0.5)
        await settle(app, pilot)
        ratings = {r.title: r.stars for r in app.profile.ratings.values()}
        assert ratings == {app.engine.film(app.engine.index_of(first[0])).title: 5.0,
                           app.engine.film(app.engine.index_of(first[1])).title: 4.0,
                           "Shawshank Redemption, The (1994)": 5.0, "Notting Hill (1999)": 4.0,
                           "Shining, The (1980)": 5.0}
        assert set(app.profile.not_interested) == {first[2]}
        assert isinstance(app.screen, SearchScreen) and app.is_running


@pytest.mark.parametrize("after", ["t", "o", "r", "l", "slash"])
async def test_a_key_typed_right_after_q_does_not_open_a_screen_on_the_way_out(trained, start_app, after):
    """Fresh-eyes report: "qt" (q, then quickly a screen key) opened a screen while the app was closing
    down: NoMatches traceback, exit status 1."""
    from textual import events

    async with start_app(size=(80, 24)) as (app, pilot):
        for key, char in (("q", "q"), (after, "/" if after == "slash" else after)):
            app.post_message(events.Key(key, char))  # at once, as a terminal delivers fast typing
        await pilot.pause()
    assert app.return_code in (0, None)


async def test_editing_keys_in_a_burst_apply_in_the_order_typed(trained, start_app):
    """Fresh-eyes report: in a text box, letters were typed at once but Backspace, Home, End and the arrows
    waited in the queues they bubble through to the app, so letters typed after them overtook them ("abc Home X"
    showed abcX; 40 Backspaces then new letters deleted the new letters). Keys sent at once, as tmux does."""
    from tests.tui.conftest import burst as deliver

    async with start_app() as (app, pilot):
        await pilot.press("slash")
        await settle(app, pilot)

        async def burst(box: Input, keys: list[str], expected: str) -> None:
            deliver(app, keys)
            await settle(app, pilot)
            assert app.focused is box and box.value == expected, (keys, box.value)

        query = app.screen.query_one("#query", Input)
        await burst(query, [*"abc", "home", "X"], "Xabc")
        await burst(query, ["end", "backspace", "backspace", *"yz"], "Xayz")
        await burst(query, ["end", *["backspace"] * 4, *"tox", "left", "delete", "left", "slash"], "t/o")
        query.value = "abcdefghijklmnopqrstuvwxyz0123456789"
        query.cursor_position = len(query.value)
        await burst(query, [*["backspace"] * 40, *"abcdefghijklmnop"], "abcdefghijklmnop")
        years = app.screen.query_one("#years", Input)
        years.focus()
        await burst(years, [*"1972", "backspace", "backspace", *"80"], "1980")
        # My ratings, c: the new-profile box.
        await app.action_show_ratings()
        await settle(app, pilot)
        await pilot.press("c")
        name = app.screen.query_one("#new-profile", Input)
        await burst(name, [*"Élodieqntow", *["backspace"] * 5, "X"], "ÉlodieX")


def test_one_word_for_the_watchlist_and_help_explains_the_match_in_the_app():
    from movierec.tui.app import MovieRecApp
    from movierec.tui.screens.help import SECTIONS
    from movierec.tui.screens.movie import MovieScreen

    for cls in (FilmTable, MovieScreen, MovieRecApp):
        for binding in cls.BINDINGS:
            if binding.action in ("toggle_watch", "show_watchlist"):
                assert "watchlist" in binding.description and "later" not in binding.description, binding
    sections = dict(SECTIONS)
    assert {"l", "w", "1-5", "Enter"} <= {key for key, _ in sections["Watchlist"]}
    match = dict(sections["On a film list"])["match column"]
    assert "README" not in match and "4+" in match


async def test_a_slash_typed_quickly_in_a_text_box_lands_in_order(trained, start_app):
    from textual import events

    async with start_app(size=(80, 24)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("c")
        box = app.screen.query_one("#new-profile", Input)
        assert app.focused is box
        for key, char in (("full_stop", "."), ("full_stop", "."), ("slash", None), ("e", "e")):
            app.post_message(events.Key(key, char))  # all at once, as a terminal delivers a paste or fast typing
        await pilot.pause(0.2)
        assert box.value == "../e"


async def test_o_opens_well_known_films_from_my_ratings_and_s_sorts(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        ratings = app.screen
        assert ratings.sort == "newest"
        await pilot.press("s")
        await settle(app, pilot)
        assert ratings.sort == "stars"
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, OnboardingScreen)


def test_keys_help_says_work_anywhere_do_the_same_on_every_main_screen():
    """Help and README say `o` (and r, p, t, /, ?, q) work anywhere: no screen or film list binds them to
    something else (My ratings sorted with `o`)."""
    from textual.binding import Binding

    from movierec.tui.app import MovieRecApp
    from movierec.tui.screens.help import SECTIONS

    names = {"/": "slash", "?": "question_mark"}
    anywhere = {names.get(k, k) for keys, _ in dict(SECTIONS)["Anywhere"] for k in keys.split("  /  ")
                if k != "ctrl+p"}
    app_actions = {k: b.action for b in MovieRecApp.BINDINGS for k in b.key.split(",")}
    assert anywhere <= set(app_actions), anywhere - set(app_actions)
    classes = [*MovieRecApp.MODES.values(), FilmTable]
    classes += [c for screen in MovieRecApp.MODES.values() for c in vars(__import__(screen.__module__, fromlist=["_"])).values()
                if isinstance(c, type) and issubclass(c, FilmTable)]
    for cls in classes:
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                if key in anywhere:
                    assert binding.action in (f"app.{app_actions[key]}", app_actions[key]), (cls.__name__, key, binding)


async def test_keys_typed_right_after_tab_go_to_the_box_tab_moved_to(trained, app_factory):
    """Tab and then text in one burst: the text was typed at once into the box that had focus (edit_now), while
    Tab moved the focus only once it had bubbled through every queue up to the screen's binding, so '1972' meant
    for the year box landed in the query. Tab and shift+tab now move the focus as the app reads them."""
    from tests.tui.conftest import burst

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await settle(app, pilot)
        query = app.screen.query_one("#query", Input)
        years = app.screen.query_one("#years", Input)
        assert app.focused is query
        burst(app, ["tab", "tab", *"1972"])  # past the genre list to the year box
        await settle(app, pilot)
        assert (query.value, years.value) == ("", "1972")
        assert app.focused is years
        burst(app, ["shift+tab", "shift+tab", *"alien"])
        await settle(app, pilot)
        assert (query.value, years.value) == ("alien", "1972")
        assert app.focused is query
