"""Text for toasts (Textual's notifications): a file path cut only between its folders, never mid-name.

A toast is 60 columns wide at most and half the screen at least narrower (Textual's ``Toast`` CSS: ``width: 60;
max-width: 50%``), less its padding and border; its text wraps at spaces only, so a path (it has none) was cut
wherever the width ended ("...movierec/expo" / "rts/default-2026...json").
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.cells import cell_len

#: Textual's Toast: 60 columns, at most half the screen; its padding (1 a side), border and margin take 4 (measured).
TOAST_WIDTH, TOAST_FRAME = 60, 4


def toast_text_width(screen_width: int) -> int:
    """Columns of text in a toast on a screen ``screen_width`` wide."""
    return max(10, min(TOAST_WIDTH, screen_width // 2) - TOAST_FRAME)


def home_short(path: Path) -> str:
    """``path`` with the home folder as "~" ("~/.local/share/movierec/exports/x.json")."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except (ValueError, RuntimeError):  # not under home; no home
        return str(path)


def path_lines(path: Path, width: int) -> list[str]:
    """A file's folder (home as "~") cut after a "/" into lines of at most ``width`` columns, then its name on a
    line of its own: a name or folder longer than ``width`` is the only thing on its line."""
    folder = home_short(path.parent).rstrip("/") + "/"
    lines, line = [], ""
    for part in re.findall(r"[^/]*/", folder):
        if line and cell_len(line + part) > width:  # columns, not characters: 日本 takes four
            lines.append(line)
            line = ""
        line += part
    return [*lines, line, path.name]
