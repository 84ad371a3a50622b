"""The command palette, safe under fast keys.

Textual's palette acts on every Enter, Escape and page key that reached it, even after it has gone: keys typed
in one burst are queued at the palette before the first Enter's command runs. The second Enter dismissed it
again (popping whatever screen was on top, or crashing on a one-screen stack: ScreenStackError) and ran the
command twice; PageDown on a list not laid out yet raised KeyError; a palette popped (by a mode switch) before
its Mount still ran Textual's mount, which reads the screen under it from the stack (IndexError on a one-screen
stack, the wrong screen's commands on a deeper one). This one acts only while it is the screen on top, once,
mounts only if it is on top, pages only a list that has its lines, and its search stops quietly once its widgets
are gone. Enter acts on the query as typed: it waits for that query's search to finish (typed in one burst, it
came before, and ran the first entry of the empty query's list).
"""

from __future__ import annotations

from typing import Callable

from textual import events, work
from textual.await_complete import AwaitComplete
from textual.command import CommandInput, CommandList, CommandPalette
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Button, Input, LoadingIndicator
from textual.worker import get_current_worker


async def _nothing() -> None:
    return None


def after_keys_in_flight(app, then) -> None:
    """Run ``then`` once the keys already on their way have been handled: a key goes to the focused widget and
    bubbles up its ancestors to the app's bindings, one queue at a time (as `/` waits: MovieRecApp.
    action_show_search). ctrl+p is a priority binding, run as it arrives: its palette was pushed before an `r`
    typed just before it reached the app, whose bindings were then the palette's (the `r` was dropped)."""
    path = list(app.focused.ancestors_with_self) if app.focused is not None else [app.screen, app]

    def relay(nodes: list) -> None:
        if nodes:
            nodes[0].call_later(relay, nodes[1:])
        else:
            then()

    relay(path)


def close_palettes(app) -> None:
    """Close the palettes on top of the current screen stack, before a switch to another mode (as a mode switch by
    key does). Left there, a palette stayed on the old mode's stack, out of view: keys went to the new screen,
    and the next ctrl+p pushed a second one (DuplicateIds '--command-palette'). Its held keys go where the focus
    is (Palette.on_unmount)."""
    while isinstance(app.screen, CommandPalette) and len(app.screen_stack) > 1:
        app.pop_screen()


class Palette(CommandPalette):
    """:class:`CommandPalette` that ignores what reaches it once it is closed or no longer on top."""

    # Not ``_closed``: that is Textual's flag for a message pump that has stopped (set, the palette refused every
    # message, its close included, and removing it waited forever).
    _dismissed = False
    _took_keys = False
    # The query whose search has finished (the list shows its results), and an Enter waiting for the search of
    # the query in the box: typed in one burst, Enter came before that search ended and ran the highlighted entry
    # of an older list ("picks" Enter ran "Export profile", first for the empty query).
    _searched: str | None = None
    _enter_waiting = False

    def __init__(self, *args, keys_to: Callable[[], object] | None = None, **kwargs) -> None:
        """``keys_to``: called once when this palette has focus or is gone (the app gives it the keys it held since
        ctrl+p: keys.py); a plain App's palette (its own tests) has none."""
        super().__init__(*args, **kwargs)
        self._keys_to = keys_to

    def on_top(self) -> bool:
        return not self._dismissed and self.is_attached and self.app.screen is self

    def _on_mount(self, event: events.Mount) -> None:
        if not self.on_top():  # popped before it mounted: no screen under it to serve, nothing to search
            event.prevent_default()  # Textual's own _on_mount (CommandPalette's) is not run
            self.take_keys()

    def on_screen_resume(self) -> None:
        if self.on_top():
            self.set_focus(self.query_one(CommandInput))
        self.take_keys()

    def on_unmount(self) -> None:
        self.take_keys()  # gone before its resume: the keys held for it go where the focus is now

    def take_keys(self) -> None:
        """The keys typed since ctrl+p (held by the app until now) go to the box that has focus: this palette's
        box, in the order typed; or, the palette gone, wherever the focus is now."""
        if self._took_keys:  # once: a palette closing later must not release the keys held for the next one
            return
        self._took_keys = True
        if self._keys_to is not None:
            self._keys_to()

    def _has_widgets(self) -> bool:
        return bool(self.query(CommandList)) and bool(self.query(LoadingIndicator))

    # Textual's search runs in a worker that goes on while a mode switch pops and removes the palette: reading its
    # list once the list was gone failed the worker (NoMatches, and the app with it). Gone, it shows nothing.
    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await CommandPalette._gather_commands.__wrapped__(self, search_value)
        except NoMatches:
            if self._has_widgets():  # not the removal race: a real error
                raise
            return
        if not get_current_worker().is_cancelled:
            self._searched = search_value
            if self._enter_waiting:  # in the palette's own queue: its command may cancel this worker
                self.call_later(self._enter_when_searched)

    def _search_pending(self) -> bool:
        """The list does not show the results for the query in the box yet (its search is still running)."""
        if self._selected_command is not None and not self._list_visible:
            return False  # an entry chosen from the list: its text is in the box, and no search is made for it
        return self.query_one(CommandInput).value.strip() != self._searched

    def _enter_when_searched(self) -> None:
        if self._enter_waiting and self.on_top() and not self._search_pending():
            self._enter_waiting = False
            self._select_or_command()  # the highlighted entry of the query's results; none matched: nothing

    def _watch__list_visible(self) -> None:
        if self._has_widgets():
            super()._watch__list_visible()

    async def _watch__show_busy(self) -> None:
        if self._has_widgets():
            await super()._watch__show_busy()

    def _start_no_matches_countdown(self, search_value: str) -> None:
        if self.on_top():
            super()._start_no_matches_countdown(search_value)

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.on_top():  # dismissed already, or popped by a screen switch: nothing of it to pop
            return AwaitComplete(_nothing())
        self._dismissed = True
        return super().dismiss(result)

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, (Input.Submitted, Button.Pressed)) and not self.on_top():
            message.stop()  # an Enter queued before the first one closed it: its command ran already
            return
        if isinstance(message, Input.Submitted) and (self._enter_waiting or self._search_pending()):
            message.stop()  # acts on the query as typed: once its search has finished (_gather_commands)
            self._enter_waiting = True
            return
        await super()._on_message(message)

    def _action_escape(self) -> None:
        if self.on_top():
            super()._action_escape()

    def _action_cursor_down(self) -> None:
        if self.on_top():
            super()._action_cursor_down()

    def _action_command_list(self, action: str) -> None:
        if not self.on_top():
            return
        if action in ("page_up", "page_down") and not self.query_one(CommandList).scrollable_content_region:
            # Textual pages by the list's lines, computed at layout: options added since have none (KeyError)
            action = "cursor_up" if action == "page_up" else "cursor_down"
        super()._action_command_list(action)
