"""The match column of a film list, computed in the background: the rows show at once, their match after.

A screen lists its films with the match cells at hand (the scores of the profile's latest picks) and asks
for the rest with ``MatchColumn.want``. The first computation folds the profile in and calibrates the mode
(seconds; more with a model training behind), so one worker at a time computes, always for the newest rows
asked for: requests made meanwhile replace each other and wait for it (keystrokes, or several score changes,
do not each start a fold-in). The worker belongs to the screen: it stops when the screen goes, and never
fills a table no longer shown. The search screen and the well-known films (onboarding) use it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.screen import Screen
from textual.worker import get_current_worker


class MatchColumn:
    """One background worker computing ``app.matches(indices, compute=True)`` for the newest request; each
    result goes to ``show(token, matches)`` on the UI thread while the screen is shown (the screen checks
    that ``token`` still names its rows)."""

    def __init__(self, screen: Screen, show: Callable[[object, list[Text]], None], group: str) -> None:
        self._screen, self._show, self._group = screen, show, group
        self._request: tuple[object, list[int]] | None = None  # computed next
        self._running = False  # a worker runs: it takes the newest request when it is done

    @property
    def waiting(self) -> bool:
        """A request waits for the running worker."""
        return self._running and self._request is not None

    def want(self, token: object, indices: list[int]) -> None:
        """Compute the match cells of ``indices`` (UI thread); ``token`` names the rows they are for."""
        self._request = (token, list(indices))
        if not self._running:
            self._running = True
            self._screen.run_worker(self._compute, thread=True, exit_on_error=False, group=self._group,
                                    name="match column")

    def _next(self) -> tuple[object, list[int]] | None:
        request, self._request = self._request, None
        self._running = request is not None
        return request

    def _compute(self) -> None:
        app = self._screen.app
        try:
            while (request := app.call_from_thread(self._next)) is not None:
                if get_current_worker().is_cancelled:  # the screen went (a dataset switch, the app closing)
                    self._running = False
                    return
                token, indices = request
                matches = app.matches(indices, compute=True)
                app.call_from_thread(self._deliver, token, matches)
        except BaseException:
            self._running = False  # a later request may start one again
            raise

    def _deliver(self, token: object, matches: list[Text]) -> None:
        if self._screen.is_attached:
            self._show(token, matches)
