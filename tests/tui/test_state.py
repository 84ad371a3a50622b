"""The app's shared state is typed and bound (issue 25): workers report by messages, the state is frozen values in
reactive attributes, and what shows it watches it (no screen is called by a loop over the screens)."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Label, ProgressBar, Static

from movierec.tui.messages import FoldInDone, Loaded, ModelLoaded
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.state import IDLE, FoldIn, LearnedState, TrainState
from tests.factories import rate_some
from tests.tui.conftest import settle, wait_for

pytestmark = pytest.mark.slow


def test_the_state_values_are_frozen():
    for value in (IDLE, LearnedState(1, 2), FoldIn()):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, None)
    assert not FoldIn().running and FoldIn(active=3).running


async def test_the_load_reports_by_messages_in_order(trained, app_factory):
    """The load worker calls nothing on the app: the dataset and profile come back as Loaded, the saved model as
    ModelLoaded (after it); a fine-tune's result comes back as FoldInDone, carrying its run's number."""
    rate_some()
    seen: list = []
    app = app_factory()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(app, pilot)
        kinds = [type(m) for m in seen if isinstance(m, (Loaded, ModelLoaded))]
        assert kinds == [Loaded, ModelLoaded], kinds
        loaded = next(m for m in seen if isinstance(m, Loaded))
        assert loaded.engine is app.engine and loaded.has_model
        assert app.model_ready and isinstance(app.screen, PicksScreen)
        assert app.foldin_state.last is None  # nothing rated since the start: no fine-tune yet
        app.start_foldin(announce=False)
        await wait_for(pilot, lambda: app.foldin_state.last is not None, "the fine-tune")
        done = [m for m in seen if isinstance(m, FoldInDone)]
        assert len(done) == 1 and done[0] is app.foldin_state.last and done[0].run == app.foldin_state.runs == 1
        assert done[0].fitted and not app.foldin_state.running


async def test_the_status_line_and_the_fine_tune_screen_watch_the_state(trained, app_factory, monkeypatch):
    """Replacing a state value redraws what shows it, with no call to any screen."""
    monkeypatch.setattr("movierec.tui.app.FINETUNE_PAUSE", 600.0)  # no fine-tune of its own meanwhile
    rate_some()
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        status = app.screen.query_one("#status-text", Label)
        app.train_state = TrainState(running=True, model="neumf", stage="model", epoch=2, total=5, loss=0.5)
        await pilot.pause()
        assert str(status.render()).startswith("training the model: epoch 2/5  loss 0.500"), str(status.render())
        app.train_state = IDLE
        app.status_text = "a sentence of the test's"
        await pilot.pause()
        assert str(status.render()) == "a sentence of the test's"
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, FineTuneScreen) and app.foldin_state.last is not None
                       and not app.foldin_waiting(), "the fine-tune asked for on the Fine-tune screen")
        screen = app.screen
        app.foldin_state = dataclasses.replace(app.foldin_state, active=99, losses=(0.9, 0.7), steps=(1, 2), total=8)
        await pilot.pause()
        assert str(screen.query_one("#result", Static).render()) == "fitting: step 2/8..."
        assert screen.query_one("#foldin-bar", ProgressBar).progress == 2
        app.foldin_state = dataclasses.replace(app.foldin_state, active=None)
        await pilot.pause()
        assert str(screen.query_one("#result", Static).render()).startswith("done in ")
