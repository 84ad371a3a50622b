"""Opening paths a user names: only regular files (and folders where a folder is wanted).

A device (``/dev/zero`` never ends), a FIFO (an open blocks until a writer comes, and one named
``x.zip`` looks like an archive), a socket or a broken link is refused with one line before any
byte is read. :func:`open_regular` checks again on the open descriptor, opened without blocking,
so a path swapped for a FIFO between the check and the open cannot hang either;
:func:`read_regular` reads one whole with a size cap (a file that grows past it while read is
refused too).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from movierec.errors import MovieRecError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def kind_of(mode: int) -> str:
    """What a file mode is, in words: 'a regular file', 'a named pipe (FIFO)', 'a character device', ..."""
    if stat.S_ISREG(mode):
        return "a regular file"
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def user_path(text: str | os.PathLike, *, hint: str = "", error: type[MovieRecError] = MovieRecError) -> Path:
    """A path as typed, with ``~`` expanded; ``~nobody`` (no such user) is ``error``, not a RuntimeError."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        user = str(text).split("/", 1)[0]
        raise error(f"{text}: there is no user {user[1:]!r} for {user} to name{f'; {hint}' if hint else ''}") from None


def lexists(path: str | os.PathLike) -> bool:
    """Whether anything (a broken link too) is at ``path``. True when the system refuses to say
    (a name too long, a loop): :func:`check_regular_path` then says what is wrong."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    except OSError:
        return True
    return True


def check_regular_path(path: str | os.PathLike, *, folder_ok: bool = False, hint: str = "",
                       error: type[MovieRecError] = MovieRecError) -> os.stat_result:
    """The path's stat (links followed), or ``error`` in one line unless it is a regular file (or a folder).

    ``hint`` ends the message: what the user should give instead.
    """
    path = Path(path)
    tail = f"; {hint}" if hint else ""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise error(f"{path} is a broken symbolic link (it points to {os.readlink(path)}){tail}") from None
        raise error(f"{path} does not exist{tail}") from None
    except OSError as exc:
        raise error(f"cannot read {path} ({exc.strerror or exc}){tail}") from None
    if stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode)):
        return st
    wanted = "a regular file or a folder" if folder_ok else "a regular file"
    raise error(f"{path} is {kind_of(st.st_mode)}, not {wanted}{tail}")


def open_regular(path: str | os.PathLike, *, hint: str = "", error: type[MovieRecError] = MovieRecError) -> BinaryIO:
    """Open a regular file for reading, or raise ``error`` in one line; never blocks on a FIFO or device."""
    check_regular_path(path, hint=hint, error=error)
    tail = f"; {hint}" if hint else ""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"cannot read {path} ({exc.strerror or exc}){tail}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # swapped since the check
            raise error(f"{path} is {kind_of(mode)}, not a regular file{tail}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike, *, max_bytes: int, what: str = "the file", hint: str = "",
                 error: type[MovieRecError] = MovieRecError) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or ``error`` in one line (never a hang, never more
    than ``max_bytes + 1`` bytes read). ``what`` names it in the message: "larger than the 16 MiB a profile may be"."""
    tail = f"; {hint}" if hint else ""
    too_big = f"{path} is larger than the {max_bytes / 2**20:g} MiB {what} may be{tail}"
    with open_regular(path, hint=hint, error=error) as handle:
        if os.fstat(handle.fileno()).st_size > max_bytes:
            raise error(too_big)
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"cannot read {path} ({exc.strerror or exc}){tail}") from None
    if len(raw) > max_bytes:
        raise error(too_big)
    return raw
