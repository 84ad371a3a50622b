"""NCF settings and refit modes scored on the validation holdout only, with the protocol shifted one rating back.

    python bench/neumf_inner.py --seeds 0,1,2 --modes none,continue,scratch '{"ema": 0.999}' '{}'

The test items are dropped; each user's second-latest rating (the real validation item) becomes the
"test" item of an inner leave-one-out split and the third-latest its validation item. Every choice the
real protocol makes on validation (epochs by early stopping) happens on the inner validation item, and
the saved-model modes ("none": trained on training alone; "continue": one more epoch on train +
validation; "scratch": a fresh fit on train + validation for the chosen epochs) are compared by HR@10 /
NDCG@10 on the real validation items against 99 sampled negatives. Test items are never read. Each
argument is a JSON object of NCFConfig settings (model neumf unless given), or "ease" (EASE as `eval`
fits it: L2 chosen on the inner validation, fitted on inner train + validation); the first fit is shared
by the three modes.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import tempfile
import time
from types import SimpleNamespace

import numpy as np


def inner_split(split):
    """Train + validation of ``split`` as a dataset, split leave-one-out again (test items left out)."""
    from movierec.data.splits import leave_one_out

    ratings = split.valid_ratings if split.valid_ratings is not None else np.full(split.valid_users.size, 4.0)
    ds = SimpleNamespace(
        users=np.concatenate([split.train_users, split.valid_users]),
        items=np.concatenate([split.train_items, split.valid_items]),
        ratings=np.concatenate([split.train_ratings, ratings]).astype(np.float32),
        timestamps=np.concatenate([split.train_timestamps, split.valid_timestamps]),
        n_users=split.n_users, n_items=split.n_items)
    return leave_one_out(ds, validation=True, seed=split.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("settings", nargs="+")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--modes", default="none,continue,scratch")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import torch

    from movierec.engine import Engine
    from movierec import metrics
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf import NCFConfig
    from movierec.models.ncf.recommender import NeuralRecommender
    from movierec.models.ncf.training import Trainer, fit_ncf

    engine = Engine(None, "cpu")
    device = torch.device("cpu")
    split = inner_split(engine.split)
    catalog = engine.dataset.catalog
    modes = args.modes.split(",")
    rows: dict[tuple[str, str], list] = {}
    for text in args.settings:
        if text == "ease":  # the baseline on the same inner split: L2 chosen on the inner validation, as in eval
            for seed in [int(s) for s in args.seeds.split(",")]:
                rec = engine.shelf.build("ease")
                start = time.perf_counter()
                rec.fit(split, catalog)
                rank = Protocol(split, seed=seed).ranks(rec)
                hr, ndcg = metrics.hit_rate(rank, 10), metrics.ndcg(rank, 10)
                rows.setdefault((text, "its own"), []).append((hr, ndcg))
                print(f"ease seed {seed} valHR@10 {hr:.4f} valNDCG@10 {ndcg:.4f} fit {time.perf_counter() - start:.0f}s",
                      flush=True)
            continue
        settings = {"model": "neumf", **json.loads(text)}
        for seed in [int(s) for s in args.seeds.split(",")]:
            config = NCFConfig.from_json({**settings, "seed": seed, "refit": "none"})
            protocol = Protocol(split, seed=seed)
            start = time.perf_counter()
            first = fit_ncf(config, split, device, catalog.genres)
            fitted = time.perf_counter() - start
            curve = " ".join(f"{f['val_hr']:.3f}" for f in first.history)
            for mode in modes:
                t0 = time.perf_counter()
                if mode == "none":
                    module = first.model
                elif mode == "continue":
                    trainer = Trainer(copy.deepcopy(first.model), split.with_validation(), first.config, device,
                                      catalog.genres)
                    trainer.train_epoch()
                    module = trainer.kept.eval()
                else:
                    module = fit_ncf(config, split.with_validation(), device, catalog.genres,
                                     epochs_by_stage=first.stage_epochs).model
                rec = NeuralRecommender(config, device)
                rec.attach(module, split.n_items)
                rank = protocol.ranks(rec)
                hr, ndcg = metrics.hit_rate(rank, 10), metrics.ndcg(rank, 10)
                rows.setdefault((text, mode), []).append((hr, ndcg))
                print(f"{text} seed {seed} {mode:8s} valHR@10 {hr:.4f} valNDCG@10 {ndcg:.4f} "
                      f"inner-val {first.best_val_hr:.4f} epochs {first.stage_epochs} "
                      f"fit {fitted + (time.perf_counter() - t0 if mode != 'none' else 0):.0f}s", flush=True)
            print(f"  last stage inner-val curve: {curve}", flush=True)
    print(f"\nmachine: {platform.node()}, torch {torch.__version__}, threads {torch.get_num_threads()}; "
          f"inner split of {engine.dataset.name}: {split.test_users.size} users scored on their validation item")
    print("| settings | saved model | val HR@10 mean ± sd | val NDCG@10 | seeds |")
    print("| --- | --- | --- | --- | --- |")
    for (text, mode), values in rows.items():
        v = np.array(values)
        print(f"| `{text}` | {mode} | {v[:, 0].mean():.4f} ± {v[:, 0].std():.4f} | {v[:, 1].mean():.4f} | {len(v)} |")


if __name__ == "__main__":
    main()
