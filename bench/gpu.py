"""NeuMF on the ML-20M-shaped release, CPU and GPU side by side: samples/s, epoch time, eval time.

    python bench/gpu.py bench/out/ml-20m-synth [--epochs 3] [--batch-size 1048576] [--lr 0.0045]

Run by bench/gpu.sh on a machine with a CUDA GPU. Sections:

* CPU training: the same Trainer on the CPU (all cores) for ``--cpu-seconds``
  of sampled chunks, batch 4096 (the CPU default), samples/s.
* CPU evaluation: the sampled protocol (100 candidates) for every test user;
  the full protocol on ``--cpu-full-users`` users (all 138k would take minutes
  on a CPU: the rate is printed and extrapolated, labelled as such).
* GPU training: NeuMF (no pretraining) for ``--epochs`` epochs in float32/TF32
  and again with ``--amp`` (bf16 autocast), batch ``--batch-size``, the whole
  epoch's samples built on the GPU; samples/s and seconds per epoch, peak GPU
  memory; then validation HR@10.
* GPU evaluation: sampled and full protocol for every test user, HR@10 and NDCG@10.

Each section reports its own failure and the rest still run. ``--json PATH``
writes every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import tempfile
import time
import traceback


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("release")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=1 << 20, help="0 = movierec's automatic choice")
    parser.add_argument("--lr", type=float, default=0.0045, help="0 = automatic")
    parser.add_argument("--cpu-seconds", type=float, default=30.0)
    parser.add_argument("--cpu-full-users", type=int, default=2000)
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--json", dest="json_path", default=None)
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import numpy as np
    import torch

    from movierec import device as devices
    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec import metrics
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf.modules import NCFConfig, build
    from movierec.models.ncf.recommender import NeuralRecommender
    from movierec.models.ncf.training import Trainer, Validator

    figures: dict = {"host": platform.node(), "cpus": os.cpu_count(), "torch": torch.__version__,
                     "date": time.strftime("%Y-%m-%d")}

    def section(name, fn):
        t = time.perf_counter()
        try:
            fn()
        except Exception:  # noqa: BLE001 - a benchmark section that breaks must not cost the others
            print(f"[{name}] FAILED after {time.perf_counter() - t:.1f} s:\n{traceback.format_exc()}", flush=True)
            figures[f"{name}_error"] = traceback.format_exc(limit=3)

    t0 = time.perf_counter()
    ds = load_dataset(args.release)
    t1 = time.perf_counter()
    split = leave_one_out(ds)
    figures.update(users=ds.n_users, items=ds.n_items, ratings=ds.n_ratings, load_s=t1 - t0, split_s=time.perf_counter() - t1)
    print(f"host {platform.node()}: {os.cpu_count()} CPUs, torch {torch.__version__}", flush=True)
    print(f"data: {ds.n_users:,} users, {ds.n_items:,} items, {ds.n_ratings:,} ratings; load {t1 - t0:.1f} s, "
          f"split {figures['split_s']:.1f} s; peak RSS {peak_gb():.2f} GB", flush=True)
    sampled = Protocol(split, list_users=0)
    full = Protocol(split, full=True, list_users=0)

    def evaluate(rec, device_name: str, full_users: int | None = None) -> None:
        t = time.perf_counter()
        ranks = sampled.ranks(rec)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        ts = time.perf_counter() - t
        figures[f"{device_name}_eval_sampled_s"] = ts
        figures[f"{device_name}_hr_sampled"] = metrics.hit_rate(ranks, 10)
        figures[f"{device_name}_ndcg_sampled"] = metrics.ndcg(ranks, 10)
        print(f"[{device_name}] eval sampled: {ranks.size:,} users x 100 candidates in {ts:.2f} s; "
              f"HR@10 {figures[f'{device_name}_hr_sampled']:.4f}, NDCG@10 {figures[f'{device_name}_ndcg_sampled']:.4f}",
              flush=True)
        protocol = full
        if full_users is not None and full_users < split.test_users.size:
            keep = np.sort(np.random.default_rng(0).choice(split.test_users.size, full_users, replace=False))
            subset = dataclasses.replace(split, test_users=split.test_users[keep], test_items=split.test_items[keep])
            protocol = Protocol(subset, full=True, list_users=0)
        t = time.perf_counter()
        ranks = protocol.ranks(rec)
        tf = time.perf_counter() - t
        label = "full" if protocol is full else f"full_{ranks.size}users"
        figures[f"{device_name}_eval_{label}_s"] = tf
        figures[f"{device_name}_hr_{label}"] = metrics.hit_rate(ranks, 10)
        note = ""
        if protocol is not full:
            figures[f"{device_name}_eval_full_extrapolated_s"] = tf * split.test_users.size / ranks.size
            note = f" (all {split.test_users.size:,} users: ~{figures[f'{device_name}_eval_full_extrapolated_s']:.0f} s, extrapolated)"
        print(f"[{device_name}] eval full: {ranks.size:,} users x {ds.n_items:,} items in {tf:.2f} s{note}; "
              f"HR@10 {figures[f'{device_name}_hr_{label}']:.4f}", flush=True)

    def cpu() -> None:
        torch.set_num_threads(os.cpu_count() or 1)
        cpu_dev = torch.device("cpu")
        config = NCFConfig(model="neumf", pretrain=False, chunk_positives=250_000)
        trainer = Trainer(build(config, ds.n_users, ds.n_items), split, config, cpu_dev)
        start = time.perf_counter()
        f = trainer.train_epoch(should_stop=lambda: time.perf_counter() - start > args.cpu_seconds)
        rate = f["samples"] / f["seconds"]
        figures.update(cpu_samples=f["samples"], cpu_train_s=f["seconds"], cpu_samples_per_s=rate,
                       cpu_epoch_s_extrapolated=5 * split.train_users.size / rate, cpu_threads=torch.get_num_threads())
        print(f"[cpu] train: {f['samples']:,} samples in {f['seconds']:.1f} s = {rate / 1e6:.2f}M samples/s "
              f"({torch.get_num_threads()} threads, batch {config.batch_size}); a full epoch would take "
              f"~{figures['cpu_epoch_s_extrapolated']:.0f} s", flush=True)
        rec = NeuralRecommender(config, cpu_dev)
        rec.attach(trainer.model, ds.n_items)
        evaluate(rec, "cpu", args.cpu_full_users)

    def gpu() -> None:
        device = devices.resolve(args.device)
        figures["gpu"] = devices.describe(device)
        print(f"[gpu] {figures['gpu']}", flush=True)
        validator = Validator.from_split(split, seed=0)
        for amp in (False, True):
            tag = "amp" if amp else "tf32"
            torch.manual_seed(0)
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            config = NCFConfig(model="neumf", pretrain=False, batch_size=args.batch_size, lr=args.lr, amp=amp)
            trainer = Trainer(build(config, ds.n_users, ds.n_items), split, config, device)
            epochs = []
            for _ in range(args.epochs):
                f = trainer.train_epoch()
                rate = f["samples"] / f["seconds"]
                epochs.append({"seconds": f["seconds"], "samples_per_s": rate, "loss": f["loss"]})
                print(f"[gpu {tag}] epoch {f['epoch']}: {f['samples']:,} samples in {f['seconds']:.2f} s = "
                      f"{rate / 1e6:.1f}M samples/s, loss {f['loss']:.4f}", flush=True)
            hr = validator.hit_rate(trainer.model, device) if validator else float("nan")
            peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")
            best = max(e["samples_per_s"] for e in epochs)
            figures[f"gpu_{tag}"] = {"epochs": epochs, "best_samples_per_s": best, "val_hr": hr, "peak_gpu_gb": peak,
                                     "batch_size": trainer.config.batch_size, "lr": trainer.config.lr,
                                     "chunk_positives": trainer.chunk}
            print(f"[gpu {tag}] batch {trainer.config.batch_size:,}, lr {trainer.config.lr:g}; best {best / 1e6:.1f}M samples/s; validation HR@10 {hr:.4f} after {args.epochs} "
                  f"epochs; peak GPU memory {peak:.2f} GB; sampling chunk {trainer.chunk:,} positives", flush=True)
        rec = NeuralRecommender(config, device)
        rec.attach(trainer.model, ds.n_items)
        evaluate(rec, device.type)

    if not args.skip_cpu:
        section("cpu", cpu)
    section("gpu", gpu)
    figures["peak_rss_gb"] = peak_gb()
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(figures, fh, indent=2, default=float)
    print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in figures.items()
                      if not isinstance(v, dict)}, default=str), flush=True)


if __name__ == "__main__":
    main()
