"""Terminal output helpers for the headless CLI: safe text, tables, JSON."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

# Bidi controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the marks
# (U+200E, U+200F, U+061C). A right-to-left override in a title reverses the rest of the line.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 controls except tab/newline, DEL, C1 controls, bidi controls: never sent to a terminal from data.
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")
# What json.dumps(ensure_ascii=False) leaves raw and a terminal would act on: escaped as \uXXXX.
_JSON_RAW = re.compile(f"[\\x7f-\\x9f{_BIDI}]")


#: The mark of a film on your watchlist, in the CLI's tables and the TUI's lists.
WATCH_MARK = "\u25c6"


def clean(text: object) -> str:
    """Data text with terminal control sequences and bidi controls removed: the one filter for terminal output.

    Every place data reaches the terminal goes through it (``safe`` here and in the TUI's tables,
    error lines, notifications); JSON output keeps the data but escapes the same characters.
    """
    return _CONTROL.sub("", str(text))


def safe(text: object, style: str = "") -> Text:
    """A rich Text that shows ``text`` literally: no markup, no escape sequences."""
    return Text(clean(text), style=style)


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    """Notes and progress lines: never hard-wrapped (rich wraps at 80 columns when stderr is a log or a pipe)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def dumps_json(obj: Any) -> str:
    """JSON with non-ASCII text kept readable, but DEL, C1 and bidi controls escaped (they only occur in strings)."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(obj: Any) -> None:
    sys.stdout.write(dumps_json(obj) + "\n")
    sys.stdout.flush()


def plural(count: int | float, word: str) -> str:
    """ "1 rating", "2 ratings", "4.5 stars", "1 star"."""
    number = f"{count:,}" if isinstance(count, int) else f"{count:g}"
    return f"{number} {word}" + ("" if count == 1 else "s")
