"""The background work: starting the workers (bodies in :mod:`movierec.tui.jobs`) and taking in their messages:
training the fold-in model or a mode's own, deepcontent behind the picks, and the fine-tune."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App
from textual.worker import Worker, WorkerState, get_current_worker

from movierec.engine import modes as mode_rules
from movierec.errors import MovieRecError
from movierec.tui import jobs
from movierec.tui.messages import FoldInDone, FoldInProgress, LearnedDone, LearnedProgress, TrainDone, TrainProgress
from movierec.tui.screens.finetune import FineTuneScreen
from movierec.tui.state import IDLE, FoldIn, LearnedState, TrainState

#: What a screen key or command says while the catalogue loads (it is not dropped without a word).
LOADING = "still loading the catalogue; try again in a moment"


class Background(App):
    """The workers and their messages (a layer of :class:`movierec.tui.app.MovieRecApp`, which holds the engine,
    the profile, the mode and the state these change)."""

    if TYPE_CHECKING:  # the app's (declared here for type checkers only: a stub would shadow the app's own)
        engine: object
        profile: object
        mode: str
        ready: bool
        model_ready: bool
        train_overrides: dict
        train_state: TrainState
        learned_state: LearnedState | None
        foldin_state: FoldIn
        status_text: str

        def _model_loaded(self, event: object = None) -> None: ...
        def scores_changed(self) -> None: ...

    def start_learned(self) -> None:
        """Train deepcontent once for this dataset (none saved, or a bad one set aside), behind the picks: they
        show at once from the fold-in model and take in the films with few ratings when it is done (about
        20 s on ml-latest-small)."""
        if not self.ready or self._group_busy("learned"):
            return
        self.train_learned(self.train_overrides.get("epochs", self.engine.epochs_of("deepcontent")))

    @work(thread=True, exclusive=True, exit_on_error=False, group="learned")
    def train_learned(self, total: int) -> None:
        worker = get_current_worker()
        jobs.train_learned(self.engine, total, self.train_overrides, self.post_message, lambda: worker.is_cancelled,
                           self.first_screen_shown)

    @on(LearnedProgress)
    def learned_progress(self, event: LearnedProgress) -> None:
        if self._group_busy("learned"):  # not a late one from a worker cancelled since
            self.learned_state = LearnedState(event.epoch, event.total)

    @on(LearnedDone)
    def learned_done(self, event: LearnedDone) -> None:
        if event.engine is not self.engine:  # trained for a dataset left since
            return
        self.learned_state = None
        if not event.trained:  # a saved one, loaded
            return
        if not event.ok:  # cancelled (it trains next time), or it could not train: its note says why
            for text in self.engine.notes:
                if text.startswith("films with few ratings"):
                    self.notify(text, severity="warning", timeout=8, markup=False)
            return
        self.notify("films with few ratings are now scored from their content too", timeout=4)
        self.scores_changed()  # the hybrid picks blend it in

    def start_training(self, force: bool = False) -> None:
        total = self.train_overrides.get("epochs", self.engine.default_epochs)
        name = self.engine.mode_model_name(mode_rules.FOLD_IN)
        self.train_state = TrainState(running=True, model=name, stage="model", total=total)
        self.train(force)

    def training_now(self) -> str | None:
        """The model the "train" worker group is training now (one at a time), or None."""
        return self.train_state.model if self.train_state.running else None

    def action_retrain(self) -> None:
        """The palette's "Retrain model": runs, or says why not (it did nothing while another model trained)."""
        if not self.ready:
            self.notify(LOADING, timeout=3, markup=False)
            return
        name = self.engine.mode_model_name(mode_rules.FOLD_IN)
        training = self.training_now()
        if training is not None:
            self.notify(f"{training} is training now; retrain {name} when it is done (one training at a time)",
                        timeout=6, markup=False)
            return
        self.notify(f"retraining {name}; the status line shows its progress, your picks stay meanwhile",
                    timeout=4, markup=False)
        self.start_training(force=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def train(self, force: bool) -> None:
        worker = get_current_worker()
        total = self.train_overrides.get("epochs", self.engine.default_epochs)
        jobs.train(self.engine, force, total, self.train_overrides, self.post_message, lambda: worker.is_cancelled)

    @on(TrainProgress)
    def train_progress(self, event: TrainProgress) -> None:
        self.train_state = TrainState(True, self.train_state.model, event.stage, event.epoch, event.total, event.loss,
                                      event.val_hr)

    def start_mode_training(self, mode: str) -> None:
        """Train the model a picks mode needs (e.g. the sequence model), then show its picks."""
        training = self.training_now()
        if training is not None:
            self.notify(f"{training} is training now; try again when it is done (one training at a time)",
                        timeout=4, markup=False)
            return
        name = self.engine.mode_model_name(mode)
        total = self.train_overrides.get("epochs", self.engine.epochs_of(name))
        self.train_state = TrainState(running=True, model=name, stage=mode, total=total)
        self.train_mode(mode, total)

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def train_mode(self, mode: str, total: int) -> None:
        worker = get_current_worker()
        jobs.train_mode(self.engine, mode, total, self.train_overrides, self.post_message,
                        lambda: worker.is_cancelled)

    @on(TrainDone)
    def train_done(self, event: TrainDone) -> None:
        self.train_state = IDLE  # the Fine-tune screen watches it: a fine-tune waiting for this model says so
        self.status_text = event.text
        if event.ok and event.mode != mode_rules.FOLD_IN:  # a mode's own model (sequence): its picks now
            self.set_mode(event.mode)
            self.notify(f"{event.text}: picks in mode {event.mode}", timeout=4, markup=False)
            self.scores_changed()
            return
        if event.ok:
            # your ratings, fine-tuned on the new model (by _model_loaded)
            self.foldin_state = replace(self.foldin_state, wanted=True)
            self._model_loaded()
            self.notify("model trained; your picks are fine-tuned on it", timeout=4)

    def set_mode(self, mode: str) -> None:
        """Picks from ``mode`` from now on; the status line says what that mode does with your ratings
        (a fine-tune's line only where the mode uses the model fitted to you)."""
        self.mode = mode
        if self.engine.mode_folds_in(mode):
            last = self.foldin_state.last
            if last is not None and not last.cancelled:
                self.status_text = self._foldin_text(last)
            elif self.status_text.startswith("mode "):
                self.status_text = "model ready"
        elif self.engine.reads_sequence(mode):
            self.status_text = (f"mode {mode}: {self.engine.mode_model_name(mode)} reads your ratings in time order "
                                "(nothing to fine-tune)")
        elif mode == mode_rules.fallback(mode):
            self.status_text = f"mode {mode}: genres and tags of the films you rated (nothing to fine-tune)"
        else:  # any other model that scores your ratings as they are
            self.status_text = f"mode {mode}: {self.engine.mode_model_name(mode)} reads your ratings (nothing to fine-tune)"

    @staticmethod
    def _foldin_text(event: FoldInDone) -> str:
        if not event.fitted:  # nothing rated: nothing was fine-tuned
            return "model ready"
        return f"fine-tuned for you on {event.device} in {event.seconds:.2f} s"

    def foldin_blocked(self) -> str | None:
        """Why a fine-tune cannot start now, or None. Only the fold-in model itself stands in its way (loading, or
        being trained): training another model (SASRec) blocks nothing (it blocked fine-tuning for minutes)."""
        name = self.engine.mode_model_name(mode_rules.FOLD_IN) if self.ready else "the model"
        if self.training_now() == name:
            return f"{name} is training; fine-tuning starts when it is done"
        if not self.model_ready and self.ready and not self._group_busy("load"):  # its training failed
            return f"{name} is not there (see the error above); 'Retrain model' (ctrl+p) trains it"
        if not self.model_ready:
            return f"{name} is still loading; fine-tuning starts when it is ready"
        return None

    def start_foldin(self, announce: bool) -> None:
        """Fine-tune the current ratings now, or when the fold-in model is there (queued, and the Fine-tune screen
        says why); ``announce``: asked for by the person, who is told why it waits when not on that screen."""
        if not self.ready:
            return
        blocked = self.foldin_blocked()
        if blocked is not None:
            self.foldin_state = replace(self.foldin_state, wanted=True)  # started by _model_loaded
            if announce and not isinstance(self.screen, FineTuneScreen):
                self.notify(blocked, timeout=4, markup=False)
            return
        run = self.foldin_state.runs + 1
        self.foldin_state = replace(self.foldin_state, wanted=False, losses=(), steps=None,
                                    total=self.engine.foldin_steps, runs=run, active=run)
        self.foldin(run)

    def foldin_view(self) -> tuple[str, str]:
        """The fine-tune's one state and the sentence that says it, from the app's own state only:
        running, waiting (for the fold-in model), due (ratings made; it starts after a pause), cancelled,
        nothing (nothing rated), done, or idle (none yet)."""
        state = self.foldin_state
        if state.running:
            if state.steps is None:
                return "running", "fitting: starting..."
            return "running", f"fitting: step {state.steps[1]}/{state.total}..."
        blocked = self.foldin_blocked() if self.ready else LOADING
        if state.wanted:
            return ("waiting", blocked) if blocked else ("due", "your latest ratings are fine-tuned in a moment")
        last = state.last
        if last is None:
            return ("waiting", blocked) if blocked else ("idle", "not fine-tuned yet; press f to fine-tune")
        if last.cancelled:
            return "cancelled", "cancelled; your ratings are saved"
        if not last.fitted:
            return "nothing", "nothing rated yet: nothing to fine-tune; rate a few films first"
        return "done", f"done in {last.seconds:.2f} s on {last.device}; press p for your picks"

    def _group_workers(self, group: str) -> list[Worker]:
        """This group's workers that are pending or running (the app's own state: nothing to keep in step)."""
        return [w for w in self.workers if w.group == group and w.state in (WorkerState.PENDING, WorkerState.RUNNING)]

    def _group_busy(self, group: str) -> bool:
        return bool(self._group_workers(group))

    def cancel_foldin(self) -> bool:
        running = self._group_workers("foldin")
        for w in running:
            w.cancel()
        return bool(running)

    @work(thread=True, exclusive=True, exit_on_error=False, group="foldin")
    def foldin(self, run: int = 0) -> None:
        worker = get_current_worker()
        jobs.fold_in(self.engine, self.profile, run, self.post_message, lambda: worker.is_cancelled)

    @on(FoldInProgress)
    def foldin_progress(self, event: FoldInProgress) -> None:
        state = self.foldin_state
        if event.run != state.active:  # a late one from a fine-tune cancelled since
            return
        first = state.steps[0] if state.steps else event.step
        self.foldin_state = replace(state, losses=(*state.losses, event.loss), steps=(first, event.step),
                                    total=event.total)

    @on(FoldInDone)
    def foldin_done(self, event: FoldInDone) -> None:
        if event.run != self.foldin_state.active:  # one superseded by a later fine-tune (that one's result counts)
            return
        self.foldin_state = replace(self.foldin_state, active=None, last=event)
        if not event.cancelled:
            if self.engine.mode_folds_in(self.mode):  # else the line keeps saying what the mode does
                self.status_text = self._foldin_text(event)
            self.scores_changed()  # the fine-tuned scores now

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "learned":
            self.learned_state = None
        if event.worker.group == "foldin":
            self.foldin_state = replace(self.foldin_state, active=None)
        if event.worker.group == "train":
            self.train_state = IDLE
            self.status_text = "training failed"
        text = str(error) if isinstance(error, MovieRecError) else f"{type(error).__name__}: {error}"
        self.notify(text, title="error", severity="error", markup=False, timeout=10)
        if event.worker.group == "load":
            self.exit(return_code=1, message=f"error: {text}")
