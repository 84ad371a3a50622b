"""Issue 24's background-work defects: commands dropped without a word while a model trains, a fine-tune blocked
by another model's training (and a Fine-tune screen saying four things at once), a new profile lost at restart,
the search box starved while a model trains, and `m` leaving the old picks with no sign of work.

Every hold here is a threading.Event the test releases (also when it fails): nothing waits on the clock."""

from __future__ import annotations

import inspect
import threading
from dataclasses import replace

import pytest
from textual.widgets import Input, Label, ProgressBar, Static

from movierec.data.titles import spoken_title
from movierec.store.profiles import ProfileStore
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.screens.search import SearchScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, rate_some
from tests.tui.conftest import settle, status_line, wait_for, wait_ready

pytestmark = pytest.mark.slow


def _hold_mode_training(monkeypatch, release: threading.Event, started: threading.Event) -> None:
    """The sequence model's training (SASRec, minutes for real) held until ``release``; then it ends cancelled."""
    from movierec.engine import Engine

    real = Engine.get

    def held(self, ref, train=False, callback=None, should_stop=None, **overrides):
        if not train or ref != "sequence":
            return real(self, ref, train, callback, should_stop, **overrides)
        started.set()
        release.wait(timeout=600)
        raise KeyboardInterrupt  # as a cancelled training ends

    monkeypatch.setattr(Engine, "get", held)


def _result(screen) -> str:
    return str(screen.query_one("#result", Static).render())


def _commands(app) -> dict:
    return {c.title: c.callback for c in app.get_system_commands(app.screen)}


async def test_retrain_while_another_model_trains_says_so(trained, app_factory, monkeypatch):
    """Item 3: "Retrain model" from the palette while SASRec trains did nothing and said nothing."""
    rate_some()
    release, started = threading.Event(), threading.Event()
    _hold_mode_training(monkeypatch, release, started)
    checkpoint = next(trained.rglob("neumf.pt"))
    before = checkpoint.stat().st_mtime_ns
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(app, pilot)
            app.start_mode_training("sequence")
            await wait_for(pilot, started.is_set, "the held sequence training")
            told = len(app.told)
            _commands(app)["Retrain model"]()
            await pilot.pause()
            said = [n.message for n in app.told[told:]]
            assert len(said) == 1 and "sasrec" in said[0] and "retrain" in said[0], said
            assert app.train_state.model == "sasrec"  # the training under way is left alone
        finally:
            release.set()
        await settle(app, pilot)
        assert not app.train_state.running
    assert checkpoint.stat().st_mtime_ns == before


async def test_every_command_runs_or_says_why_not(trained, app_factory, monkeypatch):
    """The family of item 3: while the app loads and while a model trains, each palette command and screen key
    either does what it says (the screen changes) or leaves a notification: none is dropped without a word."""
    from movierec.tui.app import MovieRecApp

    rate_some()
    loading = threading.Event()
    real_read = MovieRecApp._read_profile

    def held_read(self):
        loading.wait(timeout=600)
        return real_read(self)

    monkeypatch.setattr(MovieRecApp, "_read_profile", held_read)
    release, started = threading.Event(), threading.Event()
    _hold_mode_training(monkeypatch, release, started)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await pilot.pause()
            assert not app.ready
            for key in "rptol":  # while loading: every screen key says the app is loading
                told = len(app.told)
                await pilot.press(key)
                await pilot.pause()
                assert any("loading" in n.message for n in app.told[told:]), key
            told = len(app.told)
            _commands(app)["Retrain model"]()
            await pilot.pause()
            assert any("loading" in n.message for n in app.told[told:])
        finally:
            loading.set()
        try:
            await settle(app, pilot)
            app.start_mode_training("sequence")
            await wait_for(pilot, started.is_set, "the held sequence training")
            for title, callback in _commands(app).items():
                if title in ("Bell", "Quit", "Keys", "Theme", "Screenshot", "Maximize", "Minimize", "Change theme",
                             "Save screenshot", "Show keys and help panel", "Hide keys and help panel"):
                    continue  # Textual's own
                before, told = (app.current_mode, type(app.screen)), len(app.told)
                result = callback()
                if inspect.isawaitable(result):  # the screen actions are coroutines (they build the screen first)
                    await result
                for _ in range(3):
                    await pilot.pause()
                after = (app.current_mode, type(app.screen))
                assert after != before or len(app.told) > told, f"{title!r} did nothing and said nothing"
        finally:
            release.set()
        await settle(app, pilot)


async def test_a_fine_tune_runs_while_another_model_trains(trained, app_factory, monkeypatch):
    """Item 4: while SASRec trained, a rating's fine-tune of the loaded NeuMF waited for it (minutes), and the
    Fine-tune screen showed a full bar, "waiting for the first step...", an old result and "still loading or
    training" at once."""
    rate_some()
    release, started = threading.Event(), threading.Event()
    _hold_mode_training(monkeypatch, release, started)
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 0.01)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(app, pilot)
            app.start_mode_training("sequence")
            await wait_for(pilot, started.is_set, "the held sequence training")
            app.foldin_state = replace(app.foldin_state, last=None)
            store = ProfileStore()
            app.profile = store.rate("default", 296, 5.0, "Pulp Fiction (1994)")
            app.profile_changed()  # a rating made meanwhile
            await wait_for(pilot, lambda: app.foldin_state.last is not None and not app.foldin_waiting(),
                           "the fine-tune of the new rating while SASRec trains")
            assert app.foldin_state.last.fitted and not app.foldin_state.last.cancelled
            assert app.train_state.running and not release.is_set()  # SASRec still training
            told = len(app.told)
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, FineTuneScreen) and app.foldin_state.last is not None
                           and not app.foldin_waiting(), "the fine-tune asked for on the Fine-tune screen")
            await pilot.pause()
            result = _result(app.screen)
            assert result.startswith("done in"), result
            assert not any("still loading or training" in n.message for n in app.told[told:])
        finally:
            release.set()
        await settle(app, pilot)


async def test_the_finetune_screen_says_one_thing_while_the_model_it_fits_is_retrained(trained, app_factory,
                                                                                      monkeypatch):
    """A fine-tune done, then NeuMF retrained (held): `f` on the Fine-tune screen says that it waits for NeuMF and
    nothing else (no old "done in", an empty bar, no "waiting for the first step"); it runs once NeuMF is back."""
    from movierec.engine import Engine

    rate_some()
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 600.0)
    release, started = threading.Event(), threading.Event()
    real_train = Engine.train

    def held_train(self, model="neumf", callback=None, should_stop=None, force=False, **overrides):
        if not force:
            return real_train(self, model, callback, should_stop, force, **overrides)
        started.set()
        release.wait(timeout=600)
        return real_train(self, model, callback, should_stop, False, **overrides)  # the saved one: reused

    monkeypatch.setattr(Engine, "train", held_train)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(app, pilot)
            await pilot.press("t")
            await wait_for(pilot, lambda: app.foldin_state.last is not None and not app.foldin_waiting(), "a fine-tune")
            await pilot.pause()
            assert _result(app.screen).startswith("done in")
            _commands(app)["Retrain model"]()
            await wait_for(pilot, started.is_set, "the held retraining")
            await pilot.press("f")
            await pilot.pause()
            screen = app.screen
            result = _result(screen)
            assert "neumf" in result.lower() and "done in" not in result, result
            bar = screen.query_one("#foldin-bar", ProgressBar)
            assert bar.progress == 0
            label = str(screen.query_one("#loss-label", Static).render())
            assert label.startswith("loss per step ("), label  # no step count of an old run
            shot = app.export_screenshot()
            assert "waiting&#160;for&#160;the&#160;first&#160;step" not in shot
            assert "100%" not in shot
            done = app.foldin_state.last
        finally:
            release.set()
        await wait_for(pilot, lambda: app.foldin_state.last is not done and not app.foldin_waiting(),
                       "the fine-tune once NeuMF is back")
        await settle(app, pilot)
        assert _result(app.screen).startswith("done in")


async def test_a_new_profile_without_ratings_survives_a_restart(home, start_app):
    """Item 5: `c`, a name, Enter: the profile's file is written at once (it was written with the first rating,
    so a profile given none was gone after a restart)."""
    async with start_app() as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen)
        await pilot.press("c", *"partner", "enter")
        await settle(app, pilot)
        assert app.profile_name == "partner"
        assert any(n.message == "new profile 'partner' (0 ratings)" for n in app.told)
        await pilot.press("q")
    assert "partner" in ProfileStore().names()
    assert ProfileStore().path("partner").read_text(encoding="utf-8").strip().startswith("{")
    async with start_app() as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        from textual.widgets import Select

        options = [str(value) for _, value in app.screen.query_one("#profile", Select)._options]
        assert "partner" in options, options


async def test_a_typed_query_reaches_the_box_while_deepcontent_trains(trained, app_factory, monkeypatch):
    """Item 6: while deepcontent trains behind the picks (held inside its training loop, with whatever it holds),
    what is typed reaches the search box and its results come: the UI thread never waits for model work."""
    from movierec.engine import Engine

    rate_some()
    next(trained.rglob("deepcontent.pt")).unlink()
    release, started = threading.Event(), threading.Event()
    real = Engine.train_learned

    def held(self, callback=None, should_stop=None, **overrides):
        def progress(epoch, figures):
            if callback is not None:
                callback(epoch, figures)
            started.set()
            release.wait(timeout=600)  # inside the training, after its first epoch

        return real(self, progress, should_stop, **overrides)

    monkeypatch.setattr(Engine, "train_learned", held)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await wait_ready(app, pilot)
            await wait_for(pilot, started.is_set, "deepcontent's first epoch")
            await pilot.press("slash", *"alien")
            screen = app.screen
            assert isinstance(screen, SearchScreen)
            box = screen.query_one("#query", Input)
            await wait_for(pilot, lambda: box.value == "alien", "the typed query in the box")
            await wait_for(pilot, lambda: screen._shown_for is not None and screen._shown_for[0] == "alien",
                           "the results of the typed query")
            assert any("Alien" in app.engine.film(int(row.value)).title
                       for row in screen.query_one("#results").rows)
            assert not release.is_set() and app.learned_state is not None  # still training
        finally:
            release.set()
        await settle(app, pilot)


def test_model_work_on_the_ui_thread_is_refused(home):
    """By construction: the engine refuses model work (loading, training, folding in, scoring) on the thread
    the TUI marked as its own, so a key can never wait behind it; the cheap reads still answer there."""
    from movierec.engine import Engine, UIThreadError
    from movierec.store.profiles import Profile

    engine = Engine(None, "cpu")
    engine.ui_thread = threading.get_ident()
    with pytest.raises(UIThreadError):
        engine.train("pop")
    with pytest.raises(UIThreadError):
        engine.recommend(Profile("x"), mode="content")
    assert engine.search("alien")  # search stays on the UI thread's side: cheap
    assert engine.film_matches(Profile("x"), [0, 1]) == [None, None]
    out: list = []
    worker = threading.Thread(target=lambda: out.append(engine.recommend(Profile("x"), mode="content")))
    worker.start()
    worker.join(timeout=120)
    assert out and out[0].picks


async def test_m_shows_that_the_picks_are_recomputed(trained, app_factory, monkeypatch):
    """Item 10: after `m` the status named the new model while the old model's picks stayed for seconds with no
    sign of work. Now a line says the picks are being computed until they are on screen."""
    from movierec.engine import Engine

    rate_some()
    release, held_mode = threading.Event(), []
    real = Engine.browse

    def held_browse(self, profile, *args, **kwargs):
        if kwargs.get("mode") == "content":  # the next mode after hybrid: held
            held_mode.append(True)
            release.wait(timeout=600)
        return real(self, profile, *args, **kwargs)

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await settle(app, pilot)
            assert isinstance(app.screen, PicksScreen) and app.model_ready and app.mode == "hybrid"
            monkeypatch.setattr(Engine, "browse", held_browse)
            line = app.screen.query_one("#picks-status", Static)
            assert "computing" not in str(line.render())
            await pilot.press("m")
            await wait_for(pilot, lambda: bool(held_mode), "the held picks of the next mode")
            await pilot.pause()
            text = str(line.render())
            assert app.mode == "content" and "computing picks" in text and "content" in text, text
        finally:
            release.set()
        await settle(app, pilot)
        text = str(app.screen.query_one("#picks-status", Static).render())
        assert "computing" not in text and "model content" in text, text


async def test_with_nothing_rated_the_status_line_says_the_model_is_ready_not_fine_tuned(trained, start_app):
    async with start_app(size=(80, 24)) as (app, pilot):
        app.start_foldin(announce=False)  # what a first start does once the model is there
        await settle(app, pilot)
        assert app.foldin_state.last is not None and not app.foldin_state.last.fitted
        status = str(app.screen.query_one("#status-text", Label).render())
        assert "fine-tuned" not in status and "0.00 s" not in status
        assert app.status_text == "model ready"


async def test_progress_labels_capitalise_the_model_only_and_a_refit_counts_its_own_epochs(trained, start_app):
    from movierec.tui.messages import TrainProgress
    from movierec.tui.widgets.status import stage_total

    assert stage_total("gmf on train+validation", {}, 200) is None
    assert stage_total("gmf on train+validation", {"epochs": 7}, 200) == 7
    assert stage_total("gmf", {}, 200) == 200
    assert stage_total("gmf", {"epochs": 40}, 200) == 40  # the stage's own plan (tuned settings) wins
    async with start_app() as (app, pilot):

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


async def test_a_screen_out_of_view_shows_the_current_status_when_it_comes_back(trained, start_app):
    async with start_app(rated=RATED) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        ratings = app.screen
        assert isinstance(ratings, RatingsScreen)
        await pilot.press("p")
        await settle(app, pilot)
        app.start_foldin(announce=False)  # what a rating starts after a pause, while ratings is out of view
        await settle(app, pilot)
        assert app.status_text.startswith("fine-tuned for you")
        assert status_line(app.screen) == app.status_text
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen is ratings
        assert status_line(ratings) == app.status_text


async def test_m_while_the_model_loads_says_so_and_keeps_the_mode(trained, app_factory, monkeypatch):
    from movierec.engine import Engine

    rate_some()
    release = threading.Event()
    load = Engine.get

    def slow_load(self, ref, *args, **kwargs):
        if ref == "ncf":  # the fold-in model's load
            release.wait(timeout=600)  # released by the test (also when it fails), not by a race with the clock
        return load(self, ref, *args, **kwargs)

    monkeypatch.setattr(Engine, "get", slow_load)
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


async def test_m_into_sequence_mode_trains_its_model_then_shows_next_after_and_fine_tune_says_no_step(
        trained, start_app):
    """Issue 15: the model cycle reaches the sequence mode; its model is trained once (with progress), the
    picks then come from it with reasons naming recent films, a "Next after" list appears, and the
    fine-tune screen says a sequence model needs no gradient step."""
    async with start_app(rated=RATED) as (app, pilot):
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
        assert f"Next after {spoken_title(app.engine.film(app.engine.index_of(latest.movie_id)).title)}" in titles
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
