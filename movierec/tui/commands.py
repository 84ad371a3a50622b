"""The command palette's commands (ctrl+p): what movierec adds to Textual's own.

They reach the palette through ``App.get_system_commands`` (Textual's ``SystemCommandsProvider`` searches them
as you type, screen-aware like a ``Provider`` of our own would, and the tests list them the same way), so the
palette keeps one list, in one order, with Textual's commands first.
"""

from __future__ import annotations

from typing import Iterator

from textual.app import SystemCommand

from movierec.tui.handle import MovieRecHandle

ADD_DATASET = ("add one with `movierec --headless data fetch ml-1m` (or another GroupLens release) or "
               "`movierec --headless data import PATH`")


def app_commands(app: MovieRecHandle) -> Iterator[SystemCommand]:
    yield SystemCommand("Search", "Search titles as you type", app.action_show_search)
    yield SystemCommand("My ratings", "Your ratings and profiles", app.action_show_ratings)
    yield SystemCommand("Picks", "Your diversified top picks", app.action_show_picks)
    yield SystemCommand("Fine-tune", "Fit your own vectors on this machine", app.action_show_finetune)
    yield SystemCommand("Well-known films", "Quick rating of famous films", app.action_show_onboarding)
    yield SystemCommand("Watchlist", "Films you want to see, the best fit for you first",
                        app.action_show_watchlist)
    yield SystemCommand("Retrain model", "Train the NeuMF model again on this dataset", app.action_retrain)
    yield SystemCommand("Export profile", "Write your profile to a JSON file", app.action_export_profile)
    if app.ready:
        from movierec.data import registry

        others = [e for e in registry.entries() if e.name != app.engine.dataset.name]
        for entry in others:
            yield SystemCommand(f"Switch dataset: {entry.name}", f"{entry.kind} dataset at {entry.path}",
                                lambda name=entry.name: app.switch_dataset(name))
        if not others:  # listed anyway, so that a person learns how to add one
            yield SystemCommand("Switch dataset", f"only {app.engine.dataset.name} is here; {ADD_DATASET}",
                                lambda: app.notify(f"only {app.engine.dataset.name} is registered; {ADD_DATASET}",
                                                   markup=False, timeout=10))
