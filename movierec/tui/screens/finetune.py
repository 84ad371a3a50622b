"""Fine-tune: fit your own user vectors on this machine, with progress, a loss chart and cancel."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

from movierec.tui.messages import FoldInDone, FoldInProgress
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.chart import LossChart, smooth


class FineTuneScreen(MainScreen):
    BINDINGS = [Binding("escape", "cancel", "cancel / back"), Binding("f", "start", "again"),
                Binding("p", "app.show_picks", "picks"), Binding("r", "app.show_ratings", "ratings")]

    def compose(self) -> ComposeResult:
        yield from self.compose_frame()
        with Vertical(id="finetune"):
            yield Label("Fine-tune: your own user vectors", id="finetune-title")
            yield Static("", id="device", markup=False)
            yield Static("Your ratings train your own user vectors; the trained model stays frozen.", markup=False)
            yield Static("", id="mode-note", markup=False)
            yield ProgressBar(total=1, show_eta=False, id="foldin-bar")
            yield Static("loss per step (grey dots: each step; bright line: smoothed)", id="loss-label", markup=False)
            yield LossChart(id="loss")
            yield Static("", id="result", markup=False)
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.refresh_data()
        self.action_start()

    def refresh_data(self) -> None:
        """The device and the last fine-tune's result: they may have come while this screen was out of view."""
        app = self.app
        device = app.engine.device_name if app.model_ready else "chosen once the model has loaded"
        self.query_one("#device", Static).update(f"device: {device}")
        mode = app.mode
        note = ""
        if app.engine.reads_sequence(mode):  # a sequence model reads your ratings as they are
            note = (f"Picks use {app.engine.mode_model_name(mode)} (mode {mode}): it reads your ratings in time "
                    "order and needs no gradient step for you. This fits the vectors the hybrid mode uses.")
        elif mode == "content":
            note = "Picks are content-based (mode content): they need no fine-tuning; this fits the hybrid's vectors."
        box = self.query_one("#mode-note", Static)
        box.update(note)
        box.display = bool(note)  # no blank line when there is nothing to say (80x24 has no line to spare)
        last = app.last_foldin
        if last is not None and not app.foldin_running():
            self.done(last)

    def action_start(self) -> None:
        self.losses: list[float] = []
        self.first_step = 0  # the step of the first loss shown (the loss comes every 10 steps)
        self.query_one(LossChart).set_values([])
        self.query_one("#result", Static).update("fitting...")
        self.app.start_foldin(announce=True)

    async def action_cancel(self) -> None:
        if self.app.cancel_foldin():
            self.query_one("#result", Static).update("cancelled; your ratings are saved")
        else:
            await self.app.action_show_picks()

    @on(FoldInProgress)
    def progress(self, event: FoldInProgress) -> None:
        self.losses.append(event.loss)
        if len(self.losses) == 1:
            self.first_step = event.step
        bar = self.query_one("#foldin-bar", ProgressBar)
        bar.update(total=event.total, progress=event.step)
        self.query_one(LossChart).set_values(self.losses, (self.first_step, event.step))
        self.query_one("#loss-label", Static).update(
            f"step {event.step}/{event.total} · loss {event.loss:.4f} · smoothed {smooth(self.losses)[-1]:.4f}  "
            "(grey dots: each step; bright line: smoothed)")

    @on(FoldInDone)
    def done(self, event: FoldInDone) -> None:
        if event.cancelled:
            self.query_one("#result", Static).update("cancelled; your ratings are saved")
            return
        if not event.fitted:
            self.query_one("#result", Static).update("nothing rated yet: nothing to fine-tune; rate a few films first")
            return
        bar = self.query_one("#foldin-bar", ProgressBar)
        bar.update(total=1, progress=1)
        self.query_one("#result", Static).update(
            f"done in {event.seconds:.2f} s on {event.device}; press p for your picks")
