"""Property-based: random arguments to every headless command end in a result or one clear error.

Exit 0 (worked), 1 (our one-line ``error:``) or 2 (click's usage error); never a traceback, never an
internal error (exit 70), never a file written outside MOVIEREC_HOME and the test's own folder.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movierec.cli import cli
from movierec.store.profiles import ProfileStore
from tests import factories

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24),
    st.sampled_from(["Matrix", "Film 003", "amelie", "", " ", "../../etc/passwd", "[bold]x[/]", "\x1b[2J",
                     "Film 0=5", "=", "Matrix=9", "Matrix=-1", "Matrix=nan", "NUL\x01", "a" * 300]),
)
NUMBER = st.one_of(st.integers(-10**12, 10**12).map(str), st.floats(allow_nan=True).map(repr),
                   st.sampled_from(["0", "0.5", "5", "5.5", "-0", "1e999", "nan", "inf", "x", ""]))
NAME = st.one_of(TEXT, st.sampled_from(["default", "work", "a/b", "..", ".hidden", "con", "x" * 200]))


def _path(root: Path):
    return st.sampled_from(["missing.json", "dir", "empty.json", "junk.json", "export.json", "x/../y.json", "new/sub/z.json",
                            "letterboxd.csv", "lb.zip"]).map(
        lambda name: str(root / name))


def commands(root: Path):
    path = _path(root)
    return st.one_of(
        st.tuples(st.just("search"), TEXT, st.sampled_from([[], ["--n", "0"], ["--n", "3"], ["--json"]])),
        st.tuples(st.just("similar"), TEXT, st.sampled_from([[], ["--n", "2"], ["--json"]])),
        st.tuples(st.just("rate"), TEXT, NUMBER, st.lists(st.sampled_from(["--json"]), max_size=1)),
        st.tuples(st.just("unrate"), TEXT),
        st.tuples(st.just("dismiss"), TEXT),
        st.tuples(st.just("ratings"), st.sampled_from([[], ["--json"]])),
        st.tuples(st.sampled_from(["watch", "unwatch"]), TEXT),
        st.tuples(st.just("watchlist"), st.sampled_from([[], ["--json"]])),
        st.tuples(st.just("starters"), st.sampled_from([["--n", "1"], ["--n", "-1"], ["--json"]])),
        st.tuples(st.just("recommend"), st.lists(st.tuples(st.just("--rate"), TEXT), max_size=2),
                  st.sampled_from([[], ["--diversity", "0.5"], ["--diversity", "-1"], ["--n", "0"], ["--genre", "Nope"],
                                   ["--from-year", "2100"], ["--to-year", "abc"], ["--mode", "content"], ["--json"]])),
        st.tuples(st.just("profile"), st.sampled_from(["export", "import"]), path, st.sampled_from([[], ["--name", "imp"]])),
        st.tuples(st.just("profile"), st.just("export"), path, st.sampled_from([["--to", "letterboxd"], ["--to", "x"]])),
        st.tuples(st.just("data"), st.sampled_from(["import"]), path),
    )


def _flatten(parts) -> list[str]:
    out: list[str] = []
    for part in parts:
        if isinstance(part, (list, tuple)):
            out.extend(_flatten(part))
        else:
            out.append(part)
    return out


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-fuzz")
    release = factories.write_latest(root / "release", factories.synthetic(n_users=20, n_items=30, per_user=8))
    (root / "dir").mkdir()
    (root / "empty.json").write_bytes(b"")
    (root / "junk.json").write_bytes(b"\xff\xfe{not json")
    (root / "letterboxd.csv").write_text("Date,Name,Year,Letterboxd URI,Rating\n2021-03-04,Film 003,1953,u,4\n"
                                         "2021-03-05,The Matrix,1999,u,5\n2021-03-06,Nope,2024,u,1\n")
    with zipfile.ZipFile(root / "lb.zip", "w") as zf:
        zf.writestr("letterboxd/watchlist.csv", "Date,Name,Year,Letterboxd URI\n2021-01-01,Film 001,1951,u\n")
    return root, release


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), profile=st.one_of(st.none(), NAME))
def test_random_command_lines_end_cleanly(sandbox, data, profile):
    root, release = sandbox
    args = _flatten(data.draw(commands(root)))
    line = ["--headless", "--dataset", str(release)] + (["--profile", profile] if profile is not None else []) + args
    before = set(os.listdir(root.parent))
    result = CliRunner().invoke(cli, line)
    text = result.output
    assert result.exit_code in (0, 1, 2), (line, result.exit_code, text)
    assert "Traceback" not in text and "internal error" not in text, (line, text)
    if result.exit_code in (1, 2):  # ours and click's usage errors alike: one line (tests/cli/test_cli_errors.py)
        errors = [x for x in text.splitlines() if x.startswith("error:")]
        assert len(errors) == 1 and "Usage:" not in text, (line, text)
    assert set(os.listdir(root.parent)) == before  # nothing written beside the sandbox (every path given is inside)
    for name in ProfileStore().names():  # every profile on disk still loads
        ProfileStore().load(name)
