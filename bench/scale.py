"""NeuMF on a large release (the ML-20M-shaped synthetic one): epoch time, eval time, peak memory.

    python bench/synthetic.py bench/out/ml-20m-synth     # once
    python bench/scale.py bench/out/ml-20m-synth [--epochs 1] [--device auto]

Trains the default NeuMF (no pretraining, to time one model) for ``--epochs``
epochs with on-device chunked sampling, then runs the sampled leave-one-out
protocol on every test user, and prints wall times and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("release")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--amp", action="store_true")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model (NCFConfig.compile)")
    parser.add_argument("--dense", action="store_true", help="dense Adam even on large tables (no SparseAdam)")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import torch

    from movierec import device as devices
    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf.modules import NCFConfig, build
    from movierec.models.ncf.recommender import NeuralRecommender
    from movierec.models.ncf.training import Trainer

    device = devices.resolve(args.device)
    t0 = time.perf_counter()
    ds = load_dataset(args.release)
    split = leave_one_out(ds)
    print(f"machine: {platform.node()}, {devices.describe(device)}, torch {torch.__version__}")
    print(f"data: {ds.n_users:,} users, {ds.n_items:,} items, {ds.n_ratings:,} ratings; load + split "
          f"{time.perf_counter() - t0:.1f} s; peak {peak_gb():.2f} GB")
    overrides = {k: v for k, v in (("batch_size", args.batch_size), ("lr", args.lr)) if v}
    overrides["amp"] = args.amp
    overrides["compile"] = args.compile
    if args.dense:
        import movierec.models.ncf.training as training

        training.SPARSE_ROWS = 1 << 62
    config = NCFConfig(model="neumf", pretrain=False, **overrides)
    model = build(config, ds.n_users, ds.n_items)
    trainer = Trainer(model, split, config, device)
    print(f"config: batch {config.batch_size}, lr {config.lr}, amp {config.amp}, compile {config.compile}, optimizers "
          f"{[type(o).__name__ for o in trainer.optimizers]}", flush=True)
    for _ in range(args.epochs):
        f = trainer.train_epoch()
        print(f"epoch {f['epoch']}: {f['samples']:,} samples in {f['seconds']:.1f} s = "
              f"{f['samples'] / f['seconds'] / 1e6:.2f}M samples/s, loss {f['loss']:.4f}; peak {peak_gb():.2f} GB", flush=True)
    rec = NeuralRecommender(config, device)
    rec.attach(trainer.model, ds.n_items)
    t1 = time.perf_counter()
    protocol = Protocol(split, list_users=1000)
    t2 = time.perf_counter()
    ranks = protocol.ranks(rec)
    t3 = time.perf_counter()
    lists = protocol.top_lists(rec)
    t4 = time.perf_counter()
    hr = float((ranks < 10).mean())
    print(f"eval: {protocol.users.size:,} users x 100 candidates: negatives sampled in {t2 - t1:.1f} s, "
          f"scored and ranked in {t3 - t2:.1f} s (HR@10 {hr:.4f} after {args.epochs} epoch(s)); "
          f"top-10 of all {ds.n_items:,} items for {lists.shape[0]:,} users in {t4 - t3:.1f} s; peak {peak_gb():.2f} GB")


if __name__ == "__main__":
    main()
