"""The `recommend` footer that says what a pick's match means reads whole (issue 24, item 20: it ended
"...; 58% of all of them were", as if cut off), at 80 and 120 columns."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from movierec.cli.people import meaning


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("mode", ["hybrid", "sequence", "content", "ncf"])
def test_the_match_footer_is_whole_sentences_at_any_width(width, mode):
    text = f"match: {meaning(mode, 0.58)}"
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(text, highlight=False)
    lines = out.getvalue().rstrip("\n").splitlines()
    assert all(len(line) <= width for line in lines)
    assert lines[-1].rstrip().endswith("58%.") and len(lines[-1].split()) >= 3, lines  # no number alone
    sentences = [s for s in " ".join(lines).split(". ") if s]
    assert len(sentences) == 2 and all(len(s.split()) >= 4 for s in sentences), sentences
    assert not text.rstrip(".").endswith(("were", "was", "of", "them"))
