"""Hostile paths and damaged data files (issue 14): each is refused in one line, never hangs.

Paths that are not regular files or folders (devices, FIFOs, also a FIFO named ``x.zip``), folders
that hold no release or several, dangling links, damaged zips, a read-only cache, latin-1 CSVs.
The CLI runs in a subprocess with a timeout (and a memory limit) wherever the old behaviour was a
hang or unbounded memory, so a regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.data import registry
from movierec.errors import DataError
from tests import factories

MEMORY_LIMIT = 3 << 30  # /dev/zero used to grow without bound: the child dies instead of the machine


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _cli(args: list[str], home: Path, timeout: float = 60, limit_memory: bool = False) -> subprocess.CompletedProcess:
    """The CLI in a child process; ``limit_memory`` only for commands that never import torch (whose CUDA
    start-up reserves more address space than the limit)."""
    env = {**os.environ, "MOVIEREC_HOME": str(home)}
    try:
        return subprocess.run([sys.executable, "-m", "movierec", *args], env=env, capture_output=True, text=True,
                              timeout=timeout, preexec_fn=_limit_memory if limit_memory else None,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"movierec {' '.join(args)} still running after {timeout} s (a hang)")


def _one_error_line(result: subprocess.CompletedProcess | object, *words: str) -> str:
    err = result.stderr if isinstance(result, subprocess.CompletedProcess) else result.output
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "internal error" not in err and "Traceback" not in err, err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _hostile(kind: str, tmp: Path) -> tuple[Path, str]:
    """A path of the given kind, and a word the one-line refusal must hold."""
    if kind == "dev-zero":
        return Path("/dev/zero"), "character device"
    if kind == "dev-urandom":
        return Path("/dev/urandom"), "character device"
    if kind == "fifo":
        return _fifo(tmp / "pipe"), "FIFO"
    if kind == "fifo-named-zip":
        return _fifo(tmp / "x.zip"), "FIFO"
    if kind == "etc":
        return Path("/etc"), "not a MovieLens release"
    if kind == "proc-self":
        return Path("/proc/self"), "not a MovieLens release"
    folder = tmp / "release"
    factories.write_latest(folder, factories.synthetic(n_users=5, n_items=8, per_user=3))
    if kind == "dangling-symlink":  # an extra file that points nowhere: ignored, the release loads
        (folder / "notes.txt").symlink_to(tmp / "nowhere")
        return folder, ""
    (folder / "ratings.csv").unlink()
    if kind == "dangling-ratings":
        (folder / "ratings.csv").symlink_to(tmp / "nowhere")
        return folder, "broken symbolic link"
    if kind == "fifo-ratings":
        _fifo(folder / "ratings.csv")
        return folder, "FIFO"
    if kind == "zero-ratings":
        (folder / "ratings.csv").symlink_to("/dev/zero")
        return folder, "character device"
    raise AssertionError(kind)


KINDS = ["dev-zero", "dev-urandom", "fifo", "fifo-named-zip", "etc", "proc-self", "dangling-ratings", "fifo-ratings",
         "zero-ratings"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_path_that_is_no_regular_file_or_folder_is_refused_in_one_line(tmp_path, home, kind):
    path, word = _hostile(kind, tmp_path)
    result = _cli(["--headless", "data", "import", str(path)], home, limit_memory=True)
    assert result.returncode == 1
    _one_error_line(result, word)


def test_a_dangling_link_beside_a_release_is_ignored(tmp_path, home):
    path, _ = _hostile("dangling-symlink", tmp_path)
    result = _cli(["--headless", "data", "import", str(path), "--json"], home)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("command", [["--headless", "search", "film"], []], ids=["search", "tui"])
def test_dataset_option_naming_a_fifo_is_refused_before_anything_opens(tmp_path, home, command):
    fifo = _fifo(tmp_path / "ml.zip")
    result = _cli(["--dataset", str(fifo), *command], home)
    assert result.returncode == 1
    _one_error_line(result, "FIFO")


def test_a_folder_that_cannot_be_listed_is_one_line(tmp_path, monkeypatch):
    """Root reads every folder, so an unreadable one is simulated where the kernel would refuse: listing it."""
    folder = factories.write_latest(tmp_path / "locked", factories.synthetic(n_users=5, n_items=8, per_user=3))
    real = os.scandir

    def refuse(path="."):
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    result = CliRunner().invoke(cli, ["--headless", "data", "import", str(folder)])
    assert result.exit_code == 1
    _one_error_line(result, "cannot read", "Permission denied")


# -- damaged zips --------------------------------------------------------------------------------
def _release_zip(tmp_path: Path, method: int = zipfile.ZIP_STORED) -> Path:
    folder = factories.write_latest(tmp_path / "ml-z", factories.synthetic())
    archive = tmp_path / "ml-z.zip"
    with zipfile.ZipFile(archive, "w", method) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"ml-z/{path.name}")
    return archive


def _data_offset(archive: Path, member: str) -> tuple[int, int]:
    """Where a member's (compressed) data starts in the archive, and how long it is."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    raw = archive.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


@pytest.mark.parametrize("member", ["ml-z/ratings.csv", "ml-z/movies.csv"])
@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_zip_with_one_flipped_byte_is_called_damaged(tmp_path, member, method):
    archive = _release_zip(tmp_path, method)
    start, size = _data_offset(archive, member)
    raw = bytearray(archive.read_bytes())
    raw[start + size // 2] ^= 0x01
    archive.write_bytes(bytes(raw))
    result = CliRunner().invoke(cli, ["--headless", "data", "import", str(archive)])
    assert result.exit_code == 1
    _one_error_line(result, "damaged", member.split("/")[1])


def test_a_zip_bomb_that_lies_about_its_size_is_called_damaged(tmp_path):
    """40 MB of zeros declared as 1,000 bytes: the size check passes, reading stops at the lie."""
    archive = tmp_path / "bomb.zip"
    folder = factories.write_latest(tmp_path / "ml-b", factories.synthetic(n_users=5, n_items=8, per_user=3))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(folder / "movies.csv", "ml-b/movies.csv")
        zf.writestr("ml-b/ratings.csv", b"userId,movieId,rating,timestamp\n" + b"0" * (40 << 20))
    raw = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("ml-b/ratings.csv")
    true_size = struct.pack("<I", info.file_size)
    lie = struct.pack("<I", 1000)
    assert raw.count(true_size) == 2  # the local header and the central directory
    archive.write_bytes(bytes(raw).replace(true_size, lie))
    result = _cli(["--headless", "data", "import", str(archive)], tmp_path / "home", limit_memory=True)
    assert result.returncode == 1
    _one_error_line(result, "damaged")


# -- which files make the release -------------------------------------------------------------------
def _two_releases(tmp_path: Path, complete_second: bool) -> Path:
    first = factories.synthetic(n_users=5, n_items=8, per_user=3, seed=1)
    second = factories.synthetic(n_users=9, n_items=12, per_user=4, seed=2)
    root = tmp_path / "two"
    factories.write_latest(root / "a", first)
    factories.write_latest(root / "b", second)
    if not complete_second:
        (root / "b" / "movies.csv").unlink()
    return root


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_several_releases_in_one_folder_or_zip_are_refused_by_name(tmp_path, zipped):
    root = _two_releases(tmp_path, complete_second=True)
    path = factories.zip_folder(root, tmp_path / "two.zip", prefix="two") if zipped else root
    with pytest.raises(DataError, match="several MovieLens releases") as err:
        registry.load_dataset(str(path))
    assert "two/a" in str(err.value) and "two/b" in str(err.value)


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_the_one_complete_release_is_read_never_mixed_with_a_stray_file(tmp_path, zipped):
    """b/ holds only a ratings.csv (sorted first in a zip as ``b`` < ``c``): it must not be read with c/movies.csv."""
    root = tmp_path / "mixed"
    complete = factories.synthetic(n_users=5, n_items=8, per_user=3, seed=1)
    stray = factories.synthetic(n_users=9, n_items=12, per_user=4, seed=2)
    factories.write_latest(root / "c", complete)
    factories.write_latest(root / "b", stray)
    for name in ("movies.csv", "tags.csv", "links.csv"):
        (root / "b" / name).unlink()
    path = factories.zip_folder(root, tmp_path / "mixed.zip", prefix="mixed") if zipped else root
    ds = registry.load_dataset(str(path), use_cache=False)
    assert ds.n_ratings == len(complete.ratings)


# -- the parsed cache is only speed ---------------------------------------------------------------
def test_a_read_only_cache_costs_speed_never_an_error(latest_release, home, monkeypatch):
    """Root ignores modes: the kernel's refusal is simulated where it would come, creating the cache folders."""
    real = os.mkdir

    def refuse(path, *args, **kwargs):
        if str(path).startswith(str(home / "cache")):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    for _ in range(2):
        result = CliRunner().invoke(cli, ["--headless", "search", "matrix", "--dataset", str(latest_release)])
        assert result.exit_code == 0, result.output
        assert "Matrix" in result.output
    assert not (home / "cache").exists()


def test_a_cache_file_that_cannot_be_written_costs_speed_never_an_error(latest_release, home, monkeypatch):
    import numpy as np

    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(np, "save", refuse)
    result = CliRunner().invoke(cli, ["--headless", "search", "matrix", "--dataset", str(latest_release)])
    assert result.exit_code == 0, result.output


# -- text encodings ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["movies.csv", "tags.csv"])
def test_latin1_text_in_a_csv_release_is_decoded_like_the_dat_files(tmp_path, name):
    data = factories.synthetic(n_users=5, n_items=8, per_user=3)
    data.tags.append((3, data.movies[0][0], "rêve éveillé", 1_000_800))
    folder = factories.write_latest(tmp_path / "latin", data)
    target = folder / name
    target.write_bytes(target.read_bytes().decode("utf-8").encode("latin-1"))
    ds = registry.load_dataset(str(folder), use_cache=False)
    first = ds.item_ids.index([data.movies[0][0]])[0]
    assert ds.catalog.titles[first] == data.movies[0][1]  # "Amélie (...)", not "Am\ufffdlie"
    assert "rêve éveillé" in ds.catalog.tags[first]


# -- movierec's own files, replaced by something that is not a file -------------------------------------
def test_a_registry_file_that_is_a_fifo_is_one_line_not_a_hang(home):
    _fifo(home / "data" / "datasets.json")
    result = _cli(["--headless", "data", "list"], home)
    assert result.returncode == 1
    _one_error_line(result, "datasets.json", "FIFO")


@pytest.mark.parametrize("name", ["manifest.json", "catalog.json", "users.npy"])
def test_a_cache_entry_holding_a_fifo_is_rebuilt_not_a_hang(latest_release, home, name):
    ok = _cli(["--headless", "search", "matrix", "--dataset", str(latest_release)], home)
    assert ok.returncode == 0, ok.stderr
    entry = next((home / "cache" / "datasets").iterdir())
    (entry / name).unlink()
    _fifo(entry / name)
    again = _cli(["--headless", "search", "matrix", "--dataset", str(latest_release)], home)
    assert again.returncode == 0, again.stderr
    assert (entry / name).is_file()  # rebuilt


@pytest.mark.parametrize("path, word", [("a" * 5000, "File name too long"), ("a/" * 3000, "File name too long"),
                                        ("~no-such-user-here/ml", "no-such-user-here")],
                         ids=["long-name", "long-path", "unknown-user"])
@pytest.mark.parametrize("command", [["data", "import"], ["search", "x", "--dataset"]], ids=["import", "dataset"])
def test_a_path_the_system_cannot_use_is_one_line(command, path, word):
    result = CliRunner().invoke(cli, ["--headless", *command, path])
    assert result.exit_code == 1
    _one_error_line(result, word)


def test_an_encrypted_zip_member_is_named_not_damaged(tmp_path):
    archive = _release_zip(tmp_path)
    raw = bytearray(archive.read_bytes())
    at = raw.find(b"PK\x01\x02")  # central directory entries: set "encrypted" on each
    while at >= 0:
        raw[at + 8] |= 1
        at = raw.find(b"PK\x01\x02", at + 4)
    archive.write_bytes(bytes(raw))
    result = CliRunner().invoke(cli, ["--headless", "data", "import", str(archive)])
    assert result.exit_code == 1
    assert "damaged" not in _one_error_line(result, "encrypted", "password")  # it was called damaged


def _cli_to(stdout: int, args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOVIEREC_HOME": str(home)}
    try:
        return subprocess.run([sys.executable, "-m", "movierec", *args], env=env, stdout=stdout, stderr=subprocess.PIPE,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"movierec {' '.join(args)} still running after 120 s (a hang)")


@pytest.mark.parametrize("args", [["--headless", "search", "the", "--n", "100"],
                                  ["--headless", "search", "the", "--n", "100", "--json"]])
def test_output_to_a_reader_that_went_away_or_a_full_disk_is_never_an_internal_error(tmp_path, args):
    """`movierec ... | head -3` ended one way for tables (rich: quiet, status 1) and another for JSON (Python's flush
    at exit: "Exception ignored ... BrokenPipeError", status 120), and `> /dev/full` said "internal error ...
    please report it" with exit 70 (fresh-eyes report). Now: a reader gone is status 1 with nothing said, as rich
    and Python's documentation do it; a full disk one error line."""
    read, write = os.pipe()
    os.close(read)  # the reader has gone before a byte is written: every write is a broken pipe
    try:
        gone = _cli_to(write, args, tmp_path / "home")
    finally:
        os.close(write)
    assert gone.returncode == 1 and gone.stderr == "", gone.stderr
    with open("/dev/full", "w") as full:
        result = _cli_to(full.fileno(), args, tmp_path / "home")
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: could not write") and "internal error" not in lines[0], lines[0]
