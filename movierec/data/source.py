"""Read files from a MovieLens release that is a folder or a zip, by base name."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from movierec.errors import DataError

#: Refuse archives that would unpack to more than this (the largest release, ml-32m, is ~0.9 GB).
MAX_EXTRACT_BYTES = 8 << 30
MAX_RATIO = 200  # no MovieLens file compresses better than ~10:1


def check_zip(archive: Path, max_bytes: int = MAX_EXTRACT_BYTES) -> list[zipfile.ZipInfo]:
    """The archive's members, after refusing unsafe ones: absolute or ``..`` paths, links, bombs."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"{archive} is not a valid zip ({exc}); download it again") from None
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


class ReleaseFiles:
    """The files of one release, found by base name at the shallowest depth.

    GroupLens zips put everything in one top folder (``ml-1m/ratings.dat``);
    a user's folder may or may not have that extra level. Both work.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise DataError(f"{self.path} does not exist; give the path of a MovieLens folder or .zip, or a name from `movierec --headless data list`")
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if self.path.is_dir():
            for root, dirs, files in os.walk(self.path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                depth = len(Path(root).relative_to(self.path).parts)
                if depth > 2:
                    continue
                for name in sorted(files):
                    key = name.lower()
                    full = str(Path(root) / name)
                    if key not in self._members or depth < self._depth(self._members[key]):
                        self._members[key] = full
        elif zipfile.is_zipfile(self.path):
            check_zip(self.path)
            try:
                self._zip = zipfile.ZipFile(self.path)
                names = self._zip.namelist()
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DataError(f"{self.path} is a damaged zip ({exc}); download it again") from None
            for name in sorted(names, key=lambda n: (n.count("/"), n)):
                if name.endswith("/") or "__MACOSX" in name:
                    continue
                key = PurePosixPath(name).name.lower()
                self._members.setdefault(key, name)
        elif self.path.suffix.lower() == ".zip":
            raise DataError(f"{self.path} is not a readable zip (truncated or corrupt); download it again")
        else:
            raise DataError(f"{self.path} is neither a folder nor a .zip; give a MovieLens release folder or zip")

    def _depth(self, full: str) -> int:
        return len(Path(full).relative_to(self.path).parts)

    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def describe(self, name: str) -> str:
        """A human name for a member, for error messages."""
        member = self._members.get(name.lower(), name)
        if self._zip is not None:
            return f"{self.path.name}:{member}"
        return str(member)

    def read_bytes(self, name: str) -> bytes:
        member = self._members[name.lower()]
        try:
            if self._zip is not None:
                return self._zip.read(member)
            return Path(member).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise DataError(f"cannot read {self.describe(name)} ({exc}); the release is damaged, download or copy it again") from None

    def open(self, name: str) -> BinaryIO:
        member = self._members[name.lower()]
        try:
            if self._zip is not None:
                return io.BufferedReader(self._zip.open(member), buffer_size=1 << 20)  # type: ignore[arg-type]
            return open(member, "rb")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise DataError(f"cannot read {self.describe(name)} ({exc}); the release is damaged, download or copy it again") from None

    def stat_key(self) -> list:
        """What identifies this release's bytes cheaply: sizes and mtimes of the source."""
        if self._zip is not None:
            st = self.path.stat()
            return [str(self.path.resolve()), st.st_size, st.st_mtime_ns]
        parts: list = [str(self.path.resolve())]
        for key in sorted(self._members):
            st = os.stat(self._members[key])
            parts.append([key, st.st_size, st.st_mtime_ns])
        return parts

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "ReleaseFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
