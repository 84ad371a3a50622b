"""Load: 10,000 random rate / fold-in / recommend calls on one engine, in sequence; memory must not grow.

    python bench/engine_load.py [--calls 10000] [--warmup 1000] [--dataset NAME|PATH] [--seed 0]

Drives the engine facade the way the TUI does: ratings go through the profile store (atomic
write under the file lock, read back), fold-in and recommend through ``Engine``. The profile is
kept between 10 and 60 ratings (a random rating is removed when it passes 60), so the work per
call stays comparable. Resident memory (VmRSS) is sampled every 250 calls; growth is measured
from the end of the warm-up to the largest later sample, and must stay within 10%. Any error
stops the run with a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=1_000)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-load-"))
    import numpy as np

    from movierec.engine import Engine
    from movierec.store.profiles import ProfileStore

    rng = np.random.default_rng(args.seed)
    engine = Engine(args.dataset, args.device)
    t0 = time.perf_counter()
    engine.get("ncf", train=True)  # trains NeuMF once if there is no checkpoint yet
    print(f"machine: {platform.node()}, {engine.device_name}; dataset {engine.dataset.name} "
          f"({engine.dataset.n_items:,} items); model ready in {time.perf_counter() - t0:.1f} s", flush=True)
    cat = engine.dataset.catalog
    pool = np.argsort(-cat.n_ratings)[:2000]  # films people know
    store = ProfileStore()
    name = "load"
    for idx in rng.choice(pool, 10, replace=False):
        mid = int(cat.item_ids.ids(int(idx))[0])
        store.rate(name, mid, float(rng.choice([3.0, 4.0, 5.0])), cat.titles[int(idx)])
    kinds = ("rate", "foldin", "recommend")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    samples: list[tuple[int, float]] = []
    start = time.perf_counter()
    for call in range(1, args.calls + 1):
        kind = kinds[int(rng.integers(0, 3))]
        t = time.perf_counter()
        if kind == "rate":
            idx = int(rng.choice(pool))
            mid = int(cat.item_ids.ids(idx)[0])
            profile = store.rate(name, mid, float(rng.integers(1, 11)) / 2, cat.titles[idx])
            if len(profile.ratings) > 60:
                store.unrate(name, int(rng.choice(list(profile.ratings))))
        else:
            profile = store.load(name)
            if kind == "foldin":
                items, stars, skip, _ = engine.profile_items(profile)
                scores, _, _ = engine.fold_in(items, stars, skip, seed=int(rng.integers(0, 1 << 30)))
                assert np.isfinite(scores).all()
            else:
                result = engine.recommend(profile, n=10, diversity=float(rng.choice([0.0, 0.2, 0.5])))
                assert len(result.picks) == 10 and all(p.reason for p in result.picks)
        times[kind].append(time.perf_counter() - t)
        if call % 250 == 0 or call == args.warmup:
            samples.append((call, rss_mb()))
        if call % 1000 == 0:
            print(f"{call:>6,} calls, {time.perf_counter() - start:6.0f} s, RSS {rss_mb():7.1f} MB, "
                  f"profile {len(store.load(name).ratings)} ratings", flush=True)
    base = next(mb for call, mb in samples if call == args.warmup)
    later = [mb for call, mb in samples if call > args.warmup]
    growth = (max(later) - base) / base
    print("median / p99 ms: " + ", ".join(
        f"{k} {statistics.median(v) * 1000:.1f} / {np.percentile(v, 99) * 1000:.1f} ({len(v):,} calls)"
        for k, v in times.items()))
    print(f"RSS after {args.warmup:,}-call warm-up {base:.1f} MB; largest later {max(later):.1f} MB; "
          f"last {samples[-1][1]:.1f} MB; growth {growth:+.1%} (limit +10%); errors 0")
    return 0 if growth <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
