"""The model status line: training progress while a model trains, else what is ready."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from movierec.tui.handle import movierec_app, watch_app
from movierec.tui.widgets.tables import plural


#: How a refit's stage ends ("gmf on train+validation"): the epochs chosen on validation, not a budget.
REFIT = " on train+validation"


def stage_name(stage: str) -> str:
    """A training stage as the status line says it: the model's name in capitals, the rest as it is
    ("gmf on train+validation" -> "GMF on train+validation"); "model" -> "the model"."""
    if stage == "model":
        return "the model"
    model, _, rest = stage.partition(" ")
    return f"{model.upper()} {rest}" if rest else model.upper()


def stage_total(stage: str, figures: dict, total: int) -> int | None:
    """The epoch count a progress message counts towards: the stage's own plan when the message carries it
    (``epochs``: the config's, or a refit's chosen count), else ``total``; a refit without it: None
    (unknown: its epochs were chosen on validation)."""
    epochs = figures.get("epochs")
    if isinstance(epochs, int) and epochs > 0:
        return epochs
    return None if stage.endswith(REFIT) else total


class ModelStatus(Horizontal):
    DEFAULT_CSS = """
    ModelStatus { height: 1; padding: 0 1; background: $panel; }
    ModelStatus Label { width: auto; margin-right: 1; }
    ModelStatus ProgressBar { width: 30; }
    ModelStatus.-idle ProgressBar { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield Label("", id="status-text")
        yield ProgressBar(total=1, show_eta=False, id="status-bar")

    def on_mount(self) -> None:
        # What it shows, watched on the app (while its screen is in view: another mode's re-reads on resume).
        watch_app(self, ("train_state", "learned_state", "status_text"), self.refresh_status)
        self.refresh_status()

    def refresh_status(self) -> None:
        app = movierec_app(self)
        state = app.train_state
        label = self.query_one("#status-text", Label)
        bar = self.query_one("#status-bar", ProgressBar)
        if state.running:
            self.remove_class("-idle")
            name = stage_name(state.stage)
            total = state.total  # None: not known (a refit whose message does not carry its epoch count)
            if state.epoch:
                of = f"/{total}" if total else ""
                label.update(f"training {name}: epoch {state.epoch}{of}  "
                             f"loss {state.loss:.3f}" + (f"  val HR@10 {state.val_hr:.3f}" if state.val_hr else ""))
            elif total:  # no epoch has finished: there is no loss to show yet
                label.update(f"training {name}: starting (at most {plural(total, 'epoch')})")
            else:
                label.update(f"training {name}: starting")
            bar.update(total=total or None, progress=state.epoch)
        else:
            self.add_class("-idle")
            text = app.status_text
            learned = app.learned_state
            if learned is not None:  # deepcontent training behind the picks
                done = f" {learned.epoch}/{learned.total}" if learned.epoch else ""
                # Short beside another line (a fine-tune's fits 80 columns with it); the picks' mix names it too.
                text = (f"{text} · training deepcontent{done}" if text
                        else f"training deepcontent (films with few ratings){done}")
            label.update(text)
