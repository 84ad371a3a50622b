import json

import pytest
from click.testing import CliRunner

from movierec import __version__
from movierec.cli import cli
from movierec.data import registry


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_and_help():
    assert __version__ in run("--version").output
    out = run("--help").output
    assert "--headless" in out and "data" in out


def test_data_list_json_has_the_bundled_dataset():
    result = run("--headless", "data", "list", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    bundled = next(r for r in rows if r["name"] == "ml-latest-small")
    assert bundled["kind"] == "bundled"
    assert (bundled["users"], bundled["items"], bundled["ratings"]) == (610, 9742, 100836)


def test_import_registers_and_lists(latest_release, synth):
    result = run("--headless", "data", "import", str(latest_release), "--name", "mine", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["name"] == "mine" and info["ratings"] == len(synth.ratings)
    rows = json.loads(run("--headless", "data", "list", "--json").output)
    assert any(r["name"] == "mine" and r["kind"] == "imported" for r in rows)
    assert registry.load_dataset("mine").n_ratings == len(synth.ratings)


def test_bad_input_gives_one_line_and_non_zero_exit(tmp_path):
    for args in (["data", "import", str(tmp_path / "missing")],
                 ["search", "toy", "--dataset", "no-such-dataset"],
                 ["data", "fetch", "ml-7m"],
                 ["data", "import", str(tmp_path), "--name", "bad name!"]):
        result = CliRunner().invoke(cli, ["--headless", *args])
        assert result.exit_code != 0, args
        assert result.output.startswith("error: "), result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output


def test_search_json_forgives_typos():
    rows = json.loads(run("--headless", "search", "toy stroy", "--json").output)
    assert rows[0]["title"] == "Toy Story (1995)"


@pytest.mark.parametrize("n", ["0", "-5", "100000"])
@pytest.mark.parametrize("command", [["search", "toy"], ["similar", "toy"], ["starters"], ["recommend"]])
def test_every_n_option_is_range_checked_alike(command, n):
    """`search --n 0` said "no title matches" and `--n -5` printed rows; now --n is checked as everywhere else."""
    result = CliRunner().invoke(cli, ["--headless", *command, "--n", n])
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()  # one line (tests/cli/test_cli_errors.py), no Usage/Try lines
    assert len(lines) == 1 and lines[0].startswith("error: invalid value for '--n'") and "range" in lines[0], lines


@pytest.mark.parametrize("command", [["eval", "--model", "pop"], ["train", "--model", "gmf"]])
def test_a_negative_seed_is_a_usage_error(command):
    """`eval --seed -1` ended in "internal error (ValueError: expected non-negative integer)"."""
    result = CliRunner().invoke(cli, ["--headless", *command, "--seed", "-1"])
    assert result.exit_code == 2, result.output
    assert "error: invalid value for '--seed'" in result.output and "internal error" not in result.output
