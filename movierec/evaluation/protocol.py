"""The leave-one-out protocol: each user's latest rating against sampled negatives (or all items).

``evaluate`` scores every test user's candidates in batches (no Python loop per
user), ranks the held-out item with ties counted against the model, and reports
HR@k and NDCG@k. In the full protocol, NCF models are ranked by the exact pruned
search of ``pruned.py`` (same HR@k and NDCG@k as scoring every pair, a fraction of
the work); ``exhaustive=True`` scores every pair instead. Intra-list diversity over genres (ILD@k) and catalogue
coverage are measured on each user's real top-k over all items they have not
rated (what they would be shown), for up to ``list_users`` test users.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from movierec.data.catalog import Catalog
from movierec.device import tf32
from movierec.data.splits import Split, sample_negatives
from movierec.picks import rerank
from movierec import metrics
from movierec.models.base import HasBounds, Recommender, ScoresOnDevice, UserItems


@dataclass
class Report:
    model: str
    hr: float
    ndcg: float
    ild: float
    coverage: float
    fit_seconds: float
    eval_seconds: float
    users: int
    reused: bool = False  # a saved model loaded, not fitted here: fit_seconds is its original fit time

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("hr", "ndcg", "ild", "coverage", "fit_seconds", "eval_seconds"):
            data[key] = round(float(data[key]), 6)
        return data


@dataclass
class Protocol:
    """The fixed evaluation candidates for one split: same seed, same candidates for every model."""

    split: Split
    k: int = 10
    negatives: int = 99
    seed: int = 0
    full: bool = False
    list_users: int = 2000
    exhaustive: bool = False  # full protocol: score every pair even where the pruned search applies

    def __post_init__(self) -> None:
        s = self.split
        self.users = s.test_users
        if not self.full:
            neg = sample_negatives(self.users, s.n_items, s.rated_keys(), self.negatives, seed=self.seed)
            self.candidates = np.concatenate([s.test_items[:, None], neg], axis=1)
        rng = np.random.default_rng(self.seed + 11)
        take = min(self.list_users, self.users.size)
        self.list_sample = np.sort(rng.choice(self.users.size, take, replace=False)) if take else np.zeros(0, np.int64)
        self.history = UserItems.from_split(s)

    def _search(self, model):
        """(bounds, item groups) for the exact pruned search over all items (NCF models), else None.

        Built from the model's current weights on every call (about 0.1 s on 27k items), so the
        bounds can never be stale.
        """
        if self.exhaustive or not isinstance(model, HasBounds):
            return None
        bounds = model.score_bounds()
        popularity = np.bincount(self.split.train_items, minlength=self.split.n_items)
        from movierec.models.ncf import pruned  # torch: imported when a search runs, not with the engine

        return bounds, pruned.ItemGroups.build(bounds, popularity)

    def _known_lists(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, item) pairs of the items ``users`` already have (train and validation), as flat arrays."""
        s = self.split
        rows, idx = self.history.entries(users)
        items = self.history.items[idx].astype(np.int64)
        if s.valid_users.size:
            pos = np.minimum(np.searchsorted(s.valid_users, users), s.valid_users.size - 1)
            ok = np.flatnonzero(s.valid_users[pos] == users)
            rows = np.concatenate([rows, ok])
            items = np.concatenate([items, s.valid_items[pos[ok]].astype(np.int64)])
        return rows, items

    def _known(self, users: np.ndarray) -> np.ndarray:
        """Mask of items each user already has (train and validation), which rankings skip."""
        known = np.zeros((users.size, self.split.n_items), dtype=bool)
        rows, items = self._known_lists(users)
        known[rows, items] = True
        return known

    def _known_on(self, users: np.ndarray, device):
        """``_known`` as a torch bool tensor built on ``device`` (only the index lists cross to it)."""
        import torch

        known = torch.zeros((users.size, self.split.n_items), dtype=torch.bool, device=device)
        rows, items = self._known_lists(users)
        known[torch.from_numpy(rows).to(device), torch.from_numpy(items).to(device)] = True
        return known

    def _full_ranks_on_device(self, model) -> np.ndarray:
        """The full protocol for models that score on a torch device: scores, the mask of known items and
        the comparison all stay on the device; one small array of ranks comes back."""
        import torch

        device = model.device
        n = self.split.n_items
        pairs = (1 << 22) if device.type == "cuda" else (1 << 18)
        step = max(1, pairs // max(n, 1))
        out = torch.empty(self.users.size, dtype=torch.int64, device=device)
        tests = torch.from_numpy(self.split.test_items.astype(np.int64)).to(device)
        for b in range(0, self.users.size, step):
            users = self.users[b:b + step]
            scores = model.score_all_tensor(users)
            scores = scores.masked_fill(~torch.isfinite(scores), float("-inf"))  # NaN and +-inf rank last
            rows = torch.arange(users.size, device=device)
            target = scores[rows, tests[b:b + step]]
            known = self._known_on(users, device)
            known[rows, tests[b:b + step]] = True
            out[b:b + step] = ((scores >= target[:, None]) & ~known).sum(dim=1)
        return out.cpu().numpy()

    def ranks(self, model: Recommender, search: tuple | None = None) -> np.ndarray:
        """0-based rank of each test user's held-out item (ties against the model).

        From the pruned search (full protocol, NCF models), ranks of ``k`` or more are lower bounds:
        the search stops counting once ``k`` items beat the held-out one. ``search``: what
        ``_search(model)`` returned, where the caller builds it once for several calls.
        """
        if not self.full:
            scores = model.score(self.users, self.candidates)
            valid = self.candidates >= 0
            valid[:, 0] = False
            return metrics.ranks(scores, scores[:, 0], valid)
        search = search or self._search(model)
        if search is not None:
            from movierec.models.ncf import pruned

            return pruned.full_ranks(*search, self.users, self.split.test_items, self._known_on, self.k)
        if isinstance(model, ScoresOnDevice):
            with tf32(False):
                return self._full_ranks_on_device(model)
        out = np.empty(self.users.size, dtype=np.int64)
        step = max(1, (1 << 24) // max(self.split.n_items, 1))
        for b in range(0, self.users.size, step):
            users = self.users[b:b + step]
            scores = model.score_all(users)
            target = scores[np.arange(users.size), self.split.test_items[b:b + step]]
            valid = ~self._known(users)
            valid[np.arange(users.size), self.split.test_items[b:b + step]] = False
            out[b:b + step] = metrics.ranks(scores, target, valid)
        return out

    def top_lists(self, model: Recommender, search: tuple | None = None) -> np.ndarray:
        users = self.users[self.list_sample]
        search = search or self._search(model)
        if search is not None:
            from movierec.models.ncf import pruned

            return pruned.top_k(*search, users, self._known_on, self.k)
        lists = np.empty((users.size, self.k), dtype=np.int64)
        step = max(1, (1 << 24) // max(self.split.n_items, 1))
        for b in range(0, users.size, step):
            block = users[b:b + step]
            scores = metrics.last_if_not_finite(model.score_all(block)).astype(np.float32, copy=True)
            scores[self._known(block)] = -np.inf
            top = np.argpartition(-scores, self.k - 1, axis=1)[:, : self.k]
            order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
            lists[b:b + step] = np.take_along_axis(top, order, axis=1)
        return lists

    def diversity_sweep(self, model: Recommender, catalog: Catalog, values: list[float]) -> list[dict]:
        """HR@k and ILD@k when each user's candidates are re-ranked by MMR at each diversity value."""
        if self.full:
            raise ValueError("the diversity sweep uses the sampled protocol")
        # The held-out item goes last, so any tie MMR breaks by position counts against the model.
        candidates = self.candidates[:, ::-1].copy()
        target = candidates.shape[1] - 1
        scores = model.score(self.users, candidates).astype(np.float64)
        finite = np.isfinite(scores) & (candidates >= 0)
        floor = scores[finite].min() - 1.0 if finite.any() else -1.0
        scores[~finite] = floor
        genres = catalog.genres.astype(np.float32)
        rows = []
        for value in values:
            hits, ild = [], []
            for b in range(0, self.users.size, 2048):
                cand = candidates[b:b + 2048]
                picks = rerank.mmr_batch(scores[b:b + 2048], genres[np.maximum(cand, 0)], self.k, value)
                hits.append((picks == target).any(axis=1))
                ild.append(metrics.genre_jaccard_diversity(np.take_along_axis(cand, picks, axis=1), catalog.genres))
            rows.append({"diversity": round(value, 3), "hr": float(np.concatenate(hits).mean()),
                         "ild": float(np.concatenate(ild).mean())})
        return rows

    def evaluate(self, model: Recommender, catalog: Catalog, fit_seconds: float = 0.0) -> Report:
        start = time.perf_counter()
        search = self._search(model) if self.full or self.list_sample.size else None  # built once for both
        rank = self.ranks(model, search)
        lists = self.top_lists(model, search)
        return Report(
            model=model.name,
            hr=metrics.hit_rate(rank, self.k),
            ndcg=metrics.ndcg(rank, self.k),
            ild=metrics.intra_list_diversity(lists, catalog.genres),
            coverage=metrics.coverage(lists, self.split.n_items),
            fit_seconds=fit_seconds,
            eval_seconds=time.perf_counter() - start,
            users=int(self.users.size),
        )
