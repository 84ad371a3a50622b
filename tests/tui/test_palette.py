"""The command palette under fast keys (issue 24, fresh-eyes run): a palette command that switches modes, then
more keys in the same burst, crashed the app (ScreenStackError, IndexError, DuplicateIds, KeyError)."""

from __future__ import annotations

import random

import pytest

from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.watchlist import WatchlistScreen
from tests.factories import rate_some
from tests.tui.conftest import burst, fuzz_bursts, quit_app, settle, wait_for

pytestmark = pytest.mark.slow


def _palette_open(app) -> bool:
    from textual.command import CommandPalette

    return CommandPalette.is_open(app)


def _listed(app, command: str) -> bool:
    """The open palette highlights ``command`` (Enter runs it): it searches as it is typed into, in a worker, and
    may still show the list of a shorter query."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found or found.first().highlighted is None:
        return False
    options = found.first()
    return str(options.get_option_at_index(options.highlighted).prompt).lower().startswith(command)


async def test_a_closed_palette_ends_its_message_loop():
    """Escape closes the palette for good: its message loop ends, so removing it (and quitting) completes. The
    palette's own "closed" flag was named ``_closed``, Textual's flag for a message pump that has stopped:
    dismissing it made the pump refuse every message, its close included, and removing the screen waited
    forever (the hang of test_every_printable_character_in_every_text_box_changes_nothing_else; a failure here
    is a hang, ended by the suite's timeout)."""
    from textual.app import App

    from movierec.tui.palette import Palette

    app = App()
    async with app.run_test(size=(80, 24)) as pilot:
        palette = Palette(id="--command-palette")
        app.push_screen(palette)
        await wait_for(pilot, lambda: palette.is_mounted and app.screen is palette, "the palette opening")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not palette.is_running, "the closed palette's message loop ending")
        assert app.screen is not palette


@pytest.mark.parametrize("typed", ["watch", "my ratings"])
async def test_double_enter_after_a_palette_command(trained, app_factory, typed):
    """ctrl+p, a command's name and Enter Enter in one burst: the first Enter runs the command (a mode switch),
    the second found the palette gone from the new mode's stack (ScreenStackError: can't pop screen)."""
    rate_some()
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: _palette_open(app), "the palette opening")
        burst(app, [*typed])
        # The palette searches as it is typed into, in a worker: Enter before it lists the command runs another one
        # or none (the test failed so on a busy machine). Highlighted, the two Enters arrive at once.
        await wait_for(pilot, lambda: _listed(app, typed), "the palette highlighting the command")
        burst(app, ["enter", "enter"])
        await settle(app, pilot)
        assert app.is_running, "the second Enter crashed the app"
        if typed == "watch":
            await wait_for(pilot, lambda: isinstance(app.screen, WatchlistScreen), "the watchlist opening")
        assert not _palette_open(app)
        await quit_app(app, pilot)
    assert app.return_code == 0


PALETTE_KEYS = ("ctrl+p", "ctrl+p", "enter", "enter", "escape", "pagedown", "pageup", "tab", "down", "up", "home",
                "end", *"wpr/?tm1", "ctrl+r")


# Not strict: whether a burst pops the palette before it mounts depends on the machine's timing, so a pass is no
# error; any other exception (ScreenStackError, DuplicateIds, KeyError: fixed) still fails the test.
@pytest.mark.xfail(strict=False, raises=IndexError, reason="left: a palette popped by a mode switch before it mounted "
                   "still runs Textual's mount (screen_stack[-2] on the new mode's one-screen stack)")
async def test_bursts_with_the_palette_across_screens(trained, app_factory):
    """Bursts of ctrl+p, Enter, Escape, PageDown and screen keys on every screen: no palette mounted on a
    one-screen stack (IndexError), none opened twice (DuplicateIds), none paged before it is laid out (KeyError),
    none dismissed from another mode's stack (ScreenStackError). Seeded: a failure replays."""
    rate_some()
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await fuzz_bursts(app, pilot, random.Random(2424), PALETTE_KEYS, rounds=3, per_burst=20)
        await quit_app(app, pilot)
    assert app.return_code == 0
