"""A person's ratings and picks: rate, unrate, dismiss, ratings, watch, unwatch, watchlist, profile
list/export/import, recommend."""

from __future__ import annotations

import click

from movierec.cli.base import (
    _engine,
    _film_and_profile,
    _Group,
    _match,
    _profile_name,
    _train_learned,
    PROFILE_NAME,
    _TrainProgress,
    Number,
    cli,
    dataset_option,
    device_option,
    json_option,
    profile_option,
    shown,
)
from movierec.console import WATCH_MARK, clean, plural, print_json, safe, stderr, stdout
from movierec.errors import MovieRecError
from movierec.models import registry


@cli.command("rate")
@click.argument("title")
@click.argument("stars", type=Number())
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
    profile = ProfileStore().rate(name, movie_id, stars, matched, **engine.entry_args(index))
    if as_json:
        print_json({"profile": name, "movie_id": movie_id, "title": matched, "stars": stars, "exact": exact,
                    "ratings": len(profile.ratings)})
        return
    note = "" if exact else f" (closest match to {clean(title)!r})"
    stdout().print(safe(f"Rated {shown(matched)} {plural(stars, 'star')}{note}; profile {name!r} has {plural(len(profile.ratings), 'rating')}."))


@cli.command("unrate")
@click.argument("title")
@profile_option
@dataset_option
@click.pass_context
def unrate_cmd(ctx, title, profile_name, dataset):
    """Remove a rating (or a "not interested" mark)."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name, where = _film_and_profile(ctx, dataset, title, profile_name)
    if not ProfileStore().unrate(name, movie_id, **where):
        raise MovieRecError(f"{shown(matched)} is not rated in profile {name!r}; see `movierec --headless ratings`")
    stdout().print(safe(f"Removed {shown(matched)} from profile {name!r}."))


@cli.command("dismiss")
@click.argument("title")
@profile_option
@dataset_option
@click.pass_context
def dismiss_cmd(ctx, title, profile_name, dataset):
    """Mark a film "not interested": it never appears in your picks."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name, where = _film_and_profile(ctx, dataset, title, profile_name)
    ProfileStore().not_interested(name, movie_id, matched, **where)
    stdout().print(safe(f"{shown(matched)} marked not interested in profile {name!r}."))


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
                                                  "time": r.time, "space": r.space} for r in rows],
                    "not_interested": [{"movie_id": r.movie_id, "title": r.title, "space": r.space}
                                       for r in profile.not_interested.values()]})
        return
    if not rows:
        stdout().print(safe(f"Profile {name!r} has no ratings yet: `movierec --headless rate \"Toy Story\" 5`."))
        return
    from rich.table import Table

    table = Table(title=safe(f"Profile {name}: {plural(len(rows), 'rating')}"))
    table.add_column("stars", justify="right")
    table.add_column("title")
    for r in rows:
        table.add_row(f"{r.stars:g}", safe(shown(r.title) if r.title else f"movie {r.movie_id}"))
    stdout().print(table)


@cli.command("watch")
@click.argument("title")
@profile_option
@dataset_option
@json_option
@click.pass_context
def watch_cmd(ctx, title, profile_name, dataset, as_json):
    """Put a film on your watchlist (fuzzy title match)."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name, where = _film_and_profile(ctx, dataset, title, profile_name)
    profile, added = ProfileStore().watch(name, movie_id, matched, **where)
    if as_json:
        print_json({"profile": name, "movie_id": movie_id, "title": matched, "added": added,
                    "watchlist": len(profile.watchlist)})
        return
    done = "Added" if added else "Already there:"
    where = "to" if added else "on"
    stdout().print(safe(f"{done} {shown(matched)} {where} the watchlist of profile {name!r} "
                        f"({plural(len(profile.watchlist), 'film')})."))


@cli.command("unwatch")
@click.argument("title")
@profile_option
@dataset_option
@json_option
@click.pass_context
def unwatch_cmd(ctx, title, profile_name, dataset, as_json):
    """Take a film off your watchlist."""
    from movierec.store.profiles import ProfileStore

    movie_id, matched, name, where = _film_and_profile(ctx, dataset, title, profile_name)
    store = ProfileStore()
    if not store.unwatch(name, movie_id, **where):
        raise MovieRecError(f"{shown(matched)} is not on the watchlist of profile {name!r}; see `movierec --headless watchlist`")
    if as_json:
        print_json({"profile": name, "movie_id": movie_id, "title": matched, "removed": True,
                    "watchlist": len(store.load(name).watchlist)})
        return
    stdout().print(safe(f"Took {shown(matched)} off the watchlist of profile {name!r}."))


@cli.command("watchlist")
@profile_option
@json_option
@click.pass_context
def watchlist_cmd(ctx, profile_name, as_json):
    """A profile's watchlist, newest first."""
    import datetime as dt

    from movierec.store.profiles import ProfileStore

    name = _profile_name(ctx, profile_name)
    rows = sorted(ProfileStore().load(name).watchlist.values(), key=lambda r: (-r.time, r.movie_id))
    if as_json:
        print_json({"profile": name, "watchlist": [{"movie_id": r.movie_id, "title": r.title, "added": r.time,
                                                    "space": r.space} for r in rows]})
        return
    if not rows:
        stdout().print(safe(f"Profile {name!r} has no watchlist yet: `movierec --headless watch \"Alien\"`."))
        return
    from rich.table import Table

    table = Table(title=safe(f"Watchlist of {name}: {plural(len(rows), 'film')}"))
    table.add_column("added")
    table.add_column("title")
    for r in rows:
        added = dt.datetime.fromtimestamp(r.time, dt.timezone.utc).date().isoformat() if r.time >= 86400 else ""
        table.add_row(added, safe(shown(r.title) if r.title else f"movie {r.movie_id}"))
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
        stdout().print(safe(f"{row['name']}: " + (row["error"] if "error" in row else plural(row['ratings'], 'rating'))))
    if not rows:
        stdout().print("No profiles yet; rating a film creates 'default'.")


@profile_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--name", "export_name", type=PROFILE_NAME, default=None, metavar="NAME",
              help="The profile to export (same as -p/--profile).")
@click.option("--to", "to", type=click.Choice(["movierec", "letterboxd"]), default="movierec", show_default=True,
              help="movierec: the profile as JSON (ratings, marks, watchlist); letterboxd: the ratings as the CSV "
                   "Letterboxd's importer reads (Title, Year, Rating, WatchedDate, imdbID, tmdbID).")
@profile_option
@dataset_option
@click.pass_context
def profile_export(ctx, path, export_name, to, profile_name, dataset):
    """Write a profile to a file: movierec JSON, or a CSV for Letterboxd's importer."""
    from pathlib import Path

    from movierec.store.profiles import ProfileStore

    name = export_name or _profile_name(ctx, profile_name)
    store = ProfileStore()
    if not store.path(name).exists():
        raise MovieRecError(f"no profile {name!r}; see movierec --headless profile list")
    if path == "-":  # standard output, as `-` means to every command-line tool (was a file named "-")
        import json
        import sys

        if to == "movierec":
            data = (json.dumps(store.load(name).to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        else:
            from movierec.store.exports import letterboxd_csv

            data = letterboxd_csv(store.load(name), _engine(ctx, dataset, quiet=True).dataset.catalog)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    folder = Path(path).parent
    if not folder.is_dir():  # a mistyped folder was created silently (fresh-eyes report)
        raise MovieRecError(f"folder {folder} does not exist; create it first, or export to a folder that does")
    if to == "movierec":
        store.export(name, Path(path))
        stdout().print(safe(f"exported profile {name!r} to {path}"), soft_wrap=True)
        return
    from movierec.store.exports import write_letterboxd

    profile = store.load(name)
    count = write_letterboxd(profile, _engine(ctx, dataset, quiet=True).dataset.catalog, Path(path))
    left = (f"; its {plural(len(profile.watchlist), 'watchlist film')} "
            f"{'is' if len(profile.watchlist) == 1 else 'are'} not exported: Letterboxd imports ratings"
            if profile.watchlist else "")
    stdout().print(safe(f"exported {plural(count, 'rating')} of profile {name!r} to {path} "
                        f"(import it at letterboxd.com/import){left}"), soft_wrap=True)


@profile_group.command("import")
@click.argument("path", type=click.Path())
@click.option("--name", "--profile", "-p", "name", type=PROFILE_NAME, default=None, metavar="NAME",
              help="Import into this profile (default: the name inside a movierec file, else 'default').")
@dataset_option
@json_option
@click.pass_context
def profile_import(ctx, path, name, dataset, as_json):
    """Import ratings and a watchlist: a Letterboxd export (its zip or a CSV of it), an IMDb ratings CSV,
    or a movierec profile (JSON), told apart by content. Per film the newer rating wins, so importing
    the same file again changes nothing. Letterboxd films match by title and year, IMDb ones by their
    IMDb id (links.csv); a film not matched for sure is listed as not found, never guessed."""
    from movierec.files import user_path
    from movierec.store import imports

    engine = _engine(ctx, dataset, quiet=True)
    result, report, profile = engine.import_history(user_path(path), name, _profile_name(ctx, None), candidates=as_json)
    if as_json:
        print_json(imports.to_json(result, report, profile.name))
        return
    stdout().print(safe(imports.summary(result, report, profile.name)), soft_wrap=True)



def _split_rate_pairs(pairs: tuple[str, ...]) -> list[tuple[str, float]]:
    """(title, stars) for each --rate TITLE=STARS; checked before any dataset or device is opened."""
    from movierec.store.profiles import check_stars

    out = []
    for pair in pairs:
        title, sep, stars = pair.rpartition("=")
        if not sep or not title.strip():
            raise MovieRecError(f"--rate {pair!r} is not TITLE=STARS, e.g. --rate \"Alien=5\"")
        try:
            value = check_stars(float(stars))
        except (ValueError, MovieRecError):
            raise MovieRecError(f"--rate {pair!r}: {stars.strip()!r} is not a rating; use 0.5 to 5 stars "
                                "in half stars") from None
        out.append((title.strip(), value))
    return out


def _parse_rate_pairs(engine, pairs: tuple[str, ...]):
    from movierec.store.profiles import Profile, Rating

    profile = Profile("(throwaway)")
    for order, (title, value) in enumerate(_split_rate_pairs(pairs)):
        _, movie_id, matched, _ = _match(engine, title)
        # Rated in the order given: the last --rate is the latest (recency weights, sequence picks).
        rating = Rating(movie_id, value, float(order), matched, engine.id_space)
        profile.ratings.pop(rating.key, None)
        profile.ratings[rating.key] = rating
    return profile


def _check_filters(ctx: click.Context, genres: tuple[str, ...], from_year: int | None, to_year: int | None) -> None:
    from movierec.data.movielens import GENRES, genre_index

    for name in genres:
        if genre_index(name) is None:
            raise click.UsageError(f"unknown genre {name!r}; choose from: {', '.join(GENRES[:-1])}", ctx)
    if from_year is not None and to_year is not None and from_year > to_year:
        raise click.UsageError(f"--from-year {from_year} is after --to-year {to_year} (swap them)", ctx)


class ModeChoice(click.Choice):
    """`--mode`'s choices: the registry's modes, read when asked (a model registered later serves one too)."""

    def __init__(self) -> None:
        super().__init__(registry.modes())

    @property
    def choices(self) -> tuple[str, ...]:
        return registry.modes()

    @choices.setter
    def choices(self, value) -> None:  # click sets it once; the registry answers from then on
        pass


@cli.command("recommend")
@profile_option
@click.option("--rate", "rate_pairs", multiple=True, metavar="TITLE=STARS",
              help="Rate without saving (repeatable, oldest first: the last is your latest); builds a throwaway profile.")
@click.option("--diversity", type=Number(0, 1), default=None, help="0 = pure relevance, 1 = most diverse.")
@click.option("--n", "limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--genre", "genres", multiple=True, help="Only films of this genre (repeatable: any of them).")
@click.option("--from-year", type=int, default=None)
@click.option("--to-year", type=int, default=None)
@click.option("--mode", type=ModeChoice(), default=registry.modes()[0], show_default=True,
              help="hybrid (default): content blended with NeuMF folded in for you; content: genres and tags "
                   "only; ncf: NeuMF folded in only; sequence: SASRec reading your ratings in time order "
                   "(trained once on first use, 1-2 minutes on a laptop CPU).")
@dataset_option
@device_option
@json_option
@click.pass_context
def recommend_cmd(ctx, profile_name, rate_pairs, diversity, limit, genres, from_year, to_year, mode, dataset, device,
                  as_json):
    """Your diversified top picks, each with a reason."""
    from movierec.picks.scoring import DEFAULT_DIVERSITY
    from movierec.store.profiles import ProfileStore

    _check_filters(ctx, genres, from_year, to_year)  # before any work: loading data, training a model
    try:  # a malformed --rate (a title without stars, 7, nan, inf stars) is a usage error, before the device line
        _split_rate_pairs(rate_pairs)
    except MovieRecError as exc:
        raise click.UsageError(str(exc), ctx) from None
    engine = _engine(ctx, dataset, device, quiet=as_json)
    profile = _parse_rate_pairs(engine, rate_pairs) if rate_pairs else ProfileStore().load(_profile_name(ctx, profile_name))
    served = engine.mode_served(mode)  # the mode whose model this one needs (the hybrid's: the fold-in one)
    if engine.mode_trains(served) and profile.ratings and not engine.has_model(served):
        try:  # trained once, with progress, before the picks (a sequence mode trains only its own model)
            name = engine.mode_model_name(served)
            with _TrainProgress(not as_json, engine.epochs_of(name)) as progress:
                engine.get(served, train=True, callback=progress)
        except MovieRecError:
            if not engine.mode_blends(mode):
                raise
            # No neural model on this dataset: recommend() falls back to content and puts the reason in its note.
    if engine.mode_blends(mode) and profile.ratings:  # films with few ratings scored from their content too
        _train_learned(engine, not as_json)  # a failure is a note; the picks go on without it
    years = (from_year, to_year) if from_year is not None or to_year is not None else None
    result = engine.recommend(profile, n=limit, diversity=DEFAULT_DIVERSITY if diversity is None else diversity,
                              genres=list(genres) or None, years=years, mode=mode)
    listed = engine.indexed(profile.watchlist)  # the films of the watchlist in this dataset (any id space)
    if as_json:
        print_json({"profile": profile.name, "mix": result.mix, "diversity": result.diversity,
                    "genre_diversity": round(result.genre_diversity, 4), "device": result.device,
                    "unknown_movies": result.unknown_movies, "note": result.note,
                    "match": _match_json(engine, result.picks),
                    "picks": [{**p.to_json(), "watchlist": p.index in listed} for p in result.picks]})
        return
    if not result.picks:
        if genres or years:
            raise MovieRecError("no film passes the filters; loosen --genre or the year range")
        raise MovieRecError(result.note or "nothing to recommend")
    if result.note:
        stderr().print(f"note: {clean(result.note)}", highlight=False)
    for line in engine.notes.calibrated:
        stderr().print(f"note: {clean(line)}", highlight=False, soft_wrap=True)
    from rich.table import Table

    mix = ", ".join(f"{k} {v:.0%}" for k, v in result.mix.items() if v)
    table = Table(title=safe(f"Picks for {profile.name}  (mix: {mix}; diversity {result.diversity:g})"))
    for col in ("#", "title", "match", "genres", "why"):
        table.add_column(col, justify="right" if col in ("#", "match") else "left")
    on_lists = 0
    for n, p in enumerate(result.picks, 1):
        on_list = p.index in listed
        on_lists += on_list
        title = safe(f"{WATCH_MARK} " if on_list else "") + safe(shown(p.title))
        table.add_row(str(n), title, match_text(p.match), safe(", ".join(p.genres)), safe(p.reason, "italic"))
    if on_lists:
        table.caption = f"{WATCH_MARK} on your watchlist"
    stdout().print(table)
    described = _match_json(engine, result.picks)
    if described:
        # Wrapped between words (stderr() leaves lines to the terminal, which cut "cont|ent" at 80 columns).
        stderr().print(f"match: {described['meaning']}", highlight=False, soft_wrap=False)


def match_text(match: float | None) -> str:
    """A pick's match as a whole percent ("" when there is none)."""
    return "" if match is None else f"{round(100 * match)}%"


def _match_json(engine, picks) -> dict | None:
    """What the picks' match means and where it comes from, or None when they have none."""
    mode = next((p.match_mode for p in picks if p.match is not None), None)
    m = engine.match_map(mode, compute=False) if mode else None
    if m is None:
        return None
    return {"mode": mode, "model": m.meta.get("model", mode), "base_rate": round(m.base_rate, 4),
            "held_out": m.n, "scale": "0-1", "calibration_seconds": m.meta.get("seconds"),
            "meaning": meaning(mode, m.base_rate)}


def meaning(mode: str, base_rate: float) -> str:
    """What a pick's match says, in whole sentences (the last clause, "...; 58% of all of them were", read as if
    cut off): the share, then the base rate to compare it with."""
    return (f"how often a film the {mode} mode ranked like that pick got 4 stars or more (users' latest "
            f"ratings, held out). Over all held-out films: {base_rate:.0%}.")


