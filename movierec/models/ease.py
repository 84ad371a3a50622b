"""EASE (Steck 2019): a closed-form item-item model with one L2 parameter.

B = I - P / diag(P) with P = (X^T X + lambda I)^-1 and diag(B) = 0, scores X_u B.
The dense item-item inverse costs O(I^3) time and ~2 I^2 float32s of memory
(27k items: ~6 GB and minutes on a laptop CPU), so only items with at least one
training interaction enter it, ``plan()`` says how much memory and time a fit
will take before it starts (time from this machine's measured matmul rate), and
a fit whose memory estimate is over ``max_memory_gb`` is refused with a message.
X^T X is accumulated from sparse user blocks (nnz x I work, not users x I^2).

With ``l2=None`` the L2 weight is chosen on the validation holdout (each user's
second-latest rating against 99 sampled negatives, HR@10, then NDCG@10) from
``L2_GRID``, sharing one Gram matrix, and the final model is fitted on train +
validation with it; a given ``l2`` fits the split it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.errors import MovieRecError
from movierec.models import solves
from movierec.models.base import Callback, DenseScorer, UserItems
from movierec.models.settings import Settings

#: L2 weights tried on the validation holdout when none is given (log-spaced around Steck's values).
L2_GRID = (50.0, 200.0, 800.0)


@dataclass
class EASEConfig(Settings):
    LABEL: ClassVar[str] = "ease"
    l2: float | None = None  # None: chosen on validation from L2_GRID

    def problem(self) -> str | None:
        return None if self.l2 is None or self.l2 > 0 else f"l2 {self.l2} is not a positive number"

    @staticmethod
    def suggest(trial, model: str = "ease") -> dict:
        """One Optuna trial's settings for ``tune``."""
        return {"l2": trial.suggest_float("l2", 1.0, 5000.0, log=True)}


def ease_memory_gb(n_items: int, choosing: bool = False) -> float:
    """Peak: the Gram matrix and its Cholesky factor side by side, plus 10% for the rest (choosing
    L2 on validation keeps one more copy of the Gram matrix)."""
    return (3.2 if choosing else 2.2) * n_items * n_items * 4 / 2**30


_RATE: list[float] = []


def matmul_rate() -> float:
    """This machine's float32 matmul rate in FLOP/s (a 1024^3 product, measured once, ~20 ms)."""
    if not _RATE:
        import time

        a = torch.randn(1024, 1024)
        a @ a
        start = time.perf_counter()
        for _ in range(3):
            a @ a
        _RATE.append(3 * 2 * 1024**3 / max(time.perf_counter() - start, 1e-9))
    return _RATE[0]


def ease_seconds(n_items: int, nnz: int) -> float:
    """Cholesky (n^3/3) + its inverse (~n^3) + the sparse Gram (2 nnz n), at the measured rate
    (factorisations reach about half of a plain matmul's rate)."""
    flops = (1 / 3 + 1) * n_items**3 * 2 + 2.0 * nnz * n_items
    return flops / matmul_rate()


def matrix_key(split: Split) -> str:
    """A digest of what EASE's Gram matrix is built from: the sizes and the training (user, item) pairs."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.array([split.n_users, split.n_items], dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(split.train_users, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(split.train_items, dtype=np.int64).tobytes())
    return digest.hexdigest()


class EASE(DenseScorer):
    name = "ease"

    @classmethod
    def create(cls, config: EASEConfig | None = None, device=None) -> "EASE":
        return cls(l2=(config or EASEConfig()).l2)

    def __init__(self, l2: float | None = 250.0, max_memory_gb: float = 8.0) -> None:
        self.l2 = l2
        self.chosen: dict | None = None  # with l2=None: the grid's validation figures and the L2 chosen
        self.max_memory_gb = max_memory_gb
        self.n_items = 0
        self.active = np.zeros(0, dtype=np.int64)
        self.weights: torch.Tensor | None = None
        self.history: UserItems | None = None

    def describe_choice(self) -> str | None:
        """The L2 chosen on validation, with the grid's figures (None when it was given)."""
        chosen = self.chosen
        if not chosen or not chosen.get("grid"):
            return None
        figures = ", ".join(f"{r['l2']:g}: {r['val_hr']:.3f}" for r in chosen["grid"])
        return f"{self.name}: L2 {chosen['l2']:g} chosen on validation (HR@10 {figures}); --l2 sets it"

    @classmethod
    def tuning_objective(cls, model: str, split: Split, catalog: Catalog, device, seed: int):
        """For `tune`: (trial, {"l2": ...}, progress) -> (validation HR@10, 0), sharing one Gram matrix (no
        epochs: ``progress`` is not called)."""
        ease = cls(l2=None)
        held = ease.prepare_validation(split)
        return lambda trial, params, progress=None: (float(ease.validation_figures(held, params["l2"])["val_hr"]), 0)

    def plan(self, split: Split, n: int | None = None) -> dict:
        """What a fit will take: items in the inverse (``n``, counted here unless given), memory (GB),
        time (s, estimated), and whether it fits."""
        n = int(np.unique(split.train_items).size) if n is None else n
        gb = ease_memory_gb(n, self.l2 is None)
        fits = 1 + len(L2_GRID) if self.l2 is None and split.valid_users.size else 1
        return {"items": n, "memory_gb": gb, "seconds": fits * ease_seconds(n, int(split.train_items.size)),
                "limit_gb": self.max_memory_gb, "fits": gb <= self.max_memory_gb}

    def describe_plan(self, split: Split) -> str:
        plan = self.plan(split)
        how = f"L2 chosen on validation from {', '.join(f'{v:g}' for v in L2_GRID)}" if self.l2 is None else f"L2 {self.l2:g}"
        return (f"EASE on {plan['items']:,} items ({how}): about {plan['memory_gb']:.1f} GB and ~{plan['seconds']:.0f} s "
                f"on this machine (limit {plan['limit_gb']:g} GB)")

    @property
    def chooses_on_validation(self) -> bool:
        return self.l2 is None

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        if self.l2 is None:
            self._choose_l2(split)
            split = split.with_validation()
        self.n_items = split.n_items
        self.active = np.unique(split.train_items).astype(np.int64)
        n = self.active.size
        if not self.plan(split, n)["fits"]:
            raise MovieRecError(f"{self.describe_plan(split)}: over the memory limit, so it was skipped; "
                                "use a smaller dataset or another model")
        self.history = UserItems.from_split(split)
        l2 = self.l2 if self.l2 is not None else self.chosen["l2"]  # type: ignore[index]
        self._weights_for(matrix_key(split), l2, lambda: self._gram(split, n))

    def _choose_l2(self, split: Split, grid: tuple[float, ...] = L2_GRID, seed: int = 0) -> None:
        """The grid's best L2 on the validation holdout (HR@10, then NDCG@10); the first when there is none."""
        if split.valid_users.size == 0:
            self.chosen = {"l2": grid[0], "grid": [], "note": "no validation users"}
            return
        held = self.prepare_validation(split, seed)
        rows = [self.validation_figures(held, l2) for l2 in grid]
        best = max(rows, key=lambda r: (r["val_hr"], r["val_ndcg"]))
        self.chosen = {"l2": best["l2"], "grid": rows}
        self.weights = None

    def prepare_validation(self, split: Split, seed: int = 0) -> dict:
        """What scoring L2 values on the validation holdout shares: the training Gram matrix and the
        candidates (each validation item against 99 sampled unrated items)."""
        from movierec.data.splits import sample_negatives

        self.n_items = split.n_items
        self.active = np.unique(split.train_items).astype(np.int64)
        if not self.plan(split, self.active.size)["fits"]:
            raise MovieRecError(f"{self.describe_plan(split)}: over the memory limit, so it was skipped; "
                                "use a smaller dataset or another model")
        self.history = UserItems.from_split(split)
        users = split.valid_users
        neg = sample_negatives(users, split.n_items, split.validation_keys(), 99, seed=seed + 1)
        candidates = np.concatenate([split.valid_items[:, None], neg], axis=1)
        valid = candidates >= 0
        valid[:, 0] = False
        return {"gram": self._gram(split, self.active.size), "key": matrix_key(split), "users": users,
                "candidates": candidates, "valid": valid}

    def validation_figures(self, held: dict, l2: float) -> dict:
        """Validation HR@10 and NDCG@10 of the model fitted on training with this L2."""
        from movierec import metrics

        self._weights_for(held["key"], l2, lambda: held["gram"].clone())
        scores = self.score(held["users"], held["candidates"])
        rank = metrics.ranks(scores, scores[:, 0], held["valid"])
        return {"l2": l2, "val_hr": metrics.hit_rate(rank, 10), "val_ndcg": metrics.ndcg(rank, 10)}

    def _weights_for(self, key: str, l2: float, gram) -> None:
        """B for the training matrix with digest ``key`` and this L2: the active memo's (the engine's, shared by
        ease, ease-recent and ease-sasrec; models/solves.py), else solved from ``gram()`` and stored there."""
        memo = solves.active()
        found = memo.get(("ease", key, float(l2))) if memo is not None else None
        if found is not None:
            self.weights = found
            return
        self._solve(gram(), l2)
        if memo is not None:
            assert self.weights is not None
            memo.put(("ease", key, float(l2)), self.weights, self.weights.numel() * self.weights.element_size())

    def _solve(self, gram: torch.Tensor, l2: float) -> None:
        """B from the Gram matrix (consumed) and an L2 weight."""
        gram.diagonal().add_(l2)
        factor = torch.linalg.cholesky(gram)
        del gram
        p = torch.cholesky_inverse(factor)
        del factor
        p.div_(-p.diagonal().clone()[None, :])  # B = -P / diag(P), column by column, in place
        p.diagonal().zero_()
        self.weights = p

    def _gram(self, split: Split, n: int) -> torch.Tensor:
        """X^T X over the active items, from blocks of users: a sparse (items x users) block times its dense rows."""
        gram = torch.zeros((n, n), dtype=torch.float32)
        assert self.history is not None
        column = np.full(split.n_items, -1, dtype=np.int64)
        column[self.active] = np.arange(n)
        step = max(1, (1 << 24) // max(n, 1))
        for start in range(0, split.n_users, step):
            users = np.arange(start, min(start + step, split.n_users))
            lo, hi = self.history.indptr[start], self.history.indptr[users[-1] + 1]
            rows = np.repeat(np.arange(users.size), np.diff(self.history.indptr[start:users[-1] + 2]))
            cols = column[self.history.items[lo:hi]]
            if cols.size == 0:
                continue
            dense = torch.zeros((users.size, n), dtype=torch.float32)
            dense[torch.from_numpy(rows), torch.from_numpy(cols)] = 1.0
            sparse_t = torch.sparse_coo_tensor(torch.from_numpy(np.stack([cols, rows])), torch.ones(cols.size),
                                               (n, users.size), check_invariants=False)
            gram.addmm_(sparse_t, dense)
        return gram

    def fixed(self) -> "EASE":
        """A fresh, unfitted EASE with this one's L2 (the chosen one, once chosen): fits exactly as chosen."""
        l2 = self.l2 if self.l2 is not None else (self.chosen or {}).get("l2", L2_GRID[0])
        return EASE(l2=l2, max_memory_gb=self.max_memory_gb)

    def score_all(self, users: np.ndarray) -> np.ndarray:
        assert self.history is not None
        return self.score_weighted(users, self.history.dense(np.asarray(users), self.n_items))

    def candidate_scorer(self, users: np.ndarray, draws: list[np.ndarray], max_bytes: int = 256 * 2**20):
        """``weights -> [score_weighted(users, weights, items) for items in draws]`` for many weightings of the
        same users' training histories against the same candidates (ease-recent's validation grid: 26
        settings x 3 draws of candidates); ``max_bytes`` per draw."""
        scorers = [self._candidate_scorer(users, items, max_bytes) for items in draws]
        return lambda weights: [score(weights) for score in scorers]

    def _candidate_scorer(self, users: np.ndarray, items: np.ndarray, max_bytes: int):
        """``weights -> score_weighted(users, weights, items)`` for many weightings.

        The slow part of a call is gathering B's (history item, candidate) entries; it does not depend on the
        weights, so it is gathered once here (entries x candidates float32s, when under ``max_bytes``) and each
        call only multiplies and adds, in the same order as ``score_weighted``: the same scores, bit for bit.
        Weights that are non-zero outside the fitted history fall back to ``score_weighted``."""
        assert self.weights is not None and self.history is not None
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items)
        plain = lambda weights: self.score_weighted(users, weights, items)  # noqa: E731
        rows, idx = self.history.entries(users)
        hist = self.history.items[idx].astype(np.int64)
        column = np.full(self.n_items + 1, -1, dtype=np.int64)
        column[self.active] = np.arange(self.active.size)
        hist_col = column[hist]
        keep = hist_col >= 0
        rows, hist, hist_col = rows[keep], hist[keep], hist_col[keep]
        flat = rows * (self.n_items + 1) + hist
        if rows.size * items.shape[1] * 4 > max_bytes or (flat.size > 1 and not (np.diff(flat) > 0).all()):
            return plain  # too big to keep, or not in np.nonzero's order (a repeated rating): the plain path
        cand = column[items]
        ok = cand >= 0
        cand_t = torch.from_numpy(np.maximum(cand, 0))
        gathered = self.weights[torch.from_numpy(hist_col)[:, None], cand_t[torch.from_numpy(rows)]]
        step = max(1, (1 << 22) // max(items.shape[1], 1))

        def score(weights: np.ndarray) -> np.ndarray:
            w = weights[rows, hist]
            nonzero = w != 0
            if int(np.count_nonzero(weights)) != int(nonzero.sum()):
                return plain(weights)  # weight on an item outside the history: score it the plain way
            r, w = rows[nonzero], w[nonzero].astype(np.float32)
            vals = gathered if nonzero.all() else gathered[torch.from_numpy(nonzero)]
            result = torch.zeros(items.shape, dtype=torch.float32)
            for start in range(0, r.size, step):
                result.index_add_(0, torch.from_numpy(r[start:start + step]),
                                  vals[start:start + step] * torch.from_numpy(w[start:start + step])[:, None])
            out = result.numpy().copy()
            out[~ok] = -1e9
            return out

        return score

    def score_weighted(self, users: np.ndarray, weights: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """Scores from a weighted history: ``weights`` (U, n_items) replaces each user's 0/1 row (only
        the user's training items should be non-zero), scores = weights @ B. ``items`` (U, C): score
        only those candidates (-1 padding allowed), from the history's non-zeros alone (E x C work,
        not U x I^2); else every item (U, n_items)."""
        assert self.weights is not None
        if items is None:
            out = np.full((len(users), self.n_items), -1e9, dtype=np.float32)
            x = np.ascontiguousarray(weights[:, self.active], dtype=np.float32)
            out[:, self.active] = (torch.from_numpy(x) @ self.weights).numpy()
            return out
        items = np.asarray(items)
        column = np.full(self.n_items + 1, -1, dtype=np.int64)  # the last slot: padding (-1) maps there
        column[self.active] = np.arange(self.active.size)
        cand = column[items]  # (U, C) column in B, -1 for items outside the model
        ok = cand >= 0
        out = np.zeros(items.shape, dtype=np.float32)
        rows, hist = np.nonzero(weights)
        hist_col = column[hist]
        keep = hist_col >= 0
        rows, hist_col, w = rows[keep], hist_col[keep], weights[rows[keep], hist[keep]].astype(np.float32)
        step = max(1, (1 << 22) // max(items.shape[1], 1))  # entries x candidates per block
        result = torch.zeros(items.shape, dtype=torch.float32)
        cand_t = torch.from_numpy(np.maximum(cand, 0))
        for start in range(0, rows.size, step):
            r = torch.from_numpy(rows[start:start + step])
            vals = self.weights[torch.from_numpy(hist_col[start:start + step])[:, None], cand_t[r]]
            result.index_add_(0, r, vals * torch.from_numpy(w[start:start + step])[:, None])
        out[:] = result.numpy()
        out[~ok] = -1e9
        return out
