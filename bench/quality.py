"""Quality on a dataset: every model, the leave-one-out protocol, mean and spread over seeds.

    python bench/quality.py [--dataset NAME|PATH] [--seeds 0,1,2] [--full]

Each seed trains the neural models afresh (the seed sets initialisation,
sampling and the evaluation negatives) with default settings, or the tuned ones
where ``tune`` saved some in MOVIEREC_HOME; the baselines are refitted per seed,
only the negatives change for them. The split (ties at random, seed 0) is one.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default="all", help="comma-separated registry names, or all")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))  # fresh checkpoints
    from movierec.engine import Engine

    engine = Engine(args.dataset, args.device)
    engine.on_note = lambda text: print(f"  note: {text}", flush=True)  # L2 chosen, tuned settings used
    from movierec.models import registry

    models = list(registry.names()) if args.models == "all" else args.models.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    table: dict[str, list] = {m: [] for m in models}
    start = time.perf_counter()
    for seed in seeds:
        for r in engine.evaluate(models, seed=seed, full=args.full, retrain=True):
            table[r.model].append(r)
            print(f"seed {seed} {r.model:8s} HR@10 {r.hr:.4f} NDCG@10 {r.ndcg:.4f} ILD {r.ild:.3f} "
                  f"cov {r.coverage:.3f} fit {r.fit_seconds:.1f}s eval {r.eval_seconds:.2f}s", flush=True)
    print(f"\nmachine: {platform.node()}, {engine.device_name}; dataset {engine.dataset.name}; "
          f"protocol {'full ranking' if args.full else '99 sampled negatives'}; seeds {seeds}; "
          f"{engine.split.tied_users} of {engine.split.test_users.size} users with tied latest ratings; "
          f"total {time.perf_counter() - start:.0f} s")
    print("| model | HR@10 mean ± sd | NDCG@10 mean | ILD@10 | coverage | fit s | eval s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for m, reports in table.items():
        hr = np.array([r.hr for r in reports])
        print(f"| {m} | {hr.mean():.4f} ± {hr.std():.4f} | {np.mean([r.ndcg for r in reports]):.4f} | "
              f"{np.mean([r.ild for r in reports]):.3f} | {np.mean([r.coverage for r in reports]):.3f} | "
              f"{np.mean([r.fit_seconds for r in reports]):.1f} | {np.mean([r.eval_seconds for r in reports]):.2f} |")


if __name__ == "__main__":
    main()
