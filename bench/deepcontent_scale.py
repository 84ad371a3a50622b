"""deepcontent on a large release: time of each fitting stage, seconds an epoch, peak memory.

    python bench/deepcontent_scale.py PATH [--epochs 3]

Fits on the leave-one-out split's train + validation (as `train --model deepcontent` does), with at most
``--epochs`` epochs (early stopping may end sooner), and reports: load, SVD (the collaborative space),
features, the ridge map and its L2 choice, each epoch, scoring every film for 1,000 users, and the peak
resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    from movierec.data import registry
    from movierec.data.splits import leave_one_out
    from movierec.models import deepcontent as dc

    start = time.perf_counter()
    ds = registry.load_dataset(args.path)
    split = leave_one_out(ds).with_validation()
    print(f"load + split {time.perf_counter() - start:.1f} s: {ds.n_users:,} users, {ds.n_items:,} films, "
          f"{ds.n_ratings:,} ratings; genome: {ds.catalog.genome is not None}", flush=True)
    t = time.perf_counter()
    collab, users, singular = dc.collaborative_space(split, 64, 0)
    print(f"SVD (64 factors) {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    features = dc.film_features(ds.catalog)
    print(f"features {time.perf_counter() - t:.1f} s: {features.shape[1]} columns", flush=True)
    model = dc.DeepContent(dc.DeepContentConfig(epochs=args.epochs))
    t = time.perf_counter()
    model.fit(split, ds.catalog, lambda e, f: print(f"  epoch {e}: {f['seconds']:.1f} s, loss {f['loss']:.3f}, "
                                                   f"held-out {f.get('val_loss', float('nan')):.3f}", flush=True))
    print(f"fit {time.perf_counter() - t:.1f} s in all ({model.result.refit}; best epoch {model.result.best_epoch}, "
          f"held-out cold HR@10 {model.result.best_val_hr:.3f})", flush=True)
    t = time.perf_counter()
    model.score_all(np.arange(1000))
    print(f"score every film for 1,000 users {time.perf_counter() - t:.2f} s", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")


if __name__ == "__main__":
    main()
