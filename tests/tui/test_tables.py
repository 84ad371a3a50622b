"""Film tables fit the terminal: fixed columns keep their width, flexible ones share the rest, optional ones go first."""

from __future__ import annotations

import pytest

from movierec.tui.widgets.chart import ChartRender, smooth
from movierec.tui.widgets.tables import Col, fit_columns

PICKS = [Col("#", 2), Col("title", 26, grow=3), Col("genres", 14, grow=1, hide=1, most=30), Col("why", 30, grow=3)]


def test_columns_share_the_width_and_never_exceed_it():
    for available in range(78, 200, 7):  # 80 columns and up (the scrollbar takes 2)
        widths = fit_columns(PICKS, [2, 60, 50, 70], available, 1, [2, 40, 40, 50])
        shown = [w for w in widths if w is not None]
        assert sum(w + 2 for w in shown) <= available
        assert widths[0] == 2 and widths[1] >= 26 and widths[3] >= 30  # title and reason always show


def test_optional_columns_give_way_first_and_come_back_when_there_is_room():
    assert fit_columns(PICKS, [2, 60, 50, 70], 78, 1)[2] is None
    assert fit_columns(PICKS, [2, 60, 50, 70], 118, 1)[2] is not None


def test_no_column_grows_past_its_widest_cell():
    widths = fit_columns(PICKS, [2, 20, 12, 25], 200, 1)
    assert widths == [2, 26, 14, 30]  # their least widths: nothing needs more


def test_loss_chart_shows_steps_range_and_a_smoothed_curve():
    from rich.console import Console

    values = [1.0 / (k + 1) for k in range(50)]
    console = Console(width=60, record=True)
    console.print(ChartRender(values, 60, 8))
    text = console.export_text()
    assert "step 50" in text and "1.000" in text and "0.020" in text
    assert all(len(line) <= 60 for line in text.splitlines())
    assert smooth([1.0, 1.0, 1.0]) == pytest.approx([1.0, 1.0, 1.0])


def test_a_genre_list_too_long_for_its_lines_ends_in_an_ellipsis():
    from rich.console import Console
    from rich.text import Text

    from movierec.tui.widgets.tables import shorten

    genres = Text("Adventure, Animation, Children, Comedy, Fantasy, Romance")
    short = shorten(genres, 26, 2)
    assert short.plain == "Adventure, Animation,\nChildren, Comedy, …"
    assert len(short.wrap(Console(width=200), 26)) == 2
    assert shorten(genres, 40, 2) is genres  # two lines hold it all: shown whole
    assert shorten(genres, 60, 1) is genres
    assert shorten(Text("Documentary"), 10, 1).plain == "…"
    for width in range(12, 60):
        for lines in (1, 2, 3):
            out = shorten(genres, width, lines)
            assert len(out.wrap(Console(width=200), width)) <= lines or lines == 0
            assert out is genres or (out.plain.endswith("…") and all(len(r) <= width for r in out.plain.split("\n")))
