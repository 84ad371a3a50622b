"""A small loss chart drawn in braille: the step count, the loss range and a smoothed curve.

Hand-drawn rather than textual-plotext: the chart needs one series, two axes and a moving average,
about 80 lines here, while textual-plotext (last release 2024-11) would add two dependencies
(plotext and its wrapper) and its import time to a screen that opens at every fine-tune.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.widget import Widget

#: Braille dot bits for (x in 0..1, y in 0..3 from the top) within one character cell.
DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def smooth(values: list[float], weight: float = 0.8) -> list[float]:
    """Exponential moving average with bias correction (TensorBoard's smoothing)."""
    out, last = [], 0.0
    for k, v in enumerate(values, 1):
        last = weight * last + (1 - weight) * v
        out.append(last / (1 - weight ** k))
    return out


class ChartRender:
    def __init__(self, values: list[float], width: int, height: int, steps: tuple[int, int] | None = None,
                 empty: str = "waiting for the first step...") -> None:
        self.values, self.width, self.height, self.empty = values, width, height, empty
        self.steps = steps  # the steps of the first and last value (default: 1 and len(values))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        values, width, height = self.values, max(min(self.width, options.max_width), 20), max(self.height, 3)
        dim, bright, axis = Style(color="bright_black"), Style(color="cyan", bold=True), Style(color="white")
        rows = height - 1  # the last line is the step axis
        if not values:
            for _ in range(rows):
                yield Segment(" " * width)
                yield Segment.line()
            yield Segment(self.empty.ljust(width), dim)
            yield Segment.line()
            return
        lo, hi = min(values), max(values)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        labels = [f"{hi:.3f}", f"{(lo + hi) / 2:.3f}", f"{lo:.3f}"]
        gutter = max(len(s) for s in labels) + 1
        cols = width - gutter - 1
        raw = [[0] * cols for _ in range(rows)]
        line = [[0] * cols for _ in range(rows)]
        n = len(values)

        def plot(grid, series):
            for k, v in enumerate(series):
                x = round(k * (2 * cols - 1) / max(n - 1, 1))
                y = round((hi - v) / (hi - lo) * (4 * rows - 1))
                grid[y // 4][x // 2] |= DOTS[x % 2][y % 4]

        plot(raw, values)
        curve = smooth(values)
        # The smoothed curve as a continuous line: linear interpolation at every horizontal dot, and
        # each dot joined to the one before by a vertical run.
        last_y = None
        for x in range(2 * cols if n > 1 else 1):
            t = x * (n - 1) / max(2 * cols - 1, 1)
            k = min(int(t), n - 2) if n > 1 else 0
            v = curve[k] + (curve[k + 1] - curve[k]) * (t - k) if n > 1 else curve[0]
            y = round((hi - v) / (hi - lo) * (4 * rows - 1))
            for yy in range(min(y, last_y if last_y is not None else y), max(y, last_y if last_y is not None else y) + 1):
                line[yy // 4][x // 2] |= DOTS[x % 2][yy % 4]
            last_y = y
        for r in range(rows):
            label = labels[0] if r == 0 else labels[2] if r == rows - 1 else labels[1] if r == rows // 2 else ""
            yield Segment(label.rjust(gutter - 1) + " ", axis)
            yield Segment("│", axis)
            for c in range(cols):
                bits = raw[r][c] | line[r][c]
                yield Segment(chr(0x2800 + bits) if bits else " ", bright if line[r][c] else dim)
            yield Segment.line()
        first, last = self.steps or (1, n)
        right = f"step {last}"
        yield Segment(" " * gutter + "└" + str(first).ljust(cols - len(right) - 1) + right + " ", axis)
        yield Segment.line()


class LossChart(Widget):
    """Loss per step: raw steps as grey dots, the smoothed curve bright, the loss range on the left."""

    DEFAULT_CSS = "LossChart { height: 8; width: 1fr; }"
    #: What the chart says with no step yet (the Fine-tune screen sets it from the fine-tune's state).
    empty_text = "waiting for the first step..."

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.values: list[float] = []
        self.steps: tuple[int, int] | None = None

    def set_values(self, values: list[float], steps: tuple[int, int] | None = None) -> None:
        """``steps``: the steps the first and last value were taken at (a value every 10 steps: (10, 120))."""
        self.values = list(values)
        self.steps = steps
        self.refresh()

    def render(self) -> ChartRender:
        return ChartRender(self.values, self.size.width, self.size.height, self.steps, self.empty_text)
