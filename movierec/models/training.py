"""Training NCF models: on-device negative sampling and an epoch loop the caller owns.

``Trainer.train_epoch()`` runs one epoch and returns its figures; ``fit_ncf``
is the standard loop (validation HR@10 after each epoch, early stopping,
best weights restored) used by the CLI and the engine. Each epoch's samples
are built on the training device in chunks: a chunk of shuffled positives,
``negatives`` sampled items per positive (rejected and redrawn where the user
rated them), shuffled together, then cut into batches. No Python loop runs
per sample, and no host synchronisation happens per batch.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from movierec.data.splits import Split, sample_negatives
from movierec.evaluation.metrics import hit_rate, ranks
from movierec.models import ncf
from movierec.models.base import Callback

#: Embedding rows (users + items) from which training uses sparse gradients and SparseAdam.
SPARSE_ROWS = 50_000


def sorted_member(sorted_keys: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """``keys`` present in ``sorted_keys`` (both int64, on one device)."""
    if sorted_keys.numel() == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    pos = torch.searchsorted(sorted_keys, keys).clamp_(max=sorted_keys.numel() - 1)
    return sorted_keys[pos] == keys


def sample_training_negatives(users: torch.Tensor, n_items: int, train_keys: torch.Tensor,
                              generator: torch.Generator, rounds: int = 10) -> torch.Tensor:
    """One random item per entry of ``users`` that the user did not rate in training.

    Rejected draws are redrawn, only those, for up to ``rounds`` rounds (one
    host sync per round per chunk, never per batch); the few left after that
    (users who rated nearly everything) stay as drawn.
    """
    items = torch.randint(0, n_items, users.shape, device=users.device, generator=generator)
    todo = torch.nonzero(sorted_member(train_keys, users * n_items + items)).squeeze(1)
    for _ in range(rounds):
        if todo.numel() == 0:
            break
        items[todo] = torch.randint(0, n_items, todo.shape, device=users.device, generator=generator)
        still = sorted_member(train_keys, users[todo] * n_items + items[todo])
        todo = todo[still]
    return items


@dataclass
class DiversityTerm:
    """Differentiable penalty on the genre similarity of the items a batch's users score highest.

    For a few users of the batch, scores over a random pool of items are turned
    into a soft top-k distribution p (softmax with temperature); the penalty is
    the expected pairwise genre cosine p^T S p. It flows back through the scores
    into the embeddings, unlike a penalty computed on argsorted lists.
    """

    genre_sim: torch.Tensor  # (n_items, G) L2-normalised genre rows
    weight: float
    users_per_batch: int = 64
    pool: int = 256
    temperature: float = 0.5

    def __call__(self, model: nn.Module, users: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        device = users.device
        pick = users[torch.randint(0, users.numel(), (self.users_per_batch,), device=device, generator=generator)]
        pool = torch.randint(0, self.genre_sim.shape[0], (self.pool,), device=device, generator=generator)
        logits = model(pick[:, None].expand(-1, self.pool).reshape(-1), pool.repeat(self.users_per_batch))
        p = torch.softmax(logits.view(self.users_per_batch, self.pool) / self.temperature, dim=1)
        g = self.genre_sim[pool]
        sim = g @ g.T  # (pool, pool) genre cosine
        return self.weight * torch.einsum("up,pq,uq->u", p, sim, p).mean()


class Trainer:
    def __init__(self, model: nn.Module, split: Split, config: ncf.NCFConfig, device: torch.device,
                 genres: np.ndarray | None = None) -> None:
        self.model = model.to(device)
        self.config = config
        self.device = device
        self.n_items = split.n_items
        self.users = torch.from_numpy(split.train_users.astype(np.int64)).to(device)
        self.items = torch.from_numpy(split.train_items.astype(np.int64)).to(device)
        self.train_keys = torch.from_numpy(split.train_keys()).to(device)
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(config.seed)
        self.optimizers = self._optimizers(model, split.n_users + split.n_items, config.lr)
        self.diversity: DiversityTerm | None = None
        if config.diversity > 0 and genres is not None:
            g = torch.from_numpy(genres.astype(np.float32))
            g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-8)
            self.diversity = DiversityTerm(g.to(device), config.diversity)
        self.epoch = 0

    @staticmethod
    def _optimizers(model: nn.Module, rows: int, lr: float) -> list[torch.optim.Optimizer]:
        """Adam; on large tables, lazy SparseAdam for the embeddings (dense Adam on 165k rows costs
        ~25 ms a step in full-table updates, most of an ML-20M epoch)."""
        embeddings = [m for m in model.modules() if isinstance(m, ncf.Embedding)]
        if rows < SPARSE_ROWS or not embeddings:
            for m in embeddings:
                m.sparse = False
            return [torch.optim.Adam(model.parameters(), lr=lr)]
        for m in embeddings:
            m.sparse = True
        ids = {id(m.weight) for m in embeddings}
        dense = [p for p in model.parameters() if id(p) not in ids]
        return [torch.optim.SparseAdam([m.weight for m in embeddings], lr=lr), torch.optim.Adam(dense, lr=lr)]

    def _chunks(self):
        n_pos = self.users.numel()
        perm = torch.randperm(n_pos, device=self.device, generator=self.generator)
        for chunk in perm.split(max(self.config.chunk_positives, 1)):
            u = self.users[chunk]
            i = self.items[chunk]
            neg_u = u.repeat(self.config.negatives)
            neg_i = sample_training_negatives(neg_u, self.n_items, self.train_keys, self.generator)
            su = torch.cat([u, neg_u])
            si = torch.cat([i, neg_i])
            labels = torch.cat([torch.ones(u.numel(), device=self.device), torch.zeros(neg_u.numel(), device=self.device)])
            order = torch.randperm(su.numel(), device=self.device, generator=self.generator)
            yield su[order], si[order], labels[order]

    def train_epoch(self, should_stop=None) -> dict:
        """One pass over every positive with fresh negatives. Returns {"loss", "samples", "seconds"}."""
        self.model.train()
        start = time.perf_counter()
        total = torch.zeros((), device=self.device)
        samples = 0
        bs = self.config.batch_size
        for su, si, labels in self._chunks():
            for b in range(0, su.numel(), bs):
                u, i, y = su[b:b + bs], si[b:b + bs], labels[b:b + bs]
                logits = self.model(u, i)
                loss = F.binary_cross_entropy_with_logits(logits, y)
                if self.diversity is not None:
                    loss = loss + self.diversity(self.model, u, self.generator)
                for opt in self.optimizers:
                    opt.zero_grad(set_to_none=True)
                loss.backward()
                for opt in self.optimizers:
                    opt.step()
                total += loss.detach() * y.numel()
                samples += y.numel()
            if should_stop is not None and should_stop():
                break
        self.epoch += 1
        return {"epoch": self.epoch, "loss": float(total) / max(samples, 1), "samples": samples,
                "seconds": time.perf_counter() - start}



@torch.no_grad()
def score_candidates(model: nn.Module, users: np.ndarray, items: np.ndarray, device: torch.device,
                     batch: int = 1 << 20) -> np.ndarray:
    """Logits of (U, C) candidate items, computed in flat batches on ``device``."""
    model.eval()
    flat_u = torch.from_numpy(np.repeat(np.asarray(users, dtype=np.int64), items.shape[1]))
    flat_i = torch.from_numpy(np.maximum(items, 0).astype(np.int64).ravel())
    out = torch.empty(flat_u.numel(), dtype=torch.float32)
    for b in range(0, flat_u.numel(), batch):
        out[b:b + batch] = model(flat_u[b:b + batch].to(device), flat_i[b:b + batch].to(device)).float().cpu()
    return out.view(items.shape).numpy()


@dataclass
class Validator:
    """HR@10 on the validation holdout (second-latest items) against 99 fixed negatives."""

    users: np.ndarray
    candidates: np.ndarray  # (U, 100): validation item first

    @classmethod
    def from_split(cls, split: Split, negatives: int = 99, seed: int = 0, max_users: int = 20_000) -> "Validator | None":
        if split.valid_users.size == 0:
            return None
        users, items = split.valid_users, split.valid_items
        if users.size > max_users:
            pick = np.sort(np.random.default_rng(seed + 7).choice(users.size, max_users, replace=False))
            users, items = users[pick], items[pick]
        neg = sample_negatives(users, split.n_items, split.rated_keys(), negatives, seed=seed + 1)
        return cls(users, np.concatenate([items[:, None], neg], axis=1))

    def hit_rate(self, model: nn.Module, device: torch.device, k: int = 10) -> float:
        scores = score_candidates(model, self.users, self.candidates, device)
        valid = self.candidates >= 0
        valid[:, 0] = False
        return hit_rate(ranks(scores, scores[:, 0], valid), k)


@dataclass
class FitResult:
    model: nn.Module
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_val_hr: float = float("nan")
    seconds: float = 0.0


def fit_ncf(config: ncf.NCFConfig, split: Split, device: torch.device, genres: np.ndarray | None = None,
            callback: Callback | None = None, should_stop=None, init: nn.Module | None = None) -> FitResult:
    """Train one NCF model with early stopping on validation HR@10; the best epoch's weights are kept.

    For NeuMF with ``config.pretrain``, GMF and MLP are trained first (same
    settings) and NeuMF starts from them, as in He et al. 2017.
    """
    start = time.perf_counter()
    torch.manual_seed(config.seed)
    if config.model == "neumf" and config.pretrain and init is None:
        parts = {}
        for kind in ("gmf", "mlp"):
            sub = ncf.NCFConfig.from_json({**config.to_json(), "model": kind, "pretrain": False})
            stage = (lambda kind: (lambda epoch, figures: callback(epoch, {**figures, "stage": kind})))(kind) if callback else None
            parts[kind] = fit_ncf(sub, split, device, genres, stage, should_stop).model
        init = ncf.build(config, split.n_users, split.n_items)
        init.load_pretrained(parts["gmf"], parts["mlp"])  # type: ignore[union-attr]
        # The paper fine-tunes the fused model with plain SGD; a smaller Adam step keeps the pretrained optimum.
        config = ncf.NCFConfig.from_json({**config.to_json(), "lr": config.lr / 4})
    torch.manual_seed(config.seed)
    model = init if init is not None else ncf.build(config, split.n_users, split.n_items)
    trainer = Trainer(model, split, config, device, genres)
    validator = Validator.from_split(split, seed=config.seed)
    result = FitResult(model)
    best_state, best, since = None, -1.0, 0
    for _ in range(config.epochs):
        figures = trainer.train_epoch(should_stop)
        if validator is not None:
            figures["val_hr"] = validator.hit_rate(trainer.model, device)
        result.history.append(figures)
        if callback:
            callback(figures["epoch"], {**figures, "stage": config.model})
        if should_stop is not None and should_stop():
            break
        score = figures.get("val_hr", -figures["loss"])
        if score > best:
            best, since = score, 0
            best_state = copy.deepcopy(trainer.model.state_dict())
            result.best_epoch = figures["epoch"]
        else:
            since += 1
            if since >= config.patience:
                break
    if best_state is not None:
        trainer.model.load_state_dict(best_state)
    result.best_val_hr = best if validator is not None else float("nan")
    result.model = trainer.model.eval()
    result.seconds = time.perf_counter() - start
    return result
