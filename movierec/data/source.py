"""Read files from a MovieLens release that is a folder or a zip, by base name."""

from __future__ import annotations

import io
import lzma
import os
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from movierec.errors import DataError
from movierec.files import check_regular_path, open_regular

#: Refuse archives that would unpack to more than this (the largest release, ml-32m, is ~0.9 GB).
MAX_EXTRACT_BYTES = 8 << 30
MAX_RATIO = 200  # no MovieLens file compresses better than ~10:1
#: A folder is searched this many levels down for a release, and no further.
MAX_DEPTH = 2
MAX_FOLDER_ENTRIES = 20_000  # a release folder holds a handful; /usr holds more than is worth a look

#: The files that make a release, by layout (movielens.py reads them).
LAYOUT_FILES = {"ml-latest": ("ratings.csv", "movies.csv"), "ml-dat": ("ratings.dat", "movies.dat"),
                "ml-100k": ("u.data", "u.item")}
#: Every file the loader reads: one of these that is not a regular file stops the load.
RELEASE_NAMES = frozenset({*(n for files in LAYOUT_FILES.values() for n in files), "tags.csv", "genome-scores.csv",
                           "genome-tags.csv", "tags.dat", "u.genre"})
_HINT = "give the path of a MovieLens release folder or .zip"
# What reading a damaged member (or file) raises: a bad CRC, a size that lied, a corrupt stream, an I/O error.
_DAMAGE = (zipfile.BadZipFile, EOFError, OSError, zlib.error, lzma.LZMAError, NotImplementedError, RuntimeError)


def _check_infos(archive: Path, infos: list[zipfile.ZipInfo], max_bytes: int) -> list[zipfile.ZipInfo]:
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
            raise DataError(f"{archive} holds an unsafe path {info.filename!r}; refusing it")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise DataError(f"{archive} holds a symbolic link {info.filename!r}; refusing it")
        total += info.file_size
        if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO and info.file_size > (16 << 20):
            raise DataError(f"{archive} member {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}x; refusing a possible zip bomb")
    if total > max_bytes:
        raise DataError(f"{archive} would unpack to {total / 2**30:.1f} GiB, over the {max_bytes / 2**30:.1f} GiB limit; refusing it")
    return infos


def check_zip(archive: Path, max_bytes: int = MAX_EXTRACT_BYTES) -> list[zipfile.ZipInfo]:
    """The archive's members, after refusing unsafe ones: absolute or ``..`` paths, links, bombs."""
    with open_regular(archive, hint=_HINT, error=DataError) as handle:
        try:
            with zipfile.ZipFile(handle) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise DataError(f"{archive} is not a valid zip ({exc}); download it again") from None
    return _check_infos(archive, infos, max_bytes)


def _holds_release(names: dict[str, str]) -> bool:
    return any(all(n in names for n in needed) for needed in LAYOUT_FILES.values())


class _Guarded(io.RawIOBase):
    """A member's bytes; a read that finds damage (bad CRC, a size that lied, an I/O error) is one DataError."""

    def __init__(self, raw: BinaryIO, damaged: str) -> None:
        self._raw = raw
        self._damaged = damaged

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            return self._raw.readinto(buffer)
        except _DAMAGE as exc:
            raise DataError(self._damaged.format(exc=exc)) from None

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class ReleaseFiles:
    """The files of one release, from the one folder (of a folder or a zip) that holds one.

    GroupLens zips put everything in one top folder (``ml-1m/ratings.dat``); a user's folder may
    or may not have that extra level. Both work. When the top holds a release it is read; else the
    one folder within that does; several are refused by name, and files of different folders are
    never mixed. Only regular files are read: a device, FIFO or broken link among the release's
    files is refused in one line.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        st = check_regular_path(self.path, folder_ok=True, hint=_HINT, error=DataError)
        self._zip: zipfile.ZipFile | None = None
        self._handle: BinaryIO | None = None
        self._members: dict[str, str] = {}
        self._stats: dict[str, tuple[int, int]] = {}
        if stat.S_ISDIR(st.st_mode):
            folders = self._scan_folder()
            self._members = folders[self._choose(folders, lambda rel: str(self.path / rel))]
            self._check_members()
        else:
            folders = self._scan_zip()
            self._members = folders[self._choose(folders, lambda rel: rel)]

    # -- finding the release ---------------------------------------------------------------------
    def _scan_folder(self) -> dict[str, dict[str, str]]:
        """{relative folder: {lower-case name: path}} for entries up to MAX_DEPTH folders down."""
        folders: dict[str, dict[str, str]] = {}
        seen = 0

        def visit(folder: Path, rel: str, depth: int) -> None:
            nonlocal seen
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                if depth == 0:
                    raise DataError(f"cannot read the folder {self.path} ({exc.strerror or exc}); "
                                    "check its permissions") from None
                return  # an unreadable subfolder is not part of a release
            seen += len(entries)
            if seen > MAX_FOLDER_ENTRIES:
                raise DataError(f"{self.path} holds over {MAX_FOLDER_ENTRIES:,} files; "
                                "give the folder of one MovieLens release") from None
            names = folders.setdefault(rel, {})
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    if depth < MAX_DEPTH and not entry.name.startswith("."):
                        visit(Path(entry.path), f"{rel}/{entry.name}" if rel else entry.name, depth + 1)
                else:
                    names.setdefault(entry.name.lower(), entry.path)

        visit(self.path, "", 0)
        return folders

    def _scan_zip(self) -> dict[str, dict[str, str]]:
        self._handle = open_regular(self.path, hint=_HINT, error=DataError)
        try:
            if not zipfile.is_zipfile(self._handle):
                if self.path.suffix.lower() == ".zip":
                    raise DataError(f"{self.path} is not a readable zip (truncated or corrupt); download it again")
                raise DataError(f"{self.path} is neither a folder nor a .zip; give a MovieLens release folder or zip")
            try:
                self._zip = zipfile.ZipFile(self._handle)
                infos = self._zip.infolist()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise DataError(f"{self.path} is a damaged zip ({exc}); download it again") from None
            _check_infos(self.path, infos, MAX_EXTRACT_BYTES)
        except BaseException:
            self.close()
            raise
        folders: dict[str, dict[str, str]] = {}
        for name in sorted(info.filename for info in infos):
            if name.endswith("/") or "__MACOSX" in name:
                continue
            member = PurePosixPath(name)
            rel = "" if str(member.parent) == "." else str(member.parent)
            folders.setdefault(rel, {}).setdefault(member.name.lower(), name)
        return folders

    def _choose(self, folders: dict[str, dict[str, str]], shown) -> str:
        """The folder whose files make the release: the top one if it holds one, else the only one."""
        complete = sorted(rel for rel, names in folders.items() if _holds_release(names))
        if "" in complete:
            return ""
        if len(complete) == 1:
            return complete[0]
        if complete:
            listed = ", ".join(shown(rel) for rel in complete[:5]) + (", ..." if len(complete) > 5 else "")
            where = "extract it and give" if self._zip is not None else "give"
            self.close()
            raise DataError(f"{self.path} holds several MovieLens releases ({listed}); {where} the path of one of them")
        pairs = [" + ".join(files) for files in LAYOUT_FILES.values()]
        expected = ", ".join(pairs[:-1]) + " or " + pairs[-1]
        self.close()
        raise DataError(f"{self.path} is not a MovieLens release: expected {expected} (in it or in one folder within)")

    def _check_members(self) -> None:
        """Stat the release's files once: a non-regular one the loader reads is refused, other ones dropped."""
        for key, full in list(self._members.items()):
            try:
                st = check_regular_path(full, hint="replace it with the file from the release", error=DataError)
            except DataError:
                if key in RELEASE_NAMES:
                    raise
                del self._members[key]
                continue
            self._stats[key] = (st.st_size, st.st_mtime_ns)

    # -- reading ---------------------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def describe(self, name: str) -> str:
        """A human name for a member, for error messages."""
        member = self._members.get(name.lower(), name)
        if self._zip is not None:
            return f"{self.path.name}:{member}"
        return str(member)

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def open(self, name: str) -> BinaryIO:
        """A buffered reader of one file; damage found while reading is a DataError, never a zip exception."""
        member = self._members[name.lower()]
        if self._zip is not None:
            damaged = f"{self.path} is damaged ({member}: {{exc}}); download it again"
        else:
            damaged = f"cannot read {member} ({{exc}}); the release is damaged, download or copy it again"
        try:
            if self._zip is not None:
                if self._zip.getinfo(member).flag_bits & 0x1:
                    raise DataError(f"{self.path} holds {member} encrypted; extract it with its password "
                                    "and give the folder")
                raw = self._zip.open(member)
            else:
                raw = open_regular(member, hint="replace it with the file from the release", error=DataError)
        except _DAMAGE as exc:
            raise DataError(damaged.format(exc=exc)) from None
        return io.BufferedReader(_Guarded(raw, damaged), buffer_size=1 << 20)  # type: ignore[return-value]

    def stat_key(self) -> list:
        """What identifies this release's bytes cheaply: sizes and mtimes of the source."""
        if self._zip is not None:
            st = os.fstat(self._handle.fileno())  # type: ignore[union-attr]
            return [str(self.path.resolve()), st.st_size, st.st_mtime_ns]
        parts: list = [str(self.path.resolve())]
        for key in sorted(self._stats):
            parts.append([key, *self._stats[key]])
        return parts

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> "ReleaseFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
