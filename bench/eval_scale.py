"""Evaluation time on a large release: sampled (100 candidates) and full protocol, per model.

    python bench/eval_scale.py bench/out/ml-20m-synth [--device cpu] [--epochs 1]
        [--weights DIR] [--save-weights DIR] [--check-users 2000] [--models gmf,mlp,neumf]

How fast the full protocol runs for NCF models depends on the trained weights (the exact
pruned search of movierec/models/ncf/pruned.py scores only the pairs its bounds cannot
rule out), so the models are trained first, as ``movierec train`` does (validation HR@10 after each
epoch, early stopping, best epoch kept, NeuMF from pretrained GMF and MLP with
``--pretrain``), for at most ``--epochs`` epochs with the automatic batch size and
learning rate, or loaded from ``--weights DIR/{model}.pt``
(``--save-weights`` writes them, in float16 so a 20M-rating model stays under 16 MB).
Popularity is fitted (a count).

For each model: the sampled protocol for every test user; the full protocol for every
test user (pruned search), with its HR@10 / NDCG@10 and the top-10 lists (ILD, coverage)
of 2,000 users; and the exhaustive full protocol (every pair scored) on ``--check-users``
users, or on all of them with ``--check-users 0`` (minutes on a CPU, seconds on a GPU),
whose HR@10 and NDCG@10 must equal the pruned search's on the same users.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import platform
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("release")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--models", default="gmf,mlp,neumf")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--amp", action="store_true", help="bf16 autocast while training")
    parser.add_argument("--pretrain", action="store_true", help="NeuMF from pretrained GMF and MLP (3 fits)")
    parser.add_argument("--weights", default=None, help="load DIR/{model}.pt instead of training, where present")
    parser.add_argument("--save-weights", default=None, help="write each trained model to DIR/{model}.pt (float16)")
    parser.add_argument("--check-users", type=int, default=2000, help="0 = the exhaustive protocol for every user")
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
    from movierec.models.popularity import Popularity
    from movierec.models.ncf.training import fit_ncf

    device = devices.resolve(args.device)

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    ds = load_dataset(args.release)
    split = leave_one_out(ds)
    digest = hashlib.sha1(split.train_users.tobytes() + split.train_items.tobytes()).hexdigest()[:12]
    print(f"machine: {platform.node()} ({os.cpu_count()} CPUs), {devices.describe(device)}, torch {torch.__version__}, "
          f"{time.strftime('%Y-%m-%d')}; {split.test_users.size:,} test users, {ds.n_items:,} items, "
          f"{ds.n_ratings:,} ratings; training pairs sha1 {digest} (same on every machine for the same release)", flush=True)
    t = time.perf_counter()
    sampled = Protocol(split, list_users=0)
    setup_sampled = time.perf_counter() - t
    t = time.perf_counter()
    full = Protocol(split, full=True, list_users=2000)
    setup_full = time.perf_counter() - t
    print(f"set-up: sampled protocol (99 negatives per user) {setup_sampled:.1f} s, full protocol {setup_full:.1f} s",
          flush=True)
    check = full
    if 0 < args.check_users < split.test_users.size:
        keep = np.sort(np.random.default_rng(0).choice(split.test_users.size, args.check_users, replace=False))
        check = Protocol(dataclasses.replace(split, test_users=split.test_users[keep], test_items=split.test_items[keep]),
                         full=True, list_users=0)
    exhaustive = dataclasses.replace(check, exhaustive=True) if check is not full else None
    if exhaustive is None:
        exhaustive = Protocol(split, full=True, list_users=0, exhaustive=True)

    pop = Popularity()
    pop.fit(split, ds.catalog)
    models = [("pop", pop)]
    for kind in [m for m in args.models.split(",") if m]:
        config = NCFConfig(model=kind, pretrain=args.pretrain, amp=args.amp, epochs=args.epochs)
        torch.manual_seed(0)
        module = build(config, ds.n_users, ds.n_items)
        path = os.path.join(args.weights, f"{kind}.pt") if args.weights else None
        if path and os.path.exists(path):
            state = torch.load(path, map_location="cpu", weights_only=True)
            module.load_state_dict({k: v.float() for k, v in state.items()})
            print(f"{kind}: weights from {path}", flush=True)
        else:
            result = fit_ncf(config, split, device)
            module = result.model
            print(f"{kind}: trained in {result.seconds:.1f} s, best epoch {result.best_epoch} of "
                  f"{len(result.history)} (validation HR@10 {result.best_val_hr:.4f}; batch "
                  f"{result.config.batch_size}, lr {result.config.lr:.4g})", flush=True)
            if args.save_weights:
                os.makedirs(args.save_weights, exist_ok=True)
                torch.save({k: v.detach().half().cpu() for k, v in module.state_dict().items()},
                           os.path.join(args.save_weights, f"{kind}.pt"))
        rec = NeuralRecommender(config, device)
        rec.attach(module, ds.n_items)
        models.append((kind, rec))

    rows = []
    for name, model in models:
        t = time.perf_counter()
        ranks = sampled.ranks(model)
        sync()
        ts = time.perf_counter() - t
        t = time.perf_counter()
        fr = full.ranks(model)
        sync()
        tf = time.perf_counter() - t
        t = time.perf_counter()
        lists = full.top_lists(model)
        sync()
        tl = time.perf_counter() - t
        ild = metrics.intra_list_diversity(lists, ds.catalog.genres)
        line = (f"{name:>6}: sampled {ts:5.1f} s (HR@10 {metrics.hit_rate(ranks, 10):.4f}) | full {tf:5.1f} s "
                f"(HR@10 {metrics.hit_rate(fr, 10):.4f}, NDCG@10 {metrics.ndcg(fr, 10):.4f}) + top-10 lists of "
                f"{lists.shape[0]:,} users {tl:4.1f} s (ILD {ild:.3f})")
        row = {"model": name, "sampled": ts, "full": tf, "lists": tl}
        if name != "pop":
            t = time.perf_counter()
            slow = exhaustive.ranks(model)
            sync()
            te = time.perf_counter() - t
            fast = fr if check is full else check.ranks(model)
            same = (metrics.hit_rate(fast, 10), metrics.ndcg(fast, 10)) == (metrics.hit_rate(slow, 10), metrics.ndcg(slow, 10))
            per_user_same = bool(np.array_equal(np.minimum(fast, 10), np.minimum(slow, 10)))
            scale = split.test_users.size / slow.size
            row["exhaustive"] = te * scale
            line += (f"\n        exhaustive (every pair) on {slow.size:,} users: {te:.1f} s"
                     + (f" (all users: ~{te * scale:.0f} s, extrapolated)" if scale > 1 else "")
                     + f"; HR@10/NDCG@10 equal to the pruned search on those users: {same} "
                     f"(every user's rank below 10 equal: {per_user_same})")
        rows.append(row)
        print(line, flush=True)
    print(f"\nall {split.test_users.size:,} users, set-up included (sampled {setup_sampled:.1f} s, full {setup_full:.1f} s):")
    print("| model | sampled | full (pruned, exact) | full + top-10 lists | full, every pair |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        every = f"{r['exhaustive']:.0f} s" if "exhaustive" in r else ""
        print(f"| {r['model']} | {setup_sampled + r['sampled']:.1f} s | {setup_full + r['full']:.1f} s | "
              f"{setup_full + r['full'] + r['lists']:.1f} s | {every} |")


if __name__ == "__main__":
    main()
