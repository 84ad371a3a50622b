"""The ``movierec`` command: the TUI by default, ``--headless`` subcommands for scripts.

Every headless command that prints results accepts ``--json``. Errors caused by
input or environment print one line (``error: ...``) and exit non-zero.
"""

from __future__ import annotations

import os
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
        from movierec.device import resolve

        registry.resolve(dataset)  # a wrong --dataset is a one-line error before the screen opens
        resolve(device)
        from movierec.tui.app import make_app  # the TUI is imported only here

        app = make_app(dataset=dataset, profile=profile, device=device)
        app.run()
        if app.return_code:
            ctx.exit(app.return_code)


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
    engine = _engine(ctx, dataset, quiet=True)
    rows = [{k: v for k, v in row.items() if k != "index"} for row in engine.search(text, limit)]
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


# -- models -----------------------------------------------------------------------------------
device_option = click.option("--device", default="auto", show_default=True, metavar="auto|cpu|cuda|mps",
                             help="Where to train and score (auto = cuda, then mps, then cpu).")


def _engine(ctx: click.Context, dataset: str | None, device: str = "auto", quiet: bool = False):
    from movierec.engine import Engine

    engine = Engine(_dataset_arg(ctx, dataset), device)
    if not quiet:
        stderr().print(f"device: {engine.device_name}")
    return engine


class _TrainProgress:
    """A rich progress bar over epochs, with the loss and validation HR@10 of the last one."""

    def __init__(self, enabled: bool, epochs: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.epochs = epochs
        # Not a terminal (a log, a pipe, a batch job): one plain line per epoch instead of a live bar.
        self.lines = enabled and not stderr().is_terminal
        self.enabled = enabled
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[figures]}"), console=stderr(), disable=not enabled or self.lines)
        self.tasks: dict[str, int] = {}

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def __call__(self, epoch: int, figures: dict) -> None:
        stage = figures.get("stage", "model")
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(f"train {stage}", total=self.epochs, figures="")
        text = f"loss {figures['loss']:.4f}"
        if "val_hr" in figures:
            text += f"  val HR@10 {figures['val_hr']:.3f}"
        text += f"  {figures['samples'] / max(figures['seconds'], 1e-9) / 1e6:.2f}M samples/s"
        if self.lines:
            stderr().print(f"train {stage} epoch {epoch}/{self.epochs}: {text}  ({figures['seconds']:.1f} s)",
                           highlight=False)
            return
        self.bar.update(self.tasks[stage], completed=epoch, figures=text)


def _layers(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        widths = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise MovieRecError(f"--layers {text!r} is not a comma-separated list of widths, e.g. 64,32,16,8") from None
    if not widths or min(widths) < 1:
        raise MovieRecError(f"--layers {text!r} needs at least one positive width")
    return widths


@cli.command("train")
@dataset_option
@click.option("--model", "-m", type=click.Choice(["gmf", "mlp", "neumf", "ease", "content"]), default="neumf",
              show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="Most epochs (early stopping may end sooner).")
@click.option("--batch-size", type=click.IntRange(1), default=None)
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=None, help="Adam learning rate.")
@click.option("--factors", type=click.IntRange(1, 1024), default=None, help="GMF embedding size (default 32).")
@click.option("--embedding", type=click.IntRange(1, 1024), default=None, help="MLP embedding size (default 16).")
@click.option("--layers", default=None, metavar="64,32,16,8", help="MLP tower widths.")
@click.option("--diversity", type=click.FloatRange(0), default=None,
              help="Weight of the differentiable genre-diversity regulariser (0 = off).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--force", is_flag=True, help="Retrain even when a matching checkpoint exists.")
@click.option("--amp", is_flag=True, help="Mixed precision (bf16 autocast) for the forward pass; for GPUs.")
@click.option("--distributed", is_flag=True,
              help="Data-parallel training under torchrun (DDP; NCCL on GPUs, gloo on CPU). See README.")
@device_option
@json_option
@click.pass_context
def train_cmd(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, seed, force, amp,
              distributed, device, as_json):
    """Train a model on the dataset (latest ratings held out) and save its checkpoint.

    With --distributed, start it with torchrun: each process trains on its shard of every epoch,
    --batch-size is the global batch, and rank 0 writes the checkpoint.
    """
    if distributed:
        from movierec import distributed as dist

        if model not in ("gmf", "mlp", "neumf"):
            raise MovieRecError(f"--distributed trains neural models (gmf, mlp, neumf), not {model}")
        group, rank_device = dist.setup(device)
        try:
            quiet = as_json or not group.is_main
            _train(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, seed, force,
                   amp, str(rank_device), as_json, quiet, group)
        finally:
            dist.teardown()
        return
    _train(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, seed, force, amp,
           device, as_json, as_json, None)


def _train(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, seed, force, amp,
           device, as_json, quiet, group) -> None:
    engine = _engine(ctx, dataset, device, quiet=quiet)
    if group is not None and not quiet:
        from movierec.models.ncf import NCFConfig

        batch = batch_size or NCFConfig().batch_size
        stderr().print(f"distributed: {group.world} ranks ({group.backend}), global batch {batch} = "
                       f"{group.world} x {max(1, batch // group.world)} per step")
    if model in ("ease", "content"):
        import time

        rec = engine.baseline(model)
        if model == "ease" and not quiet:
            stderr().print(rec.describe_plan(engine.split), highlight=False)
        start = time.perf_counter()
        rec.fit(engine.split, engine.dataset.catalog)
        info = {"model": model, "path": None, "fit_seconds": round(time.perf_counter() - start, 3),
                "note": "fitted in seconds on demand; not checkpointed"}
    else:
        from movierec.models.ncf import NCFConfig

        total = epochs or NCFConfig().epochs
        with _TrainProgress(not quiet, total) as progress:
            _, result = engine.train(model, callback=progress, force=force, epochs=epochs, batch_size=batch_size,
                                     lr=lr, factors=factors, mlp_embedding=embedding, layers=_layers(layers),
                                     diversity=diversity, seed=seed, amp=amp or None)
        info = result.to_json()
    if group is not None:
        info["ranks"] = group.world
        if not group.is_main:
            return
    if as_json:
        print_json({"dataset": engine.dataset.name, **info})
        return
    if info.get("reused"):
        stdout().print(safe(f"A matching {model} checkpoint exists ({info['path']}); use --force to retrain."))
    elif info.get("path"):
        val = (f"validation HR@10 {info['val_hr']:.3f}" if info["val_hr"] is not None
               else "no validation users (they need 3+ ratings), so every epoch was kept")
        stdout().print(safe(f"Trained {model} in {info['fit_seconds']:.1f} s: best epoch {info['best_epoch']} of "
                            f"{info['epochs']}, {val}; saved {info['path']}"))
    else:
        stdout().print(safe(f"Fitted {model} in {info['fit_seconds']:.2f} s ({info['note']})."))


@cli.command("eval")
@dataset_option
@click.option("--model", "-m", "model_name", type=click.Choice(["pop", "ease", "content", "gmf", "mlp", "neumf", "all"]),
              default="all", show_default=True)
@click.option("--k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--negatives", type=click.IntRange(1), default=99, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--full", is_flag=True, help="Rank the held-out item against every unrated item, not sampled negatives.")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="Most epochs for models trained here.")
@click.option("--retrain", is_flag=True, help="Retrain neural models even when a matching checkpoint exists.")
@click.option("--diversity-sweep", is_flag=True,
              help="HR@k and ILD@k of MMR re-ranking at diversity 0, 0.1, ..., 1 (default model: neumf).")
@click.option("--regulariser", "regulariser", type=click.FloatRange(0), default=None,
              help="Train neural models with this genre-diversity regulariser weight.")
@device_option
@json_option
@click.pass_context
def eval_cmd(ctx, dataset, model_name, k, negatives, seed, full, epochs, retrain, diversity_sweep, regulariser, device,
             as_json):
    """Leave-one-out evaluation: HR@k, NDCG@k, ILD@k, coverage, fit time."""
    from movierec.engine import MODELS

    engine = _engine(ctx, dataset, device, quiet=as_json)
    if diversity_sweep:
        if full:
            raise MovieRecError("--diversity-sweep uses sampled negatives; drop --full")
        _sweep(engine, "neumf" if model_name == "all" else model_name, k, negatives, seed, epochs, as_json)
        return
    models = list(MODELS) if model_name == "all" else [model_name]
    users, skipped = engine.protocol_users()
    if "ease" in models and not as_json:
        stderr().print(engine.baseline("ease").describe_plan(engine.split), highlight=False)
    from movierec.models.ncf import NCFConfig

    with _TrainProgress(not as_json, epochs or NCFConfig().epochs) as progress:
        reports = engine.evaluate(models, k=k, negatives=negatives, seed=seed, full=full, callback=progress,
                                  retrain=retrain, epochs=epochs, diversity=regulariser)
    if as_json:
        print_json({"dataset": engine.dataset.name, "k": k, "negatives": 0 if full else negatives, "users": users,
                    "seed": seed, "protocol": "full" if full else "sampled",
                    "skipped": [{"model": m, "reason": why} for m, why in engine.skipped_models],
                    "results": [{key: r.to_json()[key] for key in ("model", "hr", "ndcg", "ild", "coverage", "fit_seconds")}
                                for r in reports]})
        return
    from rich.table import Table

    against = "all unrated items" if full else f"{negatives} sampled negatives"
    table = Table(title=f"{engine.dataset.name}: leave-one-out, {users:,} users, latest rating vs {against}, seed {seed}",
                  caption=f"{skipped} users with fewer than 2 ratings not evaluated; ILD and coverage over each user's "
                          f"top {k} of all unrated items" if skipped else f"ILD and coverage over each user's top {k} of all unrated items")
    for col in ("model", f"HR@{k}", f"NDCG@{k}", f"ILD@{k}", "coverage", "fit s"):
        table.add_column(col, justify="left" if col == "model" else "right")
    best = max(r.hr for r in reports)
    for r in reports:
        table.add_row(r.model, f"[bold]{r.hr:.4f}[/]" if r.hr == best else f"{r.hr:.4f}", f"{r.ndcg:.4f}", f"{r.ild:.3f}",
                      f"{r.coverage:.3f}", f"{r.fit_seconds:.1f}")
    stdout().print(table)
    for name, why in engine.skipped_models:
        stderr().print(f"skipped {name}: {clean(why)}", highlight=False)


def _sweep(engine, model: str, k: int, negatives: int, seed: int, epochs, as_json: bool) -> None:
    from movierec.models.ncf import NCFConfig

    with _TrainProgress(not as_json, epochs or NCFConfig().epochs) as progress:
        rows = engine.diversity_sweep(model, k=k, negatives=negatives, seed=seed, callback=progress, epochs=epochs)
    if as_json:
        print_json({"dataset": engine.dataset.name, "model": model, "k": k, "negatives": negatives, "seed": seed,
                    "sweep": [{key: round(v, 6) if isinstance(v, float) else v for key, v in row.items()} for row in rows]})
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{engine.dataset.name}, {model}: MMR diversity vs accuracy (HR@{k}, ILD@{k} over genres)")
    for col in ("diversity", f"HR@{k}", "", f"ILD@{k}", " "):
        table.add_column(col, justify="right" if col in ("diversity", f"HR@{k}", f"ILD@{k}") else "left")
    hr_max = max(r["hr"] for r in rows) or 1.0
    width = 20
    for r in rows:
        bar_hr = Text("█" * max(1, round(width * r["hr"] / hr_max)), style="cyan")
        bar_ild = Text("█" * max(1, round(width * r["ild"])), style="magenta")
        table.add_row(f"{r['diversity']:.1f}", f"{r['hr']:.4f}", bar_hr, f"{r['ild']:.3f}", bar_ild)
    stdout().print(table)


@cli.command("similar")
@click.argument("title")
@dataset_option
@click.option("--n", "limit", type=click.IntRange(1, 500), default=20, show_default=True)
@json_option
@click.pass_context
def similar_cmd(ctx, title, dataset, limit, as_json):
    """More like this: films closest to TITLE by genres, tags and the tag genome."""
    engine = _engine(ctx, dataset, quiet=True)
    film, rows = engine.similar(title, limit)
    if as_json:
        print_json({"query": title, "movie": film, "similar": rows})
        return
    from rich.table import Table

    note = "" if film["exact"] else " (closest match)"
    table = Table(title=f"More like {clean(film['title'])}{note}")
    for col in ("#", "title", "genres", "similarity"):
        table.add_column(col, justify="right" if col in ("#", "similarity") else "left")
    for n, row in enumerate(rows, 1):
        table.add_row(str(n), safe(row["title"]), safe(", ".join(row["genres"])), f"{row['similarity']:.3f}")
    stdout().print(table)


# -- a person's ratings and picks --------------------------------------------------------------
profile_option = click.option("--profile", "-p", "profile_name", default=None, metavar="NAME",
                              help="Profile to use (default: 'default').")


def _profile_name(ctx: click.Context, value: str | None) -> str:
    from movierec.store.profiles import DEFAULT_PROFILE

    return value or (ctx.find_root().obj or {}).get("profile") or DEFAULT_PROFILE


def _match(engine, title: str) -> tuple[int, int, str, bool]:
    """(item index, movie id, title, exact) for a title, or a TitleError listing candidates."""
    cat = engine.dataset.catalog
    match = cat.find(title)
    return match.index, int(cat.item_ids.ids(match.index)[0]), cat.titles[match.index], match.exact


def _film_and_profile(ctx: click.Context, dataset: str | None, title: str, profile_name: str | None) -> tuple[int, str, str]:
    """(movie id, matched title, profile name) for the commands that change one film in a profile."""
    _, movie_id, matched, _ = _match(_engine(ctx, dataset, quiet=True), title)
    return movie_id, matched, _profile_name(ctx, profile_name)


@cli.command("rate")
@click.argument("title")
@click.argument("stars", type=float)
@profile_option
@dataset_option
@json_option
@click.pass_context
def rate_cmd(ctx, title, stars, profile_name, dataset, as_json):
    """Rate a film 0.5-5 stars (fuzzy title match)."""
    from movierec.store.profiles import ProfileStore, check_stars

    check_stars(stars)
    engine = _engine(ctx, dataset, quiet=True)
    index, movie_id, matched, exact = _match(engine, title)
    name = _profile_name(ctx, profile_name)
    profile = ProfileStore().rate(name, movie_id, stars, matched)
    if as_json:
        print_json({"profile": name, "movie_id": movie_id, "title": matched, "stars": stars, "exact": exact,
                    "ratings": len(profile.ratings)})
        return
    note = "" if exact else f" (closest match to {clean(title)!r})"
    stdout().print(safe(f"Rated {matched} {stars:g} stars{note}; profile {name!r} has {len(profile.ratings)} ratings."))


@cli.command("unrate")
@click.argument("title")
@profile_option
@dataset_option
@click.pass_context
def unrate_cmd(ctx, title, profile_name, dataset):
    """Remove a rating (or a "not interested" mark)."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name = _film_and_profile(ctx, dataset, title, profile_name)
    if not ProfileStore().unrate(name, movie_id):
        raise MovieRecError(f"{matched} is not rated in profile {name!r}; see `movierec --headless ratings`")
    stdout().print(safe(f"Removed {matched} from profile {name!r}."))


@cli.command("dismiss")
@click.argument("title")
@profile_option
@dataset_option
@click.pass_context
def dismiss_cmd(ctx, title, profile_name, dataset):
    """Mark a film "not interested": it never appears in your picks."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name = _film_and_profile(ctx, dataset, title, profile_name)
    ProfileStore().not_interested(name, movie_id, matched)
    stdout().print(safe(f"{matched} marked not interested in profile {name!r}."))


@cli.command("ratings")
@profile_option
@json_option
@click.pass_context
def ratings_cmd(ctx, profile_name, as_json):
    """A profile's ratings, newest first."""
    from movierec.store.profiles import ProfileStore

    name = _profile_name(ctx, profile_name)
    profile = ProfileStore().load(name)
    rows = sorted(profile.ratings.values(), key=lambda r: -r.time)
    if as_json:
        print_json({"profile": name, "ratings": [{"movie_id": r.movie_id, "title": r.title, "stars": r.stars,
                                                  "time": r.time} for r in rows],
                    "not_interested": [{"movie_id": r.movie_id, "title": r.title} for r in profile.not_interested.values()]})
        return
    if not rows:
        stdout().print(safe(f"Profile {name!r} has no ratings yet: `movierec --headless rate \"Toy Story\" 5`."))
        return
    from rich.table import Table

    table = Table(title=f"Profile {clean(name)}: {len(rows)} ratings")
    table.add_column("stars", justify="right")
    table.add_column("title")
    for r in rows:
        table.add_row(f"{r.stars:g}", safe(r.title or f"movie {r.movie_id}"))
    stdout().print(table)


@cli.group("profile", cls=_Group)
def profile_group() -> None:
    """List, export and import profiles."""


@profile_group.command("list")
@json_option
def profile_list(as_json):
    """Every profile with its number of ratings."""
    from movierec.store.profiles import ProfileStore

    store = ProfileStore()
    rows = []
    for name in store.names():
        try:
            p = store.load(name)
            rows.append({"name": name, "ratings": len(p.ratings), "not_interested": len(p.not_interested)})
        except MovieRecError as exc:
            rows.append({"name": name, "error": str(exc)})
    if as_json:
        print_json(rows)
        return
    for row in rows:
        stdout().print(safe(f"{row['name']}: " + (row["error"] if "error" in row else f"{row['ratings']} ratings")))
    if not rows:
        stdout().print("No profiles yet; rating a film creates 'default'.")


@profile_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@profile_option
@click.pass_context
def profile_export(ctx, path, profile_name):
    """Write a profile to a JSON file."""
    from pathlib import Path

    from movierec.store.profiles import ProfileStore

    name = _profile_name(ctx, profile_name)
    ProfileStore().export(name, Path(path))
    stdout().print(safe(f"Exported profile {name!r} to {path}."))


@profile_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--name", default=None, help="Merge into this profile (default: the name inside the file).")
def profile_import(path, name):
    """Merge a profile JSON file into a profile (its ratings win on conflicts)."""
    from pathlib import Path

    from movierec.store.profiles import ProfileStore

    profile = ProfileStore().import_file(Path(path), name)
    stdout().print(safe(f"Imported into profile {profile.name!r}: {len(profile.ratings)} ratings."))


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
        print_json(rows)
        return
    for row in rows:
        stdout().print(safe(f"{row['title']}  ({', '.join(row['genres'])})"))


def _parse_rate_pairs(engine, pairs: tuple[str, ...]):
    from movierec.store.profiles import Profile, Rating, check_stars

    profile = Profile("(throwaway)")
    for pair in pairs:
        title, sep, stars = pair.rpartition("=")
        if not sep or not title.strip():
            raise MovieRecError(f"--rate {pair!r} is not TITLE=STARS, e.g. --rate \"Alien=5\"")
        try:
            value = check_stars(float(stars))
        except ValueError:
            raise MovieRecError(f"--rate {pair!r}: {stars!r} is not a number of stars (0.5-5)") from None
        _, movie_id, matched, _ = _match(engine, title.strip())
        profile.ratings[movie_id] = Rating(movie_id, value, 0.0, matched)
    return profile


@cli.command("recommend")
@profile_option
@click.option("--rate", "rate_pairs", multiple=True, metavar="TITLE=STARS",
              help="Rate without saving (repeatable); builds a throwaway profile.")
@click.option("--diversity", type=click.FloatRange(0, 1), default=None, help="0 = pure relevance, 1 = most diverse.")
@click.option("--n", "limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--genre", "genres", multiple=True, help="Only films of this genre (repeatable: any of them).")
@click.option("--from-year", type=int, default=None)
@click.option("--to-year", type=int, default=None)
@click.option("--mode", type=click.Choice(["hybrid", "ncf", "content"]), default="hybrid", show_default=True)
@dataset_option
@device_option
@json_option
@click.pass_context
def recommend_cmd(ctx, profile_name, rate_pairs, diversity, limit, genres, from_year, to_year, mode, dataset, device,
                  as_json):
    """Your diversified top picks, each with a reason."""
    from movierec.recommend import DEFAULT_DIVERSITY
    from movierec.store.profiles import ProfileStore

    engine = _engine(ctx, dataset, device, quiet=as_json)
    profile = _parse_rate_pairs(engine, rate_pairs) if rate_pairs else ProfileStore().load(_profile_name(ctx, profile_name))
    if not engine.has_model() and mode != "content" and profile.ratings:
        from movierec.models.ncf import NCFConfig

        try:
            with _TrainProgress(not as_json, NCFConfig().epochs) as progress:
                engine.foldin_model(callback=progress)
        except MovieRecError:
            if mode == "ncf":
                raise
            # No neural model on this dataset: recommend() falls back to content and puts the reason in its note.
    years = (from_year, to_year) if from_year is not None or to_year is not None else None
    result = engine.recommend(profile, n=limit, diversity=DEFAULT_DIVERSITY if diversity is None else diversity,
                              genres=list(genres) or None, years=years, mode=mode)
    if as_json:
        print_json({"profile": profile.name, "mix": result.mix, "diversity": result.diversity,
                    "genre_diversity": round(result.genre_diversity, 4), "device": result.device,
                    "unknown_movies": result.unknown_movies, "note": result.note,
                    "picks": [p.to_json() for p in result.picks]})
        return
    if not result.picks:
        if genres or years:
            raise MovieRecError("no film passes the filters; loosen --genre or the year range")
        raise MovieRecError(result.note or "nothing to recommend")
    if result.note:
        stderr().print(f"note: {clean(result.note)}", highlight=False)
    from rich.table import Table

    mix = ", ".join(f"{k} {v:.0%}" for k, v in result.mix.items() if v)
    table = Table(title=f"Picks for {clean(profile.name)}  (mix: {mix}; diversity {result.diversity:g})")
    for col in ("#", "title", "genres", "why"):
        table.add_column(col, justify="right" if col == "#" else "left")
    for n, p in enumerate(result.picks, 1):
        table.add_row(str(n), safe(p.title), safe(", ".join(p.genres)), safe(p.reason, "italic"))
    stdout().print(table)


def main() -> None:
    """Console-script entry point."""
    cli.main(prog_name="movierec")


if __name__ == "__main__":  # pragma: no cover
    main()
