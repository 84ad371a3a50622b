"""Issue 24 in the TUI: profile names of any alphabet through the store's one check (item 24)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from movierec.tui.screens.ratings import RatingsScreen
from tests.tui.conftest import settle

pytestmark = pytest.mark.slow


async def test_a_profile_name_in_any_alphabet_is_taken_and_a_decomposed_one_is_the_same(trained, app_factory, home):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen)
        await pilot.press("c")
        await pilot.pause()
        box = app.screen.query_one("#new-profile", Input)
        box.value = "Zoe\u0308"  # as a keyboard that sends the accent apart types it
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.profile_name == "Zo\u00eb", [t.message for t in app.told]
        assert not [t for t in app.told if t.severity == "error"]
        for name in ("日本", "\u202eevil", "a/b"):
            app.switch_profile(name, create=True)
            await pilot.pause()
        assert app.profile_name == "日本"
        refused = [t.message for t in app.told if t.severity == "error"]
        assert len(refused) == 2 and all("not a valid profile name" in m for m in refused), refused
        assert all("\u202e" not in t.message for t in app.told)
