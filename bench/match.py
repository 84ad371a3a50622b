"""The predicted match's calibration per recommend mode: its map, base rate, reliability on a held-out half.

    MOVIEREC_HOME=... python bench/match.py [--dataset D] [--modes hybrid,content,ncf,sequence]

Uses the saved models (train them first: `movierec --headless train`, `train --model sasrec`); a mode
whose model is not saved is skipped. Reliability: the map fitted on a random half of the held-out
ratings, predicted vs observed on the other half in 5 equal-count groups, and Brier scores against
the base rate's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from movierec.picks import calibration
from movierec.engine import Engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--modes", default="hybrid,content,ncf,sequence")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-size", type=int, default=0,
                        help="also: the served match of each held-out film for users seen as new profiles of "
                             "their latest K ratings (fold-in and all, as recommend does)")
    parser.add_argument("--users", type=int, default=150, help="users for --profile-size (a fold-in is ~0.3 s)")
    args = parser.parse_args()
    engine = Engine(args.dataset, "cpu")
    engine.split
    for mode in args.modes.split(","):
        source = engine.matches._source(mode)
        if source is None:
            print(f"{mode}: no saved model, skipped")
            continue
        start = time.perf_counter()
        pct, good = engine.matches.match_data(mode, source[0])
        seconds = time.perf_counter() - start
        m = calibration.fit(pct, good)
        print(f"{mode}: {pct.size} held-out ratings, {seconds:.1f} s; base rate {m.base_rate:.3f}; "
              f"median held-out percentile {np.nanmedian(pct):.3f}")
        for (x, rate), count, hits in zip(m.points(), m.counts, m.good):
            print(f"  percentile {x:.5f}: P(4+) {rate:.3f}   ({count} held out, {hits} rated 4+)")
        half = np.random.default_rng(args.seed).random(pct.size) < 0.5
        fitted = calibration.fit(pct[half], good[half])
        groups = calibration.reliability(fitted, pct[~half], good[~half])
        print("  other half, predicted -> observed: " + "; ".join(
            f"{g['predicted']:.2f} -> {g['observed']:.2f} (n {g['n']})" for g in groups))
        base = float(np.mean((good[half].mean() - good[~half]) ** 2))
        print(f"  Brier {calibration.brier(fitted, pct[~half], good[~half]):.4f} (base rate alone {base:.4f})")
        if args.profile_size:
            served(engine, mode, args.profile_size, args.users, args.seed)


def served(engine: Engine, mode: str, k: int, n_users: int, seed: int) -> None:
    """The match recommend serves for each held-out film when its user is a new profile of their latest ``k``
    ratings (train + validation), against how often those films were rated 4+."""
    from movierec.store.profiles import Profile, Rating

    ds, sp = engine.dataset, engine.split
    merged = sp.with_validation()
    rng = np.random.default_rng(seed)
    rows = rng.choice(sp.test_users.size, min(n_users, sp.test_users.size), replace=False)
    keys = ds.users.astype(np.int64) * ds.n_items + ds.items
    order = np.argsort(keys)
    predicted, observed = [], []
    start = time.perf_counter()
    for row in rows:
        user, item = int(sp.test_users[row]), int(sp.test_items[row])
        mine = np.flatnonzero(merged.train_users == user)
        mine = mine[np.argsort(merged.train_timestamps[mine], kind="stable")][-k:]
        profile = Profile("bench")
        for j in mine:
            movie = int(ds.item_ids.ids(int(merged.train_items[j]))[0])
            profile.ratings[movie] = Rating(movie, float(merged.train_ratings[j]), float(merged.train_timestamps[j]))
        try:
            value = engine.film_matches(profile, [item], mode, compute=True)[0]
        except Exception:  # e.g. the sequence mode and nothing liked among the K
            value = None
        if value is None:
            continue
        stars = ds.ratings[order[np.searchsorted(keys[order], user * ds.n_items + item)]]
        predicted.append(value)
        observed.append(stars >= calibration.GOOD)
    p, y = np.array(predicted), np.array(observed, dtype=float)
    if p.size == 0:
        print(f"  served to profiles of {k}: no match")
        return
    print(f"  served to {p.size} users as profiles of their latest {k} ratings ({time.perf_counter() - start:.0f} s): "
          f"mean predicted {p.mean():.3f}, observed {y.mean():.3f}; Brier {np.mean((p - y) ** 2):.4f} "
          f"(base rate {np.mean((y.mean() - y) ** 2):.4f})")
    order_p = np.argsort(p, kind="stable")
    print("   by predicted match: " + "; ".join(f"{p[g].mean():.2f} -> {y[g].mean():.2f} (n {g.size})"
                                                  for g in np.array_split(order_p, 3) if g.size))


if __name__ == "__main__":
    main()
