"""A Footer that shows a few keys only where they fit, so that the others never scroll out of view."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer, Input


class FittingFooter(Footer):
    """Compact Footer: the keys of ``OPTIONAL`` actions are shown only when the line has room for them (the
    first of them is left out first), and never while a text box has focus (a letter is text there). Their
    keys work either way; the help screen lists them."""

    #: Actions (as a binding names them, without its namespace) shown only where they fit.
    OPTIONAL = ("show_watchlist", "toggle_watch")

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        width = self.size.width or self.app.size.width

        def need(shown: list) -> int:  # compact: "key description", one cell between keys
            return sum(cell_len(k.key_display) + (1 + cell_len(k.description) if k.description else 0)
                       for k in shown) + max(len(shown) - 1, 0)

        typing = isinstance(self.app.focused, Input)
        for action in self.OPTIONAL:
            if need(keys) <= width and not typing:
                break
            keys = [k for k in keys if getattr(k, "action", "").rpartition(".")[2] != action]
        self.styles.grid_size_columns = len(keys)
        yield from keys

    def on_resize(self, event: Resize) -> None:
        if self._laid_for != event.size.width:
            self._laid_for = event.size.width
            self.call_after_refresh(self.recompose)

    _laid_for = -1
