"""Issue 12's last defects: what picks show on opening, cut genre cells, stale status lines on screens
out of view, `m` while the model loads, undoing "not interested" from My ratings, `o` everywhere."""

from __future__ import annotations

import threading

import pytest
from textual.containers import VerticalScroll
from textual.widgets import Label

from movierec.data.titles import spoken_title
from movierec.store.profiles import ProfileStore
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, rate_some
from tests.tui.conftest import settle, wait_for, wait_ready

pytestmark = pytest.mark.slow

SHREK = 4306  # Adventure, Animation, Children, Comedy, Fantasy, Romance: six genres


def _status(screen) -> str:
    return str(screen.query_one("#status-text", Label).render())


async def test_picks_open_on_the_first_list_title_with_its_first_row_focused(trained, app_factory):
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
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


async def test_genre_cells_end_in_an_ellipsis_when_cut_and_lists_show_whole_rows(trained, app_factory):
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
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
                full = ", ".join(app.engine.film(int(key.value))["genres"])
                if cell.plain != full:  # a shortened genre list says so
                    assert cell.plain.endswith("…") and len(lines) <= 2, (cell.plain, full)
            shrek = results.get_row(str(app.engine.index_of(SHREK)))[col].plain
            assert shrek.endswith("…") if size == (80, 24) else shrek.count(",") == 5, shrek


async def test_a_screen_out_of_view_shows_the_current_status_when_it_comes_back(trained, app_factory):
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        ratings = app.screen
        assert isinstance(ratings, RatingsScreen)
        await pilot.press("p")
        await settle(app, pilot)
        app.start_foldin(announce=False)  # what a rating starts after a pause, while ratings is out of view
        await settle(app, pilot)
        assert app.status_text.startswith("fine-tuned for you")
        assert _status(app.screen) == app.status_text
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is ratings
        assert _status(ratings) == app.status_text


async def test_m_while_the_model_loads_says_so_and_keeps_the_mode(trained, app_factory, monkeypatch):
    from movierec.engine import Engine

    rate_some()
    release = threading.Event()
    load = Engine.foldin_model

    def slow_load(self, *args, **kwargs):
        release.wait(timeout=600)  # released by the test (also when it fails), not by a race with the clock
        return load(self, *args, **kwargs)

    monkeypatch.setattr(Engine, "foldin_model", slow_load)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await wait_ready(app, pilot)
            await wait_for(pilot, lambda: isinstance(app.screen, PicksScreen) and app.screen.has_lists,
                           "the content-based picks")
            assert not app.model_ready
            await pilot.press("m")
            await pilot.pause()
            assert app.mode == "hybrid"
            messages = [n.message for n in app.told]
            assert "model still loading: picks are content-based until it is ready" in messages
        finally:
            release.set()
        await settle(app, pilot)
        assert app.model_ready
        await pilot.press("m")
        await settle(app, pilot)
        assert app.mode == app.engine.modes()[1]  # the next mode of the registry's cycle


async def test_not_interested_is_listed_in_my_ratings_and_x_undoes_it(trained, app_factory):
    rate_some()
    store = ProfileStore()
    store.not_interested("default", SHREK, "Shrek (2001)")
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one(FilmTable)
        titles = [table.cell_text(r, "title") for r in range(table.row_count)]
        assert "Shrek (2001)" in titles
        row = titles.index("Shrek (2001)")
        assert table.cell_text(row, "yours") == "✗ no"
        assert "1 not interested" in str(screen.query_one("#count", Label).render())
        shown = {b.key: b.description for (_, b, _, _) in screen.active_bindings.values() if b.show}
        assert shown.get("x") == "remove" and shown.get("s") == "sort", shown
        table.move_cursor(row=row)
        await pilot.press("x")
        await settle(app, pilot)
        assert SHREK not in ProfileStore().load("default").not_interested
        titles = [table.cell_text(r, "title") for r in range(table.row_count)]
        assert "Shrek (2001)" not in titles and len(titles) == len(RATED)
        # `n` on a film already marked undoes the mark, too (a toggle, wherever the film is listed).
        await pilot.press("slash", *"shrek", "enter")
        await settle(app, pilot)
        results = app.screen.query_one(FilmTable)
        assert app.screen.focused is results and results.current_index() == app.engine.index_of(SHREK)
        await pilot.press("n")
        await settle(app, pilot)
        assert SHREK in ProfileStore().load("default").not_interested
        assert results.cell_text(results.cursor_row, "yours") == "✗ no"
        await pilot.press("n")
        await settle(app, pilot)
        assert SHREK not in ProfileStore().load("default").not_interested
        assert results.cell_text(results.cursor_row, "yours") == ""


async def test_o_opens_well_known_films_from_my_ratings_and_s_sorts(trained, app_factory):
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
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


async def test_m_into_sequence_mode_trains_its_model_then_shows_next_after_and_fine_tune_says_no_step(
        trained, app_factory):
    """Issue 15: the model cycle reaches the sequence mode; its model is trained once (with progress), the
    picks then come from it with reasons naming recent films, a "Next after" list appears, and the
    fine-tune screen says a sequence model needs no gradient step."""
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.model_ready and not app.engine.has_model("sequence")
        started = lambda: any("training sasrec for mode sequence" in n.message for n in app.told)
        for _ in range(len(app.engine.modes())):
            before = app.mode
            await pilot.press("m")
            await pilot.pause()
            if started():  # the press that reached the sequence mode started its model's training
                # Until the model is ready the mode stays (or, if its one epoch is done already, has switched).
                assert app.mode in (before, "sequence")
                break
        assert started()
        await settle(app, pilot)
        for _ in range(400):  # the worker is done; its TrainDone message switches the mode when handled
            if app.mode == "sequence" and not app.train_state.running:
                break
            await pilot.pause(0.05)
        await settle(app, pilot)  # the picks the switch recomputes
        assert app.engine.has_model("sequence") and app.mode == "sequence"
        screen = app.screen
        assert isinstance(screen, PicksScreen)
        titles = [str(label.render()) for label in screen.query(".list-title").results(Label)]
        latest = max(ProfileStore().load("default").ratings.values(), key=lambda r: (r.time, r.movie_id))
        assert f"Next after {spoken_title(app.engine.film(app.engine.index_of(latest.movie_id))['title'])}" in titles
        first = screen.query_one("#list-0", FilmTable)
        reasons = [str(first.get_row_at(r)[-1]) for r in range(first.row_count)]
        assert reasons and all("after your recent" in r for r in reasons), reasons
        # The status line says what the mode does, not an earlier fine-tune's line (a fold-in may still end).
        status = str(screen.query_one("#status-text", Label).render())
        assert "reads your ratings in time order" in status and "fine-tuned" not in status, status
        await pilot.press("t")
        await settle(app, pilot)
        note = str(app.screen.query_one("#mode-note").render())
        assert "needs no gradient step" in note and "sasrec" in note
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        await pilot.press("m")  # on to the next mode; back to one fitted to you restores the fine-tune's line
        await settle(app, pilot)
        status = str(app.screen.query_one("#status-text", Label).render())
        if app.engine.mode_folds_in(app.mode):
            assert "mode " not in status and ("fine-tuned for you" in status or status == "model ready"), status
        else:
            assert "nothing to fine-tune" in status, status
