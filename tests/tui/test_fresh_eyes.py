"""A fresh-eyes tester's TUI defects: a refused profile name, the well-known films' match column, the
status line with nothing rated, the empty watchlist's layout, progress labels, picks' column widths."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Label

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.widgets.tables import FilmTable
from tests.tui.conftest import settle, wait_for

pytestmark = pytest.mark.slow

RATED = ((1, 5.0), (2571, 4.5), (858, 4.0), (6377, 5.0))


def _rate_some(name: str = "default", rated=RATED) -> None:
    store = ProfileStore()
    for movie_id, stars in rated:
        store.rate(name, movie_id, stars)


def _said(app) -> list[str]:
    return [n.message for n in app.told]


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


async def test_well_known_films_fill_their_match_column_once_the_fine_tune_ends(trained, app_factory, monkeypatch):
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 0.05)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
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


async def test_with_nothing_rated_the_status_line_says_the_model_is_ready_not_fine_tuned(trained, app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.start_foldin(announce=False)  # what a first start does once the model is there
        await settle(app, pilot)
        assert app.foldin_state.last is not None and not app.foldin_state.last.fitted
        status = str(app.screen.query_one("#status-text", Label).render())
        assert "fine-tuned" not in status and "0.00 s" not in status
        assert app.status_text == "model ready"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_an_empty_watchlist_keeps_the_status_line_at_the_bottom(trained, app_factory, size):
    from movierec.tui.screens.watchlist import WatchlistScreen
    from movierec.tui.widgets.status import ModelStatus

    _rate_some()
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


async def test_progress_labels_capitalise_the_model_only_and_a_refit_counts_its_own_epochs(trained, app_factory):
    from movierec.tui.messages import TrainProgress
    from movierec.tui.widgets.status import stage_total

    assert stage_total("gmf on train+validation", {}, 200) is None
    assert stage_total("gmf on train+validation", {"epochs": 7}, 200) == 7
    assert stage_total("gmf", {}, 200) == 200
    assert stage_total("gmf", {"epochs": 40}, 200) == 40  # the stage's own plan (tuned settings) wins
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)

        def said() -> str:
            return str(app.screen.query_one("#status-text", Label).render())

        app.post_message(TrainProgress("gmf", 3, 200, 0.5, 0.4))
        await pilot.pause()
        assert said().startswith("training GMF: epoch 3/200")
        app.post_message(TrainProgress("sasrec on train+validation", 3, None, 0.5, None))
        await pilot.pause()
        assert said().startswith("training SASREC on train+validation: epoch 3  loss")
        app.post_message(TrainProgress("gmf on train+validation", 3, 12, 0.5, None))
        await pilot.pause()
        assert said().startswith("training GMF on train+validation: epoch 3/12")


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


async def test_every_picks_list_uses_the_same_column_widths(trained, app_factory):
    from movierec.tui.screens.picks import PicksScreen as Picks

    _rate_some(rated=(*RATED, (1197, 3.5)))
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, Picks)
        tables = list(app.screen.query(FilmTable))
        assert len(tables) >= 3
        widths = {tuple((str(c.label), c.width) for c in table.columns.values()) for table in tables}
        assert len(widths) == 1, widths
        await pilot.press("w")  # a watchlist mark widens a title: the lists still share their widths
        await settle(app, pilot)
        widths = {tuple((str(c.label), c.width) for c in table.columns.values()) for table in app.screen.query(FilmTable)}
        assert len(widths) == 1, widths


async def test_a_slash_typed_quickly_in_a_text_box_lands_in_order(trained, app_factory):
    from textual import events

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("c")
        box = app.screen.query_one("#new-profile", Input)
        assert app.focused is box
        for key, char in (("full_stop", "."), ("full_stop", "."), ("slash", None), ("e", "e")):
            app.post_message(events.Key(key, char))  # all at once, as a terminal delivers a paste or fast typing
        await pilot.pause(0.2)
        assert box.value == "../e"


async def test_an_open_search_recomputes_its_match_column_when_the_models_scores_change(trained, app_factory):
    """deepcontent (or a fine-tune, or a model) finishing while search results are open: their match cells
    follow the new scores at once, and the cursor stays on its row (fresh-eyes report, stop 21)."""
    from movierec.tui.messages import LearnedDone
    from movierec.tui.screens.search import SearchScreen

    _rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("/", *"star")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        table = app.screen.query_one(FilmTable)
        assert table.row_count > 5
        before = [table.cell_text(r, "match") for r in range(table.row_count)]
        assert "42%" not in before
        await pilot.press("down", "down", "down")
        row = table.cursor_row
        assert row > 0
        # The engine's scores change: from now on every film matches you 42%.
        app.engine.film_matches = lambda profile, indices, mode, compute=False: [0.42] * len(indices)
        app.post_message(LearnedDone(True, app.engine, trained=True))
        await settle(app, pilot)
        assert [table.cell_text(r, "match") for r in range(table.row_count)] == ["42%"] * table.row_count
        assert table.cursor_row == row and isinstance(app.screen, SearchScreen)
