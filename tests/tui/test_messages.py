"""Issue 24 in the TUI: one spelling of a film on a screen (item 19), the export toast's path cut between folders
(item 20), profile names of any alphabet through the store's one check (item 24)."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Input
from textual.widgets._toast import Toast

from movierec.store.profiles import ProfileStore
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.screens.ratings import RatingsScreen
from movierec.tui.widgets.tables import FilmTable
from tests.factories import RATED, rate_some
from tests.tui.conftest import count_line, said_by, settle, wait_for

pytestmark = pytest.mark.slow

MOVED = re.compile(r"\w, (The|A|An|L'|La|Le|Les|Il|El|Das|Der|Die)( |\(|$)")  # MovieLens's "Shining, The (1980)"


def _cells(screen) -> list[str]:
    return [str(cell) for table in screen.query(FilmTable) for row in range(table.row_count)
            for cell in table.get_row_at(row)]


async def test_the_picks_spell_a_film_as_their_reasons_do(trained, start_app):
    store = ProfileStore()
    for movie_id, stars in ((1, 3.0), (2571, 4.0), (1258, 5.0), (1200, 5.0), (1214, 4.5)):
        store.rate("default", movie_id, stars)  # Toy Story, The Matrix, The Shining, Aliens, Alien
    async with start_app() as (app, pilot):
        cells = _cells(app.screen)
        titles = [str(label.render()) for label in app.screen.query(".list-title")]
        assert "Because you rated The Shining (1980)" in titles
        assert any(c.startswith(("The ", "A ", "An ")) for c in cells), cells  # titles with articles are shown...
        assert not [c for c in cells if MOVED.search(c)]  # ...all in the reasons' form
        await pilot.press("slash", *"shining")
        await wait_for(pilot, lambda: any("Shining (1980)" in c for c in _cells(app.screen)), "the search results")
        assert "The Shining (1980)" in _cells(app.screen)
        assert not [c for c in _cells(app.screen) if MOVED.search(c)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_export_toast_cuts_the_path_between_folders(trained, app_factory, home, size):
    ProfileStore().rate("default", 1, 4.0, "Toy Story (1995)")
    app = app_factory()
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(app, pilot)
        app.action_export_profile()

        def toasts() -> list[Toast]:
            return [t for t in app.screen.query(Toast) if t._notification.message.startswith("profile exported")]

        await wait_for(pilot, lambda: toasts() and toasts()[0].content_region.width > 0, "the export toast")
        exported = list((home / "data" / "exports").glob("*.json"))
        assert len(exported) == 1
        said = next(t.message for t in reversed(app.told) if t.message.startswith("profile exported to"))
        lines = said.splitlines()
        assert lines[0] == "profile exported to" and lines[-1] == exported[0].name  # the file name on its own line
        assert "".join(lines[1:-1]) == f"{exported[0].parent}/"  # the folder, cut only after a "/"
        assert all(line.endswith("/") for line in lines[1:-1])
        width = toasts()[0].content_region.width
        assert all(len(line) <= width for line in lines), (width, lines)  # no line wraps (mid-name)


async def test_a_profile_name_in_any_alphabet_is_taken_and_a_decomposed_one_is_the_same(trained, start_app, home):
    async with start_app(size=(80, 24)) as (app, pilot):
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


async def test_a_refused_profile_name_keeps_the_open_profile_and_an_existing_name_says_it_switched(
        trained, start_app):
    rate_some(RATED[:4])
    rate_some(((1, 3.0),), "other")
    async with start_app(size=(80, 24)) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, RatingsScreen) and count_line(app.screen).startswith("4 ratings")
        await pilot.press("c", *"../evil", "enter")
        await settle(app, pilot)
        assert any("not a valid profile name" in said for said in said_by(app))
        assert app.profile_name == "default" and len(app.profile.ratings) == 4
        assert count_line(app.screen).startswith("4 ratings")
        assert "profile default" in app.sub_title
        await pilot.press("escape", "r")
        await settle(app, pilot)
        assert count_line(app.screen).startswith("4 ratings")
        # The picks are still this profile's: none of them is a film already rated.
        await pilot.press("p")
        await settle(app, pilot)
        assert isinstance(app.screen, PicksScreen)
        rated = {str(app.engine.index_of(m)) for m in app.profile.ratings}
        shown = {key for table in app.screen.query(FilmTable) for key, _ in table.film_rows}
        assert shown and not rated & shown
        assert "popular 100%" not in str(app.screen.query_one("#picks-status").render())
        await pilot.press("r")
        await settle(app, pilot)

        await pilot.press("c", *"other", "enter")
        await settle(app, pilot)
        assert app.profile_name == "other" and len(app.profile.ratings) == 1
        assert "switched to profile 'other' (1 rating)" in said_by(app)
        await pilot.press("c", *"fresh", "enter")
        await settle(app, pilot)
        assert app.profile_name == "fresh" and "new profile 'fresh' (0 ratings)" in said_by(app)
