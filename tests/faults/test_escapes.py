"""Titles with terminal escape sequences, bidi controls or rich markup are shown as text in headless output."""

from __future__ import annotations

import json

from click.testing import CliRunner

from movierec.cli import cli
from movierec.console import clean
from tests import factories


def test_markup_and_escapes_in_titles_are_printed_literally(tmp_path):
    data = factories.synthetic(n_users=6, n_items=10, per_user=4)
    mid = data.movies[3][0]
    data.movies[3] = (mid, "[bold red]Evil[/] \x1b[2J\x1b]0;pwn\x07 Film (2000)", ["Comedy"])
    folder = factories.write_latest(tmp_path / "evil", data)
    # Its title as a search sees it: "bold red evil 2j 0 pwn film" ("evil film" is no close match of that).
    result = CliRunner().invoke(cli, ["--headless", "search", "bold red evil", "--dataset", str(folder)])
    assert result.exit_code == 0, result.output
    assert "[bold red]Evil[/]" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _release_with(tmp_path, title: str):
    data = factories.synthetic(n_users=6, n_items=10, per_user=4)
    mid = data.movies[3][0]
    data.movies[3] = (mid, title, ["Comedy"])
    return factories.write_latest(tmp_path / "bidi", data)


def test_bidi_controls_never_reach_the_terminal_and_json_escapes_them(tmp_path):
    """A right-to-left override in a title reversed the rest of the table row."""
    title = "Evil \u202eFilm\u202c \u2066x\u2069 (2000)"
    folder = _release_with(tmp_path, title)
    runner = CliRunner()
    for args in (["search", "evil film"], ["similar", "evil film"]):
        result = runner.invoke(cli, ["--headless", *args, "--dataset", str(folder)])
        assert result.exit_code == 0, result.output
        assert "Evil Film x" in result.output, result.output
        assert not any(ch in result.output for ch in BIDI), (args, result.output)
    result = runner.invoke(cli, ["--headless", "search", "evil film", "--json", "--dataset", str(folder)])
    assert result.exit_code == 0 and not any(ch in result.output for ch in BIDI)
    assert "\\u202e" in result.output
    assert json.loads(result.output)[0]["title"] == title  # the data is kept, only escaped


def test_markup_in_a_title_is_literal_in_table_titles_too(tmp_path):
    folder = _release_with(tmp_path, "[bold red]Evil[/] Film (2000)")
    result = CliRunner().invoke(cli, ["--headless", "similar", "[bold red]Evil[/] Film (2000)", "--dataset", str(folder)])
    assert result.exit_code == 0, result.output
    assert "More like [bold red]Evil[/] Film" in result.output


def test_error_lines_carry_no_bidi_controls(tmp_path):
    folder = _release_with(tmp_path, "Evil \u202eFilm\u202c (2000)")
    result = CliRunner().invoke(cli, ["--headless", "unrate", "evil film", "--dataset", str(folder)])
    assert result.exit_code == 1 and "not rated" in result.output
    assert result.output.startswith("error:") and not any(ch in result.output for ch in BIDI), result.output


def test_clean_strips_every_bidi_control_and_keeps_the_text():
    assert clean("a" + BIDI + "b\tc\nd\x1b[0m") == "ab\tc\nd[0m"
    assert clean("\u05e9\u05dc\u05d5\u05dd Amélie") == "\u05e9\u05dc\u05d5\u05dd Amélie"  # Hebrew letters stay
