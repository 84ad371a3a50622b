"""The TUI under input fuzzing: thousands of random keys and clicks across every screen.

Nothing raises, every screen stays reachable, and the profile on disk is valid and equal to the one
in memory. Quit keys are left out of the pool (they would only end the run early); when a random
sequence still quits (the command palette's Quit), a new app takes the remaining keys.
"""

from __future__ import annotations

import os
import random

import pytest

from movierec.store.profiles import ProfileStore
from tests.tui.conftest import settle

pytestmark = pytest.mark.slow

KEYS = (list("abcdefghijklmnoprstuvwxyz0123456789") + list("ABTRP") + [
    "slash", "question_mark", "plus", "minus", "dollar_sign", "percent_sign", "exclamation_mark", "at",
    "left_square_bracket", "space", "enter", "escape", "tab", "shift+tab", "up", "down", "left", "right",
    "pageup", "pagedown", "home", "end", "backspace", "delete", "ctrl+p", "ctrl+a", "ctrl+e", "ctrl+k", "f1",
])
TOTAL_KEYS = int(os.environ.get("MOVIEREC_FUZZ_KEYS", "600"))  # 1,200 until the suite reached 8 min; deeper by hand
CLICK_EVERY = 8  # one random click after every 8 keys


async def test_random_keys_and_clicks_raise_nothing_and_keep_the_profile_valid(trained, app_factory, tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a random command writes (a screenshot) lands here
    rng = random.Random(1234)
    sent, clicks, apps, screens = 0, 0, 0, set()
    while sent < TOTAL_KEYS:
        app = app_factory()
        apps += 1
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            while sent < TOTAL_KEYS and app.is_running:
                # A burst of keys as fast as a typist (the app handles each before the next), then a click.
                await pilot.press(*(rng.choice(KEYS) for _ in range(CLICK_EVERY)))
                sent += CLICK_EVERY
                screens.add(type(app.screen).__name__)
                if app.is_running:
                    await pilot.click(offset=(rng.randrange(80), rng.randrange(24)))
                    clicks += 1
                if sent % 256 == 0:
                    await settle(app, pilot, rounds=1)
            if app.is_running:
                await settle(app, pilot)
                in_memory = {m: r.stars for m, r in app.profile.ratings.items()}
                profile_name = app.profile_name
        assert app.return_code in (0, None), f"app ended with {app.return_code} after {sent} keys"
    on_disk = ProfileStore().load(profile_name)  # ProfileError if damaged
    assert {m: r.stars for m, r in on_disk.ratings.items()} == in_memory
    assert not [p for p in (trained / "data" / "profiles").glob("*.damaged-*")]
    assert len(screens) >= 4, screens  # the fuzz really went across screens
    assert clicks >= TOTAL_KEYS // CLICK_EVERY - apps
