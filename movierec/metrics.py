"""Ranking metrics as pure numpy functions.

``rank`` is 0-based: the number of candidates that score at least as high as
the held-out item (ties count against the model). HR@k = rank < k;
NDCG@k = 1 / log2(rank + 2) when rank < k, else 0. A score that is not a finite
number (NaN, +inf or -inf, e.g. from a diverged model) ranks last: a held-out item
with such a score is below every candidate (never a hit), and such a candidate is
above no held-out item (except another one that ranks last too).
"""

from __future__ import annotations

import numpy as np


def ranks(scores: np.ndarray, target: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Rank of ``target[u]`` among ``scores[u]`` (other candidates only), ties against the model.

    ``scores``: (U, C) candidate scores; ``target``: (U,) the held-out item's score;
    ``valid``: (U, C) mask of real candidates (padding and the target itself excluded).
    """
    scores, target = last_if_not_finite(scores), last_if_not_finite(target)
    above = scores >= target[:, None]
    if valid is not None:
        above &= valid
    return above.sum(axis=1)


def last_if_not_finite(scores: np.ndarray) -> np.ndarray:
    """``scores`` with NaN and +-inf replaced by -inf (ranks last); the array itself when all are finite."""
    scores = np.asarray(scores)
    bad = ~np.isfinite(scores)
    if not bad.any():
        return scores
    return np.where(bad, -np.inf, scores)


def hit_rate(rank: np.ndarray, k: int) -> float:
    return float((rank < k).mean()) if rank.size else 0.0


def ndcg(rank: np.ndarray, k: int) -> float:
    if not rank.size:
        return 0.0
    gains = np.where(rank < k, 1.0 / np.log2(rank + 2.0), 0.0)
    return float(gains.mean())


def genre_jaccard_diversity(lists: np.ndarray, genres: np.ndarray) -> np.ndarray:
    """Per list: 1 - mean pairwise Jaccard similarity of the items' genre sets.

    ``lists``: (U, k) item indices (-1 = empty slot); ``genres``: (n_items, G) 0/1.
    """
    if lists.ndim == 1:
        lists = lists[None, :]
    out = np.zeros(lists.shape[0])
    g = genres.astype(np.float32)
    for start in range(0, lists.shape[0], 4096):
        block = lists[start:start + 4096]
        mask = block >= 0
        vec = g[np.where(mask, block, 0)] * mask[..., None]  # (B, k, G)
        inter = np.einsum("bkg,blg->bkl", vec, vec)
        size = vec.sum(-1)
        union = size[:, :, None] + size[:, None, :] - inter
        sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        pair = mask[:, :, None] & mask[:, None, :]
        np.einsum("bkk->bk", pair)[:] = False  # off-diagonal pairs only
        n_pairs = pair.sum(axis=(1, 2))
        mean_sim = np.divide((sim * pair).sum(axis=(1, 2)), n_pairs, out=np.zeros(len(block)), where=n_pairs > 0)
        out[start:start + 4096] = np.where(n_pairs > 0, 1.0 - mean_sim, 0.0)
    return out


def intra_list_diversity(lists: np.ndarray, genres: np.ndarray) -> float:
    """ILD@k over genres: mean over lists of (1 - mean pairwise genre Jaccard)."""
    if lists.size == 0:
        return 0.0
    return float(genre_jaccard_diversity(lists, genres).mean())


def coverage(lists: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    shown = np.unique(lists[lists >= 0])
    return float(shown.size / n_items) if n_items else 0.0


def list_ranks(lists: list, targets: np.ndarray) -> np.ndarray:
    """The 0-based position of ``targets[u]`` in ``lists[u]`` (a list of item indices, best first), or the
    list's length when it is not there: ``hit_rate(list_ranks(...), k)`` and ``ndcg`` read it as a rank (a list
    of k films: a target outside it is never a hit)."""
    out = np.empty(len(lists), dtype=np.int64)
    for u, (shown, target) in enumerate(zip(lists, np.asarray(targets).tolist())):
        shown = list(shown)
        out[u] = shown.index(target) if target in shown else max(len(shown), 1) * 10**6
    return out


def genre_distribution(items: np.ndarray, genres: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """p(g) of a set of films (Steck 2018): each film spreads its weight (1 unless given) evenly over its
    genres, p(g) = sum_i w_i p(g|i) / sum_i w_i; all zeros for no film (or films of no genre)."""
    items = np.asarray(items, dtype=np.int64)
    g = genres[items].astype(np.float64)
    per_film = np.divide(g, g.sum(axis=1, keepdims=True), out=np.zeros_like(g), where=g.sum(axis=1, keepdims=True) > 0)
    w = np.ones(items.size) if weights is None else np.asarray(weights, dtype=np.float64)
    total = per_film.T @ w
    mass = total.sum()
    return total / mass if mass > 0 else total


def taste_coverage(liked: np.ndarray, shown: np.ndarray, genres: np.ndarray) -> float:
    """The share of the genres of the liked films that at least one shown film has (NaN with no liked genre)."""
    wanted = genres[np.asarray(liked, dtype=np.int64)].any(axis=0)
    if not wanted.any():
        return float("nan")
    got = genres[np.asarray(shown, dtype=np.int64)].any(axis=0) if len(shown) else np.zeros_like(wanted)
    return float((wanted & got).sum() / wanted.sum())


def genre_kl(p: np.ndarray, q: np.ndarray, alpha: float = 0.01) -> float:
    """Miscalibration (Steck 2018): KL(p || q~), q~ = (1 - alpha) q + alpha p, summed over the genres p has;
    0 when the list's genres are in the liked films' proportions; NaN when p is empty."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.sum() <= 0:
        return float("nan")
    smooth = (1 - alpha) * q + alpha * p
    on = p > 0
    return float(np.sum(p[on] * np.log(p[on] / smooth[on])))
