"""The tuned-settings file (store/tuned.py): one that is a FIFO is refused in one line, and one written before
NCF's "l2" was renamed keeps its value."""

from __future__ import annotations

import json

import pytest

from movierec import paths



def test_a_tuned_settings_file_that_is_a_fifo_is_refused_in_one_line_without_hanging(tmp_path):
    import os

    from movierec import paths
    from movierec.store import tuned
    from movierec.errors import MovieRecError

    path = paths.tuned_path("f" * 40, "ease")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)  # opening it to read would block for ever; reading goes through files.read_regular
    with pytest.raises(MovieRecError, match="not a regular file|is a FIFO|named pipe") as err:
        tuned.load("f" * 40, "ease")
    assert "\n" not in str(err.value)


def test_a_file_tuned_before_embedding_l2_was_renamed_keeps_its_value(tmp_path):
    """NCF's "l2" (tuned files written before the rename) reads as embedding_l2; EASE's "l2" stays its own."""
    from movierec.store import tuned

    for model, settings in (("neumf", {"l2": 3e-3, "factors": 64}), ("ease", {"l2": 800.0})):
        path = paths.tuned_path("e" * 40, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"format": tuned.FORMAT, "fingerprint": "e" * 40, "settings": settings}))
    assert tuned.load("e" * 40, "neumf")[0] == {"embedding_l2": 3e-3, "factors": 64}
    assert tuned.load("e" * 40, "ease")[0] == {"l2": 800.0}
