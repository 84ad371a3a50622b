"""Datasets and the catalogue: data list/import/fetch, search, similar, starters."""

from __future__ import annotations

import click

from movierec.cli.base import (
    _engine,
    _Group,
    _train_learned,
    cli,
    dataset_option,
    json_option,
    shown,
)
from movierec.console import print_json, safe, stderr, stdout
from movierec.errors import MovieRecError


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
    if as_json:
        print_json(_entry_json(entry, ds))
    else:
        stdout().print(safe(f"Imported {entry.name}: {ds.n_users:,} users, {ds.n_items:,} movies, "
                            f"{ds.n_ratings:,} ratings ({ds.layout} layout)."))


def _entry_json(entry, ds) -> dict:
    """A registered dataset as JSON: its name and folder, then the dataset's own summary."""
    return {"name": entry.name, "path": str(entry.path), **{k: v for k, v in ds.summary().items() if k != "name"}}


@data.command("fetch")
@click.argument("name")
@json_option
def data_fetch(name: str, as_json: bool) -> None:
    """Download an official GroupLens release (ml-100k, ml-1m, ml-10m, ml-latest-small, ml-20m, ml-25m, ml-32m)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from movierec.data import fetch as fetching
    from movierec.data import registry

    fetching.check_name(name)
    console = stderr()  # no bar into a log or pipe: rich would leave a blank line above the error line there
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=as_json or not console.is_terminal) as bar:
        task = bar.add_task(f"{name}.zip", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        entry = fetching.fetch(name, progress=progress)
    ds = registry.load_dataset(entry.name)
    if as_json:
        print_json(_entry_json(entry, ds))
    else:
        stdout().print(safe(f"Fetched {entry.name} into {entry.path}: {ds.n_users:,} users, {ds.n_items:,} movies, "
                            f"{ds.n_ratings:,} ratings (checksum verified)."))


@cli.command("search")
@click.argument("text")
@dataset_option
@click.option("--n", "limit", type=click.IntRange(1, 500), default=10, show_default=True, help="How many titles.")
@click.option("--genre", "genres", multiple=True, help="Only films of this genre (repeatable: any of them).")
@click.option("--from-year", type=int, default=None)
@click.option("--to-year", type=int, default=None)
@json_option
@click.pass_context
def search_cmd(ctx: click.Context, text: str, dataset: str | None, limit: int, genres: tuple[str, ...],
               from_year: int | None, to_year: int | None, as_json: bool) -> None:
    """Search titles (forgives typos, accents and articles); the filters apply first, then the query ranks."""
    from movierec.cli.people import _check_filters

    _check_filters(ctx, genres, from_year, to_year)
    engine = _engine(ctx, dataset, quiet=True)
    years = (from_year, to_year) if from_year is not None or to_year is not None else None
    # The TUI's search: when nothing matches closely, the same sentence ("did you mean", or what the filters hide).
    found = engine.search(text, list(genres) or None, years, limit)
    if found.note:
        raise MovieRecError(found.note)
    if as_json:
        print_json([{**row.to_json("ratings"), "mean_rating": round(row.mean_rating, 2),
                     "match": None if row.score is None else round(row.score, 1)}  # no text: the most rated
                    for row in found.rows])
        return
    from rich.table import Table

    table = Table()
    # Two films of one title (ml-latest-small has "Emma (1996)" twice): their ids tell them apart ("id:838").
    rows = found.rows
    twins = len({r.title for r in rows}) < len(rows)
    for col in ("title", "genres", "mean", "ratings") + (("id",) if twins else ()):
        table.add_column(col, justify="right" if col in ("mean", "ratings", "id") else "left")
    for row in rows:
        table.add_row(safe(shown(row.title)), safe(", ".join(row.genres)), f"{round(row.mean_rating, 2):.2f}",
                      f"{row.ratings:,}", *((f"id:{row.movie_id}",) if twins else ()))
    stdout().print(table)



@cli.command("similar")
@click.argument("title")
@dataset_option
@click.option("--n", "limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--learned", is_flag=True,
              help="Closest in deepcontent's learned space (how people rate them; trains deepcontent once if none is saved).")
@json_option
@click.pass_context
def similar_cmd(ctx, title, dataset, limit, learned, as_json):
    """More like this: films closest to TITLE by genres, tags and the tag genome (or, with --learned, in the
    space deepcontent maps film features into)."""
    engine = _engine(ctx, dataset, quiet=True)
    if learned and engine.get("deepcontent") is None:  # none saved, or a bad one set aside (with a note)
        engine.dataset.catalog.find(title)  # an unknown title fails before any training
        if not as_json:
            from movierec import device as devices

            stderr().print(f"device: {devices.describe(engine.device, why=True)}")
        _train_learned(engine, not as_json)  # as `recommend` does; a failure is a note, then the error below
    film, rows = engine.similar(title, limit, learned=learned)
    if as_json:
        print_json({"query": title, "movie": film.to_json("exact"), "space": "learned" if learned else "content",
                    "similar": [{**row.to_json(), "similarity": round(row.similarity, 4)} for row in rows]})
        return
    from rich.table import Table

    note = "" if film.exact else " (closest match)"
    table = Table(title=safe(f"More like {shown(film.title)}{note}" + (" (learned space)" if learned else "")))
    for col in ("#", "title", "genres", "similarity"):
        table.add_column(col, justify="right" if col in ("#", "similarity") else "left")
    for n, row in enumerate(rows, 1):
        table.add_row(str(n), safe(shown(row.title)), safe(", ".join(row.genres)), f"{round(row.similarity, 4):.3f}")
    stdout().print(table)



@cli.command("starters")
@dataset_option
@click.option("--n", "limit", type=click.IntRange(1, 200), default=30, show_default=True)
@json_option
@click.pass_context
def starters_cmd(ctx, dataset, limit, as_json):
    """Well-known films across genres and decades, to rate first."""
    engine = _engine(ctx, dataset, quiet=True)
    rows = engine.cold_start(limit)
    if as_json:
        print_json([row.to_json("index", "ratings") for row in rows])
        return
    for row in rows:
        stdout().print(safe(f"{shown(row.title)}  ({', '.join(row.genres)})"))


