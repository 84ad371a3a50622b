"""Recency-weighted variants (``ease-recent``, ``content-recent``) against their plain models.

    OMP_NUM_THREADS=1 python bench/recent.py [--dataset NAME|PATH] [--seeds 0,1,2] [--models ...]

For each seed: ``leave_one_out(ds, seed=s)``, every model fitted as ``Engine.fit_baseline`` does
(EASE chooses its L2 on validation, the variants choose tau and blend on validation, then all fit
on train + validation; pop and content fit on train + validation), and the usual protocol (99
sampled negatives, seed s): HR@10, NDCG@10, ILD@10, coverage, fit seconds. Prints a row per seed
and model, a mean table, and what each variant chose.

    OMP_NUM_THREADS=1 python bench/recent.py --profiles 20 [--seeds 0]

A proxy for choosing a new user's decay (``PROFILE_TAU``, ``PROFILE_BLEND``): every validation user's
latest 20 training ratings stand for a new user's profile; EASE (L2 800) and content, fitted on
training, score the validation item against 99 negatives from that profile alone, weighted by
``recency_weights`` over the profile for each (tau, blend). Fold-in itself needs a trained NeuMF.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np


def build(name: str):
    from movierec.models.content import ContentBased
    from movierec.models.ease import EASE
    from movierec.models.popularity import Popularity
    from movierec.models.recent import Recent

    if name == "pop":
        return Popularity()
    if name == "ease":
        return EASE(l2=None)
    if name == "content":
        return ContentBased()
    if name == "ease-recent":
        return Recent(EASE(l2=None))
    if name == "content-recent":
        return Recent(ContentBased())
    raise SystemExit(f"error: unknown model {name!r}")


def profiles(ds, seeds: list[int], size: int) -> None:
    from movierec.data.splits import leave_one_out, sample_negatives
    from movierec import metrics
    from movierec.models.content import ContentBased
    from movierec.models.ease import EASE
    from movierec.models.recent import BLEND_GRID, TAU_GRID, recency_ranks, recency_weights

    for seed in seeds:
        split = leave_one_out(ds, seed=seed)
        users = split.valid_users.astype(np.int64)
        known = np.sort(np.concatenate([split.train_users.astype(np.int64) * split.n_items + split.train_items,
                                        users * split.n_items + split.valid_items]))
        neg = sample_negatives(users, split.n_items, known, 99, seed=seed + 1)
        cand = np.concatenate([split.valid_items[:, None].astype(np.int64), neg], axis=1)
        valid = cand >= 0
        valid[:, 0] = False
        k = recency_ranks(split.train_users, split.train_timestamps, seed)
        row_of = np.full(split.n_users, -1)
        row_of[users] = np.arange(users.size)
        keep = (k < size) & (row_of[split.train_users] >= 0)
        pu, pi, pt = split.train_users[keep], split.train_items[keep], split.train_timestamps[keep]
        for name, model in (("ease", EASE(l2=800.0)), ("content", ContentBased())):
            t0 = time.perf_counter()
            model.fit(split, ds.catalog)
            print(f"seed {seed} {name} fitted on training in {time.perf_counter() - t0:.0f} s; profiles of "
                  f"{size} latest ratings, {users.size} validation users", flush=True)
            for blend in BLEND_GRID:
                for tau in (TAU_GRID if blend > 0 else TAU_GRID[:1]):
                    w = np.zeros((users.size, split.n_items), dtype=np.float32)
                    w[row_of[pu], pi] = recency_weights(pu, pt, tau, blend, seed)
                    scores = model.score_weighted(users, w, cand)
                    rank = metrics.ranks(scores, scores[:, 0], valid)
                    print(f"  {name} blend {blend:<5g} tau {tau:<4g} val HR@10 {metrics.hit_rate(rank, 10):.4f} "
                          f"NDCG@10 {metrics.ndcg(rank, 10):.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--models", default="pop,ease,ease-recent,content,content-recent")
    parser.add_argument("--profiles", type=int, default=0, help="the new-user decay proxy with profiles of N ratings")
    args = parser.parse_args()
    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec.evaluation.protocol import Protocol

    ds = load_dataset(args.dataset)
    if args.profiles:
        profiles(ds, [int(s) for s in args.seeds.split(",")], args.profiles)
        return
    models = args.models.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    table: dict[str, list] = {m: [] for m in models}
    notes: dict[str, list[str]] = {m: [] for m in models}
    start = time.perf_counter()
    for seed in seeds:
        split = leave_one_out(ds, seed=seed)
        protocol = Protocol(split, k=10, negatives=99, seed=seed)
        for name in models:
            model = build(name)
            t0 = time.perf_counter()
            chooses = bool(getattr(model, "chooses_on_validation", False))
            model.fit(split if chooses else split.with_validation(), ds.catalog)
            fit_s = time.perf_counter() - t0
            r = protocol.evaluate(model, ds.catalog, fit_s)
            table[name].append(r)
            note = ""
            if hasattr(model, "describe_choice"):
                note = model.describe_choice()
            elif getattr(model, "chosen", None):
                note = f"L2 {model.chosen['l2']:g}"
            notes[name].append(note)
            print(f"seed {seed} {name:15s} HR@10 {r.hr:.4f} NDCG@10 {r.ndcg:.4f} ILD {r.ild:.3f} "
                  f"cov {r.coverage:.3f} fit {fit_s:.1f}s eval {r.eval_seconds:.1f}s  {note}", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = os.environ.get("OMP_NUM_THREADS", "-")
    print(f"\nmachine: {platform.node()}, {os.cpu_count()} cpus, OMP_NUM_THREADS={threads}, "
          f"load average {load:.2f}; dataset {ds.name}; 99 sampled negatives; seeds {seeds}; "
          f"total {time.perf_counter() - start:.0f} s")
    print("| model | HR@10 mean ± sd | per seed | NDCG@10 | ILD@10 | coverage | fit s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for m, reports in table.items():
        hr = np.array([r.hr for r in reports])
        print(f"| {m} | {hr.mean():.4f} ± {hr.std():.4f} | {' / '.join(f'{h:.4f}' for h in hr)} | "
              f"{np.mean([r.ndcg for r in reports]):.4f} | {np.mean([r.ild for r in reports]):.3f} | "
              f"{np.mean([r.coverage for r in reports]):.3f} | {np.mean([r.fit_seconds for r in reports]):.1f} |")
    for m in models:
        if any(notes[m]):
            for seed, note in zip(seeds, notes[m]):
                print(f"seed {seed}: {note}")


if __name__ == "__main__":
    main()
