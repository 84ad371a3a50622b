"""The click group, shared options and helpers of the ``movierec`` command (commands live beside it)."""

from __future__ import annotations

import errno
import math
import os
import re
import sys
import traceback

import click

from movierec import __version__
from movierec.console import clean, safe, stderr
from movierec.errors import MovieRecError


class _UsageError(click.UsageError):
    """A usage error shown as the product shows every error: one line that says what to do (exit 2)."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", file=file, err=file is None)


def _one_line(exc: click.UsageError, ctx: click.Context | None = None) -> _UsageError:
    """click's three lines (Usage, Try, Error) as one: "error: no such option --foo; see `movierec
    --headless search --help`"."""
    if isinstance(exc, _UsageError):
        return exc
    if isinstance(exc, click.NoSuchOption):
        text = f"no such option {exc.option_name}"
        if exc.possibilities:
            text += f" (did you mean {', '.join(sorted(exc.possibilities))}?)"
    else:
        text = exc.format_message()
    text = " ".join(clean(text).split()).rstrip(".")
    if text[:1].isupper() and text[1:2].islower():  # "No such command", not "TITLE"
        text = text[0].lower() + text[1:]
    ctx = exc.ctx or ctx
    names = []
    while ctx is not None and ctx.parent is not None:  # the root's own name is "cli" under CliRunner
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    where = f"movierec --headless {' '.join(names)} --help" if names else "movierec --help"
    error = _UsageError(f"{text}; see `{re.sub(' +', ' ', where)}`", exc.ctx)
    error.exit_code = 2
    return error


#: A group called with no subcommand raises this usage error to print its help: not an error to reword.
_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Group(click.Group):
    """A click group that turns MovieRecError (and stray exceptions) into one-line errors, usage errors too."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _HELP:  # `movierec --headless data` with no subcommand: its help, as click shows it
            raise
        except click.UsageError as exc:  # this group's own options and arguments
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except _HELP:
            raise
        except click.UsageError as exc:  # an unknown command, a subcommand's options and arguments
            raise _one_line(exc, ctx) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MovieRecError as exc:
            click.echo(f"error: {clean(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing saved was changed", err=True)
            ctx.exit(130)
        except MemoryError:
            click.echo("error: out of memory; use a smaller dataset or close other programs", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # the reader of the output went away (`| head`): quietly, status 1 as rich's tables
            _stdout_to_devnull()  # and Python's own advice give it (the output was not all delivered)
            ctx.exit(1)
        except OSError as exc:  # the output itself could not be written (`> /dev/full`, a disk that filled up)
            if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG):
                raise
            _stdout_to_devnull()
            click.echo(f"error: could not write {exc.filename or 'the output'}: {exc.strerror or exc}; free some "
                       "space or write elsewhere", err=True)
            ctx.exit(1)
        except Exception as exc:  # a bug: say so in one line, keep the traceback for those who ask
            if os.environ.get("MOVIEREC_DEBUG"):
                traceback.print_exc()
            click.echo(f"error: internal error ({type(exc).__name__}: {clean(exc)}); "
                       "please report it, and rerun with MOVIEREC_DEBUG=1 for details", err=True)
            ctx.exit(70)


class Number(click.FloatRange):
    """The one type of every float option and argument: a finite number within an optional range.

    click's FLOAT and FloatRange take "nan" (no comparison with a bound fails) and "inf"; here both are a usage
    error when the command line is parsed (exit 2), before any dataset is loaded or model trained."""

    name = "number"

    def convert(self, value, param, ctx):
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


def shown(title: str) -> str:
    """A catalogue title as every table and sentence of the CLI and the TUI shows it, the article in front:
    "Shining, The (1980)" -> "The Shining (1980)", the form the picks' reasons use (a film was spelled both
    ways on one screen). --json keeps the catalogue's own form in its "title" fields."""
    from movierec.data.titles import spoken_title

    return spoken_title(title)


class ProfileName(click.ParamType):
    """A profile name, checked (and put in NFC) by the store's one check when the command line is parsed."""

    name = "profile name"

    def convert(self, value, param, ctx):
        from movierec.store.profiles import check_name

        try:
            return check_name(value)
        except MovieRecError as exc:
            self.fail(str(exc), param, ctx)


PROFILE_NAME = ProfileName()


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
dataset_option = click.option("--dataset", "-d", default=None, metavar="NAME|PATH",
                              help="A registered dataset name or a path to a MovieLens folder or zip.")


def _dataset_arg(ctx: click.Context, value: str | None) -> str | None:
    return value or (ctx.find_root().obj or {}).get("dataset")


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="movierec")
@click.option("--headless", is_flag=True, help="Run a subcommand without the TUI (for scripts and servers).")
@dataset_option
@click.option("--profile", "-p", type=PROFILE_NAME, default=None, metavar="NAME",
              help="The profile to use (default: 'default').")
@click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda|mps",
              help="Where the TUI trains and fine-tunes (auto = cuda, then mps, then cpu).")
@click.pass_context
def cli(ctx: click.Context, headless: bool, dataset: str | None, profile: str | None, device: str) -> None:
    """movierec: search films, rate a few, get picks from a model fine-tuned on your machine.

    Run without arguments for the terminal UI; `movierec --headless COMMAND` for scripts.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(dataset=dataset, profile=profile)
    if ctx.invoked_subcommand is None:
        if headless:
            click.echo(ctx.get_help())
            ctx.exit(2)
        from movierec.data import registry
        from movierec.device import check

        registry.resolve(dataset)  # a wrong --dataset is a one-line error before the screen opens
        check(device)  # without torch for auto and cpu: the first screen does not wait for it
        from movierec.tui.app import make_app  # the TUI is imported only here

        app = make_app(dataset=dataset, profile=profile, device=device)
        app.run()
        if app.return_code:
            ctx.exit(app.return_code)


# -- models -----------------------------------------------------------------------------------
device_option = click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda|mps",
                             help="Where to train and score (auto = cuda, then mps, then cpu).")


def _engine(ctx: click.Context, dataset: str | None, device: str = "auto", quiet: bool = False):
    from movierec.engine import Engine

    engine = Engine(_dataset_arg(ctx, dataset), device,
                    on_note=lambda text: stderr().print(safe(f"note: {text}"), soft_wrap=True))
    if not quiet:
        from movierec import device as devices

        stderr().print(f"device: {devices.describe(engine.device, why=True)}")  # the thread choice and why, once
    return engine


def _train_learned(engine, show: bool) -> None:
    """deepcontent, trained once for this dataset when none is saved (or a bad one was set aside, with a note),
    with progress when ``show``: what `recommend` and `similar --learned` need. A failed training is a note."""
    if engine.get("deepcontent") is None:
        with _TrainProgress(show, engine.epochs_of("deepcontent")) as progress:
            engine.train_learned(callback=progress)


class _TrainProgress:
    """A rich progress bar over epochs, with the loss and validation HR@10 of the last one.

    ``label`` starts each stage's line ("train neumf"; `tune`: "trial 3/20 neumf"); ``transient`` bars are
    cleared when they end, without the "stopped early" line (`tune` prints one line per trial instead, which
    says how it ended: a pruned trial also stops before its last epoch)."""

    def __init__(self, enabled: bool, epochs: int, label: str = "train", transient: bool = False) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.epochs = epochs
        self.label = label
        self.transient = transient
        # Not a terminal (a log, a pipe, a batch job): one plain line per epoch instead of a live bar.
        self.lines = enabled and not stderr().is_terminal
        self.enabled = enabled
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[figures]}"), console=stderr(), disable=not enabled or self.lines,
                            transient=transient)
        self.tasks: dict[str, int] = {}
        self.last: dict[str, tuple[int, int, int | None]] = {}  # stage -> (last epoch, planned epochs, best epoch)
        self.best: dict[str, float] = {}  # stage -> best validation HR@10 so far

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if exc[0] is None and self.tasks:
            self._ended(next(reversed(self.tasks)))
        return self.bar.__exit__(*exc)

    def _ended(self, stage: str) -> None:
        """A stage is over: if it ran fewer epochs than planned, early stopping ended it; say so, and which
        epoch was kept (rather than leave a bar at "30/40" that looks cut off)."""
        last, total, best = self.last.get(stage, (0, 0, None))
        if not last or last >= total or self.transient:
            return
        text = f"{self.label} {stage}: stopped early after epoch {last}/{total}" + (f", keeping epoch {best}" if best else "")
        # A line of its own (above the live bars, which a terminal's width cuts), not one more bar field.
        (stderr() if self.lines else self.bar.console).print(text, highlight=False)

    def __call__(self, epoch: int, figures: dict) -> None:
        stage = figures.get("stage", "model")
        total = int(figures.get("epochs") or self.epochs)
        if stage not in self.tasks:
            if self.tasks:
                self._ended(next(reversed(self.tasks)))
            self.tasks[stage] = self.bar.add_task(f"{self.label} {stage}", total=total, figures="")
        text = f"loss {figures['loss']:.4f}"
        best = self.last.get(stage, (0, 0, None))[2]
        score = figures.get("val_hr")  # the models keep the first epoch of the best validation HR@10
        if score is not None and score > self.best.get(stage, -1.0):
            self.best[stage], best = score, epoch
        if "val_hr" in figures:
            text += f"  val HR@10 {figures['val_hr']:.3f}"
        rate = figures['samples'] / max(figures['seconds'], 1e-9)
        text += f"  {rate / 1e6:.2f}M samples/s" if rate >= 1e5 else f"  {rate:,.0f} samples/s"
        self.last[stage] = (epoch, total, best)
        if self.lines:
            stderr().print(f"{self.label} {stage} epoch {epoch}/{total}: {text}  ({figures['seconds']:.1f} s)",
                           highlight=False)
            return
        self.bar.update(self.tasks[stage], completed=epoch, total=total, figures=text)


# -- a person's ratings and picks --------------------------------------------------------------
profile_option = click.option("--profile", "-p", "profile_name", type=PROFILE_NAME, default=None, metavar="NAME",
                              help="Profile to use (default: 'default').")


def _profile_name(ctx: click.Context, value: str | None) -> str:
    from movierec.store.profiles import DEFAULT_PROFILE

    return value or (ctx.find_root().obj or {}).get("profile") or DEFAULT_PROFILE


def _match(engine, title: str) -> tuple[int, int, str, bool]:
    """(item index, movie id, title, exact) for a title, or a TitleError listing candidates."""
    cat = engine.dataset.catalog
    match = cat.find(title)
    return match.index, int(cat.item_ids.ids(match.index)[0]), cat.titles[match.index], match.exact


def _film_and_profile(ctx: click.Context, dataset: str | None, title: str,
                      profile_name: str | None) -> tuple[int, str, str, dict]:
    """(movie id, matched title, profile name, where) for the commands that change one film in a profile;
    ``where``: the store's ``space`` and ``same`` for it (``Engine.entry_args``)."""
    engine = _engine(ctx, dataset, quiet=True)
    index, movie_id, matched, _ = _match(engine, title)
    return movie_id, matched, _profile_name(ctx, profile_name), engine.entry_args(index)


def _stdout_to_devnull() -> None:
    """Nothing more goes to a standard output that cannot take it (Python's flush at exit would fail again)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main() -> None:
    """Console-script entry point. What is still buffered for standard output is written here, not in Python's
    exit: a reader that went away (`| head`) ends the command quietly with status 1, a full disk in one error
    line (the flush at exit printed "Exception ignored ... BrokenPipeError" and exited 120)."""
    try:
        cli.main(prog_name="movierec")
    except SystemExit as done:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_to_devnull()
            raise SystemExit(1) from None
        except OSError as exc:
            _stdout_to_devnull()
            click.echo(f"error: could not write the output: {exc.strerror or exc}; free some space or write "
                       "elsewhere", err=True)
            raise SystemExit(1) from None
        raise

