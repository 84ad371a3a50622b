"""Pilot tests of each flow, on the bundled data with a small, fast model."""

from __future__ import annotations


import pytest
from textual.widgets import Label

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.onboarding import OnboardingScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.search import SearchScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, SHREK, rate_some
from tests.tui.conftest import settle, wait_ready

pytestmark = pytest.mark.slow


def picks_shown(app) -> set[int]:
    shown = set()
    for table in app.screen.query(FilmTable):
        for row in table.rows:
            shown.add(int(row.value))
    return shown


async def test_onboarding_rate_five_finetune_then_picks(home, app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # trains the small model in the background, too
        assert isinstance(app.screen, OnboardingScreen)
        for key in ("5", "4", "5", "dollar_sign", "5"):
            await pilot.press(key)
            await pilot.pause()
        assert len(app.profile.ratings) == 5
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, FineTuneScreen)
        assert "done in" in str(app.screen.query_one("#result").render())
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        shown = picks_shown(app)
        assert len(shown) >= 10
        rated = {app.engine.index_of(m) for m in app.profile.ratings}
        assert not shown & rated
    # Saved on disk as they were made.
    assert {r.stars for r in ProfileStore().load("default").ratings.values()} == {5.0, 4.0, 3.5}


async def test_search_with_a_typo_finds_the_film_and_rating_updates_my_ratings(trained, start_app):
    async with start_app() as (app, pilot):
        await pilot.press("slash")
        await pilot.press(*"godfater")
        await settle(app, pilot)
        assert isinstance(app.screen, SearchScreen)
        table = app.screen.query_one(FilmTable)
        first = app.engine.film(table.current_index())
        assert first.title == "Godfather, The (1972)"
        table.focus()
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen)
        rows = app.screen.query_one(FilmTable)
        assert rows.row_count == 1
        assert app.engine.film(rows.current_index()).title == "Godfather, The (1972)"
        await pilot.press("x")
        await settle(app, pilot)
        assert app.screen.query_one(FilmTable).row_count == 0


async def test_diversity_keys_change_the_list(trained, start_app):
    store = ProfileStore()
    for title_id in (1, 3114, 2355, 4886, 6377):  # Toy Story, Toy Story 2, A Bug's Life, Monsters Inc., Nemo
        store.rate("default", title_id, 5.0)
    async with start_app() as (app, pilot):
        assert isinstance(app.screen, PicksScreen)
        before = [int(r.value) for r in app.screen.query_one("#list-0", FilmTable).rows]
        for _ in range(6):
            await pilot.press("plus")
        await settle(app, pilot)
        assert app.diversity == pytest.approx(0.8)
        after = [int(r.value) for r in app.screen.query_one("#list-0", FilmTable).rows]
        assert before != after and len(after) == 10
        assert "diversity 0.8" in str(app.screen.query_one("#picks-status").render())


async def test_cancel_finetune(trained, app_factory, monkeypatch):
    from movierec.models.ncf import foldin

    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 600.0)  # only the fine-tune asked for runs
    store = ProfileStore()
    real = foldin.fold_in

    def slow_fold_in(*args, **kwargs):
        # The fine-tune (the app's "foldin" worker) takes many steps, so there is time to cancel it; still
        # deterministic. Other fold-ins (the well-known films' match cells, in their own worker) run as usual:
        # a 200,000-step fold-in there is not the one cancelled, and cost the suite 2 minutes.
        from textual.worker import get_current_worker

        if get_current_worker().group == "foldin":
            kwargs["config"] = foldin.FoldInConfig(steps=200_000)
        return real(*args[:4], **kwargs)

    monkeypatch.setattr("movierec.models.ncf.foldin.fold_in", slow_fold_in)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("5")  # a first rating on the welcome screen
        await pilot.press("t")
        for _ in range(200):  # until the fit reports progress
            await pilot.pause(0.05)
            if isinstance(app.screen, FineTuneScreen) and app.screen.losses:
                break
        await pilot.press("escape")
        await settle(app, pilot)
        assert "cancelled" in str(app.screen.query_one("#result").render())
    assert len(store.load("default").ratings) == 1


async def test_quit_during_training_exits_cleanly_and_keeps_ratings(home, app_factory):
    app = app_factory()
    app.train_overrides = {"epochs": 50, "pretrain": True}  # long enough to quit in the middle
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        await pilot.press("5")
        for _ in range(200):
            await pilot.pause(0.05)
            if app.train_state.epoch:
                break
        assert app.train_state.running
        await pilot.press("q")
    assert app.return_code in (0, None)
    assert len(ProfileStore().load("default").ratings) == 1


async def test_command_palette_has_a_command_per_screen(trained, start_app):
    async with start_app() as (app, pilot):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Search", "My ratings", "Picks", "Fine-tune", "Retrain model", "Export profile", "Theme"} <= titles


async def test_markup_in_data_is_shown_as_text(trained, start_app, monkeypatch):
    async with start_app() as (app, pilot):
        app.engine.dataset.catalog.titles[0] = "[bold red]Evil[/] \x1b[2J \u202eEvil\u202c (1995)"
        app.open_movie(0)
        await settle(app, pilot)
        details = app.screen.query_one("#details").render()
        assert "[bold red]Evil[/]" in str(details)
        assert "\x1b" not in str(details) and "\u202e" not in str(details) and "\u202c" not in str(details)
        await pilot.press("4")  # rate it: the notification names the film
        await settle(app, pilot)
        told = [n.message for n in app.told]
        assert any("Evil" in m for m in told), told
        assert not any(ch in m for m in told for ch in "\x1b\u202e\u202c"), told


async def test_a_damaged_profile_is_moved_aside_and_the_app_goes_on(trained, start_app):
    folder = trained / "data" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "default.json").write_text('{"format": "movierec-profile", "version": 1, "ratings": [{"movie_id"')
    async with start_app() as (app, pilot):
        aside = [p for p in folder.iterdir() if ".damaged-" in p.name]
        assert len(aside) == 1
        told = [n.message for n in app.told]
        assert any("moved to" in m and str(aside[0]) in m for m in told), told
        assert isinstance(app.screen, OnboardingScreen) and app.profile.ratings == {}
        await pilot.press("5")
        await pilot.pause()
        assert len(app.profile.ratings) == 1
    assert len(ProfileStore().load("default").ratings) == 1
    assert aside[0].read_text().startswith('{"format"')  # the damaged copy is kept as it was


async def test_a_bad_checkpoint_is_moved_aside_and_the_app_starts_and_retrains(trained, start_app):
    checkpoint = next(trained.rglob("neumf.pt"))
    checkpoint.write_bytes(b"\x00" * 64)  # a cache gone bad: it must not stop the app
    async with start_app() as (app, pilot):
        assert app.return_code is None and app.model_ready
        told = [n.message for n in app.told]
        assert any("moved to" in m and "neumf model will be trained" in m for m in told), told
    assert len(list(checkpoint.parent.glob("neumf.damaged-*.pt"))) == 1 and checkpoint.stat().st_size > 64


async def test_films_with_few_ratings_are_learned_behind_the_picks(trained, app_factory):
    """No deepcontent saved: the picks come from the fold-in model at once, deepcontent trains in the background
    (its own worker, progress on the status line), then the picks blend it in and the app says so."""
    from textual.widgets import Label, Static

    from movierec.tui.messages import LearnedDone, LearnedProgress
    from movierec.tui.state import LearnedState

    learned = next(trained.rglob("deepcontent.pt"))
    learned.unlink()
    store = ProfileStore()
    for movie_id, stars in ((1, 5.0), (2571, 4.5), (6377, 5.0), (4973, 5.0)):
        store.rate("default", movie_id, stars)
    seen: list = []
    app = app_factory()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        assert app.model_ready and isinstance(app.screen, PicksScreen)
        assert any(isinstance(m, LearnedProgress) for m in seen)
        done = [m for m in seen if isinstance(m, LearnedDone)]
        assert len(done) == 1 and done[0].ok
        assert learned.exists() and app.learned_state is None
        assert any("films with few ratings are now scored" in n.message for n in app.told)
        header = str(app.screen.query_one("#picks-status", Static).render())
        assert "deepcontent" in header, header
        status = str(app.screen.query_one("#status-text", Label).render())
        assert "deepcontent" not in status, status
        # While it trains, the status line keeps its own text and says so after it.
        app.learned_state = LearnedState(3, 40)  # the status line watches it
        await pilot.pause()
        status = str(app.screen.query_one("#status-text", Label).render())
        assert status.endswith("· training deepcontent 3/40") and status.startswith(app.status_text), status
        # Saved: a second start does not train it again.
    seen.clear()
    app = app_factory()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        assert app.model_ready and not any(isinstance(m, LearnedProgress) for m in seen)
        assert all(not m.trained for m in seen if isinstance(m, LearnedDone))  # loaded, not trained
        assert not any("now scored" in n.message for n in app.told)
        assert "deepcontent" in str(app.screen.query_one("#picks-status", Static).render())
    # A damaged one is set aside with a warning and trained again, behind the picks.
    learned.write_bytes(b"\x00" * 64)
    seen.clear()
    app = app_factory()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        assert any(isinstance(m, LearnedProgress) for m in seen)
        told = [n.message for n in app.told]
        assert any("deepcontent" in m and "moved to" in m for m in told), told
        assert any("now scored" in m for m in told), told
    assert learned.stat().st_size > 64 and len(list(learned.parent.glob("deepcontent.damaged-*"))) == 1


async def test_switching_dataset_rebuilds_every_screen_on_the_new_one(trained, start_app, tmp_path):
    """The palette's "Switch dataset": the app loads the other dataset, trains its model, and every screen
    (the current one too) shows the new catalogue; nothing reaches for the old engine half-way."""
    from click.testing import CliRunner

    from movierec.cli import cli
    from movierec.tui.app import LoadingScreen
    from tests import factories

    folder = factories.write_latest(tmp_path / "small", factories.clusters(n_users=40, n_items=30, per_user=8))
    added = CliRunner().invoke(cli, ["--headless", "data", "import", str(folder), "--name", "tk"])
    assert added.exit_code == 0, added.output
    ProfileStore().rate("default", 1, 5.0)
    async with start_app(size=(80, 24)) as (app, pilot):
        assert isinstance(app.screen, PicksScreen) and app.engine.dataset.name == "ml-latest-small"
        await pilot.press("/")  # a screen of its own open when the switch comes
        await settle(app, pilot)
        app.switch_dataset("tk")
        await settle(app, pilot)
        assert not isinstance(app.screen, LoadingScreen), type(app.screen).__name__
        assert app.engine.dataset.name == "tk" and app.ready and app.model_ready
        errors = [n.message for n in app.told if n.severity == "error"]
        assert not errors, errors
        await pilot.press("p")
        await settle(app, pilot)
        shown = picks_shown(app)
        assert isinstance(app.screen, PicksScreen) and shown and max(shown) < app.engine.dataset.n_items


async def test_quit_while_films_with_few_ratings_are_learned_saves_nothing_half_done(trained, app_factory,
                                                                                     monkeypatch):
    import threading

    from movierec.engine import Engine

    learned = next(trained.rglob("deepcontent.pt"))
    learned.unlink()
    ProfileStore().rate("default", 1, 5.0)
    ended, outcome = threading.Event(), []
    original = Engine.train_learned

    def watched(self, *args, **kwargs):  # the worker thread's end, seen from here (it outlives the app's exit)
        try:
            outcome.append(original(self, *args, **kwargs))
        except BaseException as exc:
            outcome.append(exc)
            raise
        finally:
            ended.set()

    monkeypatch.setattr(Engine, "train_learned", watched)
    app = app_factory()
    app.train_overrides = {"epochs": 1000, "patience": 1000}  # long enough to quit in the middle
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(app, pilot)
        for _ in range(1200):
            await pilot.pause(0.05)
            if app.learned_state and app.learned_state.epoch:
                break
        assert app.learned_state and app.learned_state.epoch
        await pilot.press("q")
    assert app.return_code in (0, None)
    assert ended.wait(timeout=120), "the training thread did not stop after quit"
    assert [type(o) for o in outcome] == [KeyboardInterrupt], outcome
    assert not learned.exists() and not list(learned.parent.glob("*.tmp*"))


async def test_not_interested_is_listed_in_my_ratings_and_x_undoes_it(trained, start_app):
    rate_some()
    store = ProfileStore()
    store.not_interested("default", SHREK, "Shrek (2001)")
    async with start_app() as (app, pilot):
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
