"""The fetch path against a local HTTP server on 127.0.0.1 serving zips the tests build."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import io
import stat
import threading
import time
import zipfile
from pathlib import Path

import pytest

from movierec.data import fetch, registry
from movierec.errors import DataError, FetchError
from tests import factories


class _Server:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.truncate: set[str] = set()
        self.trickle: dict[str, float] = {}  # path -> seconds between bytes sent
        self.declare: dict[str, int] = {}  # path -> the Content-Length sent instead of the body's
        self.undeclared: set[str] = set()  # paths sent with no Content-Length (the end: the connection closes)
        files, truncate, trickle = self.files, self.truncate, self.trickle
        declare, undeclared = self.declare, self.undeclared

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                path = self.path.lstrip("/")
                self.send_response(200)
                if path not in undeclared:
                    self.send_header("Content-Length", str(declare.get(path, len(body))))
                self.end_headers()
                if path in undeclared or path in declare:  # the body, then the end of the connection
                    with contextlib.suppress(OSError):
                        self.wfile.write(body)
                        self.wfile.flush()
                    self.close_connection = True
                    return
                pause = trickle.get(self.path.lstrip("/"))
                if pause is not None:  # one byte at a time, until the client hangs up
                    try:
                        for i in range(len(body)):
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(pause)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if self.path.lstrip("/") in truncate:
                    self.wfile.write(body[: len(body) // 3])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, name: str, body: bytes, md5: str | None = None) -> None:
        self.files[f"{name}.zip"] = body
        self.files[f"{name}.zip.md5"] = f"MD5 ({name}.zip) = {md5 or hashlib.md5(body).hexdigest()}\n".encode()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    srv = _Server()
    monkeypatch.setenv("MOVIEREC_MIRROR", srv.url)
    yield srv
    srv.close()


@pytest.fixture
def release_zip(tmp_path, synth) -> bytes:
    folder = factories.write_latest(tmp_path / "ml-latest-small", synth)
    return factories.zip_folder(folder, tmp_path / "rel.zip").read_bytes()


def _no_leftovers(home: Path) -> None:
    data = home / "data" / "datasets"
    assert not data.exists() or not any(data.iterdir())
    downloads = home / "cache" / "downloads"
    assert not downloads.exists() or not any(downloads.iterdir())


def test_fetch_downloads_verifies_extracts_and_registers(server, release_zip, home, synth):
    server.publish("ml-100k", release_zip)
    seen = []
    entry = fetch.fetch("ml-100k", progress=lambda done, total: seen.append((done, total)))
    assert entry.kind == "fetched"
    assert seen[0] == (0, len(release_zip)) and seen[-1] == (len(release_zip), len(release_zip))
    ds = registry.load_dataset("ml-100k")
    assert ds.n_ratings == len(synth.ratings)
    assert {e.name for e in registry.entries()} >= {"ml-100k", "ml-latest-small"}
    assert not any((home / "cache" / "downloads").iterdir())


def test_checksum_mismatch_leaves_nothing(server, release_zip, home):
    server.publish("ml-1m", release_zip, md5="0" * 32)
    with pytest.raises(FetchError, match="checksum"):
        fetch.fetch("ml-1m")
    _no_leftovers(home)
    assert "ml-1m" not in {e.name for e in registry.entries()}


def test_interrupted_transfer_leaves_nothing(server, release_zip, home):
    server.publish("ml-20m", release_zip)
    server.truncate.add("ml-20m.zip")
    with pytest.raises(FetchError, match="broke off"):
        fetch.fetch("ml-20m")
    _no_leftovers(home)


def test_network_failure_and_unknown_names(monkeypatch, home):
    monkeypatch.setenv("MOVIEREC_MIRROR", "http://127.0.0.1:9/")  # discard port: nothing listens
    with pytest.raises(FetchError, match="cannot reach"):
        fetch.fetch("ml-25m", timeout=2)
    with pytest.raises(FetchError, match="unknown release"):
        fetch.fetch("ml-7m")
    _no_leftovers(home)


def test_missing_release_on_the_server_is_a_clear_error(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch.fetch("ml-32m")


def _zip_with(tmp_path: Path, name: str, member: str, data: bytes = b"x", symlink: bool = False) -> Path:
    archive = tmp_path / name
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo(member)
        if symlink:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, data)
    return archive


@pytest.mark.parametrize("member, symlink", [("../escape.txt", False), ("/abs/escape.txt", False),
                                             ("ml/../../escape.txt", False), ("ml/link", True)])
def test_unsafe_zips_are_refused(tmp_path, member, symlink):
    archive = _zip_with(tmp_path, "evil.zip", member, b"/etc/passwd" if symlink else b"x", symlink)
    target = tmp_path / "out" / "target"
    with pytest.raises(DataError, match="unsafe path|symbolic link"):
        fetch.safe_extract(archive, target)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out" / "escape.txt").exists()
    assert not target.exists()
    with pytest.raises(DataError):  # import reads zips through the same check
        registry.load_dataset(str(archive))


def test_zip_bomb_is_stopped_by_the_size_limit(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ml/ratings.csv", b"0" * (40 << 20))
    with pytest.raises(DataError, match="zip bomb"):
        fetch.safe_extract(archive, tmp_path / "t")
    plain = tmp_path / "big.zip"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("ml/ratings.csv", b"0" * (2 << 20))
    with pytest.raises(DataError, match="over the"):
        fetch.safe_extract(plain, tmp_path / "t", max_bytes=1 << 20)
    assert not (tmp_path / "t").exists()


def test_fetch_of_a_bad_zip_from_the_server(server, home):
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w") as zf:
        zf.writestr("../../evil.txt", b"x")
    server.publish("ml-25m", body.getvalue())
    with pytest.raises(DataError, match="unsafe path"):
        fetch.fetch("ml-25m")
    _no_leftovers(home)


def test_a_mirror_that_trickles_is_a_stall_in_one_line(server, release_zip, home, monkeypatch):
    """One byte every 0.2 s never trips a per-read timeout; under 16 KiB in the stall window (1 s here) is a stall."""
    from click.testing import CliRunner

    from movierec.cli import cli

    server.publish("ml-1m", release_zip)
    server.trickle["ml-1m.zip"] = 0.2
    monkeypatch.setenv(fetch.STALL_ENV, "1")
    result = CliRunner().invoke(cli, ["--headless", "data", "fetch", "ml-1m"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "stalled" in lines[0], result.output
    assert fetch.STALL_ENV in lines[0]
    _no_leftovers(home)


def test_a_download_past_its_deadline_is_stopped(server, release_zip, home, monkeypatch):
    """Fast enough never to stall (the window is 60 s), too slow to finish: the overall deadline (1 s here) ends it."""
    server.publish("ml-1m", release_zip)
    server.trickle["ml-1m.zip"] = 0.01
    monkeypatch.setenv(fetch.DEADLINE_ENV, "1")
    with pytest.raises(FetchError, match=f"took over 1 s.*{fetch.DEADLINE_ENV}"):
        fetch.fetch("ml-1m")
    _no_leftovers(home)


def test_a_silent_mirror_is_a_stall_and_bad_limits_are_named(server, release_zip, home, monkeypatch):
    server.publish("ml-1m", release_zip)
    server.trickle["ml-1m.zip"] = 5  # one byte, then silence
    monkeypatch.setenv(fetch.STALL_ENV, "0.5")
    with pytest.raises(FetchError, match="stalled"):
        fetch.fetch("ml-1m")
    _no_leftovers(home)
    monkeypatch.setenv(fetch.STALL_ENV, "soon")
    with pytest.raises(FetchError, match=f"{fetch.STALL_ENV}='soon' is not a number of seconds"):
        fetch.fetch("ml-1m")


def test_a_mirror_that_is_not_http_is_refused_before_any_read(monkeypatch, tmp_path, home):
    """A file:// mirror used to be read for the checksum (the download itself was refused)."""
    (tmp_path / "ml-1m.zip.md5").write_text("0" * 32)
    monkeypatch.setenv("MOVIEREC_MIRROR", tmp_path.as_uri())
    with pytest.raises(FetchError, match="http"):
        fetch.published_md5("ml-1m")
    _no_leftovers(home)


# -- a size cap: a mirror that declares (or streams) more than any release is refused ------------------------
def test_the_default_cap_has_headroom_over_the_largest_release():
    """ml-32m.zip, the largest GroupLens release, is about 239 MB: the cap leaves twice that."""
    assert fetch.MAX_DOWNLOAD_BYTES >= 2 * 239_000_000


def test_a_declared_length_over_the_cap_is_refused_before_any_byte_is_kept(server, release_zip, home, monkeypatch):
    server.publish("ml-32m", release_zip)
    server.declare["ml-32m.zip"] = 10 * 10**9  # "10 GB", then the connection closes after the real body
    seen = []
    with pytest.raises(FetchError, match=r"declares 10,000,000,000 bytes: more than the 536,870,912-byte cap.*"
                                         f"{fetch.MAX_BYTES_ENV}"):
        fetch.fetch("ml-32m", progress=lambda done, total: seen.append(done))
    assert not any(seen)  # nothing was read, let alone written
    _no_leftovers(home)


def test_a_stream_without_a_length_is_stopped_at_the_cap_and_leaves_nothing(server, release_zip, home, monkeypatch):
    from click.testing import CliRunner

    from movierec.cli import cli

    server.publish("ml-32m", release_zip)
    server.undeclared.add("ml-32m.zip")
    cap = len(release_zip) // 2
    monkeypatch.setenv(fetch.MAX_BYTES_ENV, str(cap))
    result = CliRunner().invoke(cli, ["--headless", "data", "fetch", "ml-32m"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output, result.output
    assert f"declared no length and sent: more than the {cap:,}-byte cap" in lines[0], lines[0]
    assert fetch.MAX_BYTES_ENV in lines[0]
    _no_leftovers(home)


def test_a_release_at_or_under_the_cap_still_downloads_with_or_without_a_length(server, release_zip, home, monkeypatch):
    monkeypatch.setenv(fetch.MAX_BYTES_ENV, str(len(release_zip)))  # exactly the size: allowed
    server.publish("ml-1m", release_zip)
    server.undeclared.add("ml-1m.zip")
    assert fetch.fetch("ml-1m").kind == "fetched"
    server.publish("ml-10m", release_zip)
    assert fetch.fetch("ml-10m").kind == "fetched"


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1e3", "nan"])
def test_a_bad_cap_is_named(server, release_zip, home, monkeypatch, value):
    server.publish("ml-1m", release_zip)
    monkeypatch.setenv(fetch.MAX_BYTES_ENV, value)
    with pytest.raises(FetchError, match=f"{fetch.MAX_BYTES_ENV}={value!r} is not a number of bytes"):
        fetch.fetch("ml-1m")
    _no_leftovers(home)
