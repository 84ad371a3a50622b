"""Where movierec keeps its files.

platformdirs' user data / cache / config folders for "movierec". The environment
variable MOVIEREC_HOME overrides all three with one folder (tests and scripts
rely on it): ``$MOVIEREC_HOME/data``, ``/cache`` and ``/config``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "movierec"
HOME_ENV = "MOVIEREC_HOME"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def bundled_dataset_dir() -> Path:
    """The ml-latest-small release shipped inside the package (with its README.txt licence)."""
    return Path(__file__).resolve().parent / "assets" / "ml-latest-small"


def tuned_path(fingerprint: str, model: str) -> Path:
    """Best settings found by ``movierec tune`` for one dataset (by fingerprint) and model: JSON."""
    return data_dir() / "tuned" / f"{fingerprint[:16]}-{model}.json"
