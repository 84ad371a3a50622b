from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key

from movierec.tui.app import make_app
from tests.conftest import copy_cache, train_once

FAST = {"epochs": 1, "pretrain": False, "refit": "none"}  # the snapshots' model; the refit: tests/unit/test_honest.py


@pytest.fixture(scope="session")
def trained_cache(tmp_path_factory) -> Path:
    """The small, fast model, trained once; each test copies the cache into its own MOVIEREC_HOME."""
    return train_once(tmp_path_factory, "neumf", **FAST)


@pytest.fixture
def trained(home, trained_cache) -> Path:
    return copy_cache(trained_cache, home)


@pytest.fixture
def app_factory():
    """The app as the CLI builds it, on the CPU with the fast model. Every notification it shows is kept in
    ``app.told`` (message, severity: what reached Textual, after the app's terminal filter), observed as the
    ``Notify`` messages the app handles (``run_test(message_hook=...)``; a test's own hook still sees every
    message). Read that, not the live toasts: a toast expires after its timeout (4 s for most), and on a busy
    machine a test can reach its assertion after that (seen: 3 tests failing with both cores busy, passing
    alone)."""
    from types import SimpleNamespace

    from textual.notifications import Notify

    def build(**kwargs):
        app = make_app(device="cpu", train_overrides=FAST, **kwargs)
        app.told = []
        run_test = app.run_test

        def run_test_observed(*args, message_hook=None, **options):
            def observe(message) -> None:
                if isinstance(message, Notify):
                    note = message.notification
                    app.told.append(SimpleNamespace(message=str(note.message), severity=note.severity))
                if message_hook is not None:
                    message_hook(message)

            return run_test(*args, message_hook=observe, **options)

        app.run_test = run_test_observed
        return app

    return build


async def wait_ready(app, pilot) -> None:
    """Wait until the app has loaded its dataset and profile (polled, bounded; fails if it never does)."""
    for _ in range(600):
        if app.ready:
            return
        await pilot.pause(0.05)
    assert app.ready, "the app did not finish loading"


async def wait_for(pilot, condition, what: str) -> None:
    """Poll ``condition`` between the app's message rounds (bounded: fails after 60 s saying ``what``)."""
    for _ in range(1200):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition(), f"{what} did not happen within 60 s"


async def settle(app, pilot, rounds: int = 3) -> None:
    """Wait for the app to load and for its workers to finish (no sleeping on hope)."""
    await wait_ready(app, pilot)
    from textual.pilot import WaitForScreenTimeout
    from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    quiet = 0
    for _ in range(2000):
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):  # a superseded search or pick list: wait for the rest
            pass
        try:
            await pilot.pause()
        except WaitForScreenTimeout:
            # The pilot waits on the widgets of the screen current when it asked; a screen replaced meanwhile
            # (a dataset switch rebuilds every mode) can leave its question unanswered for the pilot's 30 s
            # (seen once on a busy fresh-clone run). Not quiet: ask again, within this loop's bound.
            quiet = 0
            continue
        quiet = quiet + 1 if not any(w.state in busy for w in app.workers) else 0
        if quiet >= rounds:
            break


# -- keys delivered at once (issue 24: bursts a terminal or tmux delivers), shared by the key and list tests ---------

def burst(app, keys) -> None:
    """Keys delivered at once, as a terminal delivers fast typing or tmux send-keys (nothing waits between)."""
    for key in keys:
        if len(key) == 1:
            name, char = (key if key.isalnum() else _character_to_key(key)), key
        else:
            name, char = key, {"slash": "/", "question_mark": "?", "plus": "+", "minus": "-", "space": " ",
                               "enter": "\r", "tab": "\t", "escape": "\x1b"}.get(key)
        app.post_message(events.Key(name, char))


async def quit_app(app, pilot) -> None:
    """Back out of the windows a burst left open (Escape, bounded), then q: the app ends with status 0."""
    from textual.screen import ModalScreen

    for _ in range(50):
        if not isinstance(app.screen, ModalScreen) or not app.is_running:
            break
        await pilot.press("escape")
        await settle(app, pilot)
    await pilot.press("q")
    await pilot.pause()


FUZZ_SCREENS = ("onboarding", "picks", "search", "ratings", "finetune", "watchlist", "movie", "help")


async def open_screen(app, pilot, where: str) -> None:
    """From wherever a burst left the app: out of its windows, then to ``where`` (as its key would)."""
    from textual.screen import ModalScreen
    from textual.widgets import Input

    from movierec.tui.screens.help import HelpScreen

    for _ in range(20):
        if isinstance(app.screen, ModalScreen):
            await pilot.press("escape")
        elif isinstance(app.focused, Input):  # a search box or the new profile's name: Escape leaves it
            app.screen.set_focus(None)
        else:
            break
        await settle(app, pilot)
    if where == "movie":
        app.open_movie(app.engine.index_of(2571))
    elif where == "help":
        app.push_screen(HelpScreen())
    else:
        app._go(where)
    await settle(app, pilot)


async def fuzz_bursts(app, pilot, draw, keys: tuple[str, ...], rounds: int, per_burst: int) -> None:
    """``rounds`` times over every screen (FUZZ_SCREENS): open it, deliver ``per_burst`` keys drawn from ``keys`` at
    once, let the app settle; it must still run (the failing burst is named: seeded, it replays)."""
    for round_ in range(rounds):
        for where in FUZZ_SCREENS:
            await open_screen(app, pilot, where)
            drawn = [draw.choice(keys) for _ in range(per_burst)]
            burst(app, drawn)
            await settle(app, pilot)
            assert app.is_running, f"round {round_}, {where}: {drawn}"
