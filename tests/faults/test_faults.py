"""Faults while saving: training interrupted (Ctrl+C, SIGKILL), a full disk, a read-only folder.

Each leaves what was saved before exactly as it was, says so in one line, and the next run works.
The disk-full fault is real, not mocked: the child process runs under RLIMIT_FSIZE, so the kernel
refuses writes past the limit (EFBIG) as it would on a full disk.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.engine import Engine
from movierec.store.profiles import ProfileStore
from tests import factories

TRAIN = ["--headless", "train", "--model", "gmf", "--device", "cpu"]


def _cli(args: list[str], home: Path, limit_bytes: int | None = None, **kw) -> subprocess.Popen:
    def limit() -> None:
        # Ctrl+C as a terminal delivers it: a child started from a background job (`cmd &` in a script, as
        # CI runners and nohup do) inherits SIGINT *ignored*, and Python then keeps ignoring it, so the
        # interrupt test would watch training run to its end. Reset it to the default before exec.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if limit_bytes is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "MOVIEREC_HOME": str(home), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "movierec", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=limit, **kw)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def first_training(tmp_path_factory):
    """A release big enough that an epoch at batch 32 takes seconds, and the home where `train` saved a first
    checkpoint of it: trained once for the module (it was trained for each of 3 tests), copied by ``trained``."""
    folder = tmp_path_factory.mktemp("faults")
    release = factories.write_latest(folder / "big", factories.clusters(n_users=600, n_items=300, per_user=40))
    first = _cli([*TRAIN, "--dataset", str(release), "--epochs", "2"], folder / "home")
    out, err = first.communicate(timeout=240)
    assert first.returncode == 0, err
    return release, folder / "home"


@pytest.fixture
def trained(first_training, home):
    """The release and the first checkpoint in this test's own home (a copy), with its digest."""
    release, first_home = first_training
    shutil.copytree(first_home, home, dirs_exist_ok=True)
    checkpoint = next(home.rglob("gmf.pt"))
    return release, checkpoint, _digest(checkpoint)


def _no_early_stop(release: Path) -> None:
    """Tuned settings (the product's own file, which `train` reads) with a patience no run reaches: early
    stopping would otherwise end the interrupted run after ~12 short epochs, and on a busy machine a
    starved test process could read the first epoch line only after the child had finished."""
    import json

    from movierec import paths
    from movierec.store import tuned
    from movierec.data import registry
    from movierec.atomic import atomic_write_bytes

    fingerprint = registry.load_dataset(str(release)).fingerprint
    atomic_write_bytes(paths.tuned_path(fingerprint, "gmf"), json.dumps(
        {"format": tuned.FORMAT, "version": 1, "fingerprint": fingerprint, "model": "gmf",
         "settings": {"patience": 1000}}).encode())


def _interrupt_mid_training(release: Path, home: Path, sig: int) -> subprocess.CompletedProcess:
    _no_early_stop(release)
    child = _cli([*TRAIN, "--dataset", str(release), "--epochs", "200", "--batch-size", "32", "--force"], home)
    # stderr is a pipe, so progress comes as one line per epoch: wait for the first, then strike mid-epoch two.
    for line in child.stderr:
        if "epoch 1/" in line:
            break
    else:
        pytest.fail("training ended before its first epoch line")
    assert child.poll() is None, "training finished before it could be interrupted"
    child.send_signal(sig)
    out, err = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "sigkill"])
def test_interrupted_training_keeps_the_previous_checkpoint_and_retraining_works(trained, home, sig):
    release, checkpoint, before = trained
    result = _interrupt_mid_training(release, home, sig)
    if sig == signal.SIGINT:
        assert result.returncode == 130
        assert "interrupted; nothing saved was changed" in result.stderr and "Traceback" not in result.stderr
    else:
        assert result.returncode == -signal.SIGKILL
    assert _digest(checkpoint) == before  # the previous checkpoint, byte for byte
    assert not [p for p in checkpoint.parent.iterdir() if p.name.startswith(".tmp-")]
    assert Engine(str(release), "cpu").shelf.load_saved("gmf") is not None

    again = _cli([*TRAIN, "--dataset", str(release), "--epochs", "1", "--force"], home)
    _, err = again.communicate(timeout=240)
    assert again.returncode == 0, err
    rec = Engine(str(release), "cpu").shelf.load_saved("gmf")
    assert rec is not None and rec.meta.epochs == 1


@pytest.mark.slow
def test_disk_full_while_saving_a_checkpoint_keeps_the_old_one(trained, home):
    release, checkpoint, before = trained
    child = _cli([*TRAIN, "--dataset", str(release), "--epochs", "1", "--force"], home,
                 limit_bytes=checkpoint.stat().st_size // 2)
    _, err = child.communicate(timeout=240)
    assert child.returncode == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "cannot write" in lines[0] and "Traceback" not in err
    assert _digest(checkpoint) == before
    assert not [p for p in checkpoint.parent.iterdir() if p.name.startswith(".tmp-")]


def test_disk_full_while_rating_keeps_every_earlier_rating(latest_release, home):
    for title, stars in (("Matrix", "5"), ("Amelie", "4")):
        ok = _cli(["--headless", "rate", title, stars, "--dataset", str(latest_release)], home)
        assert ok.wait(timeout=120) == 0, ok.stderr.read()
    profile = next((home / "data" / "profiles").glob("default.json"))
    before = profile.read_bytes()
    child = _cli(["--headless", "rate", "Film 005", "3", "--dataset", str(latest_release)], home,
                 limit_bytes=len(before))  # the new, longer file cannot be written
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert err.startswith("error: cannot write") and err.count("\n") == 1, err
    assert profile.read_bytes() == before
    assert len(ProfileStore().load("default").ratings) == 2


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOSPC])
def test_read_only_or_full_folder_is_one_clear_error(latest_release, home, monkeypatch, code):
    """Root ignores file modes, so a read-only mount is simulated where the kernel would refuse: os.replace."""
    runner = CliRunner()
    assert runner.invoke(cli, ["--headless", "rate", "Matrix", "5", "--dataset", str(latest_release)]).exit_code == 0
    before = (home / "data" / "profiles" / "default.json").read_bytes()

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", refuse)
    result = runner.invoke(cli, ["--headless", "rate", "Amelie", "4", "--dataset", str(latest_release)])
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot write") and os.strerror(code) in result.output
    assert result.output.count("\n") == 1
    assert (home / "data" / "profiles" / "default.json").read_bytes() == before
    assert not [p for p in (home / "data" / "profiles").iterdir() if p.name.startswith(".tmp-")]
