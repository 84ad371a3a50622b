"""Time-aware scoring: a model scored from a recency-weighted history (``ease-recent``, ``content-recent``).

Each of a user's ratings gets a weight from its place in time: k = 0 for the user's latest rating in
the split the model was fitted on, 1 for the one before, and so on (ratings of the same second in a
seeded random order, as the split orders them). The weight blends the plain history with a decayed one,

    w = (1 - blend) + blend * n_u * exp(-k / tau) / sum_j exp(-j / tau)

(each part has mean 1 over the user's n_u ratings, so ``blend`` is the recent part's share whatever
the history's length; blend 0 is the plain model). The base model scores from that weighted row:
EASE multiplies its 0/1 history row (for EASE this is exactly blend * recent scores + (1 - blend) *
plain scores, each normalised by its weights' sum), content multiplies each film's (stars - 2.5).

``tau`` (in ratings, not seconds) and ``blend`` are chosen on the validation holdout (each user's
second-latest rating against 99 sampled unrated films, three draws averaged, HR@10 then NDCG@10; the
plain model, blend 0, wins ties) with the base fitted on training only; the final base is then fitted on training +
validation, as the engine does for every model that chooses on validation. A base that chooses its
own settings on validation (EASE's L2) chooses them first; the recency grid is then scored with a
copy fitted on training with those settings (``base.fixed()``). Test items are never looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models.base import Callback, Recommender, UserItems
from movierec.models.settings import Settings

#: Decays tried on validation, in ratings (the k-th latest rating weighs exp(-k / tau)).
TAU_GRID = (2.5, 5.0, 10.0, 20.0, 40.0)
#: Shares of the recent part tried on validation; 0 is the plain model (tried once, wins ties).
BLEND_GRID = (0.0, 0.125, 0.25, 0.5, 0.75, 1.0)
#: Validation negatives drawn this many times (HR and NDCG averaged): the choice between neighbouring
#: settings is within one draw's noise on a 600-user dataset.
DRAWS = 3
#: For a new user's profile (fold-in, content; see ``recency_weights``): tau 5 ratings, blend 0.5, so in a
#: profile of 20 ratings the latest weighs 2.35, the oldest 0.54 (every rating keeps at least half its
#: weight). Chosen with ``bench/recent.py --profiles 20``: each ml-latest-small user's latest 20 training
#: ratings as a profile, scored by EASE and content against the validation item: EASE HR@10 0.743 plain,
#: 0.762-0.764 at blend 0.5 and tau 5-10 (0.766 at blend 0.75, tau 10, a lone peak); content NDCG@10
#: 0.145 plain, 0.158 here (HR flat within noise); seed 1 agrees (EASE 0.734 -> 0.748, content NDCG 0.141 ->
#: 0.152). A proxy: fold-in itself needs a trained NeuMF.
PROFILE_TAU = 5.0
PROFILE_BLEND = 0.5


def recency_ranks(users: np.ndarray, times: np.ndarray, seed: int = 0) -> np.ndarray:
    """k for every rating: 0 for each user's latest, 1 for the one before, ...; ratings of the same
    time come in a random order drawn from ``seed`` (same seed, same order). Vectorised (lexsort)."""
    users = np.asarray(users)
    times = np.asarray(times)
    n = users.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    tiebreak = np.random.default_rng(seed).random(n)
    order = np.lexsort((tiebreak, -times.astype(np.float64), users))  # within a user: latest first
    sorted_users = users[order]
    first = np.ones(n, dtype=bool)
    first[1:] = sorted_users[1:] != sorted_users[:-1]
    starts = np.flatnonzero(first)
    group = np.cumsum(first) - 1
    k = np.empty(n, dtype=np.int64)
    k[order] = np.arange(n) - starts[group]
    return k


def recency_weights(users: np.ndarray, times: np.ndarray, tau: float, blend: float = 1.0, seed: int = 0) -> np.ndarray:
    """Per-rating weights (1 - blend) + blend * n_u * exp(-k/tau) / sum_j exp(-j/tau): mean 1 per user.

    For one profile (a new user's ratings) pass ``users=np.zeros(n)`` and the ratings' times (any unit:
    only their order counts), then take the positives' weights for ``fold_in(positive_weights=...)`` or
    all of them for ``ContentBased.profile_scores(weights=...)``."""
    users = np.asarray(users)
    k = recency_ranks(users, times, seed)
    if k.size == 0:
        return np.zeros(0, dtype=np.float32)
    decay = np.exp(-k / float(tau))
    _, inverse = np.unique(users, return_inverse=True)
    sums = np.bincount(inverse, weights=decay)
    counts = np.bincount(inverse).astype(np.float64)
    return ((1.0 - blend) + blend * counts[inverse] * decay / sums[inverse]).astype(np.float32)


def _weighted_rows(split: Split, tau: float, blend: float, seed: int) -> UserItems:
    """The split's training ratings as user rows whose values are recency weights."""
    w = recency_weights(split.train_users, split.train_timestamps, tau, blend, seed)
    order = np.lexsort((split.train_items, split.train_users))
    counts = np.bincount(split.train_users, minlength=split.n_users)
    indptr = np.zeros(split.n_users + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return UserItems(indptr, split.train_items[order].astype(np.int32), w[order])


class Recent:
    """``base`` scored from recency-weighted histories; ``tau``/``blend`` None: chosen on validation.

    ``base`` needs ``score_weighted(users, weights, items=None)`` (EASE and ContentBased have it).
    ``chosen`` after a fit that chose: {"tau", "blend", "val_hr", "val_ndcg", "plain_hr", "grid": [{"tau",
    "blend", "val_hr", "val_ndcg"}, ...], "base": the base's own ``chosen`` or None}; ``describe_choice()``
    says it in one line.
    """

    def __init__(self, base: Recommender, tau: float | None = None, blend: float | None = None,
                 taus: tuple[float, ...] = TAU_GRID, blends: tuple[float, ...] = BLEND_GRID, seed: int = 0) -> None:
        if not hasattr(base, "score_weighted"):
            raise TypeError(f"{base.name} cannot score a weighted history")
        self.base = base
        self.name = f"{base.name}-recent"
        self.tau, self.blend = tau, blend
        self.taus, self.blends = tuple(taus), tuple(blends)
        self.seed = seed
        self.chosen: dict | None = None
        self.rows: UserItems | None = None
        self.fitted = (tau, blend)  # the tau and blend the fitted model scores with

    @property
    def n_items(self) -> int:
        return self.base.n_items  # type: ignore[attr-defined]

    @property
    def chooses_on_validation(self) -> bool:
        return self.tau is None or self.blend is None or bool(getattr(self.base, "chooses_on_validation", False))

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        base_chooses = bool(getattr(self.base, "chooses_on_validation", False))
        final = split.with_validation() if self.chooses_on_validation else split
        tau, blend = self.tau, self.blend
        if base_chooses:
            self.base.fit(split, catalog, callback)  # chooses its own settings, then fits train + validation
        if tau is None or blend is None:
            if base_chooses:
                probe = self.base.fixed()  # type: ignore[attr-defined]
                probe.fit(split, catalog)
            else:
                probe = self.base
                probe.fit(split, catalog, callback)
            tau, blend = self._choose(probe, split)
            del probe
        if not base_chooses:
            self.base.fit(final, catalog, callback)
        self.fitted = (float(tau), float(blend))
        self.rows = _weighted_rows(final, float(tau), float(blend), self.seed)

    def _choose(self, probe, split: Split) -> tuple[float, float]:
        """The grid's best (tau, blend) on the validation holdout, scored by ``probe`` (fitted on training)."""
        from movierec.data.splits import sample_negatives
        from movierec import metrics

        taus = self.taus if self.tau is None else (self.tau,)
        blends = self.blends if self.blend is None else (self.blend,)
        base_chosen = getattr(self.base, "chosen", None)
        if split.valid_users.size == 0:
            self.chosen = {"tau": taus[0], "blend": blends[0], "grid": [], "base": base_chosen,
                           "note": "no validation users"}
            return taus[0], blends[0]
        users = split.valid_users.astype(np.int64)
        # Negatives: films unrated in training and validation. The test items are not looked at, not
        # even to keep them out of the negatives (a film rated later is still unrated then).
        known = np.sort(np.concatenate([split.train_users.astype(np.int64) * split.n_items + split.train_items,
                                        users * split.n_items + split.valid_items]))
        draws = []
        for d in range(DRAWS):
            neg = sample_negatives(users, split.n_items, known, 99, seed=self.seed + 1 + d)
            candidates = np.concatenate([split.valid_items[:, None].astype(np.int64), neg], axis=1)
            valid = candidates >= 0
            valid[:, 0] = False
            draws.append((candidates, valid))
        # Every setting scores the same users' candidates: a base that can share the work across settings and
        # draws (EASE gathers B's entries once, content scores all films once for the three draws) says so
        # with ``candidate_scorer``; its scores are score_weighted's.
        scorer = getattr(probe, "candidate_scorer", None)
        score_draws = (scorer(users, [c for c, _ in draws]) if scorer is not None
                       else lambda w: [probe.score_weighted(users, w, c) for c, _ in draws])
        rows = []
        for blend in blends:
            for tau in (taus if blend > 0 else taus[:1]):  # blend 0 is the plain model whatever tau
                weights = _weighted_rows(split, tau, blend, self.seed).dense(users, split.n_items, values="ratings")
                hr, ndcg = [], []
                for scores, (_, valid) in zip(score_draws(weights), draws):
                    rank = metrics.ranks(scores, scores[:, 0], valid)
                    hr.append(metrics.hit_rate(rank, 10))
                    ndcg.append(metrics.ndcg(rank, 10))
                rows.append({"tau": float(tau), "blend": float(blend),
                             "val_hr": float(np.mean(hr)), "val_ndcg": float(np.mean(ndcg))})
        best = max(rows, key=lambda r: (r["val_hr"], r["val_ndcg"]))  # the first best: plain wins ties
        plain = [r for r in rows if r["blend"] == 0.0]
        self.chosen = {"tau": best["tau"], "blend": best["blend"], "val_hr": best["val_hr"],
                       "val_ndcg": best["val_ndcg"], "plain_hr": plain[0]["val_hr"] if plain else None,
                       "grid": rows, "base": base_chosen}
        return best["tau"], best["blend"]

    def describe_choice(self) -> str:
        """One line for the engine's notes: what was chosen on validation, and against what."""
        c = self.chosen
        if not c:
            return f"{self.name}: tau {self.fitted[0]:g}, blend {self.fitted[1]:g} (given)"
        if not c.get("grid"):
            return f"{self.name}: tau {c['tau']:g}, blend {c['blend']:g} ({c.get('note', 'nothing to choose on')})"
        plain = f" vs {c['plain_hr']:.3f} without recency" if c.get("plain_hr") is not None else ""
        base = c.get("base") or {}
        l2 = f", base L2 {base['l2']:g}" if "l2" in base else ""
        return (f"{self.name}: recency decay tau {c['tau']:g} ratings, recent share {c['blend']:g} (0 = no recency) "
                f"chosen on validation (validation HR@10 {c['val_hr']:.3f}{plain}; {len(c['grid'])} settings{l2})")

    def _weights(self, users: np.ndarray) -> np.ndarray:
        assert self.rows is not None, "fit first"
        return self.rows.dense(np.asarray(users, dtype=np.int64), self.n_items, values="ratings")

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        users = np.asarray(users)
        out = np.empty(items.shape, dtype=np.float32)
        step = max(1, (1 << 24) // max(self.n_items, 1))
        for start in range(0, len(users), step):
            block = users[start:start + step]
            out[start:start + step] = self.base.score_weighted(  # type: ignore[attr-defined]
                block, self._weights(block), items[start:start + step])
        return out

    def score_all(self, users: np.ndarray) -> np.ndarray:
        return self.base.score_weighted(users, self._weights(users))  # type: ignore[attr-defined]


@dataclass
class RecentConfig(Settings):
    """Settings of a ``-recent`` variant: ``tau``/``blend`` None are chosen on validation; ``l2`` is the
    base EASE's (None: chosen on validation; content has none)."""

    LABEL: ClassVar[str] = "-recent"
    tau: float | None = None
    blend: float | None = None
    l2: float | None = None

    def problem(self) -> str | None:
        for key in ("tau", "l2"):
            value = getattr(self, key)
            if value is not None and value <= 0:
                return f"{key} {value} is not a positive number"
        if self.blend is not None and not 0.0 <= self.blend <= 1.0:
            return f"blend {self.blend} is not from 0 to 1"
        return None


class EASERecent(Recent):
    """``ease-recent``: EASE scored from recency-weighted histories (says its memory plan as EASE does)."""

    @classmethod
    def create(cls, config: RecentConfig | None = None, device=None) -> "EASERecent":
        from movierec.models.ease import EASE

        config = config or RecentConfig()
        return cls(EASE(l2=config.l2), config.tau, config.blend)

    def plan(self, split: Split) -> dict:
        return self.base.plan(split)  # type: ignore[attr-defined]

    def describe_plan(self, split: Split) -> str:
        return self.base.describe_plan(split)  # type: ignore[attr-defined]


class ContentRecent(Recent):
    """``content-recent``: genre and tag profiles from recency-weighted ratings."""

    @classmethod
    def create(cls, config: RecentConfig | None = None, device=None) -> "ContentRecent":
        from movierec.models.content import ContentBased

        config = config or RecentConfig()
        return cls(ContentBased(), config.tau, config.blend)
