"""Usage errors are one `error: ...` line that says what to do, exit 2 (click printed Usage, Try, Error);
options are checked before any work (a model was trained before --from-year > --to-year was seen)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from movierec.cli import cli

CASES = [
    (["--headless", "search", "toy", "--foo"], "error: no such option --foo; see `movierec --headless search --help`"),
    (["--headless", "recommend", "--mode", "nope"], "--mode"),
    (["--headless", "rate"], "missing argument 'TITLE'"),
    (["--headless", "rate", "Toy Story"], "missing argument 'STARS'"),
    (["--headless", "rate", "Toy Story", "many"], "'many' is not a valid float"),
    (["--headless", "nosuchcommand"], "error: no such command 'nosuchcommand'; see `movierec --help`"),
    (["--headless", "--bar"], "see `movierec --help`"),
    (["--headless", "search", "a", "b", "c"], "unexpected extra arguments"),
    (["--headless", "profile", "export"], "see `movierec --headless profile export --help`"),
    (["--headless", "data", "nope"], "no such command 'nope'; see `movierec --headless data --help`"),
    (["--headless", "recommend", "--n", "0"], "--n"),
    (["--headless", "search", "toy", "--n", "\x1b[2Jx"], "--n"),
]


@pytest.mark.parametrize("args, expect", CASES, ids=[" ".join(a[1:]) for a, _ in CASES])
def test_a_usage_error_is_one_line_that_says_where_to_look(args, expect):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expect in lines[0], lines[0]
    assert "\x1b" not in lines[0] and "Usage:" not in lines[0] and "Try " not in lines[0]
    assert "--help`" in lines[0]


def test_the_console_script_prints_the_same_one_line():
    result = subprocess.run([sys.executable, "-m", "movierec", "--headless", "search", "toy", "--foo"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: no such option --foo; see `movierec --headless search --help`"]


def test_help_and_version_are_not_errors():
    for args in (["--help"], ["--headless", "search", "--help"], ["--version"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and "error" not in result.stderr, (args, result.output)
    for args in (["--headless", "data"], ["--headless", "profile"]):  # a group alone shows its help, as before
        result = CliRunner().invoke(cli, args)
        assert "error" not in result.output and "Commands:" in result.output, (args, result.output)


@pytest.mark.parametrize("args, expect", [
    (["--from-year", "2000", "--to-year", "1990"], "--from-year 2000 is after --to-year 1990"),
    (["--genre", "Nope"], "unknown genre 'Nope'"),
])
def test_recommend_checks_its_options_before_any_work(monkeypatch, args, expect):
    import movierec.engine

    def no_engine(*a, **k):
        raise AssertionError("an engine was built (a dataset loaded, a model trained) before the options were checked")

    monkeypatch.setattr(movierec.engine, "Engine", no_engine)
    result = CliRunner().invoke(cli, ["--headless", "recommend", "--rate", "Toy Story=5", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expect in lines[0], result.stderr


@pytest.mark.parametrize("pair, expect", [
    ("Alien=7", "--rate 'Alien=7': '7' is not a rating; use 0.5 to 5 stars"),
    ("Alien=lots", "'lots' is not a rating"),
    ("Alien", "is not TITLE=STARS"),
    ("=4", "is not TITLE=STARS"),
    ("Alien=nan", "'nan' is not a rating"),
    ("Alien=inf", "'inf' is not a rating"),
    ("Alien=-inf", "'-inf' is not a rating"),
])
def test_a_malformed_rate_fails_before_the_dataset_or_device(monkeypatch, pair, expect):
    """A usage error (exit 2), as every other option that is not a value it can take (issue 24 item 21)."""
    import movierec.engine

    def no_engine(*a, **k):
        raise AssertionError("an engine was built (its device line printed) before --rate was checked")

    monkeypatch.setattr(movierec.engine, "Engine", no_engine)
    result = CliRunner().invoke(cli, ["--headless", "recommend", "--rate", "Toy Story=5", "--rate", pair])
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines == [lines[0]] and lines[0].startswith("error: ") and expect in lines[0], result.stderr
