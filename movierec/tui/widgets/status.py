"""The model status line: training progress while a model trains, else what is ready."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from movierec.tui.widgets.tables import plural


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
        self.refresh_status()

    def refresh_status(self) -> None:
        app = self.app
        state = getattr(app, "train_state", None)
        label = self.query_one("#status-text", Label)
        bar = self.query_one("#status-bar", ProgressBar)
        if state and state.get("running"):
            self.remove_class("-idle")
            name = "the model" if state["stage"] == "model" else state["stage"].upper()
            if state["epoch"]:
                label.update(f"training {name}: epoch {state['epoch']}/{state['total']}  "
                             f"loss {state['loss']:.3f}" + (f"  val HR@10 {state['val_hr']:.3f}" if state.get("val_hr") else ""))
            else:  # no epoch has finished: there is no loss to show yet
                label.update(f"training {name}: starting (at most {plural(state['total'], 'epoch')})")
            bar.update(total=state["total"], progress=state["epoch"])
        else:
            self.add_class("-idle")
            label.update(getattr(app, "status_text", ""))
