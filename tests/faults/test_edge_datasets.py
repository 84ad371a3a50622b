"""Degenerate datasets: each command either works or says in one line why it cannot."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from tests import factories

S = factories.Synthetic


def _movies(n: int) -> list:
    return [(m + 1, f"Film {m} (2000)", ["Drama" if m % 2 else "Comedy"]) for m in range(n)]


CASES = {
    "one_user": S([(1, m + 1, 4.0, 1000 + m) for m in range(12)], _movies(20), []),
    "one_item": S([(u + 1, 1, 4.0, 1000 + u) for u in range(10)], _movies(1), []),
    "single_ratings": S([(u + 1, u % 5 + 1, 4.0, 1000 + u) for u in range(10)], _movies(5), []),
    "unrated_items": S([(u + 1, (u + m) % 6 + 1, 4.0, 1000 + m) for u in range(8) for m in range(4)], _movies(30), []),
    "everyone_everything": S([(u + 1, m + 1, 3.0 + (u + m) % 3, 1000 + m) for u in range(8) for m in range(6)],
                             _movies(6), []),
}

# (case, command) -> None when it must work, else a phrase its one-line error must contain.
NO_NEGATIVES = "no unrated items to sample"
NOTHING_TO_HOLD_OUT = "nothing to hold out"
EXPECT = {
    ("one_item", "train"): NO_NEGATIVES,
    ("one_item", "eval"): NOTHING_TO_HOLD_OUT,
    ("single_ratings", "eval"): NOTHING_TO_HOLD_OUT,
    ("everyone_everything", "eval"): "no negatives to sample",
}
COMMANDS = {
    "train": ["train", "--model", "gmf", "--epochs", "2", "--json"],
    "eval": ["eval", "--model", "all", "--epochs", "2", "--json"],
    "recommend": ["recommend", "--rate", "Film 0=5", "--json"],
    "search": ["search", "Film", "--json"],
}


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("edge")
    return {name: factories.write_latest(root / name, data) for name, data in CASES.items()}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CASES))
def test_edge_dataset(releases, case, command):
    result = CliRunner().invoke(cli, ["--headless", *COMMANDS[command], "--dataset", str(releases[case])])
    assert "Traceback" not in result.output and result.exit_code in (0, 1), result.output
    expected = EXPECT.get((case, command))
    if expected is None:
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        if command == "eval":
            assert all(0 <= r["hr"] <= 1 for r in data["results"]) and data["users"] > 0
        if command == "recommend":
            assert all(p["title"] != "Film 0 (2000)" for p in data["picks"])
            if case == "one_item":  # the only film is rated: an empty list, and why
                assert data["picks"] == [] and data["note"].startswith("nothing left to recommend")
            elif case == "everyone_everything":
                # Every film is rated by everyone, but training still has unrated films (each user's validation
                # and test films), so NCF trains; validation may sample the test film (it never looks at test
                # items). Only the evaluation, which must leave every rated film out, has nothing to sample.
                assert len(data["picks"]) == 5 and data["note"] == "" and data["mix"].get("ncf", 0) > 0
            else:
                assert data["picks"] and data["note"] == ""
    else:
        errors = [line for line in result.output.splitlines() if line.startswith("error:")]
        assert result.exit_code == 1 and len(errors) == 1 and expected in errors[0], result.output
