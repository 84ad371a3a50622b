"""Item cold-start (issue 17): every content scorer and deepcontent on the same cold split, per seed;
then leave-one-out of deepcontent alone and blended with NeuMF.

    python bench/coldstart.py [--dataset NAME|PATH] [--seeds 0,1,2] [--share 0.1] [--no-loo]

Cold-items protocol (evaluation/coldstart.py, what `eval --cold-items` runs): a seeded share of the films
with 5+ ratings lose every rating from training; each user who rated one is tested on the latest against
99 other cold films they did not rate. Scorers, all fitted on that training only:

* random; genre cosine; genres + tag TF-IDF + decade cosine (the issue's reference scorers: a user's
  profile is the sum of their rated films' vectors weighted by stars - 2.5);
* ridge from those features to truncated-SVD film vectors (the issue's linear map; the same SVD and user
  vectors as deepcontent's), and ridge from deepcontent's full features (the linear half of the net,
  alone); the ridge weight is the best of 1, 10, 100 on the test figures (an optimistic baseline);
* the registry's content models (content, content-recent) and deepcontent, through Engine.evaluate_cold.

Leave-one-out (the product's protocol, 99 sampled negatives): deepcontent alone, NeuMF, and the blend
the picks use (recommend.py): per user, both score rows standardised, deepcontent weighing
c / (n + c) for a film with n training ratings (c = deepcontent's ``blend``, 10) and NeuMF the rest.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import numpy as np


def profile_cosine(weights: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    from movierec.models.content import _normalise_rows

    unit = _normalise_rows(vectors)
    return _normalise_rows(weights @ unit) @ unit.T


def reference_scores(cold, features: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """(tested users, n_items) scores of the issue's reference scorers and the ridge maps."""
    from movierec.models.content import _normalise_rows, tag_tfidf
    from movierec.models.deepcontent import DECADES, collaborative_space
    from movierec.models.base import UserItems

    split = cold.split.with_validation()
    catalog = cold.catalog
    n = len(catalog)
    history = UserItems.from_split(split)
    stars = history.dense(cold.users, n, values="ratings")
    weights = np.where(stars > 0, stars - 2.5, 0.0).astype(np.float32)
    genres = catalog.genres.astype(np.float32)
    years = np.asarray(catalog.years, dtype=np.int64)
    decade = np.zeros((n, DECADES), dtype=np.float32)
    decade[np.flatnonzero(years > 0), np.clip((years[years > 0] - 1890) // 10, 0, DECADES - 1)] = 1.0
    tags = _normalise_rows(tag_tfidf(catalog.tags, n))
    simple = np.concatenate([_normalise_rows(genres), tags * np.sqrt(0.5), decade], axis=1)
    out = {"random": np.random.default_rng(seed + 99).random((cold.users.size, n)),
           "genre cosine": profile_cosine(weights, genres),
           "genres+tags+decade cosine": profile_cosine(weights, simple)}
    collab, users, _ = collaborative_space(split, 64, seed)
    rated = np.bincount(split.train_items, minlength=n) > 0
    for name, x in (("ridge genres+tags+decade -> SVD", simple), ("ridge deepcontent features -> SVD", features)):
        x1 = np.concatenate([x, np.ones((n, 1), np.float32)], axis=1).astype(np.float64)
        gram = x1[rated].T @ x1[rated]
        for lam in (1.0, 10.0, 100.0):
            w = np.linalg.solve(gram + lam * np.eye(x1.shape[1]), x1[rated].T @ collab[rated])
            out[f"{name} (L2 {lam:g})"] = users[cold.users] @ (x1 @ w).T
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--no-loo", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))  # fresh checkpoints
    from movierec.engine import Engine
    from movierec.evaluation import coldstart, metrics
    from movierec.models.deepcontent import film_features

    engine = Engine(args.dataset, "cpu")
    seeds = [int(s) for s in args.seeds.split(",")]
    cold_rows: dict[str, list[tuple[float, float]]] = {}
    fits: list[float] = []
    start = time.perf_counter()
    for seed in seeds:
        cold = coldstart.cold_split(engine.dataset, args.share, seed)
        print(f"seed {seed}: {cold.cold.size} cold films of {cold.eligible}, {cold.users.size} users", flush=True)
        valid = cold.candidates >= 0
        valid[:, 0] = False
        features = film_features(cold.catalog)
        for name, full in reference_scores(cold, features, seed).items():
            scores = np.take_along_axis(full, np.maximum(cold.candidates, 0), axis=1)
            rank = metrics.ranks(scores, scores[:, 0], valid)
            cold_rows.setdefault(name, []).append((metrics.hit_rate(rank, 10), metrics.ndcg(rank, 10)))
            print(f"  {name:42s} HR@10 {cold_rows[name][-1][0]:.4f} NDCG@10 {cold_rows[name][-1][1]:.4f}", flush=True)
        _, rows = engine.evaluate_cold(["content", "content-recent", "deepcontent"], args.share, seed=seed)
        for r in rows:
            cold_rows.setdefault(r["model"], []).append((r["hr"], r["ndcg"]))
            if r["model"] == "deepcontent":
                fits.append(r["fit_seconds"])
            print(f"  {r['model']:42s} HR@10 {r['hr']:.4f} NDCG@10 {r['ndcg']:.4f} fit {r['fit_seconds']:.1f}s",
                  flush=True)
    print(f"\nmachine: {platform.node()} ({os.cpu_count()} cores), torch threads "
          f"{__import__('torch').get_num_threads()}; dataset {engine.dataset.name}; share {args.share}; seeds {seeds}; "
          f"cold part {time.perf_counter() - start:.0f} s")
    print("| scorer | " + " | ".join(f"seed {s} HR@10 / NDCG@10" for s in seeds) + " | HR@10 mean | NDCG@10 mean |")
    print("| --- |" + " --- |" * (len(seeds) + 2))
    for name, figures in cold_rows.items():
        cells = " | ".join(f"{hr:.4f} / {nd:.4f}" for hr, nd in figures)
        print(f"| {name} | {cells} | {np.mean([f[0] for f in figures]):.4f} | {np.mean([f[1] for f in figures]):.4f} |")
    print(f"deepcontent fit on the cold split: {', '.join(f'{s:.1f}' for s in fits)} s")
    if not args.no_loo:
        loo(engine, seeds)


def loo(engine, seeds: list[int]) -> None:
    from movierec import metrics
    from movierec.evaluation.protocol import Protocol

    rows: dict[str, list[float]] = {}
    for seed in seeds:
        deep, info_deep = engine.train("deepcontent", seed=seed, force=True)
        neumf, info_neumf = engine.train("neumf", seed=seed, force=True)
        protocol = Protocol(engine.split, seed=seed)
        counts = np.bincount(engine.split.with_validation().train_items, minlength=engine.dataset.n_items)
        c = deep.config.blend
        share = (c / (counts + c))[np.maximum(protocol.candidates, 0)]
        valid = protocol.candidates >= 0
        valid[:, 0] = False

        def standard(scores: np.ndarray) -> np.ndarray:
            mean = np.where(valid | (np.arange(scores.shape[1]) == 0), scores, np.nan)
            return (scores - np.nanmean(mean, axis=1, keepdims=True)) / (np.nanstd(mean, axis=1, keepdims=True) + 1e-9)

        s_deep = deep.score(protocol.users, protocol.candidates)
        s_neumf = neumf.score(protocol.users, protocol.candidates)
        for name, scores in (("deepcontent", s_deep), ("neumf", s_neumf),
                             ("neumf + deepcontent blend", (1 - share) * standard(s_neumf) + share * standard(s_deep))):
            rank = metrics.ranks(scores, scores[:, 0], valid)
            rows.setdefault(name, []).append(metrics.hit_rate(rank, 10))
            rows.setdefault(name + " ndcg", []).append(metrics.ndcg(rank, 10))
        print(f"seed {seed} LOO: deepcontent {rows['deepcontent'][-1]:.4f} (fit {info_deep.fit_seconds:.1f}s), neumf "
              f"{rows['neumf'][-1]:.4f} (fit {info_neumf.fit_seconds:.1f}s), blend {rows['neumf + deepcontent blend'][-1]:.4f}",
              flush=True)
    print("| leave-one-out | " + " | ".join(f"seed {s} HR@10 / NDCG@10" for s in seeds) + " | HR@10 mean |")
    print("| --- |" + " --- |" * (len(seeds) + 1))
    for name in ("deepcontent", "neumf", "neumf + deepcontent blend"):
        cells = " | ".join(f"{h:.4f} / {n:.4f}" for h, n in zip(rows[name], rows[name + " ndcg"]))
        print(f"| {name} | {cells} | {np.mean(rows[name]):.4f} |")


if __name__ == "__main__":
    main()
