"""SASRec on ml-latest-small (HR@10 of the leave-one-out protocol) or the ML-20M shape (epoch time, memory).

    python bench/sasrec.py                         # seeds 0 1 2, default config: HR@10, NDCG@10, ILD, coverage, fit s
    python bench/sasrec.py --loss bce --negatives 1   # compare losses (any SASRecConfig field is an option)
    python bench/sasrec.py --tune                  # validation HR@10 only (no refit, no test figures): for tuning
    python bench/synthetic.py bench/out/ml-20m-synth  # once
    python bench/sasrec.py --shape ml-20m --release bench/out/ml-20m-synth [--steps 200]

The evaluation is engine.evaluate's: ``Protocol(leave_one_out(ds), k=10, negatives=99, seed=0)``. The
ML-20M mode times one epoch (or its first ``--steps`` steps, extrapolated to the epoch, and says so) and
prints the process's peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from dataclasses import fields


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    from movierec.models.sequence.sasrec import SASRecConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--shape", choices=["small", "ml-20m"], default="small")
    parser.add_argument("--release", default=None, help="dataset folder (default: the bundled ml-latest-small)")
    parser.add_argument("--steps", type=int, default=0, help="ml-20m: time this many steps (0: the whole epoch)")
    parser.add_argument("--batches", default="",
                        help="ml-20m: comma-separated batch sizes to time (default: the config's)")
    parser.add_argument("--tune", action="store_true", help="validation HR@10 only: no refit, no test figures")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--verbose", action="store_true", help="print every epoch's figures")
    parser.add_argument("--full", action="store_true", help="also HR@10 / NDCG@10 ranking every item (full protocol)")
    for f in fields(SASRecConfig):
        kind = {"bool": lambda s: s.lower() in ("1", "true", "yes")}.get(type(f.default).__name__, type(f.default))
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=None)
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import numpy as np
    import torch

    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec.evaluation.protocol import Protocol
    from movierec.models.sequence.sasrec import SASRecRecommender

    overrides = {f.name: getattr(args, f.name) for f in fields(SASRecConfig) if getattr(args, f.name) is not None}
    if args.tune:
        overrides["refit"] = "none"
    t0 = time.perf_counter()
    ds = load_dataset(args.release)
    split = leave_one_out(ds)
    print(f"machine: {platform.node()}, {os.cpu_count()} cpus, torch {torch.__version__}, threads "
          f"{torch.get_num_threads()} (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}), "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"data: {ds.name}, {ds.n_users:,} users, {ds.n_items:,} items, {ds.n_ratings:,} ratings; load + split "
          f"{time.perf_counter() - t0:.1f} s; peak {peak_gb():.2f} GB")
    config = SASRecConfig.from_json({**SASRecConfig().to_json(), **overrides})
    print(f"config: {config.to_json()}", flush=True)
    if args.shape == "ml-20m":
        from movierec.models.sequence.sasrec import build_sequences

        t = time.perf_counter()
        sequences = build_sequences(split.train_users, split.train_items, split.train_timestamps, split.n_users,
                                    config.seed)
        print(f"sequences built in {time.perf_counter() - t:.1f} s; peak {peak_gb():.2f} GB", flush=True)
        for batch in [int(b) for b in args.batches.split(",") if b] or [config.batch_size]:
            epoch_time(SASRecConfig.from_json({**config.to_json(), "batch_size": batch}), split, sequences,
                       args.steps, torch.device(args.device))
        return
    protocol = Protocol(split, k=10, negatives=99, seed=0)
    rows = []
    for seed in args.seeds:
        rec = SASRecRecommender(SASRecConfig.from_json({**config.to_json(), "seed": seed}), args.device)
        progress = (lambda e, f: print(f"  {f['stage']} epoch {e}: loss {f['loss']:.4f}, val HR@10 "
                                       f"{f.get('val_hr', float('nan')):.4f}, {f['seconds']:.1f} s", flush=True)) \
            if args.verbose else None
        cpu = time.process_time()
        rec.fit(split, ds.catalog, progress)
        cpu = time.process_time() - cpu
        r = rec.result
        line = (f"seed {seed}: best epoch {r.best_epoch} of {len(r.history)}, val HR@10 {r.best_val_hr:.4f}, "
                f"fit {r.seconds:.1f} s ({cpu:.1f} s of CPU)")
        if not args.tune:
            report = protocol.evaluate(rec, ds.catalog, r.seconds)
            rows.append([r.best_val_hr, report.hr, report.ndcg, report.ild, report.coverage, r.seconds])
            line += (f"; test HR@10 {report.hr:.4f}, NDCG@10 {report.ndcg:.4f}, ILD@10 {report.ild:.4f}, "
                     f"coverage {report.coverage:.4f}")
            if args.full:
                full = Protocol(split, k=10, seed=0, full=True).evaluate(rec, ds.catalog, r.seconds)
                line += f"; full protocol HR@10 {full.hr:.4f}, NDCG@10 {full.ndcg:.4f}"
        else:
            rows.append([r.best_val_hr, r.seconds])
        print(line, flush=True)
    m = np.mean(np.array(rows), axis=0)
    if args.tune:
        print(f"mean: val HR@10 {m[0]:.4f}, fit {m[1]:.1f} s")
    else:
        print(f"mean: val HR@10 {m[0]:.4f}, HR@10 {m[1]:.4f}, NDCG@10 {m[2]:.4f}, ILD@10 {m[3]:.4f}, "
              f"coverage {m[4]:.4f}, fit {m[5]:.1f} s")
    t = time.perf_counter()
    rec.score_sequence(np.arange(20) * 7)
    print(f"score_sequence for 20 items: {time.perf_counter() - t:.4f} s; peak {peak_gb():.2f} GB")


def epoch_time(config, split, sequences, steps: int, device) -> None:
    import numpy as np
    import torch

    from movierec.models.sequence.sasrec import SASRecRecommender, build_module, training_windows

    indptr, items = sequences
    rec = SASRecRecommender(config, device)
    rec.n_items = split.n_items
    torch.manual_seed(config.seed)
    module = build_module(config, split.n_items).to(device)
    optimizer = torch.optim.AdamW(module.parameters(), lr=config.lr, betas=(0.9, 0.98))
    units = training_windows(indptr, config.max_len, config.windows)
    total_steps = -(-units[0].size // config.batch_size)
    if steps:
        pick = np.sort(np.random.default_rng(1).choice(units[0].size, min(units[0].size, steps * config.batch_size),
                                                       replace=False))
        units = tuple(u[pick] for u in units)
    generator = torch.Generator(device=device)
    generator.manual_seed(0)
    f = rec._epoch(module, optimizer, torch.from_numpy(indptr).to(device), torch.from_numpy(items).to(device),
                   units, np.random.default_rng(0), generator)
    ran = -(-units[0].size // config.batch_size)
    est = f["seconds"] * total_steps / ran
    what = "the whole epoch" if ran == total_steps else f"{ran} of {total_steps} steps, extrapolated"
    gpu = (f", peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB"
           if torch.device(device).type == "cuda" else "")
    print(f"batch {config.batch_size}, {torch.get_num_threads()} thread(s), {device}: {f['samples']:,} positions in "
          f"{f['seconds']:.1f} s, {f['samples'] / f['seconds']:,.0f} positions/s ({what}: {est:.0f} s an epoch), "
          f"loss {f['loss']:.4f}; peak {peak_gb():.2f} GB{gpu}", flush=True)


if __name__ == "__main__":
    main()
