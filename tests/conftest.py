from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories


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
