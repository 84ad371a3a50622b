"""The ``movierec`` command: the TUI by default, ``--headless`` subcommands for scripts.

Every headless command that prints results accepts ``--json``. Errors caused by
input or environment print one line (``error: ...``) and exit non-zero.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from movierec import __version__
from movierec.console import clean, print_json, safe, stderr, stdout
from movierec.errors import MovieRecError


class _Group(click.Group):
    """A click group that turns MovieRecError (and stray exceptions) into one-line errors."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
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
        except Exception as exc:  # a bug: say so in one line, keep the traceback for those who ask
            if os.environ.get("MOVIEREC_DEBUG"):
                traceback.print_exc()
            click.echo(f"error: internal error ({type(exc).__name__}: {clean(exc)}); "
                       "please report it, and rerun with MOVIEREC_DEBUG=1 for details", err=True)
            ctx.exit(70)


json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
dataset_option = click.option("--dataset", "-d", default=None, metavar="NAME|PATH",
                              help="A registered dataset name or a path to a MovieLens folder or zip.")


def _dataset_arg(ctx: click.Context, value: str | None) -> str | None:
    return value or (ctx.find_root().obj or {}).get("dataset")


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="movierec")
@click.option("--headless", is_flag=True, help="Run a subcommand without the TUI (for scripts and servers).")
@dataset_option
@click.option("--profile", "-p", default=None, metavar="NAME", help="The profile to use (default: 'default').")
@click.pass_context
def cli(ctx: click.Context, headless: bool, dataset: str | None, profile: str | None) -> None:
    """movierec: search films, rate a few, get picks from a model fine-tuned on your machine.

    Run without arguments for the terminal UI; `movierec --headless COMMAND` for scripts.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(dataset=dataset, profile=profile)
    if ctx.invoked_subcommand is None:
        if headless:
            click.echo(ctx.get_help())
            ctx.exit(2)
        click.echo("The terminal UI is not built yet; see `movierec --headless --help` for the commands.")


# -- data -------------------------------------------------------------------------------------
@cli.group(cls=_Group)
def data() -> None:
    """List, import and fetch MovieLens datasets."""


@data.command("list")
@json_option
def data_list(as_json: bool) -> None:
    """Every dataset known: bundled, fetched, imported, with counts."""
    from movierec.data import registry

    rows = []
    for entry in registry.entries():
        row = {"name": entry.name, "kind": entry.kind, "path": str(entry.path)}
        try:
            ds = registry.load_dataset(entry.name)
            row.update(users=ds.n_users, items=ds.n_items, ratings=ds.n_ratings)
        except MovieRecError as exc:
            row.update(users=None, items=None, ratings=None, error=str(exc))
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Datasets")
    for col, justify in (("name", "left"), ("kind", "left"), ("users", "right"), ("items", "right"),
                         ("ratings", "right"), ("path", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        fmt = (lambda v: f"{v:,}" if isinstance(v, int) else "?")
        table.add_row(safe(row["name"]), row["kind"], fmt(row["users"]), fmt(row["items"]), fmt(row["ratings"]),
                      safe(row.get("error") or row["path"], "red" if row.get("error") else ""))
    stdout().print(table)


@data.command("import")
@click.argument("path")
@click.option("--name", default=None, help="Register under this name (default: the folder or zip name).")
@json_option
def data_import(path: str, name: str | None, as_json: bool) -> None:
    """Register a local MovieLens folder or zip under a name."""
    from movierec.data import registry

    entry, ds = registry.import_dataset(path, name)
    info = {"name": entry.name, "path": str(entry.path), **{k: v for k, v in ds.summary().items() if k != "name"}}
    if as_json:
        print_json(info)
    else:
        stdout().print(safe(f"Imported {entry.name}: {ds.n_users:,} users, {ds.n_items:,} movies, "
                            f"{ds.n_ratings:,} ratings ({ds.layout} layout)."))


@data.command("fetch")
@click.argument("name")
@json_option
def data_fetch(name: str, as_json: bool) -> None:
    """Download an official GroupLens release (ml-100k, ml-1m, ml-10m, ml-latest-small, ml-20m, ml-25m, ml-32m)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from movierec.data import fetch as fetching, registry

    fetching.check_name(name)
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=stderr(), transient=True, disable=as_json) as bar:
        task = bar.add_task(f"{name}.zip", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        entry = fetching.fetch(name, progress=progress)
    ds = registry.load_dataset(entry.name)
    if as_json:
        print_json({"name": entry.name, "path": str(entry.path), **{k: v for k, v in ds.summary().items() if k != "name"}})
    else:
        stdout().print(safe(f"Fetched {entry.name} into {entry.path}: {ds.n_users:,} users, {ds.n_items:,} movies, "
                            f"{ds.n_ratings:,} ratings (checksum verified)."))


@cli.command("search")
@click.argument("text")
@dataset_option
@click.option("--n", "limit", default=10, show_default=True, help="How many titles.")
@json_option
@click.pass_context
def search_cmd(ctx: click.Context, text: str, dataset: str | None, limit: int, as_json: bool) -> None:
    """Search titles (forgives typos, accents and articles)."""
    from movierec.data import registry

    ds = registry.load_dataset(_dataset_arg(ctx, dataset))
    cat = ds.catalog
    rows = []
    for match in cat.search(text, limit=limit):
        i = match.index
        rows.append({**cat.describe(i), "ratings": int(cat.n_ratings[i]), "mean_rating": round(float(cat.mean_rating[i]), 2),
                     "match": round(match.score, 1)})
    if as_json:
        print_json(rows)
        return
    if not rows:
        raise MovieRecError(f"no title matches {text!r}; try fewer or other words")
    from rich.table import Table

    table = Table()
    for col in ("title", "genres", "mean", "ratings"):
        table.add_column(col, justify="right" if col in ("mean", "ratings") else "left")
    for row in rows:
        table.add_row(safe(row["title"]), safe(", ".join(row["genres"])), f"{row['mean_rating']:.2f}", f"{row['ratings']:,}")
    stdout().print(table)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="movierec")


if __name__ == "__main__":  # pragma: no cover
    main()
