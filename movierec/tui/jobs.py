"""The bodies of the app's thread workers: plain functions of (engine, ..., post, is_cancelled).

They never touch the app: what they have to say goes back as a message (:mod:`movierec.tui.messages`) through
``post`` (the app's ``post_message``, safe from any thread), and the app reacts in its handlers on the UI thread.
``is_cancelled``: the worker's flag (``get_current_worker().is_cancelled``), read between steps.
"""

from __future__ import annotations

import threading
from typing import Callable

from textual.message import Message

from movierec.engine import modes as mode_rules
from movierec.errors import MovieRecError
from movierec.tui.messages import (FoldInDone, FoldInProgress, LearnedDone, LearnedProgress, Loaded, ModelLoaded,
                                   ModelSetAside, Note, TrainDone, TrainProgress)
from movierec.tui.widgets.status import stage_total

Post = Callable[[Message], object]
IsCancelled = Callable[[], bool]


def read_profile(store, name: str, post: Post):
    """The profile ``name``; a damaged one is moved aside with its valid entries kept (a Note says where)."""
    from movierec.store.profiles import Profile

    try:
        return store.load(name)
    except MovieRecError as exc:  # damaged: moved aside, its valid entries kept, say where it went
        post(Note(str(exc)))
    try:
        return store.load(name)  # what was salvaged, or an empty profile
    except MovieRecError:
        return Profile(name)


def load(engine, read: Callable[[], object], post: Post, first_screen_shown: threading.Event) -> None:
    """Load the dataset, the content model and the profile (``read``); then the saved model, once the first
    screen has its content (torch's import holds the GIL for ~1 s: the first picks come first)."""
    engine.dataset  # noqa: B018 (load now, off the UI thread)
    engine.content  # noqa: B018
    profile = read()
    has_model = engine.has_model()
    # The first screen opens now, with content-based picks; torch (~1 s to import) and the
    # model load next, and the picks switch to the chosen model when it is ready.
    post(Loaded(engine, profile, has_model))
    if has_model:
        first_screen_shown.wait(timeout=3.0)
        if engine.get(mode_rules.FOLD_IN) is not None:
            post(ModelLoaded())
        else:  # a bad checkpoint is a cache miss: it was moved aside; say so and train a new one
            post(ModelSetAside(list(engine.notes)))


def train_learned(engine, total: int, overrides: dict, post: Post, is_cancelled: IsCancelled,
                  first_screen_shown: threading.Event) -> None:
    """deepcontent (films with few ratings), loaded when saved and sound, else trained once."""
    # After the first picks are on screen: they need the CPU more than this does.
    first_screen_shown.wait(timeout=3.0)
    told = len(engine.notes)
    if engine.get("deepcontent") is not None:  # saved and sound: the picks read it already
        post(LearnedDone(True, engine, trained=False))
        return
    for text in engine.notes[told:]:  # a damaged one was moved aside: say so
        post(Note(text))

    def progress(epoch: int, figures: dict) -> None:
        post(LearnedProgress(epoch, total))

    post(LearnedProgress(0, total))
    try:
        model = engine.train_learned(callback=progress, should_stop=is_cancelled, **overrides)
    except KeyboardInterrupt:
        post(LearnedDone(False, engine))
        return
    post(LearnedDone(model is not None, engine))


def _train_progress(post: Post, default_stage: str, total: int) -> Callable[[int, dict], None]:
    def progress(epoch: int, figures: dict) -> None:
        stage = figures.get("stage", default_stage)
        post(TrainProgress(stage, epoch, stage_total(stage, figures, total), figures["loss"], figures.get("val_hr")))

    return progress


def train(engine, force: bool, total: int, overrides: dict, post: Post, is_cancelled: IsCancelled) -> None:
    """The fold-in model: trained (again, with ``force``) when needed, then loaded."""
    progress = _train_progress(post, "model", total)
    try:
        if force:
            engine.train(callback=progress, should_stop=is_cancelled, force=True, **overrides)
        elif not engine.has_model():
            engine.train(callback=progress, should_stop=is_cancelled, **overrides)
        engine.get(mode_rules.FOLD_IN, train=True)
    except KeyboardInterrupt:
        post(TrainDone(False, "training cancelled"))
        return
    post(TrainDone(True, "model ready"))


def train_mode(engine, mode: str, total: int, overrides: dict, post: Post, is_cancelled: IsCancelled) -> None:
    """The model a picks mode needs (e.g. the sequence model)."""
    try:
        engine.get(mode, train=True, callback=_train_progress(post, mode, total), should_stop=is_cancelled,
                   **overrides)
    except KeyboardInterrupt:
        post(TrainDone(False, "training cancelled", mode))
        return
    post(TrainDone(True, f"{engine.mode_model_name(mode)} ready", mode))


def fold_in(engine, profile, run: int, post: Post, is_cancelled: IsCancelled) -> None:
    """Fine-tune ``profile``'s own vectors; ``run``: the fine-tune's number, carried by each of its messages."""
    steps = engine.foldin_steps

    def progress(step: int, loss: float) -> None:
        post(FoldInProgress(step, steps, loss, run))

    seconds = engine.fold_in(profile, callback=progress, should_stop=is_cancelled)
    if seconds is None:  # nothing rated: nothing to fit
        post(FoldInDone(0.0, engine.device_name, fitted=False, run=run))
        return
    if is_cancelled():
        post(FoldInDone(seconds, engine.device_name, cancelled=True, run=run))
        return
    post(FoldInDone(seconds, engine.device_name, run=run))
