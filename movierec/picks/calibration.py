"""A predicted match: a film's rank for you turned into "how often films ranked like this were rated 4+".

Scores of different models are on different scales (NeuMF logits, content cosines, blended z-scores,
SASRec logits), so the match is read from something scale-free: the film's **percentile** among your
own candidates (every film you have not rated or dismissed; 1.0 = your top film). A monotone map
percentile -> P(stars >= 4) is fitted on held-out ratings of the dataset's own users: for each user,
the film held out of training (their latest rating), its percentile among that user's unrated films
under the model in use, and whether they rated it 4 stars or more.

The map: percentiles binned by the top fraction q = 1 - percentile on a log scale (the picks all sit
in the top 1%, where a linear binning would give them one value), each bin's rate shrunk toward the
base rate by ``PRIOR`` pseudo-ratings (a sparse bin says little), then made monotone by
pool-adjacent-violators (a film ranked higher never gets a lower match), then read by linear
interpolation in log q between bin centres. Pure numpy, vectorised over users; the map is small JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: Bin edges on q = 1 - percentile (the share of your candidates ranked above the film): 0.0005 is the
#: top 5 of 10,000 films. Log-spaced where the picks are.
EDGES = (0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
#: Pseudo-ratings at the base rate added to every bin before the monotone fit.
PRIOR = 5.0
#: Stars at or above: "liked" in the match's sense (4 or more).
GOOD = 4.0
#: q below this is read as this (the first bin's centre is its geometric middle with this floor).
Q_FLOOR = 1e-5
FORMAT = 1


def percentiles(scores: np.ndarray, candidates: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each row's target item's percentile among that row's candidates (U,), vectorised over rows.

    ``scores`` (U, n), ``candidates`` (U, n) bool (the target need not be one; it is left out of its
    own count), ``targets`` (U,) item indices. Percentile = (candidates scored below + half of those
    tied) / (other candidates); 1.0 = above every other candidate. Rows with no other candidate: NaN.
    """
    scores = np.asarray(scores, dtype=np.float64)
    rows = np.arange(scores.shape[0])
    own = scores[rows, targets][:, None]
    mask = np.asarray(candidates, dtype=bool).copy()
    mask[rows, targets] = False
    below = ((scores < own) & mask).sum(axis=1)
    tied = ((scores == own) & mask).sum(axis=1)
    others = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(others > 0, (below + 0.5 * tied) / others, np.nan)


def percentiles_of(scores: np.ndarray, candidates: np.ndarray, items: np.ndarray) -> np.ndarray:
    """The percentiles of ``items`` among one profile's ``candidates`` (n,) bool: as ``percentiles``,
    for one score vector and several films (a sort and two binary searches)."""
    scores = np.asarray(scores, dtype=np.float64)
    pool = np.sort(scores[np.asarray(candidates, dtype=bool)])
    own = scores[np.asarray(items, dtype=np.int64)]
    below = np.searchsorted(pool, own, side="left")
    tied = np.searchsorted(pool, own, side="right") - below
    inside = np.asarray(candidates, dtype=bool)[np.asarray(items, dtype=np.int64)]
    tied = tied - inside  # a candidate is not its own competitor
    others = pool.size - inside
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(others > 0, (below + 0.5 * tied) / np.maximum(others, 1), np.nan)


def pool_adjacent_violators(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted least-squares non-increasing fit of ``values`` (in their order)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(np.asarray(values, dtype=np.float64), np.asarray(weights, dtype=np.float64)):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:  # a rise: pool the two
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks.pop()
            total = w1 + w2
            blocks.append([(m1 * w1 + m2 * w2) / total if total > 0 else (m1 + m2) / 2, total, c1 + c2])
    return np.concatenate([np.full(c, m) for m, _, c in blocks]) if blocks else np.zeros(0)


def _centres(edges: tuple[float, ...]) -> np.ndarray:
    lo = np.maximum(np.asarray(edges[:-1], dtype=np.float64), Q_FLOOR)
    hi = np.asarray(edges[1:], dtype=np.float64)
    return 0.5 * (np.log10(lo) + np.log10(hi))


@dataclass
class MatchMap:
    """percentile -> P(rated 4+), as fitted by ``fit``; ``meta`` says for which dataset, mode and model."""

    edges: list[float]
    rates: list[float]  # the fitted P(4+) per bin, non-increasing in q (non-decreasing in percentile)
    counts: list[int]  # held-out ratings per bin
    good: list[int]  # of which rated 4+
    base_rate: float
    n: int
    meta: dict = field(default_factory=dict)

    def __call__(self, percentile: np.ndarray | float) -> np.ndarray:
        """P(4+) at each percentile (NaN stays NaN)."""
        pct = np.asarray(percentile, dtype=np.float64)
        x = np.log10(np.clip(1.0 - pct, Q_FLOOR, 1.0))
        centres = _centres(tuple(self.edges))
        out = np.interp(x, centres, np.asarray(self.rates, dtype=np.float64))
        return np.where(np.isnan(pct), np.nan, out)

    def points(self) -> list[tuple[float, float]]:
        """(percentile at each bin's centre, P(4+)) from the top bin down: a few points of the map."""
        return [(1.0 - 10.0 ** c, r) for c, r in zip(_centres(tuple(self.edges)), self.rates)]

    def to_json(self) -> dict:
        return {"format": FORMAT, "edges": list(self.edges), "rates": [round(r, 6) for r in self.rates],
                "counts": [int(c) for c in self.counts], "good": [int(g) for g in self.good],
                "base_rate": round(self.base_rate, 6), "n": int(self.n), "meta": dict(self.meta)}

    @classmethod
    def from_json(cls, data: object) -> "MatchMap":
        """A map read back; anything malformed is a ValueError (the caller recomputes it)."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a match map of this version")
        edges, rates = data.get("edges"), data.get("rates")
        counts, good = data.get("counts"), data.get("good")
        if not (isinstance(edges, list) and isinstance(rates, list) and isinstance(counts, list)
                and isinstance(good, list) and len(edges) == len(rates) + 1 == len(counts) + 1 == len(good) + 1
                and len(rates) >= 1):
            raise ValueError("match map has the wrong shape")
        e = np.asarray(edges, dtype=np.float64)
        r = np.asarray(rates, dtype=np.float64)
        if (not np.isfinite(e).all() or e[0] != 0.0 or e[-1] != 1.0 or (np.diff(e) <= 0).any()
                or not np.isfinite(r).all() or (r < 0).any() or (r > 1).any() or (np.diff(r) > 1e-9).any()):
            raise ValueError("match map is not a monotone map into [0, 1]")
        base, n, meta = data.get("base_rate"), data.get("n"), data.get("meta", {})
        if (not isinstance(base, (int, float)) or not 0 <= base <= 1 or not isinstance(n, int)
                or not isinstance(meta, dict)):
            raise ValueError("match map has a bad base rate, count or meta")
        return cls([float(x) for x in e], [float(x) for x in r], [int(c) for c in counts], [int(g) for g in good],
                   float(base), n, meta)


def fit(percentile: np.ndarray, good: np.ndarray, edges: tuple[float, ...] = EDGES, prior: float = PRIOR,
        meta: dict | None = None) -> MatchMap:
    """The monotone map from held-out percentiles (1.0 = top) and whether each was rated 4+.

    Each bin's rate is (good + prior * base) / (count + prior), then pooled adjacent violators with
    weights count + prior: a bin with no data sits at the base rate until a neighbour pulls it.
    """
    pct = np.asarray(percentile, dtype=np.float64)
    y = np.asarray(good, dtype=bool)
    keep = np.isfinite(pct)
    pct, y = pct[keep], y[keep]
    if pct.size == 0:
        raise ValueError("no held-out ratings to calibrate on")
    base = float(y.mean())
    q = 1.0 - np.clip(pct, 0.0, 1.0)
    # Bin b holds edges[b] <= q < edges[b+1] (the last bin includes q = 1).
    b = np.clip(np.searchsorted(np.asarray(edges), q, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(b, minlength=len(edges) - 1)
    hits = np.bincount(b, weights=y.astype(np.float64), minlength=len(edges) - 1)
    smoothed = (hits + prior * base) / (counts + prior)
    rates = pool_adjacent_violators(smoothed, counts + prior)
    return MatchMap(list(edges), [float(r) for r in np.clip(rates, 0.0, 1.0)], [int(c) for c in counts],
                    [int(h) for h in hits], base, int(pct.size), dict(meta or {}))


def reliability(m: MatchMap, percentile: np.ndarray, good: np.ndarray, groups: int = 5) -> list[dict]:
    """Predicted vs observed on other held-out ratings: ``groups`` equal-count groups by predicted match."""
    pct = np.asarray(percentile, dtype=np.float64)
    y = np.asarray(good, dtype=bool)
    keep = np.isfinite(pct)
    p, y = m(pct[keep]), y[keep]
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, groups):
        if part.size:
            out.append({"n": int(part.size), "predicted": float(p[part].mean()), "observed": float(y[part].mean())})
    return out


def brier(m: MatchMap, percentile: np.ndarray, good: np.ndarray) -> float:
    pct = np.asarray(percentile, dtype=np.float64)
    keep = np.isfinite(pct)
    y = np.asarray(good, dtype=np.float64)[keep]
    return float(np.mean((m(pct[keep]) - y) ** 2)) if y.size else math.nan
