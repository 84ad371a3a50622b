"""Models: train (one process or torchrun --distributed) and eval (leave-one-out, diversity sweep)."""

from __future__ import annotations

import click

from movierec.cli.base import (
    _engine,
    _TrainProgress,
    Number,
    cli,
    dataset_option,
    device_option,
    json_option,
)
from movierec.console import clean, print_json, safe, stderr, stdout
from movierec.errors import MovieRecError
from movierec.models import registry


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
@click.option("--model", "-m", type=click.Choice(registry.names()), default=registry.DEFAULT, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="Most epochs (early stopping may end sooner).")
@click.option("--batch-size", type=click.IntRange(1), default=None,
              help="Samples per step (default: automatic, 4,096 on small data, larger on large data and GPUs).")
@click.option("--lr", type=Number(min=0, min_open=True), default=None,
              help="Adam learning rate (default: automatic, 2e-3 at batch 4,096).")
@click.option("--factors", type=click.IntRange(1, 1024), default=None, help="GMF embedding size (default 32).")
@click.option("--embedding", type=click.IntRange(1, 1024), default=None, help="MLP embedding size (default 16).")
@click.option("--layers", default=None, metavar="64,32,16,8", help="MLP tower widths.")
@click.option("--diversity", type=Number(0), default=None,
              help="Weight of the differentiable genre-diversity regulariser (0 = off).")
@click.option("--l2", type=Number(min=0, min_open=True), default=None,
              help="EASE's L2 weight (default: tuned settings, else chosen on validation from a small grid).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--force", is_flag=True, help="Retrain even when a matching checkpoint exists.")
@click.option("--amp", is_flag=True, help="Mixed precision (bf16 autocast) for the forward pass; for GPUs.")
@click.option("--distributed", is_flag=True,
              help="Data-parallel training under torchrun (DDP; NCCL on GPUs, gloo on CPU). See README.")
@device_option
@json_option
@click.pass_context
def train_cmd(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, l2, seed, force, amp,
              distributed, device, as_json):
    """Train a model on the dataset (latest ratings held out) and save its checkpoint.

    Early stopping on the validation holdout (second-latest ratings) chooses the epoch count; the
    saved model is then fitted on train + validation for it. Tuned settings (`tune`) are used when
    there are some; options given here win over them.

    With --distributed, start it with torchrun: each process trains on its shard of every epoch,
    --batch-size is the global batch, and rank 0 writes the checkpoint.
    """
    from movierec import distributed as dist

    group = None
    if distributed:
        if not registry.get(model).can("distributed"):
            raise MovieRecError(f"--distributed trains {', '.join(registry.names(ability='distributed'))}, not {model}")
        group, rank_device = dist.setup(device)
        device = str(rank_device)
    try:
        _train(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, l2, seed, force, amp,
               device, as_json, as_json or (group is not None and not group.is_main), group)
    finally:
        if group is not None:
            dist.teardown()


def _train(ctx, dataset, model, epochs, batch_size, lr, factors, embedding, layers, diversity, l2, seed, force, amp,
           device, as_json, quiet, group) -> None:
    engine = _engine(ctx, dataset, device, quiet=quiet)
    if group is not None and not group.is_main:
        engine.on_note = None  # rank 0 says it once
    if group is not None and not quiet:
        per_rank = f"{group.world} x {max(1, batch_size // group.world)}" if batch_size else f"split over {group.world} ranks"
        stderr().print(f"distributed: {group.world} ranks ({group.backend}), global batch "
                       f"{batch_size or 'auto'} ({per_rank}) per step")
    if not quiet:
        plan = engine.plan(model, l2=l2)
        if plan:
            stderr().print(plan, highlight=False)
    with _TrainProgress(not quiet and engine.epochs_of(model) > 0, epochs or engine.epochs_of(model)) as progress:
        rec, result = engine.train(model, callback=progress, force=force, epochs=epochs, batch_size=batch_size,
                                   lr=lr, factors=factors, mlp_embedding=embedding, layers=_layers(layers),
                                   diversity=diversity, seed=seed, amp=amp or None, l2=l2)
    info = result.to_json()
    chosen = getattr(rec, "chosen", None) or {}  # what the model chose on validation (EASE's L2, a decay)
    if "l2" in chosen:
        info["l2"] = chosen["l2"]
    if chosen:
        info["chosen"] = {k: v for k, v in chosen.items() if isinstance(v, (int, float, str)) and v == v}
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
@click.option("--model", "-m", "model_name", type=click.Choice([*registry.names(), "all"]), default="all",
              show_default=True)
@click.option("--k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--negatives", type=click.IntRange(1), default=99, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--full", is_flag=True,
              help="Rank the held-out item against every unrated item, not sampled negatives (GMF/MLP/NeuMF: "
                   "an exact pruned search, the same HR@10 and NDCG@10 as scoring every pair).")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="Most epochs for models trained here.")
@click.option("--retrain", is_flag=True, help="Retrain neural models even when a matching checkpoint exists.")
@click.option("--diversity-sweep", is_flag=True,
              help=f"HR@k and ILD@k of MMR re-ranking at diversity 0, 0.1, ..., 1 (default model: {registry.DEFAULT}).")
@click.option("--regulariser", "regulariser", type=Number(0), default=None,
              help="Train neural models with this genre-diversity regulariser weight.")
@click.option("--l2", type=Number(min=0, min_open=True), default=None,
              help="EASE's L2 weight (default: tuned settings, else chosen on validation from a small grid).")
@click.option("--cold-items", "cold_items", type=Number(0, 1, min_open=True, max_open=True), default=None,
              metavar="SHARE",
              help="Item cold-start instead: this share of the films with 5+ ratings lose all their ratings from "
                   "training; each user who rated one is tested on the latest against other such films they did not rate.")
@device_option
@json_option
@click.pass_context
def eval_cmd(ctx, dataset, model_name, k, negatives, seed, full, epochs, retrain, diversity_sweep, regulariser, l2,
             cold_items, device, as_json):
    """Leave-one-out evaluation: HR@k, NDCG@k, ILD@k, coverage, fit time.

    A user's latest rating is held out (ratings of the same second: one at random); models fit on
    the rest. Saved neural models are reused when their settings match (marked "reused", with their
    original fit time); otherwise eval says why it trains them.
    """
    engine = _engine(ctx, dataset, device, quiet=as_json)
    notes: list[str] = []
    if as_json:  # notes go into the JSON; otherwise they are printed as "note: ..." lines (cli.base._engine)
        engine.on_note = notes.append
    if cold_items is not None:
        if full or diversity_sweep or retrain:
            raise MovieRecError("--cold-items ranks against sampled cold films and fits its models here; drop "
                                + ("--full" if full else "--diversity-sweep" if diversity_sweep else "--retrain"))
        _cold(engine, model_name, cold_items, k, negatives, seed, epochs, l2, as_json, notes)
        return
    if diversity_sweep:
        if full:
            raise MovieRecError("--diversity-sweep uses sampled negatives; drop --full")
        _sweep(engine, registry.DEFAULT if model_name == "all" else model_name, k, negatives, seed, epochs, as_json)
        return
    models = list(registry.names()) if model_name == "all" else [model_name]
    users, skipped = engine.protocol_users()
    if not as_json:  # one line per distinct plan: ease, ease-recent and ease-sasrec share one solve (models/solves.py)
        plans: dict[str, list[str]] = {}
        for name in models:
            plan = engine.plan(name, l2=l2)
            if plan:
                plans.setdefault(plan, []).append(name)
        for plan, names in plans.items():
            stderr().print(plan + (f"; shared by {', '.join(names)}" if len(names) > 1 else ""), highlight=False)
    with _TrainProgress(not as_json, epochs or engine.default_epochs) as progress:
        reports = engine.evaluate(models, k=k, negatives=negatives, seed=seed, full=full, callback=progress,
                                  retrain=retrain, epochs=epochs, diversity=regulariser, l2=l2)
    tied = engine.tied_users()
    if as_json:
        print_json({"dataset": engine.dataset.name, "k": k, "negatives": 0 if full else negatives, "users": users,
                    "tied_users": tied, "seed": seed, "protocol": "full" if full else "sampled",
                    "skipped": [{"model": m, "reason": why} for m, why in engine.notes.skipped],
                    "notes": notes,
                    "results": [{key: r.to_json()[key]
                                 for key in ("model", "hr", "ndcg", "ild", "coverage", "fit_seconds", "reused")}
                                for r in reports]})
        return
    from rich.table import Table

    against = "all unrated items" if full else f"{negatives} sampled negatives"
    caption = f"ILD and coverage over each user's top {k} of all unrated items"
    if tied:
        caption = f"{tied:,} users had several ratings at their latest timestamp: one of them held out at random. " + caption
    if skipped:
        caption = f"{skipped} users with fewer than 2 ratings not evaluated. " + caption
    if any(r.reused for r in reports):
        caption += ". reused: a saved model, not trained here; fit s is its original training time"
    table = Table(title=safe(f"{engine.dataset.name}: leave-one-out, {users:,} users, latest rating vs {against}, seed {seed}"),
                  caption=caption)
    for col in ("model", f"HR@{k}", f"NDCG@{k}", f"ILD@{k}", "coverage", "fit s"):
        table.add_column(col, justify="left" if col == "model" else "right")
    best = max(r.hr for r in reports)
    for r in reports:
        table.add_row(r.model, f"[bold]{r.hr:.4f}[/]" if r.hr == best else f"{r.hr:.4f}", f"{r.ndcg:.4f}", f"{r.ild:.3f}",
                      f"{r.coverage:.3f}", f"{r.fit_seconds:.1f} reused" if r.reused else f"{r.fit_seconds:.1f}")
    stdout().print(table)
    for name, why in engine.notes.skipped:
        stderr().print(f"skipped {name}: {clean(why)}", highlight=False)


def _cold(engine, model_name: str, share: float, k: int, negatives: int, seed: int, epochs, l2, as_json: bool,
          notes: list[str]) -> None:
    """``eval --cold-items``: one row per model; those that cannot score a film nobody rated say so."""
    models = list(registry.names()) if model_name == "all" else [model_name]
    longest = max((engine.epochs_of(m) for m in models if registry.get(m).kind == "content"), default=0)
    with _TrainProgress(not as_json and longest > 0, epochs or longest) as progress:
        split, rows = engine.evaluate_cold(models, share, k=k, negatives=negatives, seed=seed, callback=progress,
                                           epochs=epochs, l2=l2)
    if as_json:
        print_json({"dataset": engine.dataset.name, "protocol": "cold-items", "k": k, **split, "notes": notes,
                    "results": [{key: (round(v, 6) if isinstance(v, float) else v) for key, v in row.items()}
                                for row in rows]})
        return
    from rich.table import Table

    title = (f"{engine.dataset.name}: item cold-start, {split['cold_films']:,} of {split['eligible_films']:,} films with 5+ "
             f"ratings made cold (seed {seed}), {split['users']:,} users, latest cold rating vs "
             f"{split['negatives']} other cold films")
    caption = ("n/a: the model scores a film only from its ratings, and a cold film has none"
               if any(not r["applicable"] for r in rows) else "")
    if split["skipped_users"]:
        caption = f"{split['skipped_users']} users rated every cold film and were not tested. " + caption
    stdout().print(safe(title))  # a line of its own: as the table's title it wrapped within the narrow table
    table = Table(caption=caption)
    for col in ("model", f"HR@{k}", f"NDCG@{k}", "fit s"):
        table.add_column(col, justify="left" if col == "model" else "right")
    scored = [r["hr"] for r in rows if r["applicable"]]
    best = max(scored) if scored else None
    for r in rows:
        if not r["applicable"]:
            table.add_row(r["model"], "n/a", "n/a", "")
            continue
        hr = f"{r['hr']:.4f}"
        table.add_row(r["model"], f"[bold]{hr}[/]" if r["hr"] == best else hr, f"{r['ndcg']:.4f}", f"{r['fit_seconds']:.1f}")
    stdout().print(table)


def _sweep(engine, model: str, k: int, negatives: int, seed: int, epochs, as_json: bool) -> None:
    with _TrainProgress(not as_json and engine.epochs_of(model) > 0, epochs or engine.epochs_of(model)) as progress:
        rows = engine.diversity_sweep(model, k=k, negatives=negatives, seed=seed, callback=progress, epochs=epochs)
    if as_json:
        print_json({"dataset": engine.dataset.name, "model": model, "k": k, "negatives": negatives, "seed": seed,
                    "sweep": [{key: round(v, 6) if isinstance(v, float) else v for key, v in row.items()} for row in rows]})
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=safe(f"{engine.dataset.name}, {model}: MMR diversity vs accuracy (HR@{k}, ILD@{k} over genres)"))
    for col in ("diversity", f"HR@{k}", "", f"ILD@{k}", " "):
        table.add_column(col, justify="right" if col in ("diversity", f"HR@{k}", f"ILD@{k}") else "left")
    hr_max = max(r["hr"] for r in rows) or 1.0
    width = 20
    for r in rows:
        bar_hr = Text("█" * max(1, round(width * r["hr"] / hr_max)), style="cyan")
        bar_ild = Text("█" * max(1, round(width * r["ild"])), style="magenta")
        table.add_row(f"{r['diversity']:.1f}", f"{r['hr']:.4f}", bar_hr, f"{r['ild']:.3f}", bar_ild)
    stdout().print(table)




def _number(option: str, text: str | None, kind=int):
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise MovieRecError(f"{option} {text!r} is not a {'whole ' if kind is int else ''}number") from None


def _settings(params: dict) -> str:
    return " ".join(f"{k}={(f'{v:.3g}' if isinstance(v, float) else ','.join(map(str, v)) if isinstance(v, list) else v)}"
                    for k, v in params.items())


@cli.command("tune")
@dataset_option
@click.option("--model", "-m", "model_name", default=None, metavar="|".join(registry.names(ability="tune")),
              help="The model to tune (required).")
@click.option("--trials", default="20", show_default=True, metavar="N", help="Settings to try.")
@click.option("--timeout", type=Number(min=0, min_open=True), default=None, metavar="S",
              help="Stop starting new trials after S seconds.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@device_option
@json_option
@click.pass_context
def tune_cmd(ctx, dataset, model_name, trials, timeout, seed, device, as_json):
    """Search hyperparameters on the validation holdout (Optuna TPE, lagging trials pruned).

    Test items are never seen. The best settings are saved for this dataset and model, and later
    `train` and `eval` use them ("using tuned settings from ..."). Ctrl+C keeps the best so far.
    Needs the optional extra: pip install 'movierec[tune]'.

    \b
    Example: movierec --headless tune --model neumf --trials 20
    """
    from movierec.evaluation import tuning

    if model_name not in tuning.MODELS:
        raise MovieRecError(f"--model {model_name!r} cannot be tuned; choose one of {', '.join(tuning.MODELS)}"
                            if model_name else f"tune needs --model, one of {', '.join(tuning.MODELS)}")
    tuning.require()  # the optional extra, before a line is printed or the dataset loaded
    n_trials = _number("--trials", trials)
    seconds = timeout  # a positive, finite number (Number)
    if n_trials < 1:
        raise MovieRecError(f"--trials must be at least 1 (got {n_trials})")
    engine = _engine(ctx, dataset, device, quiet=as_json)

    bar: dict = {}  # the trial whose epochs are shown: {"number": n, "bar": _TrainProgress}

    def close_bar() -> None:
        if bar:
            bar.pop("bar").__exit__(None, None, None)
            bar.clear()

    def epoch(number: int, done: int, figures: dict) -> None:
        """Progress inside a trial, as `train` shows it (a bar on a terminal, a line per epoch in a log)."""
        if as_json:
            return
        if bar.get("number") != number:
            close_bar()
            trial_bar = _TrainProgress(True, int(figures.get("epochs") or 1), label=f"trial {number}/{n_trials}",
                                   transient=True)
            bar.update(number=number, bar=trial_bar.__enter__())
        bar["bar"](done, figures)

    def progress(trial, best) -> None:
        close_bar()
        if as_json:
            return
        value = "-" if trial.value is None else f"{trial.value:.4f}"
        lead = f"best {best.value:.4f} (trial {best.number})" if best is not None else "no best yet"
        note = f"  [{clean(trial.note)}]" if trial.note else ""
        stderr().print(safe(f"trial {trial.number}/{n_trials} {trial.state:8s} val HR@10 {value}  {lead}  "
                            f"{trial.seconds:.1f} s  {_settings(trial.params)}{note}"), highlight=False, soft_wrap=True)

    if not as_json:
        stderr().print(f"tuning {model_name} on {engine.dataset.name}: {n_trials} trials"
                       + (f" or {seconds:g} s" if seconds else "") + ", scored on the validation holdout",
                       highlight=False)
    try:
        result = engine.tune(model_name, n_trials, seconds, seed, progress, epoch)
    finally:
        close_bar()
    best = result.best
    if as_json:
        print_json({"dataset": engine.dataset.name, "model": model_name, "interrupted": result.interrupted,
                    "seconds": round(result.seconds, 3), "path": result.path if best else None,
                    "trials": [t.to_json() for t in result.trials], "best": best.to_json() if best else None})
    elif best is not None and not result.interrupted:
        stdout().print(safe(f"Best of {len(result.trials)} trials ({result.seconds:.0f} s): validation HR@10 "
                            f"{best.value:.4f} (trial {best.number}): {_settings(best.params)}; saved {result.path}; "
                            "train and eval use it."))
    if result.interrupted:
        kept = (f"best so far (validation HR@10 {best.value:.4f}, trial {best.number}) kept in {result.path}" if best
                else "no trial finished, nothing saved")
        click.echo(f"interrupted after {len(result.trials)} trial(s); {kept}", err=True)
        ctx.exit(130)
    if best is None:
        raise MovieRecError("no trial finished (all were pruned or diverged); run more --trials")
