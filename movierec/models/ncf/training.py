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
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from movierec.data.splits import Split, sample_negatives
from movierec import device as devices
from movierec.errors import MovieRecError
from movierec.metrics import hit_rate, ranks
from movierec.models.ncf import modules as ncf
from movierec.models.base import Callback, FitResult, diverged

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
    """One model's training state: data on the device, optimizers, random streams.

    Ratings are kept on the device as int32 (8 bytes a rating with the sorted
    int64 membership keys: 20M ratings take 320 MB); samples are built a chunk
    at a time. Under torchrun (``movierec.distributed``) the model is wrapped in
    DistributedDataParallel, every rank draws the same permutation of the
    positives and takes its own shard of it, and ``config.batch_size`` is the
    global batch (each rank's is ``batch_size / world``).
    """

    def __init__(self, model: nn.Module, split: Split, config: ncf.NCFConfig, device: torch.device,
                 genres: np.ndarray | None = None) -> None:
        from movierec import distributed

        devices.apply_threads()  # also when a caller built the device itself, not through devices.resolve
        if split.train_users.size == 0:
            raise MovieRecError("there are no training ratings to learn from; use a dataset with more ratings")
        per_user = np.bincount(split.train_users, minlength=split.n_users)
        if (per_user[per_user > 0] >= split.n_items).all():
            raise MovieRecError(f"every user has rated all {split.n_items} item(s), so there are no unrated items to "
                                "sample as negatives; neural models need a larger catalogue")
        config = config.resolved(int(split.train_users.size), device.type)
        self.model = model.to(device)
        self.config = config
        self.device = device
        self.dist = distributed.active()
        self.world = self.dist.world if self.dist else 1
        self.rank = self.dist.rank if self.dist else 0
        self.n_items = split.n_items
        self.users = self._upload(split.train_users.astype(np.int32))
        self.items = self._upload(split.train_items.astype(np.int32))
        self.train_keys = self._upload(split.train_keys())
        # The order of positives is the same stream on every rank (each takes its shard of one permutation);
        # negatives and shuffles differ per rank.
        self.order_generator = torch.Generator(device=device)
        self.order_generator.manual_seed(config.seed)
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(config.seed + 7919 * (self.rank + 1))  # never the order stream
        self.batch_size = max(1, config.batch_size // self.world)
        self.chunk = max(1, config.chunk_positives // self.world)
        if device.type == "cuda":
            # The whole epoch's samples at once where a quarter of the free GPU memory holds them
            # (about 40 bytes per sample with temporaries): one sampling pass an epoch.
            free, _ = torch.cuda.mem_get_info(device)
            per_positive = 40 * (1 + config.negatives)
            self.chunk = max(self.chunk, min(self.users.numel(), int(free * 0.25) // per_positive))
        self.amp = bool(config.amp)
        self.optimizers = self._optimizers(model, split.n_users + split.n_items, config.lr)
        self.net: nn.Module = model
        if self.dist is not None:
            from torch.nn.parallel import DistributedDataParallel

            ids = [device.index] if device.type == "cuda" else None
            self.net = DistributedDataParallel(model, device_ids=ids)
        if config.compile:
            self.net = torch.compile(self.net)  # compiled at the first step; the model's weights are shared
        self.diversity: DiversityTerm | None = None
        if config.diversity > 0 and genres is not None:
            g = torch.from_numpy(genres.astype(np.float32))
            g = g / g.norm(dim=1, keepdim=True).clamp_min(1e-8)
            self.diversity = DiversityTerm(g.to(device), config.diversity)
        self.epoch = 0
        # The averaged copy (``config.ema``): the weights validated and kept. Frozen parameters are copied along.
        self.averaged: nn.Module | None = None
        self.ema_steps = 0
        if config.ema > 0:
            self.averaged = copy.deepcopy(model)  # keeps its requires_grad flags: a kept model may train on
            self._ema_pairs = [(a, p) for a, p in zip(self.averaged.parameters(), model.parameters())
                               if p.requires_grad]

    @property
    def kept(self) -> nn.Module:
        """The model to validate and keep: the averaged weights with ``config.ema``, else the trained ones."""
        return self.averaged if self.averaged is not None else self.model

    @torch.no_grad()
    def _ema_step(self) -> None:
        self.ema_steps += 1
        decay = min(self.config.ema, (1 + self.ema_steps) / (10 + self.ema_steps))
        avg = [a for a, _ in self._ema_pairs]
        torch._foreach_lerp_(avg, [p.detach() for _, p in self._ema_pairs], 1.0 - decay)

    def _upload(self, array: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(array))
        if self.device.type == "cuda":
            return t.pin_memory().to(self.device, non_blocking=True)
        return t.to(self.device)

    def _optimizers(self, model: nn.Module, rows: int, lr: float) -> list[torch.optim.Optimizer]:
        """Adam. On CPU with large tables and small batches: lazy SparseAdam for the embeddings (dense Adam on
        165k rows costs ~25 ms a step in full-table updates, most of an ML-20M epoch at batch 4,096). Dense
        Adam is fused on the CPU and on a GPU: one pass over each table a step (the plain CPU Adam makes
        about eight, ~1.5x a 65k-sample step's time, bench/ncf_step.py). DistributedDataParallel averages
        dense gradients, so distributed training is dense too."""
        embeddings = [m for m in model.modules() if isinstance(m, ncf.Embedding)]
        # Sparse pays when a batch touches few rows of a big table; a 65k batch touches most of them.
        sparse = (self.device.type == "cpu" and self.dist is None and rows >= SPARSE_ROWS and bool(embeddings)
                  and self.config.batch_size <= 16_384)
        for m in embeddings:
            m.sparse = sparse
        decay = {"weight_decay": self.config.weight_decay} if self.config.weight_decay > 0 else {}
        if not sparse:
            return [self._adam(list(model.parameters()), lr, decay)]
        ids = {id(m.weight) for m in embeddings}
        dense = [p for p in model.parameters() if id(p) not in ids]
        return [torch.optim.SparseAdam([m.weight for m in embeddings], lr=lr), self._adam(dense, lr, decay)]

    def _adam(self, params: list[torch.Tensor], lr: float, decay: dict) -> torch.optim.Optimizer:
        """Fused Adam where this torch has it for the device (CPU from torch 2.4), else the plain one."""
        if self.device.type in ("cuda", "cpu"):
            try:
                return torch.optim.Adam(params, lr=lr, fused=True, **decay)
            except RuntimeError:  # an older torch: fused Adam for GPUs only
                pass
        return torch.optim.Adam(params, lr=lr, **decay)

    def _embedding_norms(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """Mean over the batch of the squared norms of the user and item rows each example uses."""
        total = torch.zeros((), device=users.device)
        for name, m in self.model.named_modules():
            if isinstance(m, ncf.Embedding):  # GMF's and the MLP's: .user and .item
                total = total + m(users if name.endswith("user") else items).float().pow(2).sum(-1).mean()
        return total

    def _shard(self) -> torch.Tensor:
        """This rank's positives for the epoch: its slice of one shared permutation, cut to equal shards
        (every rank runs the same number of steps, as DDP needs; at most world - 1 positives wait a turn)."""
        n_pos = self.users.numel()
        perm = torch.randperm(n_pos, device=self.device, generator=self.order_generator)
        if self.world == 1:
            return perm
        per_rank = n_pos // self.world
        return perm[self.rank * per_rank:(self.rank + 1) * per_rank]

    def _chunks(self):
        negatives = self.config.negatives
        for chunk in self._shard().split(self.chunk):
            u = self.users[chunk].long()
            i = self.items[chunk].long()
            neg_u = u.repeat(negatives)
            neg_i = sample_training_negatives(neg_u, self.n_items, self.train_keys, self.generator)
            su = torch.cat([u, neg_u])
            si = torch.cat([i, neg_i])
            labels = torch.zeros(su.numel(), device=self.device)
            labels[:u.numel()] = 1.0
            order = torch.randperm(su.numel(), device=self.device, generator=self.generator)
            yield su[order], si[order], labels[order]

    def train_epoch(self, should_stop=None) -> dict:
        """One pass over every positive with fresh negatives. Returns {"loss", "samples", "seconds"}.

        The inner loop never waits for the device: no ``.item()``, the running loss stays a device
        tensor; the one synchronisation is reading it at the end (and one per negative-redraw round).
        On CUDA the epoch's float32 matmuls use TF32 tensor cores (the tower is tiny; 10-bit mantissa
        products are plenty for a gradient step); the setting is restored after the epoch.
        """
        with devices.tf32(self.device.type == "cuda"):
            return self._train_epoch(should_stop)

    def _train_epoch(self, should_stop=None) -> dict:
        self.model.train()
        start = time.perf_counter()
        total = torch.zeros((), device=self.device)
        samples = 0
        bs = self.batch_size
        autocast = torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.amp)
        for su, si, labels in self._chunks():
            for b in range(0, su.numel(), bs):
                u, i, y = su[b:b + bs], si[b:b + bs], labels[b:b + bs]
                with autocast:
                    logits = self.net(u, i)
                    loss = F.binary_cross_entropy_with_logits(logits.float(), y)
                    if self.config.embedding_l2 > 0:
                        loss = loss + self.config.embedding_l2 * self._embedding_norms(u, i)
                    if self.diversity is not None:
                        loss = loss + self.diversity(self.model, u, self.generator)
                for opt in self.optimizers:
                    opt.zero_grad(set_to_none=True)
                loss.backward()
                for opt in self.optimizers:
                    opt.step()
                if self.averaged is not None:
                    self._ema_step()
                total += loss.detach() * y.numel()
                samples += y.numel()
            if should_stop is not None and should_stop():
                break
        if self.dist is not None:  # the epoch's loss over every rank's samples
            import torch.distributed as dist

            figures = torch.stack([total, torch.tensor(float(samples), device=self.device)])
            dist.all_reduce(figures)
            total, samples = figures[0], int(figures[1].item())
        loss_value = float(total) / max(samples, 1)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.epoch += 1
        return {"epoch": self.epoch, "loss": loss_value, "samples": samples,
                "seconds": time.perf_counter() - start}


@torch.no_grad()
def score_candidates(model: nn.Module, users: np.ndarray, items: np.ndarray, device: torch.device,
                     batch: int = 1 << 20) -> np.ndarray:
    """Logits of (U, C) candidate items.

    Users and candidates cross to the device once (pinned, for a GPU), are
    scored there in flat batches of ``batch`` pairs into one device buffer, and
    come back once: no host round trip per batch.
    """
    model.eval()
    u = torch.from_numpy(np.ascontiguousarray(users, dtype=np.int64))
    c = torch.from_numpy(np.maximum(items, 0).astype(np.int64))
    if device.type == "cuda":
        u, c = u.pin_memory(), c.pin_memory()
    u, c = u.to(device, non_blocking=True), c.to(device, non_blocking=True)
    n_cand = items.shape[1]
    out = torch.empty(c.numel(), dtype=torch.float32, device=device)
    flat_c = c.view(-1)
    rows = max(1, batch // max(n_cand, 1))
    for b in range(0, u.numel(), rows):
        uu = u[b:b + rows].repeat_interleave(n_cand)
        out[b * n_cand:b * n_cand + uu.numel()] = model(uu, flat_c[b * n_cand:b * n_cand + uu.numel()]).float()
    return out.cpu().view(items.shape).numpy()


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
        neg = sample_negatives(users, split.n_items, split.validation_keys(), negatives, seed=seed + 1)
        return cls(users, np.concatenate([items[:, None], neg], axis=1))

    def hit_rate(self, model: nn.Module, device: torch.device, k: int = 10) -> float:
        scores = score_candidates(model, self.users, self.candidates, device)
        valid = self.candidates >= 0
        valid[:, 0] = False
        return hit_rate(ranks(scores, scores[:, 0], valid), k)


def _finite(model: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in model.parameters())


def fit_ncf(config: ncf.NCFConfig, split: Split, device: torch.device, genres: np.ndarray | None = None,
            callback: Callback | None = None, should_stop=None, init: nn.Module | None = None,
            epochs_by_stage: dict[str, int] | None = None) -> FitResult:
    """Train one NCF model with early stopping on validation HR@10; the best epoch's weights are kept.

    For NeuMF with ``config.pretrain``, GMF and MLP are trained first (same
    settings) and NeuMF starts from them, as in He et al. 2017. With
    ``epochs_by_stage`` (stage -> epochs, from an earlier fit's ``stage_epochs``)
    each stage trains exactly that many epochs, with no validation, and keeps its
    last weights: the refit on train + validation. A loss that is not a finite
    number stops training with a MovieRecError (nothing is returned to save). A ``should_stop`` that
    answers True ends training after the current epoch slice, also between NeuMF's stages.
    """
    from movierec import distributed

    start = time.perf_counter()
    config = config.resolved(int(split.train_users.size), device.type)
    torch.manual_seed(config.seed)
    stage_epochs: dict[str, int] = {}
    if config.model == "neumf" and config.pretrain and init is None:
        parts = {}
        for kind in ("gmf", "mlp"):
            sub = ncf.NCFConfig.from_json({**config.to_json(), "model": kind, "pretrain": False})
            stage = (lambda kind: (lambda epoch, figures: callback(epoch, {**figures, "stage": kind})))(kind) if callback else None
            part = fit_ncf(sub, split, device, genres, stage, should_stop, epochs_by_stage=epochs_by_stage)
            if should_stop is not None and should_stop():
                return part  # stopped while pretraining: the callers check should_stop and keep nothing
            parts[kind] = part.model
            stage_epochs[kind] = part.stage_epochs.get(kind, part.best_epoch)
        init = ncf.build(config, split.n_users, split.n_items)
        init.load_pretrained(parts["gmf"], parts["mlp"])  # type: ignore[union-attr]
        # The paper fine-tunes the fused model with plain SGD; a smaller Adam step keeps the pretrained optimum.
        config = ncf.NCFConfig.from_json({**config.to_json(), "lr": config.lr / 4})
    torch.manual_seed(config.seed)
    model = init if init is not None else ncf.build(config, split.n_users, split.n_items)
    trainer = Trainer(model, split, config, device, genres)
    fixed = epochs_by_stage.get(config.model) if epochs_by_stage is not None else None
    validator = Validator.from_split(split, seed=config.seed) if fixed is None else None
    result = FitResult(model, config=config)
    best_state, best, since = None, -1.0, 0
    for _ in range(config.epochs if fixed is None else fixed):
        figures = trainer.train_epoch(should_stop)
        if not np.isfinite(figures["loss"]):
            raise diverged(figures["epoch"], figures["loss"])
        if validator is not None:
            # Every rank holds the same weights; rank 0's figure decides, so all ranks stop together.
            figures["val_hr"] = distributed.broadcast_float(validator.hit_rate(trainer.kept, device), device)
        result.history.append(figures)
        if callback:
            callback(figures["epoch"], {**figures, "stage": config.model,
                                        "epochs": config.epochs if fixed is None else fixed})
        if should_stop is not None and should_stop():
            break
        if fixed is not None:  # a refit: exactly ``fixed`` epochs, the last weights kept
            result.best_epoch = figures["epoch"]
            continue
        score = figures.get("val_hr", -figures["loss"])
        if score > best:
            best, since = score, 0
            best_state = copy.deepcopy(trainer.kept.state_dict())
            result.best_epoch = figures["epoch"]
        else:
            since += 1
            if since >= config.patience:
                break
    kept = trainer.kept
    if best_state is not None:
        kept.load_state_dict(best_state)
    if not _finite(kept):  # a last step that overflowed after the loss was summed
        raise diverged(trainer.epoch, float("nan"))
    stage_epochs[config.model] = result.best_epoch
    result.stage_epochs = stage_epochs
    result.best_val_hr = best if validator is not None else float("nan")
    result.model = kept.eval()
    result.seconds = time.perf_counter() - start
    return result
