"""Evaluation time on a large release: sampled (100 candidates) and full protocol, per model.

    python bench/eval_scale.py bench/out/ml-20m-synth [--neumf-full-users 3000] [--device cpu]

Scoring speed does not depend on the weights, so GMF and NeuMF are freshly initialised (no
training: this times the protocol, not a model's quality). Popularity is fitted (it is a count).
The full protocol ranks each test user's held-out item against every item they have not rated;
for NeuMF on a CPU that is ~140 GFLOP per 1,000 users, so it runs on ``--neumf-full-users``
users and the time for all of them is extrapolated (labelled as such).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("release")
    parser.add_argument("--neumf-full-users", type=int, default=3000)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import numpy as np
    import torch

    from movierec import device as devices
    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec.evaluation import metrics
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf import NCFConfig, build
    from movierec.models.neural import NeuralRecommender
    from movierec.models.popularity import Popularity

    device = devices.resolve(args.device)
    ds = load_dataset(args.release)
    split = leave_one_out(ds)
    print(f"machine: {platform.node()}, {devices.describe(device)}, torch {torch.__version__}; "
          f"{split.test_users.size:,} test users, {ds.n_items:,} items", flush=True)
    t = time.perf_counter()
    sampled = Protocol(split, list_users=0)
    print(f"sampled protocol set-up (99 negatives per user): {time.perf_counter() - t:.1f} s", flush=True)
    t = time.perf_counter()
    full = Protocol(split, full=True, list_users=0)
    print(f"full protocol set-up: {time.perf_counter() - t:.1f} s", flush=True)
    keep = np.sort(np.random.default_rng(0).choice(split.test_users.size, args.neumf_full_users, replace=False))
    subset = Protocol(dataclasses.replace(split, test_users=split.test_users[keep], test_items=split.test_items[keep]),
                      full=True, list_users=0)

    pop = Popularity()
    pop.fit(split, ds.catalog)
    models = [("pop", pop)]
    for kind in ("gmf", "neumf"):
        torch.manual_seed(0)
        config = NCFConfig(model=kind, pretrain=False)
        rec = NeuralRecommender(config, device)
        rec.attach(build(config, ds.n_users, ds.n_items), ds.n_items)
        models.append((kind, rec))
    for name, model in models:
        t = time.perf_counter()
        ranks = sampled.ranks(model)
        ts = time.perf_counter() - t
        protocol, note = full, ""
        if name == "neumf" and device.type == "cpu":
            protocol = subset
        t = time.perf_counter()
        full_ranks = protocol.ranks(model)
        tf = time.perf_counter() - t
        if protocol is subset:
            note = (f" on {subset.users.size:,} users; all {split.test_users.size:,}: "
                    f"~{tf * split.test_users.size / subset.users.size:.0f} s (extrapolated)")
        print(f"{name:>6}: sampled {ts:6.1f} s (HR@10 {metrics.hit_rate(ranks, 10):.4f}) | full {tf:6.1f} s{note} "
              f"(HR@10 {metrics.hit_rate(full_ranks, 10):.4f})", flush=True)


if __name__ == "__main__":
    main()
