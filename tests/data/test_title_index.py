"""The catalogue's title index is built once, however many searches ask for it at the same time (issue 24,
item 7, a follow-up): on the first keystrokes of a first run several search workers each built it (0.37 s
each on ml-latest-small, far more on ML-32M), the build had no lock."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from movierec.data import catalog as catalog_module
from movierec.data.catalog import Catalog
from movierec.data.ids import Vocabulary
from tests.factories import SEARCH_FILMS as FILMS

THREADS = 6
BOUND = 60.0  # seconds: only a broken test waits this long


def _fresh() -> Catalog:
    n = len(FILMS)
    return Catalog(Vocabulary(np.arange(n)), [t for t, _ in FILMS], np.zeros(n, np.int32),
                   np.zeros((n, 20), np.uint8), n_ratings=np.array([c for _, c in FILMS], np.int32))


class _CountingLock:
    """A lock that counts the threads that came to take it (the catalogue's build lock, seen from outside)."""

    def __init__(self, arrived) -> None:
        self._lock, self._arrived = threading.Lock(), arrived

    def __enter__(self):
        self._arrived()
        return self._lock.__enter__()

    def __exit__(self, *exc):
        return self._lock.__exit__(*exc)


@pytest.mark.parametrize("ask", [lambda cat: cat.search("alien"), lambda cat: cat.lookup("godfather"),
                                 lambda cat: cat.by_title("Alien (1979)")], ids=["search", "lookup", "by_title"])
def test_searches_started_together_on_a_fresh_catalogue_build_its_title_index_once(monkeypatch, ask):
    """THREADS threads ask a fresh catalogue at once. The first build is held (inside it, at its first
    title) until a second build begins (no lock: the index is not there yet, so the next thread builds it too)
    or every thread has come to the build lock (then the others wait, and find the index built: 1 build)."""
    cat = _fresh()
    first = FILMS[0][0]
    state = threading.Condition()
    builds, at_lock = [0], [0]

    def arrived() -> None:
        with state:
            at_lock[0] += 1
            state.notify_all()

    cat._build_lock = _CountingLock(arrived)  # an attribute the unlocked code never reads
    normalize = catalog_module.normalize_title

    def counting_normalize(title: str) -> str:
        if title == first:  # a build begins (its first title)
            with state:
                builds[0] += 1
                state.notify_all()
                if builds[0] == 1:  # hold the first build until another one begins or every thread is at the lock
                    assert state.wait_for(lambda: builds[0] > 1 or at_lock[0] == THREADS, BOUND)
        return normalize(title)

    monkeypatch.setattr(catalog_module, "normalize_title", counting_normalize)
    errors: list[BaseException] = []
    answers: list[object] = []

    def run() -> None:
        try:
            answers.append(ask(cat))
        except BaseException as exc:  # noqa: BLE001: reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert not errors and len(answers) == THREADS
    assert builds[0] == 1, f"the title index was built {builds[0]} times by {THREADS} searches at once"
    assert all(answer == answers[0] for answer in answers)  # each found the same films in the one index
    ask(cat)
    assert builds[0] == 1  # and later searches read it
