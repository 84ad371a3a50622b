from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import factories


@pytest.fixture(autouse=True, scope="session")
def torch_threads() -> None:
    """Torch work in the test process uses the app's thread policy (movierec.device.cpu_threads: 1 on a busy
    2-core machine), also in tests that build models without an Engine: two threads stall each other
    when the machine is busy (test_models_real.py's 6-epoch MLP test: 294 s with 2 threads, 25 s with 1)."""
    from movierec import device

    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1)
    if workers > 1 and not os.environ.get("MOVIEREC_THREADS") and not os.environ.get("OMP_NUM_THREADS"):
        # The load read at start cannot see the other workers yet: the cores are split between them.
        os.environ["MOVIEREC_THREADS"] = str(max(1, device.physical_cores() // workers))
    device.apply_threads()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MOVIEREC_HOME: nothing touches the real user folders."""
    folder = tmp_path / "home"
    monkeypatch.setenv("MOVIEREC_HOME", str(folder))
    monkeypatch.delenv("MOVIEREC_MIRROR", raising=False)
    return folder


@pytest.fixture
def synth() -> factories.Synthetic:
    return factories.synthetic()


@pytest.fixture
def latest_release(tmp_path: Path, synth: factories.Synthetic) -> Path:
    return factories.write_latest(tmp_path / "ml-test", synth)


@pytest.fixture
def clusters(tmp_path: Path) -> Path:
    """A release of taste groups (factories.clusters: 60 users, 40 films) a model learns in seconds."""
    return factories.write_latest(tmp_path / "clusters", factories.clusters(n_users=60, n_items=40, per_user=10))


#: deepcontent's epochs in the trained fixtures (a few seconds; its quality is tests/integration's business).
LEARNED_EPOCHS = 3


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run shares (the run's base temp folder, above each worker's own);
    without xdist, this process's own base temp folder (its parent holds other runs' folders)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def train_once(tmp_path_factory: pytest.TempPathFactory, model: str, **overrides) -> Path:
    """A cache folder holding ``model`` trained on the bundled ml-latest-small, for a session fixture: trained
    once for the whole run, all xdist workers together (the first takes a file lock and trains, the others
    wait for it and reuse the folder), in a home of its own; each test copies the folder into its own
    MOVIEREC_HOME (``home``)."""
    from filelock import FileLock

    key = "-".join([model, *(f"{k}{v}" for k, v in sorted(overrides.items()))])
    folder = _shared_root(tmp_path_factory) / f"trained-{key}"
    with FileLock(str(folder) + ".lock"):
        if not (folder / "READY").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way left it
            folder.mkdir(parents=True)
            _train(folder, model, overrides)
            (folder / "READY").write_text("trained\n")
    return folder / "cache"


def _train(folder: Path, model: str, overrides: dict) -> None:
    old = os.environ.get("MOVIEREC_HOME")
    os.environ["MOVIEREC_HOME"] = str(folder)
    try:
        from movierec.engine import Engine

        engine = Engine(None, "cpu")
        engine.train(model, **overrides)
        if model == "neumf":  # the hybrid picks' films with few ratings: what recommend and the TUI train next
            engine.train_learned(epochs=LEARNED_EPOCHS)
        # The predicted match's calibrations for the modes this model serves (and content), computed once
        # here (a few seconds each) rather than in every test that copies the folder.
        from movierec.models import registry

        for mode in ("content", *(m for m in registry.modes() if m != "content"
                                  and registry.for_mode(m).name == model)):
            engine.match_map(mode)
    finally:
        if old is None:
            os.environ.pop("MOVIEREC_HOME", None)
        else:
            os.environ["MOVIEREC_HOME"] = old


@pytest.fixture(scope="session")
def neumf_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """NeuMF with default settings (GMF and MLP pretraining, early stopping, refit), trained once a session:
    the model `recommend` and the real-data floors use (the full training is the suite's costliest step)."""
    return train_once(tmp_path_factory, "neumf")


def copy_cache(cache: Path, home: Path) -> Path:
    shutil.copytree(cache, home / "cache", dirs_exist_ok=True)
    return home


def train_for_module(folder: Path, release: Path, model: str, **settings) -> Path:
    """``model`` trained on ``release`` in a home of its own below ``folder``, for a module-scoped fixture; the
    cache folder that each test copies into its own home (``engine_reusing``)."""
    from movierec.engine import Engine

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOVIEREC_HOME", str(folder / "home"))
        Engine(str(release), "cpu").train(model, **settings)
    return folder / "home" / "cache"


def engine_reusing(cache: Path, home: Path, release: Path, model: str, **settings):
    """An Engine on ``release`` holding the model ``train_for_module`` saved in ``cache``, loaded from a copy in
    ``home``; it fails if the engine would train it again instead (a drift in the settings)."""
    from movierec.engine import Engine

    copy_cache(cache, home)
    engine = Engine(str(release), "cpu")
    assert engine.train(model, **settings)[1].reused, f"{model} was trained again, not reused"
    return engine


# -- the TUI's fixtures (tests/tui and the TUI fuzzing in tests/faults) -------------------------------------

FAST = {"epochs": 1, "pretrain": False, "refit": "none"}  # the snapshots' model; the refit: tests/models/test_final_fit.py


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

    from movierec.tui.app import make_app

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
