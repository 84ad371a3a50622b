"""Keys typed while a screen opens are held and given to it in order: the `/` type-ahead (what follows `/` is a
query, whether or not the search screen is there yet) and the screen keys' sign ("opening ...")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Input

from movierec.tui.palette import Palette, after_keys_in_flight
from movierec.tui.screens.search import SearchScreen, YearsInput, edit_now, focus_now, type_text


class TypeAhead(App):
    """The app's key holding (a layer of :class:`movierec.tui.app.MovieRecApp`, which provides ``ready``,
    ``quitting`` and ``_go``)."""

    ready: bool
    quitting: bool

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._held_keys: list[events.Key] | None = None  # typed after `/` while the search screen opens
        self._search_on_load = False
        self._hold_count = 0  # a hold's timer releases that hold only, never a later one
        self.palette_opening = False  # ctrl+p: keys are held for the palette until it has focus

    if TYPE_CHECKING:  # the app's (declared here for type checkers only: a stub would shadow the app's own)
        def _go(self, mode: str) -> None: ...

    def action_command_palette(self) -> None:
        """ctrl+p: the palette takes a while to open (seconds under load): a sign first (issue 24.15); the keys
        typed from then on are its text, held until it has focus."""
        if self.quitting or not self.use_command_palette or CommandPalette.is_open(self):
            return
        self.palette_opening = True  # the keys typed from now on wait for the palette (Palette.take_keys)
        self.hold_keys()

        def push() -> None:  # over the screen the keys typed before ctrl+p opened, not over a palette
            if not self.quitting and not CommandPalette.is_open(self):
                self.push_screen(Palette(id="--command-palette", keys_to=self._palette_takes_keys))
            else:
                self.palette_opening = False
                self.release_keys()

        after_keys_in_flight(self, lambda: self._with_sign("opening the command palette...", push))

    def _palette_takes_keys(self) -> None:
        """The palette has focus, or is gone: the keys held since ctrl+p go to the box with focus now."""
        if self.palette_opening:
            self.palette_opening = False
            self.release_keys()

    def _search_after_load(self) -> None:
        self._search_on_load = False
        self._open_search()

    def action_show_search(self) -> None:
        """`/` from anywhere: the search screen with its box focused, so what follows is a query."""
        focused = self.focused
        if isinstance(focused, Input) and not isinstance(focused, YearsInput):
            # Textual gives "slash" no character, so Inputs do not keep this priority binding away
            # from themselves: in a text box (this one, the palette's, the profile name) "/" is text.
            # Typed at once, as every key in a text box is (edit_now): in the order typed.
            type_text(focused, "/")
            return
        # From this key on, keys are held and given to the search box once it has focus, in order.
        # The screen switches only after the keys typed *before* `/` are handled where they were
        # typed (Textual reads bindings from the active screen, so switching at once would apply
        # them to the search screen instead).
        self.hold_keys()
        if not self.ready:  # still loading: search opens as soon as it can
            self._search_on_load = True
            return
        # A key goes to the focused widget and bubbles up its ancestors to the app, one queue at a
        # time; the switch follows the same path, so it comes after the keys already on their way.
        path = list(self.focused.ancestors_with_self) if self.focused is not None else [self.screen, self]

        def relay(nodes: list) -> None:
            if nodes:
                nodes[0].call_later(relay, nodes[1:])
            else:
                self._open_search()

        relay(path)

    def _open_search(self) -> None:
        self._go("search")
        screen = self.screen
        if isinstance(screen, SearchScreen) and screen.query("#query"):
            screen.focus_box()  # gives it the held keys; a screen opening for the first time does on mount

    #: Seconds after which held keys go where they would have gone anyway (the search box), whatever happens.
    HOLD_SECONDS = 5.0

    def hold_keys(self) -> int:
        """Hold the keys typed from now on until :meth:`release_keys` (or ``HOLD_SECONDS``, whatever happens);
        the hold's number, for :meth:`holding`."""
        if self._held_keys is None:
            self._held_keys = []
            self._hold_count += 1
            count = self._hold_count
            self.set_timer(self.HOLD_SECONDS,
                           lambda: self.release_keys(force=True) if count == self._hold_count else None)
        return self._hold_count

    def holding(self, hold: int) -> bool:
        """Hold number ``hold`` still holds keys (its timer has not given them to the box yet)."""
        return self._held_keys is not None and hold == self._hold_count

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._held_keys is not None:
                self._held_keys.append(event)
                return
            if focus_now(self.screen, event):  # before the keys behind it are typed (at once) into a box
                return
            box = self.focused
            if isinstance(box, Input) and await edit_now(box, event):
                return
        await super().on_event(event)

    def release_keys(self, force: bool = False) -> None:
        """The search box has focus: the keys held since `/` go to it, in order. Not while a palette is opening
        (keys typed after ctrl+p are its text: it releases them, Palette.take_keys), unless ``force`` (the hold's
        timer, whatever happens)."""
        if force:
            self.palette_opening = False
        if self._held_keys is not None and not self.palette_opening:
            self.call_next(self._release_keys)

    async def _release_keys(self) -> None:
        held, self._held_keys = self._held_keys or [], None
        for event in held:
            await self.on_event(event)

    def _with_sign(self, text: str, slow: Callable[[], object]) -> None:
        """Show ``text`` now, then do ``slow`` once it is on screen; keys typed meanwhile wait for the result."""
        self.notify(text, timeout=2, markup=False)
        self.hold_keys()

        def after_refreshes(screen: Screen, rounds: int, then: Callable[[], object]) -> None:
            # In the screen's own queue, not the app's: the app's queue stays free to mount and paint the toast.
            if rounds:
                screen.call_after_refresh(after_refreshes, screen, rounds - 1, then)
            else:
                then()

        def build() -> None:
            slow()
            after_refreshes(self.screen, 1, self.release_keys)  # the new screen has its widgets and focus

        # The notification's toast is mounted two hops down the app's queue (a Notify message, then its
        # handler's call_later of the rack's show); the screen is built after that and two refreshes.
        self.call_later(self.call_later, after_refreshes, self.screen, 2, build)
