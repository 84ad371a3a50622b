"""The command palette, safe under fast keys.

Textual's palette acts on every Enter, Escape and page key that reached it, even after it has gone: keys typed
in one burst are queued at the palette before the first Enter's command runs. The second Enter dismissed it
again (popping whatever screen was on top, or crashing on a one-screen stack: ScreenStackError) and ran the
command twice; PageDown on a list not laid out yet raised KeyError. This one acts only while it is the screen
on top, once, and pages only a list that has its lines.
"""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.widgets import Button, Input


async def _nothing() -> None:
    return None


class Palette(CommandPalette):
    """:class:`CommandPalette` that ignores what reaches it once it is closed or no longer on top."""

    # Not ``_closed``: that is Textual's flag for a message pump that has stopped (set, the palette refused every
    # message, its close included, and removing it waited forever).
    _dismissed = False

    def on_top(self) -> bool:
        return not self._dismissed and self.is_attached and self.app.screen is self

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.on_top():  # dismissed already, or popped by a screen switch: nothing of it to pop
            return AwaitComplete(_nothing())
        self._dismissed = True
        return super().dismiss(result)

    async def _on_message(self, message: Message) -> None:
        if isinstance(message, (Input.Submitted, Button.Pressed)) and not self.on_top():
            message.stop()  # an Enter queued before the first one closed it: its command ran already
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
