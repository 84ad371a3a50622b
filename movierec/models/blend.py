"""``ease-sasrec``: EASE from recency-weighted histories (``ease-recent``) and SASRec, blended.

The two see a user differently: ease-recent scores the films that co-occur with the whole history
(the recent part weighted up), SASRec reads the latest films in order. Each part's scores are
standardised per user over the films the user has not rated (z-scores), so their scales meet, then

    score = w * z(sasrec) + (1 - w) * z(ease-recent)

``w`` (SASRec's share) is chosen on the validation holdout, as every setting here is: each user's
second-latest rating against 99 sampled unrated films, three draws averaged, HR@10 then NDCG@10, w
from 0 to 1 by 0.1 (0, ease-recent alone, wins ties). The parts that score validation are fitted on
training only: ease-recent with the tau, blend and L2 it chose, SASRec as validated (early stopping),
reading each history up to the validation item. The final parts see train + validation: ease-recent
fitted there (what it does by itself), SASRec trained afresh on it for the epochs chosen on
validation (skipped when w is 0). Test items are never looked at.

Measured (bench/RESULTS.md, "A blend of ease-recent and SASRec"): on ml-latest-small, seed 0, a
prototype of this blend chose w 0.3 on validation; its test HR@10 was 0.782 against EASE's 0.754.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models.base import Callback, UserItems
from movierec.models.settings import Settings

#: SASRec's shares tried on validation (0: ease-recent alone, tried first, wins ties).
WEIGHTS = tuple(round(0.1 * k, 1) for k in range(11))
DRAWS = 3
#: Below this a part's score means "cannot be recommended" (EASE gives films nobody rated -1e9).
_FLOOR = -1e8
_MASKED = -1e9


@dataclass
class BlendConfig(Settings):
    """``weight`` is SASRec's share (None: chosen on validation); ``l2`` is EASE's (None: chosen on
    validation); ``epochs``/``patience`` are SASRec's (at most; early stopping on validation chooses
    fewer); ``seed`` seeds both parts' randomness. Tuned settings of ``ease`` (its L2) and ``sasrec``
    (its epochs) are read too (the registry's ``settings_from``); SASRec's other settings are its
    defaults."""

    LABEL: ClassVar[str] = "ease-sasrec"
    weight: float | None = None
    l2: float | None = None
    epochs: int = 200
    patience: int = 14
    seed: int = 0

    def problem(self) -> str | None:
        if self.weight is not None and not 0.0 <= self.weight <= 1.0:
            return f"weight {self.weight} is not from 0 to 1"
        if self.l2 is not None and self.l2 <= 0:
            return f"l2 {self.l2} is not a positive number"
        for key, low in (("epochs", 1), ("patience", 1), ("seed", 0)):
            if getattr(self, key) < low:
                return f"{key} {getattr(self, key)} is not a whole number from {low}"
        return None


def standardise(scores: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Each row's z-scores over its films that are not ``known`` (rated) and not floored; those get -1e9."""
    keep = ~known & (scores > _FLOOR) & np.isfinite(scores)
    count = np.maximum(keep.sum(axis=1, keepdims=True), 1)
    values = np.where(keep, scores, 0.0).astype(np.float64)
    mean = values.sum(axis=1, keepdims=True) / count
    var = (np.where(keep, values - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / count
    z = (values - mean) / np.sqrt(var + 1e-12)
    return np.where(keep, z, _MASKED).astype(np.float32)


class EASESASRec:
    """ease-recent and SASRec blended by a share chosen on validation (module docstring)."""

    name = "ease-sasrec"
    chooses_on_validation = True

    @classmethod
    def create(cls, config: BlendConfig | None = None, device=None) -> "EASESASRec":
        return cls(config or BlendConfig(), device)

    def __init__(self, config: BlendConfig | None = None, device=None) -> None:
        self.config = config or BlendConfig()
        self.device = device if device is not None else "cpu"
        self.should_stop = None
        self.ease = None  # ease-recent, fitted on train + validation
        self.sasrec = None  # SASRec on train + validation (None when its share is 0)
        self.weight = self.config.weight
        self.known: UserItems | None = None
        self.n_items = 0
        self.chosen: dict | None = None

    # -- fitting --
    def _sasrec(self, split: Split, refit: str, epochs: int, callback: Callback | None):
        from movierec.models.sequence.sasrec import SASRecConfig, SASRecRecommender

        config = SASRecConfig(seed=self.config.seed, epochs=epochs, patience=self.config.patience, refit=refit)
        model = SASRecRecommender.create(config, self.device)
        model.should_stop = self.should_stop
        model.fit(split, None, callback)
        return model

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        from movierec.models.recent import EASERecent, RecentConfig

        self.n_items = split.n_items
        self.ease = EASERecent.create(RecentConfig(l2=self.config.l2))
        self.ease.fit(split, catalog, callback)  # chooses tau, blend (and L2) on validation; fits train + validation
        weight, epochs = self.config.weight, self.config.epochs
        if weight is None:
            if split.valid_users.size == 0:
                weight = 0.0
                self.chosen = {"weight": 0.0, "grid": [], "note": "no validation users"}
            else:
                tau, blend = self.ease.fitted
                base = self.ease.base.chosen or {}
                probe = EASERecent.create(RecentConfig(tau=tau, blend=blend, l2=self.ease.base.l2 or base.get("l2")))
                probe.fit(split, catalog)  # settings fixed: fitted on training only
                validated = self._sasrec(split, "none", epochs, callback)
                epochs = max(int(validated.result.best_epoch), 1)
                weight = self._choose(probe, validated, split)
                del probe, validated
        self.weight = float(weight)
        final = split.with_validation()
        if self.weight > 0:
            # Trained afresh on train + validation for the epochs validation chose (no holdout left: no stopping).
            self.sasrec = self._sasrec(final, "none", epochs, callback)
        self.known = UserItems.from_split(final)

    def _choose(self, ease, sasrec, split: Split) -> float:
        """SASRec's share with the best validation HR@10 (then NDCG@10), scored by parts fitted on training."""
        from movierec.data.splits import sample_negatives
        from movierec import metrics
        from movierec.models.sequence.sasrec import build_sequences

        users = split.valid_users.astype(np.int64)
        # SASRec reads each history up to the validation item (its fit appended that item for scoring).
        sasrec.attach(sasrec.module, split.n_items, build_sequences(
            split.train_users, split.train_items, split.train_timestamps, split.n_users, sasrec.config.seed))
        known = UserItems.from_split(split).dense(users, split.n_items).astype(bool)
        e = standardise(ease.score_all(users), known)
        s = standardise(sasrec.score_all(users), known)
        rated = split.validation_keys()
        draws = []
        for d in range(DRAWS):
            neg = sample_negatives(users, split.n_items, rated, 99, seed=self.config.seed + 1 + d)
            candidates = np.concatenate([split.valid_items[:, None].astype(np.int64), neg], axis=1)
            valid = candidates >= 0
            valid[:, 0] = False
            draws.append((np.maximum(candidates, 0), valid))
        rows = []
        for w in WEIGHTS:
            blended = (1.0 - w) * e + w * s
            hr, ndcg = [], []
            for candidates, valid in draws:
                scores = np.take_along_axis(blended, candidates, axis=1)
                rank = metrics.ranks(scores, scores[:, 0], valid)
                hr.append(metrics.hit_rate(rank, 10))
                ndcg.append(metrics.ndcg(rank, 10))
            rows.append({"weight": w, "val_hr": float(np.mean(hr)), "val_ndcg": float(np.mean(ndcg))})
        best = max(rows, key=lambda r: (r["val_hr"], r["val_ndcg"]))  # the first best: ease-recent alone wins ties
        self.chosen = {"weight": best["weight"], "val_hr": best["val_hr"], "val_ndcg": best["val_ndcg"],
                       "ease_hr": rows[0]["val_hr"], "sasrec_hr": rows[-1]["val_hr"], "grid": rows}
        return best["weight"]

    def describe_choice(self) -> str:
        c = self.chosen
        if not c:
            return f"{self.name}: SASRec's share {self.weight:g} (given)"
        if not c.get("grid"):
            return f"{self.name}: SASRec's share {c['weight']:g} ({c.get('note', 'nothing to choose on')})"
        return (f"{self.name}: SASRec's share {c['weight']:g} chosen on validation (validation HR@10 "
                f"{c['val_hr']:.3f}; ease-recent alone {c['ease_hr']:.3f}, sasrec alone {c['sasrec_hr']:.3f})")

    # -- memory plan (EASE's: the part that may not fit) --
    def plan(self, split: Split) -> dict:
        from movierec.models.recent import EASERecent, RecentConfig

        return EASERecent.create(RecentConfig(l2=self.config.l2)).plan(split)

    def describe_plan(self, split: Split) -> str:
        from movierec.models.recent import EASERecent, RecentConfig

        return EASERecent.create(RecentConfig(l2=self.config.l2)).describe_plan(split)

    # -- scoring --
    def score_all(self, users: np.ndarray) -> np.ndarray:
        assert self.ease is not None and self.known is not None, "fit first"
        users = np.asarray(users, dtype=np.int64)
        out = np.empty((users.size, self.n_items), dtype=np.float32)
        step = max(1, (1 << 22) // max(self.n_items, 1))
        for b in range(0, users.size, step):
            block = users[b:b + step]
            known = self.known.dense(block, self.n_items).astype(bool)
            blended = (1.0 - self.weight) * standardise(self.ease.score_all(block), known)
            if self.sasrec is not None:
                blended += self.weight * standardise(self.sasrec.score_all(block), known)
            out[b:b + step] = np.where(known | (blended < _FLOOR), _MASKED, blended)
        return out

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Candidate scores (U, C), from the full rows (the z-scores need every film); -1 padding scores as film 0."""
        users = np.asarray(users, dtype=np.int64)
        items = np.maximum(np.asarray(items, dtype=np.int64), 0)
        out = np.empty(items.shape, dtype=np.float32)
        step = max(1, (1 << 22) // max(self.n_items, 1))
        for b in range(0, users.size, step):
            out[b:b + step] = np.take_along_axis(self.score_all(users[b:b + step]), items[b:b + step], axis=1)
        return out
