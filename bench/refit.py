"""The saved NCF model after early stopping: refit from scratch on train + validation, or continue, or neither.

    python bench/refit.py [--dataset NAME|PATH] [--seeds 0] [--models gmf,mlp,neumf]

For each model and seed, early stopping on the validation holdout chooses the
epoch count; then "none" keeps that model (fitted on training alone), "scratch"
trains a fresh model on train + validation for the chosen epoch counts (every
stage of NeuMF), "continue" trains the chosen model one more epoch on train +
validation. Test HR@10 / NDCG@10 (99 sampled negatives) of each, mean over seeds.
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
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--models", default="gmf,mlp,neumf")
    parser.add_argument("--modes", default="none,scratch,continue")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import torch

    from movierec.engine import Engine
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf import NCFConfig
    from movierec.models.ncf.recommender import NeuralRecommender

    engine = Engine(args.dataset, "cpu")
    split, catalog = engine.split, engine.dataset.catalog
    rows: dict[tuple[str, str], list] = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        protocol = Protocol(split, seed=seed)
        for model in args.models.split(","):
            for mode in args.modes.split(","):
                rec = NeuralRecommender(NCFConfig(model=model, seed=seed, refit=mode), engine.device)
                start = time.perf_counter()
                rec.fit(split, catalog)
                seconds = time.perf_counter() - start
                r = protocol.evaluate(rec, catalog, seconds)
                rows.setdefault((model, mode), []).append((r.hr, r.ndcg, seconds))
                print(f"seed {seed} {model:6s} {mode:9s} HR@10 {r.hr:.4f} NDCG@10 {r.ndcg:.4f} fit {seconds:.1f}s "
                      f"epochs {rec.result.stage_epochs}", flush=True)
    print(f"\nmachine: {platform.node()}, {engine.device_name}, torch {torch.__version__}; dataset "
          f"{engine.dataset.name}; seeds {args.seeds}")
    print("| model | saved model | HR@10 | NDCG@10 | fit s |")
    print("| --- | --- | --- | --- | --- |")
    for (model, mode), values in rows.items():
        hr, ndcg, secs = np.mean(values, axis=0)
        print(f"| {model} | {mode} | {hr:.4f} | {ndcg:.4f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
