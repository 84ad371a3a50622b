"""EASE (Steck 2019): a closed-form item-item model with one L2 parameter.

B = I - P / diag(P) with P = (X^T X + lambda I)^-1 and diag(B) = 0, scores X_u B.
The dense item-item inverse costs O(I^3) time and ~2 I^2 float32s of memory
(27k items: ~6 GB and minutes on a laptop CPU), so only items with at least one
training interaction enter it, ``plan()`` says how much memory and time a fit
will take before it starts (time from this machine's measured kernel rates), and
a fit whose memory estimate is over ``max_memory_gb`` is refused with a message.
X^T X is accumulated from sparse user blocks (nnz x I work, not users x I^2).
With fewer users than half the items (ml-latest-small: 610 users, 9.7k items) B is
solved through the users' side instead (Woodbury: a U x U solve and a sparse product,
no I^3 work; ``_dual_weights``): the L2 grid and the refit then cost seconds.

With ``l2=None`` the L2 weight is chosen on the validation holdout (each user's
second-latest rating against 99 sampled negatives, HR@10, then NDCG@10) from
``L2_GRID``, sharing one Gram matrix (or X X^T), and the final model is fitted on train +
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


def ease_memory_gb(n_items: int, choosing: bool = False, n_users: int | None = None) -> float:
    """Peak, primal: the Gram matrix and its Cholesky factor side by side, plus 10% for the rest (choosing
    L2 on validation keeps one more copy of the Gram matrix). Dual (``n_users`` rows, fewer than half the
    items): B alone plus 10%, and the rows' n_users x n_items float64 solve, twice."""
    if n_users is not None and uses_dual(n_items, n_users):
        return (1.1 * n_items * n_items * 4 + 2 * n_users * n_items * 8) / 2**30
    return (3.2 if choosing else 2.2) * n_items * n_items * 4 / 2**30


def uses_dual(n_items: int, n_users: int) -> bool:
    """Whether B is solved through the users' side (Woodbury): P = (I - X^T (X X^T + L2 I)^-1 X) / L2 needs a
    users x users factorisation and a sparse product (nnz x items work) instead of an items x items inverse
    (items^3). Taken with fewer users than half the items (ml-latest-small: 610 users, 9.7k items)."""
    return 0 < n_users * 2 <= n_items


_RATES: dict[str, float] = {}


def _timed(work, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``work()`` after a warm-up, in seconds (the fastest: a busy machine's
    pauses are not the kernel's speed)."""
    import time

    work()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return max(best, 1e-9)


def rates() -> dict[str, float]:
    """This machine's speeds for the kernels a fit runs, on torch's threads, measured once (~0.1 s):
    ``gemm`` float32 matmul FLOP/s (1024^3), ``factor`` Cholesky + inverse FLOP/s (a 1024 system, counted as
    n^3 flops), ``sparse`` sparse x dense multiply-adds/s (1% dense), ``bytes`` bytes/s of an in-place pass."""
    if not _RATES:
        gen = torch.Generator().manual_seed(0)
        a = torch.randn(1024, 1024, generator=gen)
        _RATES["gemm"] = 2 * 1024**3 / _timed(lambda: a @ a, 2)
        spd = a @ a.T + 1024 * torch.eye(1024)
        _RATES["factor"] = 1024**3 / _timed(lambda: torch.cholesky_inverse(torch.linalg.cholesky(spd)), 2)
        rows = torch.randint(0, 4096, (20_000,), generator=gen)
        cols = torch.randint(0, 512, (20_000,), generator=gen)
        sp = torch.sparse_coo_tensor(torch.stack([rows, cols]), torch.ones(20_000), (4096, 512),
                                     check_invariants=False).coalesce()
        dense = torch.randn(512, 2048, generator=gen)
        _RATES["sparse"] = sp._nnz() * 2048 / _timed(lambda: torch.sparse.mm(sp, dense), 2)
        big = torch.ones(4096, 4096)
        _RATES["bytes"] = 2 * big.numel() * 4 / _timed(lambda: big.mul_(1.0), 2)
    return _RATES


def matmul_rate() -> float:
    """This machine's float32 matmul rate in FLOP/s (a 1024^3 product, measured once)."""
    return rates()["gemm"]


def ease_seconds(n_items: int, nnz: int, n_users: int | None = None, grid: int = 0) -> float:
    """A fit's time at this machine's measured rates (``rates()``), with ``grid`` L2 values scored on validation
    before the final solve. Items' side (primal): per solve the sparse Gram (nnz x items multiply-adds), the
    Cholesky factor and inverse (items^3 at the factorisation rate) and 3 passes over the items x items matrix;
    each grid value also scores the validation users through B (nnz x items). Users' side (dual): per system
    X X^T (2 users^2 items flops); per L2 value a users x users inverse and X^T K^-1 (nnz x users, float64 at
    half the rate); the final solve's B one sparse product (nnz x items) and ~4 passes over it."""
    rate = rates()
    n = n_items
    if n_users is not None and uses_dual(n, n_users):
        r = n_users
        systems = 2 if grid else 1
        per_l2 = r**3 / rate["factor"] + 2 * nnz * r / rate["sparse"]
        return (systems * 2 * r * r * n / rate["gemm"] + (grid + 1) * per_l2
                + nnz * n / rate["sparse"] + 4 * n * n * 4 / rate["bytes"])
    solve = nnz * n / rate["sparse"] + n**3 / rate["factor"] + 3 * n * n * 4 / rate["bytes"]
    return (grid + 1) * solve + grid * nnz * n / rate["sparse"]


def matrix_key(split: Split) -> str:
    """A digest of what EASE's Gram matrix is built from: the sizes and the training (user, item) pairs."""
    import hashlib

    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.array([split.n_users, split.n_items], dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(split.train_users, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(split.train_items, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _dual_side(x_t: torch.Tensor, kernel: torch.Tensor, l2: float) -> tuple[torch.Tensor, torch.Tensor]:
    """A^T = X^T (X X^T + L2 I)^-1 (items x users) and diag(H) = diag(X^T A), both float64."""
    n = x_t.shape[0]
    system = kernel.clone()
    system.diagonal().add_(l2)
    inverse = torch.cholesky_inverse(torch.linalg.cholesky(system))  # (users, users) float64
    del system
    x64 = x_t.double()
    a_t = torch.sparse.mm(x64, inverse)
    where = x64.indices()
    h_diag = torch.zeros(n, dtype=torch.float64).index_add_(0, where[0], a_t[where[0], where[1]])
    return a_t, h_diag


def _dual_scores(system: dict, l2: float, users: np.ndarray, items: np.ndarray, active: np.ndarray) -> np.ndarray:
    """EASE's scores of candidate ``items`` (U, C; -1 padding) for users of the training matrix, without B.

    For a row x of X, x H = x - L2 a (H = X^T K^-1 X and X X^T = K - L2 I), so its score of film c, the sum
    over i != c of x_i B_ic, is x_c - L2 a_c / (1 - H_cc): users x candidates work. Films outside the model
    score -1e9, as ``score_all`` gives them."""
    a_t, h_diag = _dual_side(system["x_t"], kernel=system["kernel"], l2=l2)
    n = a_t.shape[0]
    column = np.full(int(max(items.max(initial=0), active.max(initial=0))) + 2, -1, dtype=np.int64)
    column[active] = np.arange(active.size)
    cand = column[items]
    ok = cand >= 0
    rows = system["row_of"][np.asarray(users)][:, None].repeat(items.shape[1], axis=1)
    seen = rows >= 0
    use = ok & seen
    col = np.where(use, cand, 0)
    row = np.where(use, rows, 0)
    a = a_t[torch.from_numpy(col), torch.from_numpy(row)].numpy()
    h = h_diag.numpy()[col]
    pairs = system["pairs"]
    key = row * n + col
    at = np.minimum(np.searchsorted(pairs, key), pairs.size - 1)
    rated = pairs[at] == key if pairs.size else np.zeros(key.shape, dtype=bool)
    out = np.where(use, rated - l2 * a / (1.0 - h), 0.0).astype(np.float32)
    out[~ok] = -1e9
    return out


def _dual_weights(x_t: torch.Tensor, kernel: torch.Tensor, l2: float) -> torch.Tensor:
    """B through the users' side. With H = X^T (X X^T + L2 I)^-1 X, P = (X^T X + L2 I)^-1 = (I - H) / L2
    (Woodbury), so B = I - P / diag(P) is H_ij / (1 - H_jj) off the diagonal and 0 on it. The users x users
    solve and diag(H) are float64 (1 - H_jj is small for popular films, so it is not taken from a float32 H);
    H itself is one sparse float32 product (nnz x items multiply-adds). Scores agree with a float64 direct
    solve more closely than a float32 Cholesky inverse of X^T X does (tests/models/test_ease_solve.py)."""
    a_t, h_diag = _dual_side(x_t, kernel, l2)  # X^T K^-1: (items, users)
    a = a_t.T.to(torch.float32).contiguous()
    del a_t
    b = torch.sparse.mm(x_t, a)  # H: (items, items)
    del a
    b.div_((1.0 - h_diag).to(torch.float32)[None, :])
    b.diagonal().zero_()
    return b


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
        time (s, estimated from this machine's measured kernel rates: one solve per L2 of the grid on train
        and one on train + validation), and whether it fits."""
        n = int(np.unique(split.train_items).size) if n is None else n
        users = int(np.unique(split.train_users).size)
        gb = ease_memory_gb(n, self.l2 is None, users)
        grid = len(L2_GRID) if self.l2 is None and split.valid_users.size else 0
        seconds = ease_seconds(n, int(split.train_items.size), users, grid)
        return {"items": n, "users": users, "dual": uses_dual(n, users), "memory_gb": gb, "seconds": seconds,
                "limit_gb": self.max_memory_gb, "fits": gb <= self.max_memory_gb}

    def _fits(self, split: Split, n: int) -> bool:
        """The plan's memory check alone (no time estimate: that measures this machine's speeds first)."""
        users = int(np.unique(split.train_users).size)
        return ease_memory_gb(n, self.l2 is None, users) <= self.max_memory_gb

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
        if not self._fits(split, n):
            raise MovieRecError(f"{self.describe_plan(split)}: over the memory limit, so it was skipped; "
                                "use a smaller dataset or another model")
        self.history = UserItems.from_split(split)
        l2 = self.l2 if self.l2 is not None else self.chosen["l2"]  # type: ignore[index]
        self._weights_for(matrix_key(split), l2, lambda: self._system(split, n, owned=True))

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
        if not self._fits(split, self.active.size):
            raise MovieRecError(f"{self.describe_plan(split)}: over the memory limit, so it was skipped; "
                                "use a smaller dataset or another model")
        self.history = UserItems.from_split(split)
        users = split.valid_users
        neg = sample_negatives(users, split.n_items, split.validation_keys(), 99, seed=seed + 1)
        candidates = np.concatenate([split.valid_items[:, None], neg], axis=1)
        valid = candidates >= 0
        valid[:, 0] = False
        return {"system": self._system(split, self.active.size), "key": matrix_key(split), "users": users,
                "candidates": candidates, "valid": valid}

    def validation_figures(self, held: dict, l2: float) -> dict:
        """Validation HR@10 and NDCG@10 of the model fitted on training with this L2."""
        from movierec import metrics

        memo = solves.active()
        if "kernel" in held["system"] and (memo is None or memo.get(("ease", held["key"], float(l2))) is None):
            # the users' side scores its own rows without B: no items x items work per L2
            scores = _dual_scores(held["system"], l2, held["users"], held["candidates"], self.active)
        else:
            self._weights_for(held["key"], l2, lambda: held["system"])
            scores = self.score(held["users"], held["candidates"])
        rank = metrics.ranks(scores, scores[:, 0], held["valid"])
        return {"l2": l2, "val_hr": metrics.hit_rate(rank, 10), "val_ndcg": metrics.ndcg(rank, 10)}

    def _weights_for(self, key: str, l2: float, system) -> None:
        """B for the training matrix with digest ``key`` and this L2: the active memo's (the engine's, shared by
        ease, ease-recent and ease-sasrec; models/solves.py), else solved from ``system()`` and stored there."""
        memo = solves.active()
        found = memo.get(("ease", key, float(l2))) if memo is not None else None
        if found is not None:
            self.weights = found
            return
        self._solve(system(), l2)
        if memo is not None:
            assert self.weights is not None
            memo.put(("ease", key, float(l2)), self.weights, self.weights.numel() * self.weights.element_size())

    def _solve(self, system: dict, l2: float) -> None:
        """B from a ``_system`` and an L2 weight (a system marked ``owned`` is consumed)."""
        if "kernel" in system:
            self.weights = _dual_weights(system["x_t"], system["kernel"], l2)
            return
        gram = system.pop("gram") if system.get("owned") else system["gram"].clone()
        gram.diagonal().add_(l2)
        factor = torch.linalg.cholesky(gram)
        del gram
        p = torch.cholesky_inverse(factor)
        del factor
        if not p.is_contiguous() and p.T.is_contiguous():
            p = p.T  # LAPACK's column-major result; P is symmetric (filled from one triangle): row-major rows of P
        p.div_(-p.diagonal().clone()[None, :])  # B = -P / diag(P), column by column, in place
        p.diagonal().zero_()
        self.weights = p

    def _system(self, split: Split, n: int, owned: bool = False) -> dict:
        """What B is solved from for any L2, for the training matrix X (users x the ``n`` active items, 0/1):
        with fewer users than half the items (``uses_dual``), X^T as a sparse matrix and X X^T in float64
        (``x_t``, ``kernel``); else the Gram matrix X^T X (``gram``; ``owned``: the one solve may consume it)."""
        assert self.history is not None
        column = np.full(split.n_items, -1, dtype=np.int64)
        column[self.active] = np.arange(n)
        rows = np.repeat(np.arange(split.n_users), np.diff(self.history.indptr))
        cols = column[self.history.items]
        keep = cols >= 0
        pairs = np.unique(rows[keep] * n + cols[keep])  # 0/1: a film rated twice by one user counts once
        users = np.unique(pairs // n)
        rows, cols = np.searchsorted(users, pairs // n), pairs % n
        if not uses_dual(n, users.size):
            return {"gram": self._gram(split, n), "owned": owned}
        x_t = torch.sparse_coo_tensor(torch.from_numpy(np.stack([cols, rows])), torch.ones(cols.size),
                                      (n, users.size), check_invariants=False).coalesce()
        x = torch.zeros((users.size, n), dtype=torch.float32)
        x[torch.from_numpy(rows), torch.from_numpy(cols)] = 1.0
        kernel = (x @ x.T).double()  # X X^T: users x users, counts (exact in float32 below 2^24)
        del x
        row_of = np.full(split.n_users, -1, dtype=np.int64)
        row_of[users] = np.arange(users.size)
        return {"x_t": x_t, "kernel": kernel, "row_of": row_of, "pairs": rows * n + cols}

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
            keep = cols >= 0
            pairs = np.unique(rows[keep] * n + cols[keep])  # 0/1: a film rated twice by one user counts once
            rows, cols = pairs // n, pairs % n
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
            x = torch.from_numpy(np.ascontiguousarray(weights[:, self.active], dtype=np.float32))
            if x.numel() and torch.count_nonzero(x) * 20 < x.numel():  # histories are sparse: nnz x items work
                out[:, self.active] = torch.sparse.mm(x.to_sparse(), self.weights).numpy()
            else:
                out[:, self.active] = (x @ self.weights).numpy()
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
