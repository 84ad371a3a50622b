"""Terminal output helpers for the headless CLI: safe text, tables, JSON."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

# C0 controls except tab/newline, DEL, C1 controls: never sent to a terminal from data.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: object) -> str:
    """Data text with terminal control sequences removed (ESC becomes visible as nothing)."""
    return _CONTROL.sub("", str(text))


def safe(text: object, style: str = "") -> Text:
    """A rich Text that shows ``text`` literally: no markup, no escape sequences."""
    return Text(clean(text), style=style)


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def plural(count: int | float, word: str) -> str:
    """ "1 rating", "2 ratings", "4.5 stars", "1 star"."""
    number = f"{count:,}" if isinstance(count, int) else f"{count:g}"
    return f"{number} {word}" + ("" if count == 1 else "s")
