"""Fold-in: fit a new user's vectors with every other weight frozen.

The new user starts at the mean user (per user table) and is fitted by Adam on
log loss over: well-rated films (positives), badly rated films and "not
interested" marks (explicit negatives, weighted up), and sampled unrated films
(implicit negatives, redrawn every step from a seeded generator). An L2 pull
toward the mean user keeps a handful of ratings from producing an extreme
vector. Everything is deterministic for a given profile and seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from movierec.models.ncf import modules as ncf


@dataclass
class FoldInConfig:
    steps: int = 120
    lr: float = 0.05
    negatives: int = 4  # sampled negatives per positive per step
    min_sampled: int = 32  # at least this many sampled negatives per step
    explicit_weight: float = 2.0  # weight of an explicit negative (a low rating)
    prior: float = 0.001  # L2 pull toward the mean user
    # Sampled negatives ~ popularity^power, power = popularity_power * half / (half + positives):
    # a short profile is pushed away from plain popularity (its few films say little else), a long
    # one samples nearly uniformly, as training does (bench/foldin.py measures both).
    popularity_power: float = 0.75
    popularity_half: float = 10.0
    seed: int = 0


@dataclass
class FoldInResult:
    vectors: list[torch.Tensor]  # one (D,) vector per user table, on the model's device
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"


def mean_user(model: nn.Module) -> list[torch.Tensor]:
    return [table.weight.detach().mean(dim=0) for table in ncf.user_tables(model)]


def fold_in(model: nn.Module, positives: np.ndarray, negatives: np.ndarray, n_items: int,
            config: FoldInConfig | None = None, exclude: np.ndarray | None = None,
            callback=None, should_stop=None, popularity: np.ndarray | None = None,
            positive_weights: np.ndarray | None = None) -> FoldInResult:
    """Fit one user's vectors for ``model`` from item indices the user liked and disliked.

    ``exclude``: items never drawn as sampled negatives (everything the user rated).
    ``popularity``: per-item counts; sampled negatives are drawn in proportion to
    count^popularity_power (as word2vec does), so the vector learns what sets the
    user apart from popular taste rather than popularity itself.
    ``callback(step, loss)`` is called every 10 steps (the loss there costs one sync).
    ``positive_weights``: one multiplier per positive (e.g. ``recent.recency_weights`` of the profile's
    rating times, so recent ratings count more), rescaled to mean 1 so the positives' total weight
    and its balance against the negatives stay as without them; None: all equal.
    """
    config = config or FoldInConfig()
    start = time.perf_counter()
    device = next(model.parameters()).device
    model.eval()
    gen = torch.Generator(device=device)
    gen.manual_seed(config.seed)
    base = mean_user(model)
    vectors = [b.clone().requires_grad_(True) for b in base]
    pos = torch.as_tensor(np.asarray(positives, dtype=np.int64), device=device)
    neg = torch.as_tensor(np.asarray(negatives, dtype=np.int64), device=device)
    rated = np.unique(np.concatenate([np.asarray(positives, np.int64), np.asarray(negatives, np.int64),
                                      np.asarray(exclude if exclude is not None else [], np.int64)]))
    rated_t = torch.as_tensor(rated, device=device)
    n_sampled = max(config.negatives * int(pos.numel()), config.min_sampled)
    items_fixed = torch.cat([pos, neg])
    labels = torch.cat([torch.ones(pos.numel(), device=device), torch.zeros(neg.numel() + n_sampled, device=device)])
    weights = torch.cat([torch.ones(pos.numel(), device=device),
                         torch.full((neg.numel(),), config.explicit_weight, device=device),
                         torch.ones(n_sampled, device=device)])
    if positive_weights is not None and pos.numel():
        pw = np.asarray(positive_weights, dtype=np.float64).reshape(-1)
        if pw.shape != (pos.numel(),) or not np.isfinite(pw).all() or (pw < 0).any() or pw.sum() <= 0:
            raise ValueError("positive_weights needs one finite, non-negative weight per positive, not all 0")
        weights[: pos.numel()] = torch.as_tensor(pw * (pw.size / pw.sum()), dtype=torch.float32, device=device)
    if pos.numel():
        # Balance: the positives weigh as much as all the negatives together.
        weights[: pos.numel()] *= max(1.0, (weights[pos.numel():].sum() / pos.numel()).item() * 0.5)
    weights_t = None
    power = config.popularity_power * config.popularity_half / (config.popularity_half + int(pos.numel()))
    if popularity is not None and power > 0.01:
        w = np.power(np.asarray(popularity, dtype=np.float64) + 1.0, power)
        w[rated] = 0.0
        if w.sum() > 0:
            weights_t = torch.as_tensor(w / w.sum(), dtype=torch.float32, device=device)
    # Adam by hand for these few vectors: torch.optim's first step costs ~1 s of one-time set-up
    # (it imports torch._dynamo), which would be most of the app's start-up.
    moments = [(torch.zeros_like(v), torch.zeros_like(v)) for v in vectors]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    losses: list[float] = []
    loss = torch.zeros((), device=device)
    for step in range(config.steps):
        if weights_t is not None:
            sampled = torch.multinomial(weights_t, n_sampled, replacement=True, generator=gen)
        else:
            sampled = torch.randint(0, n_items, (n_sampled,), device=device, generator=gen)
            if rated_t.numel():
                # Rated items drawn by chance are replaced by a shifted draw (one pass; rare).
                hit = torch.isin(sampled, rated_t)
                shift = torch.randint(1, max(n_items, 2), sampled.shape, device=device, generator=gen)
                sampled = torch.where(hit, (sampled + shift) % n_items, sampled)
        items = torch.cat([items_fixed, sampled])
        logits = model.score_vectors([v[None, :] for v in vectors], items)[0]
        loss = (F.binary_cross_entropy_with_logits(logits, labels, reduction="none") * weights).sum() / weights.sum()
        loss = loss + config.prior * sum(((v - b) ** 2).sum() for v, b in zip(vectors, base))
        # Gradients for the user's vectors only: the model's weights stay frozen and untouched.
        grads = torch.autograd.grad(loss, vectors)
        with torch.no_grad():
            for v, g, (m, s2) in zip(vectors, grads, moments):
                m.mul_(beta1).add_(g, alpha=1 - beta1)
                s2.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat = m / (1 - beta1 ** (step + 1))
                s_hat = s2 / (1 - beta2 ** (step + 1))
                v.sub_(config.lr * m_hat / (s_hat.sqrt() + eps))
        if callback is not None and (step % 10 == 9 or step == config.steps - 1):
            losses.append(float(loss.detach()))
            callback(step + 1, losses[-1])
        if should_stop is not None and should_stop():
            break
    if config.steps and not losses:
        losses.append(float(loss.detach()))
    return FoldInResult([v.detach() for v in vectors], losses, time.perf_counter() - start, str(device))


@torch.no_grad()
def score_items(model: nn.Module, vectors: list[torch.Tensor]) -> np.ndarray:
    """Logits of every catalogue item for folded-in vectors."""
    model.eval()
    return model.score_vectors([v[None, :] for v in vectors])[0].float().cpu().numpy()
