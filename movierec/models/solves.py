"""A memo of deterministic solves that several models of one engine repeat (torch-free; the engine imports it).

``ease``, ``ease-recent`` and ``ease-sasrec`` all solve EASE's system for the same training matrix and
L2: ease-recent only weights a user's history when it scores (B is plain EASE's), and ease-sasrec fits an
ease-recent inside itself. An ``eval`` of every model solved it six times for two distinct systems
(train, and train + validation). The engine keeps one ``SolveMemo`` and makes it the active one while it
fits a model (``shared``); EASE looks a solve up there by (its training matrix's digest, L2) before it
solves, and stores what it solved. A hit returns the same tensor that was stored (models only read it),
so the scores are identical to a fresh solve's.

Memory: an entry is kept only while all entries together stay under ``max_bytes`` (2 GiB by default: two
9,000-item B matrices of ml-latest-small take 0.6 GiB; the 27k-item B of ml-20m, 2.9 GiB, is not kept), the
oldest entries going first, so a big dataset never holds more than a fit's own plan says.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

MAX_BYTES = 2 * 2**30


class SolveMemo:
    """Solved values by key, up to ``max_bytes`` in all (least recently used dropped first)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple) -> Any | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: tuple, value: Any, nbytes: int) -> None:
        with self._lock:
            self._entries.pop(key, None)
            if nbytes > self.max_bytes:
                return
            while self._entries and self.held_bytes() + nbytes > self.max_bytes:
                self._entries.popitem(last=False)
            self._entries[key] = (value, nbytes)

    def held_bytes(self) -> int:
        return sum(n for _, n in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_ACTIVE: ContextVar[SolveMemo | None] = ContextVar("movierec_solve_memo", default=None)


def active() -> SolveMemo | None:
    """The memo of the fit running in this thread (None: every solve is done afresh)."""
    return _ACTIVE.get()


@contextmanager
def shared(memo: SolveMemo | None) -> Iterator[SolveMemo | None]:
    """Make ``memo`` the active one for the fits inside the block (this thread or task only)."""
    token = _ACTIVE.set(memo)
    try:
        yield memo
    finally:
        _ACTIVE.reset(token)
