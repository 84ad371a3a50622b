"""Hostile profile files: wrong types, huge ids, deep nesting, devices and FIFOs, odd export targets.

Each ends in one ``error:`` line (never "internal error", never a hang); a damaged stored profile is
moved aside with its valid entries kept, and the message says how many were dropped.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.errors import ProfileError
from movierec.files import read_regular
from movierec.store import profiles
from movierec.store.profiles import ProfileStore

GOOD = {"movie_id": 1, "title": "Toy Story (1995)", "stars": 4.5, "time": 1.0}


def _profile(**parts) -> dict:
    return {"format": "movierec-profile", "version": 1, "name": "default", "ratings": [GOOD], "not_interested": [],
            **parts}


BAD_PROFILES = {
    "ratings-null": _profile(ratings=None, not_interested=[{"movie_id": 3, "time": 1.0}]),
    "ratings-5": _profile(ratings=5, not_interested=[{"movie_id": 3, "time": 1.0}]),
    "not-interested-float": _profile(not_interested=3.5),
    "huge-id": _profile(ratings=[GOOD, {"movie_id": 10**30, "stars": 4}]),
    "negative-id": _profile(ratings=[GOOD, {"movie_id": -3, "stars": 4}]),
    "stars-out-of-range": _profile(ratings=[GOOD, {"movie_id": 2, "stars": 7}]),
    "stars-huge-int": _profile(ratings=[GOOD, {"movie_id": 2, "stars": 10**400}]),
    "time-huge-int": _profile(ratings=[GOOD, {"movie_id": 2, "stars": 3, "time": 10**400}]),
    "name-not-text": _profile(name=["x"]),
    "space-not-text": _profile(ratings=[GOOD, {"movie_id": 2, "stars": 3, "space": 100}]),
}


def _run(*args: str):
    result = CliRunner().invoke(cli, ["--headless", *args], catch_exceptions=False)
    return result.exit_code, result.output


def _one_error_line(code: int, output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip() and not line.startswith("device: ")]
    assert code != 0 and len(lines) == 1 and lines[0].startswith("error: "), output
    assert "internal error" not in output and "Traceback" not in output
    return lines[0]


def _write_stored(home: Path, text: str) -> Path:
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "default.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_a_profile_with_wrong_types_is_moved_aside_and_its_valid_entries_kept(home, case):
    text = json.dumps(BAD_PROFILES[case])
    path = _write_stored(home, text)
    line = _one_error_line(*_run("ratings"))
    assert "moved to" in line and "1 valid entries were kept" in line and "1 dropped" in line, line
    aside = [p for p in path.parent.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == text  # the damaged copy as it was
    code, output = _run("ratings", "--json")  # the salvaged profile works from now on
    kept = json.loads(output)
    assert code == 0 and len(kept["ratings"]) + len(kept["not_interested"]) == 1


def test_a_profile_nested_100000_deep_is_damage_not_a_crash(home):
    path = _write_stored(home, "[" * 100_000 + "]" * 100_000)
    line = _one_error_line(*_run("ratings"))
    assert "moved to" in line and "empty profile" in line
    assert not path.exists() and _run("ratings")[0] == 0


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_import_of_a_profile_with_wrong_types_is_refused_whole(home, tmp_path, case):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(BAD_PROFILES[case]))
    line = _one_error_line(*_run("profile", "import", str(source)))
    assert "nothing was imported" in line
    assert not (home / "data" / "profiles" / "default.json").exists()


def test_import_of_a_deeply_nested_file_is_one_line(tmp_path):
    source = tmp_path / "deep.json"
    source.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    assert "nothing was imported" in _one_error_line(*_run("profile", "import", str(source)))


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder", "too-big"])  # a folder: click refuses it first
def test_import_refuses_what_is_not_a_small_regular_file_at_once(tmp_path, kind, monkeypatch):
    if kind == "dev-zero":
        source = Path("/dev/zero")
    elif kind == "fifo":
        source = tmp_path / "x.json"
        os.mkfifo(source)  # no writer: reading it would wait forever
    elif kind == "folder":
        source = tmp_path / "d.json"
        source.mkdir()
    else:
        monkeypatch.setattr(profiles, "MAX_BYTES", 1000)
        source = tmp_path / "big.json"
        source.write_text(json.dumps(_profile(ratings=[GOOD] * 100)))
    with pytest.raises(profiles.ProfileError, match="regular file|MiB"):
        ProfileStore().import_file(source)
    if kind != "folder":
        line = _one_error_line(*_run("profile", "import", str(source)))
        assert "regular file" in line or "MiB" in line, line


def _place_stored(home: Path, tmp_path: Path, kind: str, monkeypatch) -> Path:
    folder = home / "data" / "profiles"
    folder.mkdir(parents=True)
    path = folder / "default.json"
    if kind == "fifo":
        os.mkfifo(path)  # no writer: reading it would wait forever
    elif kind in ("dev-zero", "dev-null"):
        path.symlink_to(f"/dev/{kind[4:]}")  # a character device where the profile belongs (never ends / empty)
    else:
        monkeypatch.setattr(profiles, "MAX_BYTES", 1000)
        path.write_text(json.dumps(_profile(ratings=[GOOD] * 100)))  # valid, but over the cap
    return path


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-null", "too-big"])
@pytest.mark.parametrize("command", ["ratings", "rate", "export"])
def test_a_stored_profile_that_is_no_small_regular_file_is_refused_and_left_alone(home, tmp_path, latest_release,
                                                                                   kind, command, monkeypatch):
    path = _place_stored(home, tmp_path, kind, monkeypatch)
    before = os.lstat(path)
    args = {"ratings": ["ratings"], "export": ["profile", "export", str(tmp_path / "out.json")],
            "rate": ["rate", "Matrix, The (1999)", "4", "--dataset", str(latest_release)]}[command]
    line = _one_error_line(*_run(*args))
    assert ("not a regular file" in line or "MiB a profile may be" in line) and "left as it is" in line, line
    assert str(path) in line and "moved" not in line
    after = os.lstat(path)  # not moved aside, not replaced, not written
    assert (after.st_ino, after.st_mode, after.st_size) == (before.st_ino, before.st_mode, before.st_size)
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == ["default.json"]
    assert not (tmp_path / "out.json").exists()


def test_read_regular_reads_up_to_its_cap_and_refuses_one_byte_more(tmp_path):
    exact, over = tmp_path / "exact", tmp_path / "over"
    exact.write_bytes(b"x" * 1000)
    over.write_bytes(b"x" * 1001)
    assert read_regular(exact, max_bytes=1000, error=ProfileError) == b"x" * 1000
    with pytest.raises(ProfileError, match=r"over is larger than the .* MiB a profile may be; say why$"):
        read_regular(over, max_bytes=1000, what="a profile", hint="say why", error=ProfileError)


def test_ratings_reads_a_read_only_home_without_a_lock_file(home, monkeypatch):
    ProfileStore().rate("default", 1, 4.0, "Toy Story (1995)")
    for lock in (home / "data" / "profiles").glob("*.lock"):
        lock.unlink()

    def refuse(*args, **kwargs):  # tests run as root, which ignores file modes: refuse lock files instead
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(profiles.FileLock, "acquire", refuse)
    code, output = _run("ratings", "--json")
    assert code == 0 and [r["movie_id"] for r in json.loads(output)["ratings"]] == [1]
    assert not list((home / "data" / "profiles").glob("*.lock"))


@pytest.mark.parametrize("name", ["me\n", "me\nyou", "\nme"])
def test_a_profile_name_with_a_newline_is_refused(name):
    line = _one_error_line(*_run("ratings", "--profile", name))
    assert "not a valid profile name" in line


@pytest.mark.parametrize("kind", ["dev-null", "symlink", "fifo", "folder"])
def test_export_never_replaces_a_target_that_is_not_a_regular_file(home, tmp_path, kind):
    ProfileStore().rate("default", 1, 4.0, "Toy Story (1995)")
    if kind == "dev-null":
        target = Path("/dev/null")
    elif kind == "symlink":
        elsewhere = tmp_path / "elsewhere.txt"
        elsewhere.write_text("keep me")
        target = tmp_path / "link.json"
        target.symlink_to(elsewhere)
    elif kind == "fifo":
        target = tmp_path / "pipe.json"
        os.mkfifo(target)
    else:
        target = tmp_path / "folder.json"
        target.mkdir()
    before = os.lstat(target)
    code, output = _run("profile", "export", str(target))
    assert code != 0 and "internal error" not in output and "Traceback" not in output, output
    after = os.lstat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    if kind == "symlink":
        assert elsewhere.read_text() == "keep me"


def test_export_onto_an_existing_regular_file_replaces_it(tmp_path):
    ProfileStore().rate("default", 1, 4.0, "Toy Story (1995)")
    target = tmp_path / "out.json"
    target.write_text("old")
    assert _run("profile", "export", str(target))[0] == 0
    assert json.loads(target.read_text())["ratings"][0]["movie_id"] == 1


@pytest.mark.parametrize("command", [["rate", "Matrix, The (1999)", "4"], ["recommend", "--mode", "content"]])
def test_rate_and_recommend_on_a_damaged_profile_end_in_one_line(home, latest_release, command):
    _write_stored(home, json.dumps(BAD_PROFILES["huge-id"]))
    line = _one_error_line(*_run(*command, "--dataset", str(latest_release)))
    assert "moved to" in line and "1 dropped" in line
    code, output = _run(*command, "--dataset", str(latest_release))
    assert code == 0, output
