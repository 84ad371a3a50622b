"""The --json output of the commands that need no trained model, byte for byte, on the bundled data: the engine's
split into parts (issue 25) and its rows as dataclasses kept them identical, and this keeps them so. The files in
json_golden/ were recorded by bench/json_snapshot.sh before the split (which records the model-backed commands
too: recommend in every mode, similar --learned, eval). A deliberate change of an output updates its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli

GOLDEN = Path(__file__).parent / "json_golden"
COMMANDS = {
    "search-toy": ["search", "toy story"],
    "search-typo": ["search", "matrx", "--n", "5"],
    "search-filters": ["search", "love", "--genre", "Comedy", "--from-year", "1990", "--to-year", "1999", "--n", "8"],
    "search-empty": ["search", "", "--genre", "Horror", "--n", "5"],
    "similar-content": ["similar", "Alien", "--n", "10"],
    "starters": ["starters", "--n", "12"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_is_what_was_recorded(home, name):
    result = CliRunner().invoke(cli, ["--headless", *COMMANDS[name], "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout == (GOLDEN / f"{name}.json").read_text(encoding="utf-8")
