"""The export toast's path is cut between folders, never mid-name (issue 24, item 20): ``path_lines``."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from movierec.tui.widgets.toast import path_lines, toast_text_width


@pytest.mark.parametrize("screen", [80, 120, 200])
@pytest.mark.parametrize("folder", ["/tmp/pytest-of-root/pytest-12/test_export_toast0/home/data/exports",
                                    "/srv/日本の映画/データ/exports", "/a", "/" + "x" * 70 + "/exports"])
def test_a_path_is_cut_only_after_a_slash_and_the_name_has_its_own_line(screen, folder):
    width = toast_text_width(screen)
    lines = path_lines(Path(folder) / "Zoë-20261208-020129.json", width)
    assert lines[-1] == "Zoë-20261208-020129.json"
    assert "".join(lines[:-1]) == folder + "/" and all(line.endswith("/") for line in lines[:-1])
    # A line is over the width only when one folder name alone is.
    assert all(cell_len(line) <= width or line.count("/") == 1 for line in lines[:-1]), lines


def test_the_home_folder_is_a_tilde():
    lines = path_lines(Path.home() / ".local/share/movierec/exports/default-1.json", toast_text_width(80))
    assert lines == ["~/.local/share/movierec/exports/", "default-1.json"]


def test_the_text_width_is_the_toasts():
    assert toast_text_width(80) == 36 and toast_text_width(120) == 56 and toast_text_width(300) == 56
