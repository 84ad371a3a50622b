"""deepcontent: film features mapped into the collaborative space (CB2CF, Barkan et al. 2019), so any
film, rated or not, can be scored for any user.

* The collaborative space: a truncated SVD (``factors`` dimensions, randomised, ``torch.svd_lowrank``
  on the sparse 0/1 training matrix) B ~ U S V^T. A film's collaborative vector is its row of V S; a
  user's vector is the projection of their rated films, u = b V S^-2 (= their row of U), so a new
  profile is folded in by one product, no gradient step.
* The content network: a film's features (``film_features``: genres, decade and year, tag TF-IDF, the
  tag genome when the release has one; title words optional, off: they hurt) are mapped to the film's
  collaborative vector by a wide path, the closed-form ridge map (L2 from ``RIDGE_GRID`` by cold-start
  HR@10 on a held-out share, ``valid_share``, of the rated films, then frozen), plus the mean of
  ``ensemble`` deep paths (input dropout, one hidden ReLU layer, zero-initialised) each trained by mean
  squared error on what the ridge map leaves; early stopping on the held-out films' error.
* A film's scoring vector blends the two by how many training ratings it has, n / (n + ``blend``) of
  its own collaborative vector, the rest from its features: a film nobody rated is scored from its
  features alone, a much-rated one from its ratings. Score = user vector . film vector.

Why this and not DropoutNet's input dropout (Volkovs et al. 2017): the target is what matters for
films without ratings, and a ranking loss trained from users' ratings through the content network
(tried: sampled softmax over rated films, user vectors fixed) overfitted the warm films' unique
feature rows within 3 epochs (item cold-start HR@10 0.27 falling to 0.20), where the regression onto
SVD factors reached 0.37-0.39 on the same split. The blend by rating count does what DropoutNet's
dropped collaborative input learns, in one transparent line. On ml-latest-small the deep paths add about
0.01 cold-start HR@10 to their ridge path, and the whole is level with a ridge map whose L2 is tuned on
the test figures (bench/RESULTS.md).

Checkpointed: the net's weights, the user and film vectors, the collaborative factors and the
singular values, all as tensors (``checkpoint_state``), with the config as JSON.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from movierec.data.catalog import Catalog
from movierec.data.splits import Split, sample_negatives
from movierec.errors import CheckpointError, MovieRecError
from movierec.models.base import Callback, FitResult, diverged
from movierec.models.settings import Settings
from movierec.models.content import _normalise_rows, tag_tfidf

_WORD = re.compile(r"[a-z]{3,}")
_YEAR = re.compile(r"\s*\(\d{4}(?:-\d{0,4})?\)\s*$")
#: Stars at or below which a new profile's film is no positive (recommend's DISLIKED).
DISLIKED = 2.5
#: Ridge L2 weights tried for the wide path (the lowest error on the held-out films wins).
RIDGE_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
#: Fewest optimiser steps an epoch (small catalogues pass over their films several times an epoch).
MIN_STEPS = 20
#: Decades one-hot: before 1900 is the first slot, the 2020s the last.
DECADES = 14


@dataclass
class DeepContentConfig(Settings):
    LABEL: ClassVar[str] = "deepcontent"
    factors: int = 64  # dimensions of the collaborative space (truncated SVD)
    hidden: int = 256  # the deep path's hidden width
    dropout: float = 0.5  # on the features, in training
    lr: float = 1e-3
    weight_decay: float = 0.1  # AdamW's decoupled weight decay
    epochs: int = 40  # at most (early stopping on the held-out films chooses fewer)
    batch_size: int = 128  # films per step
    patience: int = 4  # epochs without a lower held-out loss before stopping
    ensemble: int = 3  # deep paths, each trained on its own error, their outputs averaged
    title_words: bool = False  # words of the titles as features (measured: they hurt, bench/RESULTS.md)
    valid_share: float = 0.1  # of the films with ratings, held out for early stopping
    blend: float = 10.0  # ratings at which a film's own vector and its feature prediction weigh the same
    seed: int = 0

    def problem(self) -> str | None:
        ints = {"factors": (1, 4096), "hidden": (1, 1 << 16), "epochs": (1, 1_000_000), "batch_size": (1, 1 << 24),
                "patience": (1, 1_000_000), "ensemble": (1, 64), "seed": (0, 2**63 - 1)}
        for key, (low, high) in ints.items():
            value = getattr(self, key)
            if not low <= value <= high:
                return f"{key} {value} is not from {low} to {high:,}"
        if not 0.0 <= self.dropout < 1.0:
            return f"dropout {self.dropout} is not in [0, 1)"
        if not (math.isfinite(self.lr) and 0.0 < self.lr <= 10.0):
            return f"lr {self.lr} is not in (0, 10]"
        if not (math.isfinite(self.weight_decay) and 0.0 <= self.weight_decay <= 10.0):
            return f"weight_decay {self.weight_decay} is not in [0, 10]"
        if not 0.0 <= self.valid_share < 1.0:
            return f"valid_share {self.valid_share} is not in [0, 1)"
        if not (math.isfinite(self.blend) and 0.0 <= self.blend <= 1e9):
            return f"blend {self.blend} is not a count of ratings from 0"
        return None

    @staticmethod
    def check(meta: dict, max_width: int, max_parameters: int) -> str | None:
        """What is wrong with a checkpoint's deepcontent config (None: nothing), before anything is built."""
        try:
            config = DeepContentConfig.from_json(meta["config"])
        except MovieRecError as exc:
            return str(exc)
        if max(config.factors, config.hidden) > max_width:
            return f"a width over {max_width:,}"
        rows = (meta["n_users"] + 3 * meta["n_items"]) * config.factors
        if rows > max_parameters:
            return f"{rows:,} parameters, more than the {max_parameters:,} a movierec model may have"
        return None


# -- features -----------------------------------------------------------------------------------------------------

def title_words(titles: list[str], min_films: int = 3, max_words: int = 2000) -> np.ndarray:
    """Films x words of their titles (0/1; words of 3+ letters on at least ``min_films`` films, the most
    common ``max_words``): "Toy Story 2" shares "toy" and "story" with "Toy Story"."""
    words = [set(_WORD.findall(_YEAR.sub("", t).lower())) for t in titles]
    counts = Counter(w for s in words for w in s)
    common = sorted((w for w, c in counts.items() if c >= min_films), key=lambda w: (-counts[w], w))[:max_words]
    vocab = {w: k for k, w in enumerate(common)}  # sorted by count, then word: the same columns in every process
    out = np.zeros((len(titles), len(vocab)), dtype=np.float32)
    rows = [(i, vocab[w]) for i, s in enumerate(words) for w in s if w in vocab]
    if rows:
        r, c = np.array(rows).T
        out[r, c] = 1.0
    return out


def film_features(catalog: Catalog, words: bool = False) -> np.ndarray:
    """Every film's features from what the catalogue knows (never from its ratings): genres (unit length);
    decade one-hot, year (centred on 1990, per 20 years) and year unknown; tag TF-IDF (length sqrt(0.5));
    the tag genome (centred) when present; with ``words``, the words of the titles (``title_words``)."""
    n = len(catalog)
    years = np.asarray(catalog.years, dtype=np.int64)
    known = years > 0
    decade = np.zeros((n, DECADES), dtype=np.float32)
    decade[np.flatnonzero(known), np.clip((years[known] - 1890) // 10, 0, DECADES - 1)] = 1.0
    year = np.where(known, (years - 1990) / 20.0, 0.0)[:, None]
    tags = tag_tfidf(catalog.tags, n)
    # Genres to unit length and tags to sqrt(0.5) of it, as the content model weighs its blocks: on cold splits
    # of other seeds (10, 11) than the bench's, this scaling led raw 0/1 genres and unit tags by 0.01-0.04
    # HR@10 in the ridge map; the tag count (log(1 + tags), has tags) cost up to 0.04 there, so it is left out.
    blocks = [_normalise_rows(catalog.genres.astype(np.float32)), decade, year, (~known)[:, None],
              _normalise_rows(tags) * np.sqrt(0.5)]
    if words:
        blocks.append(title_words(catalog.titles))
    if catalog.genome is not None:
        genome = catalog.genome.astype(np.float32)
        present = genome.sum(axis=1, keepdims=True) > 0
        if present.any():
            genome = (genome - genome[present[:, 0]].mean(axis=0, keepdims=True)) * present
        blocks += [genome, present]
    return np.concatenate([np.asarray(b, dtype=np.float32) for b in blocks], axis=1)


# -- the network and the collaborative space ----------------------------------------------------------------------

class ContentNet(nn.Module):
    """A wide (linear) map from features to the collaborative space plus the mean of ``ensemble`` deep paths
    (dropout, hidden ReLU layer), each trained on its own error (an ensemble: less variance than one)."""

    def __init__(self, n_features: int, hidden: int, factors: int, dropout: float, ensemble: int = 1) -> None:
        super().__init__()
        self.wide = nn.Linear(n_features, factors)
        self.deep = nn.ModuleList(
            nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, hidden), nn.ReLU(), nn.Dropout(0.1),
                          nn.Linear(hidden, factors)) for _ in range(ensemble))
        for path in self.deep:  # each deep path starts at zero: the net starts as the wide map
            nn.init.zeros_(path[-1].weight)
            nn.init.zeros_(path[-1].bias)

    def paths(self, x: torch.Tensor) -> torch.Tensor:
        """(ensemble, films, factors): each deep path's output added to the wide map."""
        wide = self.wide(x)
        return torch.stack([wide + path(x) for path in self.deep])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.paths(x).mean(dim=0)


def collaborative_space(split: Split, factors: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(film vectors V S (n_items, factors), user vectors U (n_users, factors), singular values S) of a
    truncated randomised SVD of the 0/1 training matrix; columns past its rank are zeros."""
    users = split.train_users.astype(np.int64)
    items = split.train_items.astype(np.int64)
    keys = np.unique(users * split.n_items + items)
    rank = min(factors, split.n_users, split.n_items)
    item_vectors = np.zeros((split.n_items, factors), dtype=np.float32)
    user_vectors = np.zeros((split.n_users, factors), dtype=np.float32)
    singular = np.zeros(factors, dtype=np.float32)
    if keys.size == 0:
        return item_vectors, user_vectors, singular
    index = torch.from_numpy(np.stack([keys // split.n_items, keys % split.n_items]))
    matrix = torch.sparse_coo_tensor(index, torch.ones(keys.size), (split.n_users, split.n_items),
                                     check_invariants=False).coalesce()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        u, s, v = torch.svd_lowrank(matrix, q=min(rank + 10, split.n_users, split.n_items), niter=6)
    u, s, v = u[:, :rank].numpy(), s[:rank].numpy(), v[:, :rank].numpy()
    sign = np.where(v.sum(axis=0) < 0, -1.0, 1.0).astype(np.float32)  # one sign per factor, whatever the solver did
    keep = s > s[0] * 1e-6 if s.size else np.zeros(0, bool)
    item_vectors[:, :rank] = v * s * sign * keep
    # A film without training ratings has a zero column in the matrix, so an exact SVD gives it a zero
    # row; the randomised one leaves rounding noise there (1e-7), set to the exact zero.
    item_vectors[np.bincount(items, minlength=split.n_items) == 0] = 0.0
    user_vectors[:, :rank] = u * sign * keep
    singular[:rank] = s * keep
    return item_vectors, user_vectors, singular


# -- the recommender ----------------------------------------------------------------------------------------------

class DeepContent:
    """The Recommender (``fit``, ``score``, ``score_all``) with ``profile_scores`` for a new profile and
    ``similar`` (more like this, by cosine of film vectors)."""

    name = "deepcontent"
    chooses_on_validation = False  # it holds out films of its own; fits train + validation (see ``fit``)

    @classmethod
    def create(cls, config: DeepContentConfig | None = None, device=None) -> "DeepContent":
        return cls(config)

    def __init__(self, config: DeepContentConfig | None = None) -> None:
        self.config = config or DeepContentConfig()
        self.device = torch.device("cpu")  # a few seconds of work on a CPU: no accelerator needed
        self.n_items = 0
        self.net: ContentNet | None = None
        self.result: FitResult | None = None
        self.should_stop = None
        self.users = np.zeros((0, self.config.factors), dtype=np.float32)  # U: one row per user
        self.collab = np.zeros((0, self.config.factors), dtype=np.float32)  # V S: films' own vectors
        self.predicted = np.zeros((0, self.config.factors), dtype=np.float32)  # the net's, from features
        self.counts = np.zeros(0, dtype=np.float32)  # training ratings per film
        self.singular = np.zeros(self.config.factors, dtype=np.float32)

    # -- fitting --
    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        start = time.perf_counter()
        config = self.config
        # It holds out films, not ratings, to stop early: a validation holdout of ratings (the engine hands
        # checkpointed models the split with one) is training data here.
        split = split.with_validation()
        if len(catalog) != split.n_items:
            raise MovieRecError("the catalogue and the ratings disagree on the number of films")
        self.n_items = split.n_items
        self.collab, self.users, self.singular = collaborative_space(split, config.factors, config.seed)
        self.counts = np.bincount(split.train_items, minlength=split.n_items).astype(np.float32)
        features = film_features(catalog, config.title_words)
        result = self._train(features, callback, (split.train_users, split.train_items))
        result.seconds = time.perf_counter() - start
        self.result = result

    def _train(self, features: np.ndarray, callback: Callback | None, ratings: tuple[np.ndarray, np.ndarray]) -> FitResult:
        """The net fitted to the films with ratings (held-out share for early stopping); ``predicted`` set."""
        config = self.config
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        net = ContentNet(features.shape[1], config.hidden, config.factors, config.dropout, config.ensemble)
        x = torch.from_numpy(features)
        target = torch.from_numpy(self.collab)
        rated = rng.permutation(np.flatnonzero(self.counts > 0))
        n_valid = int(rated.size * config.valid_share) if rated.size >= 20 else 0
        valid, train = rated[:n_valid], rated[n_valid:]
        result = FitResult(net, config=config)  # type: ignore[arg-type]
        validation = self._validation(valid, *ratings) if valid.size else None
        chosen = self._fit_wide(net, features, train, valid, validation)
        result.refit = f"wide path: ridge L2 {chosen:g}" + (" (chosen on the held-out films)" if valid.size else "")
        best_state, best, since = None, math.inf, 0
        if valid.size:  # epoch 0: the ridge map alone (the deep path's output starts at zero)
            with torch.no_grad():
                best = float(((net.eval()(x[valid]) - target[valid]) ** 2).sum(dim=1).mean())
            best_state = copy.deepcopy(net.state_dict())
        optimizer = torch.optim.AdamW(net.deep.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        for epoch in range(1, config.epochs + 1):
            began = time.perf_counter()
            net.train()
            # At least MIN_STEPS steps an epoch: on a few hundred films one pass is a step or two, and early
            # stopping would end before the net has learnt anything.
            passes = max(1, -(-MIN_STEPS * config.batch_size // max(train.size, 1)))
            order = np.concatenate([rng.permutation(train) for _ in range(passes)])
            total, seen = 0.0, 0
            for b in range(0, order.size, config.batch_size):
                batch = torch.from_numpy(order[b:b + config.batch_size])
                loss = ((net.paths(x[batch]) - target[batch]) ** 2).sum(dim=2).mean(dim=1).sum()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) / config.ensemble * batch.numel()
                seen += batch.numel()
            figures = {"epoch": epoch, "loss": total / max(seen, 1), "samples": seen,
                       "seconds": time.perf_counter() - began}
            if not math.isfinite(figures["loss"]):
                raise diverged(epoch, figures["loss"])
            if valid.size:
                net.eval()
                with torch.no_grad():
                    figures["val_loss"] = float(((net(x[valid]) - target[valid]) ** 2).sum(dim=1).mean())
            result.history.append(figures)
            if callback:
                callback(epoch, {**figures, "stage": "deepcontent", "epochs": config.epochs})
            if self.should_stop is not None and self.should_stop():
                break
            score = figures.get("val_loss")
            if score is None:
                result.best_epoch = epoch
                continue
            if score < best:
                best, since, result.best_epoch = score, 0, epoch
                best_state = copy.deepcopy(net.state_dict())
            else:
                since += 1
                if since >= config.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        with torch.no_grad():
            self.predicted = net(x).numpy().astype(np.float32)
        if not np.isfinite(self.predicted).all():
            raise diverged(len(result.history), float("nan"))
        self.net = net
        result.model = net
        result.best_val_hr = validation(self.predicted) if validation is not None else float("nan")
        result.stage_epochs = {"deepcontent": result.best_epoch}
        return result

    def _fit_wide(self, net: ContentNet, features: np.ndarray, train: np.ndarray, valid: np.ndarray,
                  validation=None) -> float:
        """The wide path set to the closed-form ridge map from features to film vectors on the training films
        and frozen; the deep path then learns what is left. L2 from RIDGE_GRID: the best cold-start HR@10 on
        the held-out films (``validation``), then the lowest squared error there (alone, the error chose L2 1
        on ml-latest-small, 0.03-0.09 HR@10 below L2 10-30 on cold splits of seeds 10 and 11)."""
        x = np.concatenate([features, np.ones((features.shape[0], 1), np.float32)], axis=1).astype(np.float64)
        a, b = x[train], self.collab[train].astype(np.float64)
        gram, rhs = a.T @ a, a.T @ b
        best = (-math.inf, math.inf, RIDGE_GRID[len(RIDGE_GRID) // 2], None)
        for l2 in RIDGE_GRID if valid.size else RIDGE_GRID[len(RIDGE_GRID) // 2:][:1]:
            w = np.linalg.solve(gram + l2 * np.eye(gram.shape[0]), rhs)
            err = float(((x[valid] @ w - self.collab[valid]) ** 2).sum(axis=1).mean()) if valid.size else 0.0
            hr = validation((x @ w).astype(np.float32)) if validation is not None else 0.0
            if (hr, -err) > (best[0], -best[1]):
                best = (hr, err, l2, w)
        w = best[3]
        with torch.no_grad():
            net.wide.weight.copy_(torch.from_numpy(w[:-1].T.astype(np.float32)))
            net.wide.bias.copy_(torch.from_numpy(w[-1].astype(np.float32)))
        net.wide.requires_grad_(False)
        return best[2]

    def _validation(self, valid: np.ndarray, users: np.ndarray, films: np.ndarray, k: int = 10):
        """A function from film vectors (n_items, factors) to cold-start HR@k on the held-out films, as if nobody
        had rated them: each user who rated one (one a user, seeded) is scored, from their vector without that
        film's part, on it against up to 99 other held-out films they did not rate. None: nobody to test."""
        from movierec.metrics import hit_rate, ranks

        mask = np.isin(films, valid)
        users, films = users[mask], films[mask]
        if users.size == 0 or valid.size < 2:
            return None
        pos = np.full(self.n_items, -1, dtype=np.int64)
        pos[valid] = np.arange(valid.size)
        keys = np.sort(users.astype(np.int64) * valid.size + pos[films])
        order = np.random.default_rng(self.config.seed + 3).permutation(users.size)
        first = np.unique(users[order], return_index=True)[1]
        u, f = users[order][first].astype(np.int64), films[order][first]
        free = valid.size - np.bincount(keys // valid.size, minlength=int(u.max()) + 1)[u]
        u, f = u[free > 0], f[free > 0]
        if u.size == 0:
            return None
        neg = sample_negatives(u, valid.size, keys, min(99, valid.size - 1), seed=self.config.seed + 5)
        cand = np.concatenate([f[:, None], np.where(neg >= 0, valid[np.maximum(neg, 0)], -1)], axis=1)
        inv = np.divide(1.0, self.singular ** 2, out=np.zeros_like(self.singular), where=self.singular > 0)
        vectors = self.users[u] - self.collab[f] * inv  # the user without the held-out film
        ok = cand >= 0
        ok[:, 0] = False
        safe = np.maximum(cand, 0)

        def hr(film_vectors: np.ndarray) -> float:
            scores = np.einsum("uk,uck->uc", vectors, film_vectors[safe])
            return hit_rate(ranks(scores, scores[:, 0], ok), k)

        return hr

    # -- the vectors --
    def film_vectors(self) -> np.ndarray:
        """Each film's scoring vector: n / (n + blend) of its own collaborative vector, the rest predicted
        from its features (n: its training ratings)."""
        share = self.counts / (self.counts + self.config.blend) if self.config.blend > 0 else (self.counts > 0) * 1.0
        share = share.astype(np.float32)[:, None]
        return share * self.collab + (1.0 - share) * self.predicted

    def profile_vector(self, items: np.ndarray, stars: np.ndarray | None = None,
                       weights: np.ndarray | None = None) -> np.ndarray:
        """A new profile's user vector: the projection of the films it liked (above 2.5 stars; all of them
        when none is), each weighted by ``weights`` (e.g. recency), into the collaborative space."""
        items = np.asarray(items, dtype=np.int64)
        w = np.ones(items.size, dtype=np.float32)
        if stars is not None:
            liked = np.asarray(stars) > DISLIKED
            if liked.any():
                w = liked.astype(np.float32)
        if weights is not None:
            w = w * np.asarray(weights, dtype=np.float32)
        inv = np.divide(1.0, self.singular ** 2, out=np.zeros_like(self.singular), where=self.singular > 0)
        return (w @ self.collab[items]) * inv if items.size else np.zeros(self.singular.size, np.float32)

    # -- scoring --
    def score_all(self, users: np.ndarray) -> np.ndarray:
        return (self.users[np.asarray(users, dtype=np.int64)] @ self.film_vectors().T).astype(np.float32)

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of candidate ``items`` (U, C) for ``users`` (U,); -1 (padding) scores as film 0."""
        vectors = self.film_vectors()
        cand = np.maximum(np.asarray(items), 0)
        return np.einsum("uk,uck->uc", self.users[np.asarray(users, dtype=np.int64)], vectors[cand]).astype(np.float32)

    def profile_scores(self, items: np.ndarray, stars: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Scores of every film for a new profile (its rated films and stars; ``weights``: one per rating)."""
        return (self.film_vectors() @ self.profile_vector(items, stars, weights)).astype(np.float32)

    def similar(self, item: int, n: int = 20) -> list[tuple[int, float]]:
        """More like this in the learned space: cosine of film vectors."""
        vectors = _normalise_rows(self.film_vectors())
        sims = vectors @ vectors[item]
        score = sims.copy()
        score[item] = -np.inf
        top = np.argpartition(-score, min(n, len(score) - 1))[:n]
        top = top[np.argsort(-score[top], kind="stable")]
        return [(int(i), float(sims[i])) for i in top]

    # -- checkpoints --
    def checkpoint_state(self) -> dict[str, torch.Tensor]:
        assert self.net is not None
        out = {f"net.{k}": v.detach().cpu() for k, v in self.net.state_dict().items()}
        for key in ("users", "collab", "predicted", "counts", "singular"):
            out[f"space.{key}"] = torch.from_numpy(np.ascontiguousarray(getattr(self, key), dtype=np.float32))
        return out

    @classmethod
    def restore(cls, config: DeepContentConfig, state: dict, meta: dict, device) -> "DeepContent":
        n_users, n_items, k = int(meta["n_users"]), int(meta["n_items"]), config.factors
        shapes = {"users": (n_users, k), "collab": (n_items, k), "predicted": (n_items, k), "counts": (n_items,),
                  "singular": (k,)}
        rec = cls(config)
        for key, shape in shapes.items():
            tensor = state.get(f"space.{key}")
            if tensor is None or tuple(tensor.shape) != shape or tensor.dtype != torch.float32:
                raise CheckpointError(f"deepcontent checkpoint: space.{key} is missing or not of shape {shape}")
            setattr(rec, key, tensor.numpy().copy())
        weights = {k[4:]: v for k, v in state.items() if k.startswith("net.")}
        wide = weights.get("wide.weight")
        if wide is None or wide.dim() != 2 or wide.shape[0] != k or not 0 < wide.shape[1] <= 1 << 20:
            raise CheckpointError("deepcontent checkpoint: the network's weights do not match its config")
        net = ContentNet(int(wide.shape[1]), config.hidden, k, config.dropout, config.ensemble)
        try:
            net.load_state_dict(weights)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0][:120]
            raise CheckpointError(f"deepcontent checkpoint does not match its config ({first})") from None
        rec.net = net.eval()
        rec.n_items = n_items
        return rec


__all__ = ["DeepContent", "DeepContentConfig", "film_features", "collaborative_space", "title_words"]
