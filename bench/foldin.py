"""Fold-in: quality against training the users in, and speed, on one dataset.

    python bench/foldin.py [--dataset NAME|PATH] [--users 100] [--seed 0]

Quality: pick ``--users`` random users; train NeuMF once with everyone (the
"trained in" model) and once without those users' ratings at all; fold each
held-out user into the second model from their training history only (their
latest rating stays the test item, the second-latest is not used), then run
the usual protocol (99 sampled negatives, HR@10) on those users for both.
Fold-in treats every training rating as a positive, as training does, so the
two numbers compare like with like.

Speed: fold-in plus the top 10 for a profile of 20 ratings, timed over 20
different profiles on a warm engine (model loaded), median and worst.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--configs", default="[{}]", help="JSON list of FoldInConfig overrides to compare")
    parser.add_argument("--random-model", action="store_true",
                        help="speed only: save an untrained NeuMF for the dataset instead of training one "
                             "(fold-in costs the same whatever the weights; for catalogues too big to train here)")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import torch

    from movierec.data.splits import Split
    from movierec.engine import Engine
    from movierec import metrics
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf.foldin import FoldInConfig, fold_in, score_items
    from movierec.models.ncf import NCFConfig
    from movierec.models.ncf.recommender import NeuralRecommender
    from movierec.store.profiles import Profile, Rating

    engine = Engine(args.dataset, args.device)
    ds, split = engine.dataset, engine.split
    print(f"machine: {platform.node()}, {engine.device_name}, torch {torch.__version__}; dataset {ds.name}")
    rng = np.random.default_rng(args.seed)

    if not args.speed_only:
        chosen = np.sort(rng.choice(split.test_users, size=min(args.users, split.test_users.size), replace=False))
        out = np.isin(split.train_users, chosen)
        reduced = Split(split.n_users, split.n_items, split.train_users[~out], split.train_items[~out],
                        split.train_ratings[~out], split.train_timestamps[~out], split.test_users, split.test_items,
                        split.valid_users[~np.isin(split.valid_users, chosen)],
                        split.valid_items[~np.isin(split.valid_users, chosen)], split.skipped_users, split.seed)
        config = NCFConfig(model="neumf", seed=args.seed)
        full_model = NeuralRecommender(config, engine.device)
        full_model.fit(split, ds.catalog)
        cold_model = NeuralRecommender(config, engine.device)
        cold_model.fit(reduced, ds.catalog)
        protocol = Protocol(split, seed=args.seed)
        rows = np.flatnonzero(np.isin(protocol.users, chosen))
        users, cands = protocol.users[rows], protocol.candidates[rows]
        valid = cands >= 0
        valid[:, 0] = False
        trained_in = full_model.score(users, cands)
        hr_in = metrics.hit_rate(metrics.ranks(trained_in, trained_in[:, 0], valid), 10)
        for over in json.loads(args.configs):
            folded = np.empty_like(trained_in)
            seconds = []
            for r, u in enumerate(users):
                items = split.train_items[split.train_users == u].astype(np.int64)
                t0 = time.perf_counter()
                res = fold_in(cold_model.module, items, np.zeros(0, np.int64), ds.n_items,
                              FoldInConfig(**{"seed": args.seed, **over}), exclude=items, popularity=ds.catalog.n_ratings)
                scores = score_items(cold_model.module, res.vectors)
                seconds.append(time.perf_counter() - t0)
                folded[r] = scores[np.maximum(cands[r], 0)]
            hr_fold = metrics.hit_rate(metrics.ranks(folded, folded[:, 0], valid), 10)
            print(f"quality {over or 'defaults'}: {users.size} users held out of training; HR@10 trained in {hr_in:.4f}, "
                  f"folded in {hr_fold:.4f} (difference {hr_fold - hr_in:+.4f}); "
                  f"median history {int(np.median([np.sum(split.train_users == u) for u in users]))} ratings, "
                  f"fold-in median {statistics.median(seconds) * 1000:.0f} ms", flush=True)

    # Speed: a warm engine (model and content vectors loaded), 20 different 20-rating profiles.
    if args.random_model:
        from movierec.models.ncf.modules import build
        from movierec.store import checkpoints

        config = NCFConfig(model="neumf")
        module = build(config, ds.n_users, ds.n_items)
        meta = checkpoints.CheckpointMeta(model="neumf", config=config, dataset=ds.name, fingerprint=ds.fingerprint,
                                           n_users=ds.n_users, n_items=ds.n_items,
                                           note="untrained, for bench/foldin.py speed only")
        checkpoints.save(checkpoints.path_for(ds.fingerprint, "neumf"), module.state_dict(), meta,
                         ds.user_ids.array, ds.item_ids.array)
    engine.get("ncf", train=True)
    engine.content  # noqa: B018 (prepare the content vectors before timing)
    popular = np.argsort(-ds.catalog.n_ratings)[:500]
    timings = []
    for k in range(20):
        picks = rng.choice(popular, 20, replace=False)
        profile = Profile(f"bench{k}")
        for i in picks:
            mid = int(ds.item_ids.ids(int(i))[0])
            profile.ratings[mid] = Rating(mid, float(rng.integers(1, 11)) / 2, 0.0)
        t0 = time.perf_counter()
        result = engine.recommend(profile, n=10, seed=k)
        timings.append(time.perf_counter() - t0)
        assert len(result.picks) == 10
    print(f"speed: fold-in + top 10 for a 20-rating profile over {ds.n_items:,} items: "
          f"median {statistics.median(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms (20 profiles)")


if __name__ == "__main__":
    main()
