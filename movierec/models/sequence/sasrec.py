"""SASRec: self-attentive sequential recommendation (Kang & McAuley, ICDM 2018), in plain PyTorch.

Each user's ratings in time order are a sequence of items; a stack of causal
self-attention blocks reads it and, at every position, predicts the next item
by a dot product of its output with the (shared) item embeddings.

* Sequences: a user's training items ordered by timestamp; ratings of the same
  second in a random order drawn from the seed (reproducible). Only the latest
  ``max_len`` items are read. Inputs are right-aligned (padding, index 0, on the
  left), so the learned position embedding of the last column is always "the
  latest item" whatever the sequence's length.
* Blocks: pre-layer-norm multi-head self-attention (causal, padded keys masked)
  and a point-wise two-layer feed-forward network, each with dropout and a
  residual connection; a final layer norm.
* Losses (``SASRecConfig.loss``): "bce", the paper's binary cross-entropy with
  ``negatives`` uniformly sampled items per position; "ce", softmax cross-entropy
  over the whole catalogue; "sampled-ce", softmax cross-entropy over the target
  and ``negatives`` uniformly sampled items shared by the batch (Klenitskiy &
  Vasilev, RecSys 2023). BCE is the default: on ml-latest-small it led sampled
  softmax by 0.07 validation HR@10 and 0.12 test HR@10 (99 sampled negatives),
  and by 0.01 HR@10 ranking every item; full softmax cost about 10x a BCE epoch
  on a CPU and was no better after its first epochs (bench/RESULTS.md).
* Training windows (``SASRecConfig.windows``): "all" (the default) cuts a long
  history into windows of ``max_len`` so every item is a target once an epoch;
  the paper's "latest" trains on each user's latest ``max_len`` + 1 items only.
  With 610 users "all" was the largest single gain (validation HR@10 0.60 -> 0.72).
* Fitting: early stopping on the validation holdout (HR@10 against 99 sampled
  negatives, as NCF's Validator), then a fresh model fitted on train +
  validation for the chosen number of epochs, so the saved model's histories run
  up to each user's held-out test item.

A fitted recommender is rebuilt from three things (see ``SASRecRecommender.state``):
the config JSON, the module's state dict, and the per-user histories as two
tensors (CSR ``history.indptr`` int64 and ``history.items`` int32) stored beside
the weights in the same state dict.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from movierec.data.catalog import Catalog
from movierec.data.splits import Split, sample_negatives
from movierec.errors import CheckpointError, MovieRecError
from movierec.metrics import hit_rate, ranks
from movierec.models.base import Callback, FitResult, KnownProfiles, ProfileArrays, diverged
from movierec.models.settings import Settings

LOSSES = ("bce", "ce", "sampled-ce")
WINDOWS = ("latest", "all")
#: Prefix of the history tensors in ``SASRecRecommender.state()`` (the rest are the module's weights).
HISTORY = "history."


@dataclass
class SASRecConfig(Settings):
    LABEL: ClassVar[str] = "sasrec"
    hidden: int = 64  # item and position embedding size, and every block's width
    blocks: int = 1  # 2: +0.02 validation HR@10 (with sampled softmax) at twice the time an epoch
    heads: int = 1
    max_len: int = 50  # the latest items of a sequence that are read
    dropout: float = 0.2
    lr: float = 2e-3
    epochs: int = 200  # at most (early stopping on validation chooses fewer)
    batch_size: int = 32  # windows per step
    loss: str = "bce"  # bce | ce | sampled-ce (module docstring; bench/RESULTS.md compares them)
    # bce: per position, their losses summed (4: within the 2-minute fit on ml-latest-small; the paper's 1 scored
    # 0.014 higher on validation in twice the time); sampled-ce: shared by a batch (256 tried); ce: unused
    negatives: int = 4
    # epochs without a better validation HR@10 before stopping (8 stopped a seed at a noisy early peak)
    patience: int = 14
    weight_decay: float = 0.0  # AdamW's decoupled weight decay
    seed: int = 0
    windows: str = "all"  # all | latest (``training_windows``)
    # "scratch": refit on train + validation for the chosen epochs; "none": keep the validated model (NCF's words)
    refit: str = "scratch"

    def problem(self) -> str | None:
        """What is out of range in this config (None: nothing)."""
        ints = {"hidden": (1, 4096), "blocks": (1, 64), "heads": (1, 256), "max_len": (1, 100_000),
                "epochs": (1, 1_000_000), "batch_size": (1, 1 << 24), "negatives": (1, 1 << 24),
                "patience": (1, 1_000_000), "seed": (0, 2**63 - 1)}
        for key, (low, high) in ints.items():
            value = getattr(self, key)
            if not low <= value <= high:
                return f"{key} {value} is not from {low} to {high:,}"
        if self.hidden % self.heads:
            return f"hidden {self.hidden} is not a multiple of heads {self.heads}"
        if not (0.0 <= self.dropout < 1.0):
            return f"dropout {self.dropout} is not in [0, 1)"
        if not (math.isfinite(self.lr) and 0.0 < self.lr <= 10.0):
            return f"lr {self.lr} is not in (0, 10]"
        if not (math.isfinite(self.weight_decay) and 0.0 <= self.weight_decay <= 10.0):
            return f"weight_decay {self.weight_decay} is not in [0, 10]"
        if self.refit not in ("scratch", "none"):
            return f"refit {self.refit!r} is not one of scratch, none"
        if self.windows not in WINDOWS:
            return f"windows {self.windows!r} is not one of {', '.join(WINDOWS)}"
        if self.loss not in LOSSES:
            return f"loss {self.loss!r} is not one of {', '.join(LOSSES)}"
        return None

    @staticmethod
    def suggest(trial, model: str = "sasrec") -> dict:
        """One Optuna trial's settings for ``tune`` (around the defaults bench/sasrec.py chose)."""
        return {
            "hidden": trial.suggest_categorical("hidden", [32, 64, 128]),
            "max_len": trial.suggest_categorical("max_len", [25, 50, 100]),
            "dropout": trial.suggest_float("dropout", 0.0, 0.5),
            "lr": trial.suggest_float("lr", 5e-4, 5e-3, log=True),
            "negatives": trial.suggest_categorical("negatives", [1, 2, 4, 8]),
            "batch_size": trial.suggest_categorical("batch_size", [16, 32, 64]),
            "weight_decay": trial.suggest_categorical("weight_decay", [0.0, 1e-4, 1e-3]),
        }

    @staticmethod
    def check(meta: dict, max_width: int, max_parameters: int) -> str | None:
        """What is wrong with a checkpoint's sasrec config (None: nothing), before anything is built."""
        try:
            config = SASRecConfig.from_json(meta["config"])
        except MovieRecError as exc:
            return str(exc)
        if config.hidden > max_width:
            return f"hidden {config.hidden} is more than {max_width:,}"
        size = config.parameters(meta["n_items"])
        if size > max_parameters:
            return f"{size:,} parameters, more than the {max_parameters:,} a movierec model may have"
        return None

    def parameters(self, n_items: int) -> int:
        """The module's parameter count for ``n_items`` items (to refuse absurd checkpoints before building)."""
        d = self.hidden
        block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + 2 * (d * d + d)
        return (n_items + 1) * d + self.max_len * d + self.blocks * block + 2 * d


# -- the module ---------------------------------------------------------------------------------------------------

class _Dropout(nn.Module):
    """Inverted dropout from one uniform draw and a comparison (2x faster than nn.Dropout's Bernoulli
    on a CPU, where dropout was a quarter of a training step); the identity in eval mode."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        return x * ((torch.rand_like(x) >= self.p).to(x.dtype) * (1.0 / (1.0 - self.p)))


class _Block(nn.Module):
    """Pre-layer-norm causal self-attention and a point-wise feed-forward network, both residual."""

    def __init__(self, hidden: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.dropout = dropout
        self.attn_norm = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.ffn_norm = nn.LayerNorm(hidden)
        self.ffn_in = nn.Linear(hidden, hidden)
        self.ffn_out = nn.Linear(hidden, hidden)
        self.drop = _Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(self.attn_norm(x)).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        # No dropout on the attention weights: on a CPU it cost more than the rest of the block (a
        # Bernoulli draw per (query, key) pair) and dropout on the block's outputs regularises enough.
        attn = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.drop(self.proj(attn.transpose(1, 2).reshape(b, n, d)))
        h = self.ffn_out(self.drop(F.relu(self.ffn_in(self.ffn_norm(x)))))
        return x + self.drop(h)


class SASRecModule(nn.Module):
    """Item embeddings (row 0 = padding, item i at row i + 1), learned positions, causal blocks.

    ``forward(seq)`` maps (B, L) right-aligned item rows (0 = padding) to (B, L, hidden) states; the
    state at column t has read only columns <= t. ``logits(states)`` scores every item.
    """

    def __init__(self, n_items: int, hidden: int, blocks: int, heads: int, max_len: int, dropout: float) -> None:
        super().__init__()
        self.max_len = max_len
        self.item = nn.Embedding(n_items + 1, hidden, padding_idx=0)
        self.position = nn.Embedding(max_len, hidden)
        self.drop = _Dropout(dropout)
        self.blocks = nn.ModuleList(_Block(hidden, heads, dropout) for _ in range(blocks))
        self.norm = nn.LayerNorm(hidden)
        nn.init.normal_(self.item.weight, std=0.02)
        nn.init.normal_(self.position.weight, std=0.02)
        with torch.no_grad():
            self.item.weight[0].zero_()

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        n = seq.shape[1]
        real = seq != 0
        pos = torch.arange(self.max_len - n, self.max_len, device=seq.device)
        x = self.drop(self.item(seq) + self.position(pos)) * real.unsqueeze(-1)
        # A position reads itself and the real items before it (never padding, never a later column).
        causal = torch.ones(n, n, dtype=torch.bool, device=seq.device).tril()
        eye = torch.eye(n, dtype=torch.bool, device=seq.device)
        allowed = causal & (real[:, None, None, :] | eye)  # (B, 1, L, L), shared by the heads
        mask = torch.zeros(allowed.shape, dtype=x.dtype, device=seq.device).masked_fill_(~allowed, float("-inf"))
        for block in self.blocks:
            x = block(x, mask) * real.unsqueeze(-1)
        return self.norm(x)

    def logits(self, states: torch.Tensor) -> torch.Tensor:
        """(..., hidden) states -> (..., n_items) scores of every item."""
        return states @ self.item.weight[1:].T


def build_module(config: SASRecConfig, n_items: int) -> SASRecModule:
    return SASRecModule(n_items, config.hidden, config.blocks, config.heads, config.max_len, config.dropout)


# -- sequences ----------------------------------------------------------------------------------------------------

def build_sequences(users: np.ndarray, items: np.ndarray, stamps: np.ndarray, n_users: int,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each user's items in time order as CSR (indptr int64 (n_users + 1), items int32); ties in a
    random order drawn from ``seed``."""
    tiebreak = np.random.default_rng(seed).random(users.size)
    order = np.lexsort((tiebreak, stamps, users))
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=n_users), out=indptr[1:])
    return indptr, items[order].astype(np.int32)


def append_items(indptr: np.ndarray, items: np.ndarray, users: np.ndarray,
                 new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sequences with one item appended to each of ``users`` (distinct), at the end (the latest)."""
    n_users = indptr.size - 1
    extra = np.bincount(users, minlength=n_users)
    out_ptr = np.zeros_like(indptr)
    np.cumsum(np.diff(indptr) + extra, out=out_ptr[1:])
    out = np.empty(out_ptr[-1], dtype=np.int32)
    lengths = np.diff(indptr)
    rows = np.repeat(np.arange(n_users), lengths)
    out[out_ptr[rows] + (np.arange(items.size) - indptr[rows])] = items
    out[out_ptr[users + 1] - 1] = new
    return out_ptr, out


def training_windows(indptr: np.ndarray, max_len: int, mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, end, width) of each training window: the window's targets are the user's items up to ``end``
    (exclusive, an index into the CSR items), its inputs the items one before them, ``width`` positions.

    "latest": one window per user, its latest ``max_len`` + 1 items (the paper's). "all": also windows
    ending ``max_len`` earlier, and so on, so every item of a long history is a target once an epoch.
    """
    lo, hi = indptr[:-1], indptr[1:]
    users = np.flatnonzero(hi - lo >= 2)  # a window needs an input and a next item
    if mode == "all":
        per_user = np.maximum(-(-(hi[users] - lo[users] - 1) // max_len), 0)
        users = np.repeat(users, per_user)
        starts = np.cumsum(per_user) - per_user
        k = np.arange(users.size) - np.repeat(starts, per_user)
        ends = hi[users] - k * max_len
    else:
        ends = hi[users]
    widths = np.minimum(ends - lo[users] - 1, max_len)
    return users.astype(np.int64), ends.astype(np.int64), widths.astype(np.int64)


def windows(indptr: torch.Tensor, items: torch.Tensor, users: torch.Tensor, length: int,
            ends: torch.Tensor | None = None) -> torch.Tensor:
    """(B, length) right-aligned item rows (item + 1; 0 = padding) of each user's items before ``ends``
    (default: the whole sequence), the latest ``length`` of them."""
    lo = indptr[users]
    hi = indptr[users + 1] if ends is None else ends
    pos = (hi - length)[:, None] + torch.arange(length, device=items.device)
    real = pos >= lo[:, None]
    rows = items[pos.clamp(min=0)].long() + 1
    return rows * real


# -- the recommender ----------------------------------------------------------------------------------------------

class SASRecRecommender:
    """SASRec behind the Recommender protocol.

    The lead's wiring: ``SASRecRecommender(config, device)`` then ``fit(split, catalog, callback)``;
    to save, ``state()`` (a dict of tensors: the module's weights and ``history.*``) with
    ``config.to_json()``; to load, ``SASRecRecommender.from_state(config, state, n_items, device)``.
    ``score_sequence(items)`` scores every item for a new user's items in time order.
    """

    name = "sasrec"
    chooses_on_validation = True  # early stopping on the validation holdout, then a refit (see ``fit``)

    @classmethod
    def create(cls, config: SASRecConfig | None = None, device=None) -> "SASRecRecommender":
        return cls(config, device or "cpu")

    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        return self.state()

    #: `tune`: most epochs in a trial (early stopping usually ends sooner) and its patience.
    TRIAL_EPOCHS = 60
    TRIAL_PATIENCE = 8

    @classmethod
    def tuning_objective(cls, model: str, split: Split, catalog: Catalog, device, seed: int):
        """For `tune`: (trial, settings, progress) -> (best validation HR@10, its epoch), no refit; trials lagging
        the ones before them at the same epoch are pruned. ``progress(epoch, figures)`` hears every epoch."""
        import optuna

        def objective(trial, params: dict, progress=None) -> tuple[float, int]:
            config = SASRecConfig.from_json({**params, "seed": seed, "epochs": cls.TRIAL_EPOCHS,
                                             "patience": cls.TRIAL_PATIENCE, "refit": "none"})

            def report(epoch: int, figures: dict) -> None:
                if progress is not None:
                    progress(epoch, figures)
                if "val_hr" not in figures or figures["val_hr"] is None or epoch < 3:
                    return
                trial.set_user_attr("epochs", epoch)
                trial.report(figures["val_hr"], epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()

            rec = cls(config, device)
            rec.fit(split, catalog, report)
            assert rec.result is not None
            return float(rec.result.best_val_hr), rec.result.best_epoch

        return objective

    @classmethod
    def restore(cls, config: SASRecConfig, state: dict, meta: dict, device) -> "SASRecRecommender":
        try:
            return cls.from_state(config, state, int(meta["n_items"]), device, n_users=int(meta["n_users"]))
        except MovieRecError as exc:
            raise CheckpointError(str(exc)) from None

    def __init__(self, config: SASRecConfig | None = None, device: torch.device | str = "cpu") -> None:
        self.config = config or SASRecConfig()
        self.device = torch.device(device)
        self.module: SASRecModule | None = None
        self.n_items = 0
        self.result: FitResult | None = None
        self.should_stop = None
        self.indptr: torch.Tensor | None = None  # int64 (n_users + 1), on the device
        self.items: torch.Tensor | None = None  # int32, on the device

    # -- fitting --
    def fit(self, split: Split, catalog: Catalog | None = None, callback: Callback | None = None) -> None:
        """Early stopping on validation chooses the epoch count; a fresh model is then fitted on train +
        validation for that many epochs (``config.refit``). ``result`` keeps the validation figures. The
        histories kept for scoring are train + validation either way: each evaluated user's items up to the
        held-out test item."""
        start = time.perf_counter()
        config = self.config
        if split.train_users.size == 0:
            raise MovieRecError("there are no training ratings to learn from; use a dataset with more ratings")
        self.n_items = split.n_items
        indptr, items = build_sequences(split.train_users, split.train_items, split.train_timestamps,
                                        split.n_users, config.seed)
        has_valid = split.valid_users.size > 0
        first = self._train(indptr, items, split, callback, "sasrec", None)
        result = first
        stopped = self.should_stop is not None and self.should_stop()
        if has_valid:
            # The validation item is each user's latest known item: appended, not re-sorted by timestamp, so
            # ties with training items keep the split's own order. Scoring reads it even without a refit.
            indptr, items = append_items(indptr, items, split.valid_users.astype(np.int64), split.valid_items)
        if has_valid and not stopped and config.refit == "scratch":
            result = self._train(indptr, items, None, callback, "sasrec on train+validation", first.best_epoch)
            result.refit = (f"refitted from scratch on train + validation for the {first.best_epoch} epochs "
                            "chosen on validation")
            result.history = first.history
            result.best_epoch, result.best_val_hr = first.best_epoch, first.best_val_hr
            result.stage_epochs = first.stage_epochs
        result.seconds = time.perf_counter() - start
        self.result = result
        self.module = result.model
        self._set_history(indptr, items)

    def _train(self, indptr: np.ndarray, items: np.ndarray, split: Split | None, callback: Callback | None,
               stage: str, fixed: int | None) -> FitResult:
        """One model: validated each epoch on ``split``'s holdout with early stopping (best weights kept),
        or, with ``fixed``, exactly that many epochs (last weights kept)."""
        config, device = self.config, self.device
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        generator = torch.Generator(device=device)
        generator.manual_seed(config.seed + 7919)
        module = build_module(config, self.n_items).to(device)
        optimizer = torch.optim.AdamW(module.parameters(), lr=config.lr, betas=(0.9, 0.98),
                                      weight_decay=config.weight_decay)
        ptr_t = torch.from_numpy(indptr).to(device)
        items_t = torch.from_numpy(items).to(device)
        units = training_windows(indptr, config.max_len, config.windows)
        if units[0].size == 0:
            raise MovieRecError("no user has 2 or more training ratings, so there is no next item to learn; "
                                "sasrec needs users with several ratings")
        validator = None
        if fixed is None and split is not None and split.valid_users.size:
            validator = _SequenceValidator.from_split(split, config.seed)
        result = FitResult(module, config=config)  # type: ignore[arg-type]
        best_state, best, since = None, -1.0, 0
        for epoch in range(1, (fixed if fixed is not None else config.epochs) + 1):
            figures = self._epoch(module, optimizer, ptr_t, items_t, units, rng, generator)
            figures["epoch"] = epoch
            if not np.isfinite(figures["loss"]):
                raise diverged(epoch, figures["loss"])
            if validator is not None:
                figures["val_hr"] = validator.hit_rate(module, ptr_t, items_t)
            result.history.append(figures)
            if callback:
                callback(epoch, {**figures, "stage": stage, "epochs": fixed if fixed is not None else config.epochs})
            if self.should_stop is not None and self.should_stop():
                break
            score = figures.get("val_hr", -figures["loss"]) if validator is not None else None
            if score is None:
                result.best_epoch = epoch
                continue
            if score > best:
                best, since, result.best_epoch = score, 0, epoch
                best_state = copy.deepcopy(module.state_dict())
            else:
                since += 1
                if since >= config.patience:
                    break
        if best_state is not None:
            module.load_state_dict(best_state)
        if not all(bool(torch.isfinite(p).all()) for p in module.parameters()):
            raise diverged(len(result.history), float("nan"))
        result.best_val_hr = best if validator is not None else float("nan")
        result.stage_epochs = {"sasrec": result.best_epoch}
        result.model = module.eval()
        return result

    def _epoch(self, module: SASRecModule, optimizer: torch.optim.Optimizer, indptr: torch.Tensor,
               items: torch.Tensor, units: tuple[np.ndarray, np.ndarray, np.ndarray], rng: np.random.Generator,
               generator: torch.Generator) -> dict:
        """One pass over the training windows ``units`` (``training_windows``): at each position the input
        is an item and the target the next one. Returns {"loss", "samples", "seconds"}."""
        config, device = self.config, self.device
        module.train()
        start = time.perf_counter()
        # Batches of windows of similar widths, each cut to its widest (little padding computed), in a
        # random order; windows of one width are shuffled between batches.
        unit_users, unit_ends, unit_widths = units
        by_width = np.lexsort((rng.random(unit_users.size), unit_widths))
        batches = [by_width[b:b + config.batch_size] for b in range(0, by_width.size, config.batch_size)]
        total = torch.zeros((), device=device)
        samples = 0
        for pick in rng.permutation(len(batches)):
            batch = batches[pick]
            width = int(unit_widths[batch].max())
            users = torch.from_numpy(unit_users[batch]).to(device)
            ends = torch.from_numpy(unit_ends[batch]).to(device)
            inputs = windows(indptr, items, users, width, ends - 1)
            targets = windows(indptr, items, users, width, ends)
            real = inputs != 0
            states = module(inputs)[real]
            loss = self._loss(module, states, targets[real], generator)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            n = int(states.shape[0])
            total += loss.detach() * n
            samples += n
            if self.should_stop is not None and self.should_stop():
                break
        return {"loss": float(total) / max(samples, 1), "samples": samples, "seconds": time.perf_counter() - start}

    def _loss(self, module: SASRecModule, states: torch.Tensor, targets: torch.Tensor,
              generator: torch.Generator) -> torch.Tensor:
        """Mean loss over positions; ``targets`` are item rows (item + 1)."""
        config = self.config
        table = module.item.weight
        if config.loss == "ce":
            return F.cross_entropy(module.logits(states), targets - 1)
        if config.loss == "bce":
            neg = torch.randint(1, self.n_items + 1, (targets.numel(), config.negatives), device=states.device,
                                generator=generator)
            pos = (states * table[targets]).sum(-1)
            negs = torch.einsum("pd,pnd->pn", states, table[neg])
            negs = negs.masked_fill(neg == targets[:, None], float("-inf"))  # a drawn positive is no negative
            return (F.softplus(-pos) + F.softplus(negs).sum(-1)).mean()
        neg = torch.randint(1, self.n_items + 1, (config.negatives,), device=states.device, generator=generator)
        pos = (states * table[targets]).sum(-1, keepdim=True)
        negs = (states @ table[neg].T).masked_fill(neg[None, :] == targets[:, None], float("-inf"))
        logits = torch.cat([pos, negs], dim=1)
        return F.cross_entropy(logits, torch.zeros(targets.numel(), dtype=torch.long, device=states.device))

    # -- histories and restoring --
    def _set_history(self, indptr: np.ndarray, items: np.ndarray) -> None:
        self.indptr = torch.from_numpy(np.ascontiguousarray(indptr, dtype=np.int64)).to(self.device)
        self.items = torch.from_numpy(np.ascontiguousarray(items, dtype=np.int32)).to(self.device)

    def attach(self, module: SASRecModule, n_items: int, sequences: tuple[np.ndarray, np.ndarray]) -> None:
        """Use a trained module with each user's history (CSR ``(indptr, items)`` in time order)."""
        self.module = module.to(self.device).eval()
        self.n_items = n_items
        self._set_history(*sequences)

    def state(self) -> dict[str, torch.Tensor]:
        """Everything but the config, as tensors for ``store/checkpoints.py``: the module's state dict,
        ``history.indptr`` (int64, n_users + 1) and ``history.items`` (int32), on the CPU."""
        assert self.module is not None and self.indptr is not None and self.items is not None
        out = {k: v.detach().cpu() for k, v in self.module.state_dict().items()}
        out[HISTORY + "indptr"] = self.indptr.cpu()
        out[HISTORY + "items"] = self.items.cpu()
        return out

    @classmethod
    def from_state(cls, config: SASRecConfig | dict, state: dict[str, torch.Tensor], n_items: int,
                   device: torch.device | str = "cpu", n_users: int | None = None) -> "SASRecRecommender":
        """The recommender ``state()`` came from (same scores). A state that does not fit the config,
        ``n_items`` and (if given) ``n_users`` (shapes, history bounds) raises MovieRecError."""
        if isinstance(config, dict):
            config = SASRecConfig.from_json(config)
        if not isinstance(n_items, int) or n_items < 1:
            raise MovieRecError(f"sasrec checkpoint: n_items {n_items!r} is not a positive count")
        try:
            indptr = state[HISTORY + "indptr"]
            items = state[HISTORY + "items"]
        except KeyError:
            raise MovieRecError("sasrec checkpoint has no user histories (history.indptr, history.items)") from None
        if (indptr.dtype != torch.int64 or items.dtype != torch.int32 or indptr.dim() != 1 or items.dim() != 1
                or indptr.numel() < 1 or int(indptr[0]) != 0 or int(indptr[-1]) != items.numel()
                or bool((indptr[1:] < indptr[:-1]).any())
                or (items.numel() and (int(items.min()) < 0 or int(items.max()) >= n_items))
                or (n_users is not None and indptr.numel() != n_users + 1)):
            raise MovieRecError("sasrec checkpoint has damaged user histories")
        module = build_module(config, n_items)
        weights = {k: v for k, v in state.items() if not k.startswith(HISTORY)}
        try:
            module.load_state_dict(weights)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0][:120]
            raise MovieRecError(f"sasrec checkpoint does not match its config ({first})") from None
        rec = cls(config, device)
        rec.attach(module, n_items, (indptr.numpy(), items.numpy()))
        return rec

    # -- scoring --
    @torch.no_grad()
    def _states(self, users: np.ndarray) -> torch.Tensor:
        """(U, hidden) state after each user's whole history (the latest ``max_len`` items)."""
        assert self.module is not None and self.indptr is not None and self.items is not None
        self.module.eval()
        u = torch.from_numpy(np.asarray(users, dtype=np.int64)).to(self.device)
        out = []
        step = max(1, (1 << 16) // self.config.max_len)
        for b in range(0, u.numel(), step):
            rows = windows(self.indptr, self.items, u[b:b + step], self.config.max_len)
            out.append(self.module(rows)[:, -1])
        return torch.cat(out) if out else torch.zeros((0, self.config.hidden), device=self.device)

    @torch.no_grad()
    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of candidate ``items`` (U, C) for ``users`` (U,); -1 (padding) scores as item 0."""
        assert self.module is not None
        states = self._states(users)
        cand = torch.from_numpy(np.maximum(np.asarray(items), 0).astype(np.int64)).to(self.device) + 1
        table = self.module.item.weight
        out = torch.empty(cand.shape, dtype=torch.float32, device=self.device)
        step = max(1, (1 << 22) // max(cand.shape[1] * self.config.hidden, 1))
        for b in range(0, cand.shape[0], step):
            out[b:b + step] = torch.einsum("ud,ucd->uc", states[b:b + step], table[cand[b:b + step]])
        return out.cpu().numpy()

    @torch.no_grad()
    def score_all_tensor(self, users: np.ndarray) -> torch.Tensor:
        """(U, n_items) float32 scores left on the device (the full protocol's device-side ranking)."""
        assert self.module is not None
        return self.module.logits(self._states(users)).float()

    @torch.no_grad()
    def score_all(self, users: np.ndarray) -> np.ndarray:
        users = np.asarray(users, dtype=np.int64)
        out = np.empty((users.size, self.n_items), dtype=np.float32)
        step = max(1, (1 << 22) // max(self.n_items, 1))
        for b in range(0, users.size, step):
            out[b:b + step] = self.score_all_tensor(users[b:b + step]).cpu().numpy()
        return out

    def score_profile(self, profile: ProfileArrays) -> np.ndarray:
        """A profile's films in time order, as ``score_sequence`` reads them (ScoresProfile)."""
        if profile.in_order.size == 0:
            raise MovieRecError("sequence picks read the films you liked in the order you rated them, "
                                "and you have rated none above 2.5 stars yet; rate one, or use --mode hybrid")
        return self.score_sequence(profile.in_order)

    def score_known(self, known: KnownProfiles) -> tuple[np.ndarray, np.ndarray]:
        """Each dataset user's kept films read oldest first; a user with none is not scored (no picks there)."""
        out = np.zeros((known.users.size, self.n_items), dtype=np.float64)
        scored = np.zeros(known.users.size, dtype=bool)
        for k in range(known.users.size):
            mine = np.flatnonzero(known.rows == k)
            mine = mine[np.argsort(known.times[mine], kind="stable")]  # oldest first
            seq = known.items[mine][known.kept[mine]]
            if seq.size:
                out[k], scored[k] = self.score_sequence(seq), True
        return out, scored

    @torch.no_grad()
    def score_sequence(self, items: np.ndarray) -> np.ndarray:
        """Scores of every item (n_items,) for a new user's items in time order, oldest first (no training)."""
        assert self.module is not None
        self.module.eval()
        seq = np.asarray(items, dtype=np.int64)
        if seq.size and (seq.min() < 0 or seq.max() >= self.n_items):
            raise MovieRecError(f"item index out of range 0..{self.n_items - 1}")
        seq = seq[-self.config.max_len:] + 1
        rows = torch.zeros((1, self.config.max_len), dtype=torch.long, device=self.device)
        if seq.size:
            rows[0, -seq.size:] = torch.from_numpy(seq).to(self.device)
        return self.module.logits(self.module(rows)[0, -1]).float().cpu().numpy()


@dataclass
class _SequenceValidator:
    """HR@10 of each validation item against 99 fixed sampled negatives, from the training sequences."""

    users: np.ndarray
    candidates: np.ndarray  # (U, 100): the validation item first

    @classmethod
    def from_split(cls, split: Split, seed: int, negatives: int = 99, max_users: int = 20_000) -> "_SequenceValidator":
        users, items = split.valid_users, split.valid_items
        if users.size > max_users:
            pick = np.sort(np.random.default_rng(seed + 7).choice(users.size, max_users, replace=False))
            users, items = users[pick], items[pick]
        neg = sample_negatives(users, split.n_items, split.validation_keys(), negatives, seed=seed + 1)
        return cls(users.astype(np.int64), np.concatenate([items[:, None], neg], axis=1))

    @torch.no_grad()
    def hit_rate(self, module: SASRecModule, indptr: torch.Tensor, items: torch.Tensor, k: int = 10) -> float:
        module.eval()
        device = items.device
        users = torch.from_numpy(self.users).to(device)
        cand = torch.from_numpy(np.maximum(self.candidates, 0).astype(np.int64)).to(device) + 1
        scores = []
        step = max(1, (1 << 16) // module.max_len)
        for b in range(0, users.numel(), step):
            states = module(windows(indptr, items, users[b:b + step], module.max_len))[:, -1]
            scores.append(torch.einsum("ud,ucd->uc", states, module.item.weight[cand[b:b + step]]))
        s = torch.cat(scores).float().cpu().numpy()
        valid = self.candidates >= 0
        valid[:, 0] = False
        return hit_rate(ranks(s, s[:, 0], valid), k)


__all__ = ["SASRecConfig", "SASRecModule", "SASRecRecommender", "build_module", "build_sequences", "LOSSES"]
