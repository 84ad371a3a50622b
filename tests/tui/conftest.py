from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from movierec.tui.app import make_app

FAST = {"epochs": 1, "pretrain": False, "refit": "none"}  # the snapshots' model; the refit: tests/unit/test_honest.py


@pytest.fixture(scope="session")
def trained_cache(tmp_path_factory) -> Path:
    """Train the small, fast model once; each test copies the cache into its own MOVIEREC_HOME."""
    import os

    home = tmp_path_factory.mktemp("trained")
    old = os.environ.get("MOVIEREC_HOME")
    os.environ["MOVIEREC_HOME"] = str(home)
    try:
        from movierec.engine import Engine

        Engine(None, "cpu").train("neumf", **FAST)
    finally:
        if old is None:
            os.environ.pop("MOVIEREC_HOME", None)
        else:
            os.environ["MOVIEREC_HOME"] = old
    return home / "cache"


@pytest.fixture
def trained(home, trained_cache) -> Path:
    shutil.copytree(trained_cache, home / "cache")
    return home


@pytest.fixture
def app_factory():
    def build(**kwargs):
        return make_app(device="cpu", train_overrides=FAST, **kwargs)

    return build


async def wait_ready(app, pilot) -> None:
    """Wait until the app has loaded its dataset and profile (polled, bounded; fails if it never does)."""
    for _ in range(600):
        if app.ready:
            return
        await pilot.pause(0.05)
    assert app.ready, "the app did not finish loading"


async def settle(app, pilot, rounds: int = 3) -> None:
    """Wait for the app to load and for its workers to finish (no sleeping on hope)."""
    await wait_ready(app, pilot)
    from textual.worker import WorkerCancelled, WorkerFailed, WorkerState

    busy = (WorkerState.PENDING, WorkerState.RUNNING)
    quiet = 0
    for _ in range(2000):
        try:
            await app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):  # a superseded search or pick list: wait for the rest
            pass
        await pilot.pause()
        quiet = quiet + 1 if not any(w.state in busy for w in app.workers) else 0
        if quiet >= rounds:
            break
