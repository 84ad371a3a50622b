"""Download official GroupLens releases: progress, checksum, safe unzip, registry.

``MOVIEREC_MIRROR`` replaces the GroupLens base URL (tests point it at a local
HTTP server on 127.0.0.1). A mirror that sends under 16 KiB in ``MOVIEREC_FETCH_STALL``
seconds (default 60) has stalled, and a download that takes over ``MOVIEREC_FETCH_DEADLINE``
seconds (default 7200) is stopped: a per-read timeout alone never trips on a mirror that
trickles a byte every few seconds. A download is capped at ``MOVIEREC_FETCH_MAX_BYTES`` bytes
(default 512 MiB: ml-32m.zip, the largest release, is ~239 MB): a mirror that declares more is
refused before a byte is kept, and one that streams past the cap (declaring no length) is stopped
there, so a hostile or broken mirror cannot fill the disk. Downloads go to
``<cache>/downloads/NAME.zip.part`` and are renamed only once complete and verified; the release
is extracted into a temporary folder that is renamed into ``<data>/datasets/NAME`` at the end, so
an interrupted fetch never leaves a half-written dataset.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import math
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from movierec import paths
from movierec.data import registry
from movierec.data.source import MAX_EXTRACT_BYTES, check_zip
from movierec.errors import FetchError

BASE_URL = "https://files.grouplens.org/datasets/movielens/"
MIRROR_ENV = "MOVIEREC_MIRROR"
RELEASES = ("ml-100k", "ml-1m", "ml-10m", "ml-latest-small", "ml-20m", "ml-25m", "ml-32m")
CHUNK = 1 << 20
STALL_ENV = "MOVIEREC_FETCH_STALL"
DEADLINE_ENV = "MOVIEREC_FETCH_DEADLINE"
STALL_SECONDS = 60.0
DEADLINE_SECONDS = 7200.0  # ml-32m (240 MB) at 40 KB/s
STALL_BYTES = 16 << 10
MAX_BYTES_ENV = "MOVIEREC_FETCH_MAX_BYTES"
MAX_DOWNLOAD_BYTES = 512 << 20  # ml-32m.zip, the largest GroupLens release, is ~239 MB: twice that, and more

Progress = Callable[[int, int | None], None]


def _seconds(env: str, given: float | None, default: float) -> float:
    if given is not None:
        return given
    value = os.environ.get(env, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise FetchError(f"{env}={value!r} is not a number of seconds; unset it or give one, e.g. {env}={default:g}")
    return seconds


def max_download_bytes() -> int:
    """The download cap: ``MOVIEREC_FETCH_MAX_BYTES`` (a whole number of bytes) or ``MAX_DOWNLOAD_BYTES``."""
    value = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not value:
        return MAX_DOWNLOAD_BYTES
    if not (value.isascii() and value.isdigit()) or int(value) <= 0:
        raise FetchError(f"{MAX_BYTES_ENV}={value!r} is not a number of bytes; unset it or give one, "
                         f"e.g. {MAX_BYTES_ENV}={MAX_DOWNLOAD_BYTES}")
    return int(value)


def _over_cap(url: str, cap: int, what: str) -> FetchError:
    return FetchError(f"{url} {what}: more than the {cap:,}-byte cap on a download (the largest GroupLens "
                      f"release is ~239 MB), so nothing was kept; if that mirror is right, raise {MAX_BYTES_ENV}")


class _Pace:
    """Stall detection and an overall deadline for one transfer, checked after every read."""

    def __init__(self, url: str, stall: float | None, deadline: float | None) -> None:
        self.url = url
        self.stall = _seconds(STALL_ENV, stall, STALL_SECONDS)
        self.deadline = _seconds(DEADLINE_ENV, deadline, DEADLINE_SECONDS)
        self.start = self.window_start = time.monotonic()
        self.window_bytes = 0

    def read(self, resp, size: int, received: int) -> bytes:
        try:
            chunk = resp.read1(size)
        except TimeoutError:
            raise FetchError(f"download of {self.url} stalled: nothing received for {self.stall:g} s after "
                             f"{received:,} bytes; try again later (or raise {STALL_ENV})") from None
        except (OSError, ValueError) as exc:
            raise FetchError(f"download of {self.url} broke off after {received:,} bytes ({exc}); run the command again") from None
        now = time.monotonic()
        if now - self.start > self.deadline:
            raise FetchError(f"download of {self.url} took over {self.deadline:g} s ({received + len(chunk):,} bytes "
                             f"received); try again later or from a faster mirror (or raise {DEADLINE_ENV})")
        self.window_bytes += len(chunk)
        if now - self.window_start >= self.stall:
            if chunk and self.window_bytes < STALL_BYTES:
                raise FetchError(f"download of {self.url} stalled: {self.window_bytes:,} bytes in the last "
                                 f"{now - self.window_start:.0f} s; try again later (or raise {STALL_ENV})")
            self.window_start, self.window_bytes = now, 0
        return chunk


def base_url() -> str:
    url = os.environ.get(MIRROR_ENV, BASE_URL)
    return url if url.endswith("/") else url + "/"


def _open(url: str, timeout: float):
    if not url.startswith(("http://", "https://")):  # never file:// or ftp://: a mirror is a web server
        raise FetchError(f"{url} is not an http(s) URL; set {MIRROR_ENV} to an http(s) address")
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 (http/https only, checked above)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url} answered HTTP {exc.code}; check the dataset name or try again later") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot reach {url} ({reason}); check your network, or download the zip yourself "
                         "and run `movierec --headless data import PATH`") from None


def published_md5(name: str, timeout: float = 30.0, stall: float | None = None, deadline: float | None = None) -> str:
    url = f"{base_url()}{name}.zip.md5"
    pace = _Pace(url, stall, deadline)
    body = b""
    with _open(url, min(timeout, pace.stall)) as resp:
        while len(body) < 4096:
            chunk = pace.read(resp, 4096 - len(body), len(body))
            if not chunk:
                break
            body += chunk
    text = body.decode("ascii", "replace")
    for token in text.replace("=", " ").split():
        token = token.strip().lower()
        if len(token) == 32 and all(c in "0123456789abcdef" for c in token):
            return token
    raise FetchError(f"{url} does not hold an MD5 checksum; cannot verify the download, try again later")


def download(url: str, dest: Path, progress: Progress | None = None, timeout: float = 30.0,
             stall: float | None = None, deadline: float | None = None) -> str:
    """Stream ``url`` into ``dest`` (via ``dest.part``); return the MD5 of what was received.

    ``stall`` and ``deadline`` (seconds; default from the environment, see the module) stop a
    mirror that trickles or never ends; a body over ``max_download_bytes()`` is refused (declared) or
    stopped at the cap (streamed), and nothing is left behind.
    """
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url} is not an http(s) URL; set {MIRROR_ENV} to an http(s) address")
    pace = _Pace(url, stall, deadline)
    cap = max_download_bytes()
    part = dest.with_name(dest.name + ".part")
    md5 = hashlib.md5()  # noqa: S324 (GroupLens publishes MD5)
    try:
        with _open(url, min(timeout, pace.stall)) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            if total is not None and total > cap:  # before the .part file exists
                raise _over_cap(url, cap, f"declares {total:,} bytes")
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(part, "wb") as out:
                _stream(url, resp, out, pace, md5, cap, total, progress)
        os.replace(part, dest)
    except OSError as exc:
        raise FetchError(f"cannot save the download to {part} ({exc.strerror or exc}); free disk space and try again") from None
    finally:
        with contextlib.suppress(OSError):
            part.unlink()
    return md5.hexdigest()


def _stream(url: str, resp, out, pace: _Pace, md5, cap: int, total: int | None, progress: Progress | None) -> None:
    """Copy the body into ``out``, never more than ``cap`` bytes, checking pace and length; synced at the end."""
    received = 0
    if progress:
        progress(0, total)
    while True:
        chunk = pace.read(resp, min(CHUNK, cap + 1 - received), received)
        if not chunk:
            break
        if received + len(chunk) > cap:
            said = "sent more than it declared" if total is not None else "declared no length and sent"
            raise _over_cap(url, cap, said)
        out.write(chunk)
        md5.update(chunk)
        received += len(chunk)
        if progress:
            progress(received, total)
    if total is not None and received != total:
        raise FetchError(f"download of {url} broke off at {received:,} of {total:,} bytes; run the command again")
    out.flush()
    os.fsync(out.fileno())


def safe_extract(archive: Path, target: Path, max_bytes: int = MAX_EXTRACT_BYTES) -> Path:
    """Extract into ``target`` (which must not exist yet) with every path checked; return ``target``."""
    infos = check_zip(archive, max_bytes)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}.", dir=target.parent))
    root = tmp.resolve()
    written = 0
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in infos:
                out_path = (root / info.filename.replace("\\", "/")).resolve()
                if root not in out_path.parents and out_path != root:
                    raise FetchError(f"{archive} member {info.filename!r} would land outside {target}; refusing it")
                if info.is_dir():
                    out_path.mkdir(parents=True, exist_ok=True)
                    continue
                out_path.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out_path, "wb") as dst:
                    remaining = info.file_size
                    while True:
                        chunk = src.read(CHUNK)
                        if not chunk:
                            break
                        remaining -= len(chunk)
                        written += len(chunk)
                        if remaining < 0 or written > max_bytes:
                            raise FetchError(f"{archive} unpacks to more than it declares; refusing a possible zip bomb")
                        dst.write(chunk)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"{archive} is damaged ({exc}); download it again") from None
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"cannot extract {archive} into {target} ({exc.strerror or exc}); free disk space and try again") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def check_name(name: str) -> None:
    if name not in RELEASES:
        raise FetchError(f"unknown release {name!r}; choose one of: {', '.join(RELEASES)}")


def fetch(name: str, progress: Progress | None = None, timeout: float = 30.0,
          stall: float | None = None, deadline: float | None = None) -> registry.Entry:
    """Download, verify, extract and register one official release."""
    check_name(name)
    expected = published_md5(name, timeout, stall, deadline)
    downloads = paths.cache_dir() / "downloads"
    archive = downloads / f"{name}.zip"
    got = download(f"{base_url()}{name}.zip", archive, progress, timeout, stall, deadline)
    try:
        if got != expected:
            raise FetchError(f"{name}.zip failed its checksum (got {got}, GroupLens publishes {expected}); "
                             "the download is corrupt, run the command again")
        target = paths.data_dir() / "datasets" / name
        safe_extract(archive, target)
    finally:
        with contextlib.suppress(OSError):
            archive.unlink()
    entry = registry.register(name, target, "fetched")
    try:
        registry.load_dataset(name)
    except Exception:
        registry.unregister(name)
        shutil.rmtree(target, ignore_errors=True)
        raise
    return entry
