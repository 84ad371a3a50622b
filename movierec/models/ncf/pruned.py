"""Exact full-catalogue ranks and top-k lists for NCF models without scoring every pair.

The full protocol asks, for each test user, how many unrated items score at least as
high as the held-out one; HR@k and NDCG@k only need that count while it is below k.
Scoring all 3.7 billion user-item pairs of ML-20M through NeuMF's tower is ~20 TFLOP
(about ten minutes on two CPU cores), yet the answer is the same when most pairs are
never scored:

1. **Popular items first.** Each user's held-out score is compared with the most
   popular items, in a few growing steps (``HEAD_STEPS``); a user with k items above
   it is a miss, and is done. On the ML-20M shape 90% of users are settled within
   the first 64 items.
2. **Bounds for the rest.** The other items are split once into groups of similar
   ones (a k-d tree on the MLP's item half, ``GROUP`` items a leaf). For each remaining
   user and group, ``ScoreBounds.upper`` gives a sound upper bound of every item's
   score; only items whose bound reaches the held-out score (less a rounding margin)
   are scored exactly. On the ML-20M shape that is about 2% of them.

Counts below k are exact (every item that could reach the held-out score was
scored), so HR@k and NDCG@k equal the exhaustive protocol's; a count of k or more
is a lower bound ("at least k"), which both metrics treat alike. ``top_k`` uses the
same two steps to find each user's exact top-k list (threshold: the k-th best
popular item).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch

from movierec.device import tf32
from movierec.models.ncf.bounds import ScoreBounds

#: Popular items scored exactly for every still-unsettled user, step by step.
HEAD_STEPS = (32, 32, 64, 128)
#: Items per k-d tree leaf (a bound is computed per user and leaf).
GROUP = 64
#: A pruned item's bound is below ``target - MARGIN * (1 + |target|)``: covers float32 rounding.
MARGIN = 1e-3

#: (users, device) -> (U, n_items) bool mask of the items each user already has, on the device.
KnownFn = Callable[[np.ndarray, torch.device], torch.Tensor]


@dataclass
class ItemGroups:
    head: torch.Tensor  # (P,) the most popular items, scored exactly
    groups: torch.Tensor  # (Gn, G) every other item once, -1 padding
    lo: torch.Tensor  # (Gn, D) per-coordinate min of the grouping space over each group
    hi: torch.Tensor  # (Gn, D)

    @classmethod
    def build(cls, bounds: ScoreBounds, popularity: np.ndarray, head: int | None = None,
              size: int = GROUP) -> "ItemGroups":
        device = bounds.device
        head = sum(HEAD_STEPS) if head is None else head
        order = torch.from_numpy(np.argsort(-np.asarray(popularity), kind="stable")).to(device)
        head_items, rest = order[:head], order[head:]
        space = bounds.grouping_space()
        groups = kd_groups(space, rest, size)
        points = space[groups.clamp(min=0)]
        pad = (groups < 0)[:, :, None]
        lo = points.masked_fill(pad, math.inf).amin(1)
        hi = points.masked_fill(pad, -math.inf).amax(1)
        empty = (groups < 0).all(1)
        lo[empty] = 0.0
        hi[empty] = 0.0
        return cls(head_items, groups, lo, hi)


def kd_groups(points: torch.Tensor, items: torch.Tensor, size: int) -> torch.Tensor:
    """``items`` arranged as (leaves, per) by a balanced k-d tree over ``points[items]``.

    Each node splits at the median of its widest coordinate; a power of two of leaves of
    at most ``size`` items; -1 pads the last leaves.
    """
    n, dim = items.numel(), points.shape[1]
    leaves = 1 << max(0, math.ceil(math.log2(max(1.0, n / size))))
    per = max(1, -(-n // leaves))
    idx = torch.full((leaves * per,), -1, dtype=torch.int64, device=points.device)
    idx[:n] = items
    x = torch.full((leaves * per, dim), math.nan, device=points.device)
    x[:n] = points[items]
    nodes = 1
    while nodes < leaves:
        xs, ids = x.view(nodes, -1, dim), idx.view(nodes, -1)
        pad = torch.isnan(xs)
        spread = xs.masked_fill(pad, -math.inf).amax(1) - xs.masked_fill(pad, math.inf).amin(1)
        widest = torch.nan_to_num(spread, nan=-1.0, neginf=-1.0).argmax(1)
        key = xs.gather(2, widest[:, None, None].expand(-1, xs.shape[1], 1)).squeeze(2)
        perm = torch.nan_to_num(key, nan=math.inf).argsort(dim=1, stable=True)
        idx = ids.gather(1, perm).reshape(-1)
        x = xs.gather(1, perm[:, :, None].expand(-1, -1, dim)).reshape(-1, dim)
        nodes *= 2
    return idx.view(leaves, per)


def _last_if_not_finite(scores: torch.Tensor) -> torch.Tensor:
    """NaN and +-inf scores (a diverged model) rank last: -inf, below every real score."""
    return scores.masked_fill(~torch.isfinite(scores), -math.inf)


def _margin(target: torch.Tensor) -> torch.Tensor:
    return MARGIN * (1.0 + target.abs())


@dataclass(frozen=True)
class _Sizes:
    """Work per step: users per block, (user, group) pairs per bound step, pairs per exact step."""

    block: int
    bound_pairs: int
    exact_pairs: int

    @classmethod
    def for_device(cls, device: torch.device) -> "_Sizes":
        # A CPU wants cache-sized steps; a GPU wants steps large enough to fill it.
        return cls(16384, 1 << 19, 1 << 20) if device.type == "cuda" else cls(2048, 1 << 15, 1 << 16)

    def bound_rows(self, groups: ItemGroups) -> int:
        return max(1, self.bound_pairs // max(1, groups.groups.shape[0]))


def _survivors(bounds: ScoreBounds, groups: ItemGroups, uv, rows: torch.Tensor, threshold: torch.Tensor,
               mask: torch.Tensor, sizes: _Sizes) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Exact scores of the grouped items whose bound reaches ``threshold`` (less the margin) for ``rows``.

    Yields (rows, items, scores) in chunks; rows index the block (``uv``, ``threshold``, ``mask``);
    items in ``mask`` (the user has them) are skipped.
    """
    if not groups.groups.numel():
        return
    per = sizes.bound_rows(groups)
    for c in range(0, rows.numel(), per):
        sel = rows[c:c + per]
        upper = bounds.upper(ScoreBounds.take(uv, sel), groups.lo, groups.hi, groups.groups)
        floor = threshold[sel] - _margin(threshold[sel])
        r, g, j = torch.nonzero(upper >= floor[:, None, None], as_tuple=True)
        items = groups.groups[g, j]
        real = items >= 0  # padding's bound is -inf, which a -inf threshold (no k-th popular item) still meets
        r, items = r[real], items[real]
        keep = ~mask[sel[r], items]
        r, items = sel[r[keep]], items[keep]
        for p in range(0, r.numel(), sizes.exact_pairs):
            rr, ii = r[p:p + sizes.exact_pairs], items[p:p + sizes.exact_pairs]
            yield rr, ii, bounds.pairs(ScoreBounds.take(uv, rr), ii)


@torch.no_grad()
def full_ranks(bounds: ScoreBounds, groups: ItemGroups, users: np.ndarray, tests: np.ndarray,
               known: KnownFn, k: int) -> np.ndarray:
    """Per user: how many unrated items score >= the held-out item, exact below ``k``."""
    device = bounds.device
    sizes = _Sizes.for_device(device)
    block = sizes.block
    out = np.empty(users.size, dtype=np.int64)
    with tf32(False):  # float32 scores and bounds, as the exhaustive protocol computes them
        for b in range(0, users.size, block):
            u = users[b:b + block]
            uv = bounds.users(torch.from_numpy(np.asarray(u, dtype=np.int64)).to(device))
            test = torch.from_numpy(np.asarray(tests[b:b + block], dtype=np.int64)).to(device)
            target = bounds.pairs(uv, test)
            mask = known(u, device)
            mask[torch.arange(u.size, device=device), test] = True
            count = torch.zeros(u.size, dtype=torch.int64, device=device)
            # A held-out item whose score is not a finite number ranks last: a miss ("at least k").
            finite = torch.isfinite(target)
            count[~finite] = k
            active = torch.nonzero(finite).squeeze(1)
            start = 0
            for step in HEAD_STEPS:
                items = groups.head[start:start + step]
                start += step
                if items.numel() == 0 or active.numel() == 0:
                    break
                scores = _last_if_not_finite(bounds.block(ScoreBounds.take(uv, active), items))
                count[active] += ((scores >= target[active, None]) & ~mask[active][:, items]).sum(1)
                active = active[count[active] < k]
            for rows, _items, scores in _survivors(bounds, groups, uv, active, target, mask, sizes):
                count.index_add_(0, rows, (_last_if_not_finite(scores) >= target[rows]).long())
            out[b:b + u.size] = count.cpu().numpy()
    return out


@torch.no_grad()
def top_k(bounds: ScoreBounds, groups: ItemGroups, users: np.ndarray, known: KnownFn, k: int) -> np.ndarray:
    """(U, k) each user's k best unrated items, best first (-1 where fewer than k exist).

    Exact: the k-th best popular item's score is a threshold; only items whose bound reaches it
    are scored, and the list is the top k of those and the popular items.
    """
    device = bounds.device
    sizes = _Sizes.for_device(device)
    block = sizes.block
    out = np.full((users.size, k), -1, dtype=np.int64)
    with tf32(False):  # float32 scores and bounds, as the exhaustive protocol computes them
        for b in range(0, users.size, block):
            u = users[b:b + block]
            uv = bounds.users(torch.from_numpy(np.asarray(u, dtype=np.int64)).to(device))
            mask = known(u, device)
            head = groups.head
            scores = _last_if_not_finite(bounds.block(uv, head)).masked_fill(mask[:, head], -math.inf)
            take = min(k, head.numel())
            best, pos = scores.topk(take, dim=1)
            best_items = head[pos]
            threshold = best[:, -1] if take == k else torch.full((u.size,), -math.inf, device=device)
            everyone = torch.arange(u.size, device=device)
            found = list(_survivors(bounds, groups, uv, everyone, threshold, mask, sizes))
            best_items = best_items.masked_fill(best == -math.inf, -1)
            if found:
                rows, items, values = (torch.cat(parts) for parts in zip(*found))
                values = _last_if_not_finite(values)
                # Per user, the candidates' best k (sort by score, then stably by row; rank within row).
                order = values.argsort(descending=True, stable=True)
                rows, items, values = rows[order], items[order], values[order]
                order = rows.argsort(stable=True)
                rows, items, values = rows[order], items[order], values[order]
                first = torch.searchsorted(rows, rows, right=False)
                rank = torch.arange(rows.numel(), device=device) - first
                keep = rank < k
                extra_scores = torch.full((u.size, k), -math.inf, device=device)
                extra_items = torch.full((u.size, k), -1, dtype=torch.int64, device=device)
                extra_scores[rows[keep], rank[keep]] = values[keep]
                extra_items[rows[keep], rank[keep]] = items[keep]
                all_scores = torch.cat([best, extra_scores], 1)
                all_items = torch.cat([best_items, extra_items], 1)
            else:
                all_scores, all_items = best, best_items
            take = min(k, all_scores.shape[1])
            top, pos = all_scores.topk(take, dim=1)
            picked = all_items.gather(1, pos).masked_fill(top == -math.inf, -1)
            out[b:b + u.size, :take] = picked.cpu().numpy()
    return out
