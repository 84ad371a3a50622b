"""Fine-tune: fit your own user vectors on this machine, with progress, a loss chart and cancel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar, Static

from movierec.engine import modes as mode_rules
from movierec.tui.handle import movierec_app, watch_app
from movierec.tui.screens.base import MainScreen
from movierec.tui.widgets.chart import LossChart, smooth


LOSS_LABEL = "loss per step (grey dots: each step; bright line: smoothed)"


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
            # The state's sentence beside its bar: below the chart it fell off 80x24 when the mode note showed.
            yield Static("", id="result", markup=False)
            yield Static(LOSS_LABEL, id="loss-label", markup=False)
            yield LossChart(id="loss")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        # The fine-tune's state, and what it waits for: the fold-in model (loading, or being trained).
        watch_app(self, ("foldin_state", "train_state", "model_ready"), self.show_state)
        self.refresh_data()
        self.action_start()

    def refresh_data(self) -> None:
        """The device, what the mode does with a fine-tune, and the fine-tune's state: they may have changed while
        this screen was out of view."""
        app = movierec_app(self)
        device = app.engine.device_name if app.model_ready else "chosen once the model has loaded"
        self.query_one("#device", Static).update(f"device: {device}")
        mode = app.mode
        note = ""
        if app.engine.reads_sequence(mode):  # a sequence model reads your ratings as they are
            note = (f"Picks use {app.engine.mode_model_name(mode)} (mode {mode}): it reads your ratings in time "
                    "order and needs no gradient step for you. This fits the vectors the hybrid mode uses.")
        elif mode == mode_rules.fallback(mode):  # the blends' fallback: no model of its own
            note = f"Picks are content-based (mode {mode}): they need no fine-tuning; this fits the hybrid's vectors."
        box = self.query_one("#mode-note", Static)
        box.update(note)
        box.display = bool(note)  # no blank line when there is nothing to say (80x24 has no line to spare)
        self.show_state()

    @property
    def losses(self) -> list[float]:
        """The running (or last) fine-tune's losses (the app keeps them)."""
        return list(movierec_app(self).foldin_state.losses)

    def show_state(self) -> None:
        """Everything this screen says about the fine-tune, from one state (``app.foldin_view``): the sentence,
        the bar and the chart never disagree (a full bar, "waiting for the first step", an old result and
        "the model is still loading or training" showed at once)."""
        app = movierec_app(self)
        state, sentence = app.foldin_view()
        self.query_one("#result", Static).update(sentence)
        bar = self.query_one("#foldin-bar", ProgressBar)
        chart = self.query_one(LossChart)
        label = self.query_one("#loss-label", Static)
        shown = state in ("running", "done")
        foldin = app.foldin_state
        losses = list(foldin.losses) if shown else []
        if state == "running":
            bar.update(total=foldin.total or 1, progress=foldin.steps[1] if foldin.steps else 0)
        else:
            bar.update(total=1, progress=1 if state == "done" else 0)
        chart.empty_text = "waiting for the first step..." if state == "running" else ""
        chart.set_values(losses, foldin.steps if losses else None)
        if losses and foldin.steps:
            label.update(f"step {foldin.steps[1]}/{foldin.total} · loss {losses[-1]:.4f} · smoothed "
                         f"{smooth(losses)[-1]:.4f}  (grey dots: each step; bright line: smoothed)")
        else:
            label.update(LOSS_LABEL)

    def refresh_status(self) -> None:
        super().refresh_status()
        self.show_state()  # a training started or ended: what a fine-tune waits for

    def action_start(self) -> None:
        movierec_app(self).start_foldin(announce=True)
        self.show_state()

    async def action_cancel(self) -> None:
        if not movierec_app(self).cancel_foldin():
            await movierec_app(self).action_show_picks()
