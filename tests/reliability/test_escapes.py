"""Titles with terminal escape sequences or rich markup are shown as text in headless output."""

from __future__ import annotations

from click.testing import CliRunner

from movierec.cli import cli
from tests import factories


def test_markup_and_escapes_in_titles_are_printed_literally(tmp_path):
    data = factories.synthetic(n_users=6, n_items=10, per_user=4)
    mid = data.movies[3][0]
    data.movies[3] = (mid, "[bold red]Evil[/] \x1b[2J\x1b]0;pwn\x07 Film (2000)", ["Comedy"])
    folder = factories.write_latest(tmp_path / "evil", data)
    result = CliRunner().invoke(cli, ["--headless", "search", "evil film", "--dataset", str(folder)])
    assert result.exit_code == 0, result.output
    assert "[bold red]Evil[/]" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
