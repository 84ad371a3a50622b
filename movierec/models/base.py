"""The Recommender protocol, its optional abilities, and the training data every model is fitted on.

Every model implements ``Recommender``. What only some models can do is an ability, a protocol of
its own (``FoldsIn``, ``ReadsSequence``, ``ScoresProfile``, ``Prepared``, ``HasBounds``, ``Checkpointed``,
``Planned``); the registry
(``models/registry.py``) declares which ones a model has and a contract test checks the declaration
against the class, so callers test ``spec.can("fold_in")`` instead of ``hasattr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.errors import MovieRecError

#: Progress callback: (epoch or step, figures such as {"loss": ..., "val_hr": ...}) -> None.
Callback = Callable[[int, dict], None]


@dataclass
class UserItems:
    """Each user's training items as CSR rows (items sorted within a user)."""

    indptr: np.ndarray  # int64 (n_users + 1)
    items: np.ndarray  # int32
    ratings: np.ndarray  # float32

    @classmethod
    def from_split(cls, split: Split) -> "UserItems":
        order = np.lexsort((split.train_items, split.train_users))
        users = split.train_users[order]
        counts = np.bincount(users, minlength=split.n_users)
        indptr = np.zeros(split.n_users + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr, split.train_items[order].astype(np.int32), split.train_ratings[order].astype(np.float32))

    def row(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[user], self.indptr[user + 1]
        return self.items[lo:hi], self.ratings[lo:hi]

    def entries(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row in ``users``, position in ``items``/``ratings``) of every entry of those users, flat."""
        users = np.asarray(users, dtype=np.int64)
        lo, hi = self.indptr[users], self.indptr[users + 1]
        lengths = hi - lo
        rows = np.repeat(np.arange(len(users)), lengths)
        # Positions lo[r] .. hi[r]-1 of every row at once: each row's start, shifted by a running count.
        ends = np.cumsum(lengths)
        idx = np.arange(int(ends[-1]) if len(users) else 0) + np.repeat(lo - (ends - lengths), lengths)
        return rows, idx

    def dense(self, users: np.ndarray, n_items: int, values: str = "ones") -> np.ndarray:
        """Rows of a user x item matrix for ``users`` (ones, or the ratings)."""
        out = np.zeros((len(users), n_items), dtype=np.float32)
        rows, idx = self.entries(users)
        out[rows, self.items[idx]] = 1.0 if values == "ones" else self.ratings[idx]
        return out


@runtime_checkable
class Recommender(Protocol):
    """Fitted on a split (``fit``), then scores users' candidates (``score``) or every item (``score_all``).

    ``create(config, device)`` builds one from its registry config (None for models without settings).
    A model whose ``chooses_on_validation`` is true is handed the split with its validation holdout and
    refits on train + validation itself; the others are fitted on train + validation directly.
    ``should_stop`` (a callable or None), when the model trains in steps, is checked between them.
    """

    name: str

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None: ...

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of candidate ``items`` (U, C) for ``users`` (U,); higher is better."""
        ...

    def score_all(self, users: np.ndarray) -> np.ndarray:
        """Scores of every catalogue item for ``users``: (U, n_items)."""
        ...


@runtime_checkable
class FoldsIn(Protocol):
    """Fits a new user's own vectors with every other weight frozen ("fold-in"), then scores every item."""

    def fold_in(self, positives: np.ndarray, negatives: np.ndarray, *, exclude: np.ndarray, popularity: np.ndarray,
                seed: int = 0, weights: np.ndarray | None = None, callback: Any = None,
                should_stop: Any = None) -> tuple[np.ndarray, float, list[float]]:
        """(scores of every item, seconds, loss per step); ``weights``: one per positive (e.g. recency)."""
        ...


@runtime_checkable
class ReadsSequence(Protocol):
    """Scores every item for a new user's rated films in time order (oldest first), with no gradient step."""

    def score_sequence(self, items: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class ProfileArrays:
    """A new user's profile as a model serving a mode reads it (item indices of this catalogue)."""

    items: np.ndarray  # the films rated
    stars: np.ndarray  # their stars
    skip: np.ndarray  # the films dismissed ("not for me")
    weights: np.ndarray  # one per rated film: its recency weight (the latest count more)
    liked: np.ndarray  # the films rated as liked (a fold-in's positives)
    liked_weights: np.ndarray  # their recency weights
    negatives: np.ndarray  # the films disliked or dismissed
    in_order: np.ndarray  # the films rated and not disliked, oldest first (what a sequence model reads)
    popularity: np.ndarray  # every film's rating count (a fold-in samples its negatives by it)
    seed: int = 0
    callback: Any = None  # progress of a fit for this profile (a fold-in's steps)
    should_stop: Any = None


@dataclass(frozen=True)
class KnownProfiles:
    """Dataset users seen as profiles (the match's calibration): ``rows[j]`` (0..len(users)-1) rated ``items[j]``
    ``stars[j]`` at ``times[j]``, recency weight ``weights[j]``; ``kept[j]``: a film a sequence model reads."""

    users: np.ndarray
    rows: np.ndarray
    items: np.ndarray
    stars: np.ndarray
    times: np.ndarray
    weights: np.ndarray
    kept: np.ndarray


@runtime_checkable
class ScoresProfile(Protocol):
    """How a model serves a mode: scores every film for a new user's profile (``score_profile``: a fold-in, a
    sequence read, a content profile), and for the dataset's own users as profiles (``score_known``: the match's
    calibration; (scores (U, n_items), whether each user could be scored))."""

    def score_profile(self, profile: ProfileArrays) -> np.ndarray: ...

    def score_known(self, known: KnownProfiles) -> tuple[np.ndarray, np.ndarray]: ...


@runtime_checkable
class Prepared(Protocol):
    """Built from the catalogue alone (``prepare``), never trained, to serve a mode (content)."""

    def prepare(self, catalog: Catalog) -> None: ...


class FoldInScorer:
    """Mixin: a fold-in model serves a mode by folding the profile in; the dataset's users by their trained
    vectors (a fold-in costs ~0.3 s a user on one CPU thread; the trained vectors a few ms for all)."""

    def score_profile(self, profile: ProfileArrays) -> np.ndarray:
        return self.fold_in_profile(profile)[0]

    def fold_in_profile(self, profile: ProfileArrays) -> tuple[np.ndarray, float, list[float]]:
        """(scores, seconds, loss per step) of ``fold_in`` for a profile."""
        return self.fold_in(profile.liked, profile.negatives, exclude=profile.items,  # type: ignore[attr-defined]
                            seed=profile.seed, popularity=profile.popularity, callback=profile.callback,
                            should_stop=profile.should_stop, weights=profile.liked_weights)

    def score_known(self, known: KnownProfiles) -> tuple[np.ndarray, np.ndarray]:
        return self.score_all(known.users), np.ones(known.users.size, dtype=bool)  # type: ignore[attr-defined]


@runtime_checkable
class HasBounds(Protocol):
    """Exact scores and upper bounds over item groups, for the pruned full-catalogue ranking (models/ncf/pruned.py)."""

    def score_bounds(self) -> Any: ...


@runtime_checkable
class ScoresOnDevice(Protocol):
    """Full score rows left on the training device (a GPU ranks them there, not through host memory)."""

    def score_all_tensor(self, users: np.ndarray) -> Any: ...


@runtime_checkable
class Checkpointed(Protocol):
    """Saved after training: its tensors (``checkpoint_state``) and, to rebuild it, ``restore``."""

    def checkpoint_state(self) -> dict: ...

    @classmethod
    def restore(cls, config: Any, state: dict, meta: dict, device: Any) -> "Checkpointed":
        """The fitted model from a checkpoint's config, tensors and meta; CheckpointError when they do not fit."""
        ...


@runtime_checkable
class ReportsChoice(Protocol):
    """Chose settings on validation while fitting (EASE's L2, a recency decay) and says what, in one line."""

    def describe_choice(self) -> str | None: ...


@runtime_checkable
class Planned(Protocol):
    """Says before fitting what it will cost and whether it can run here (EASE's dense inverse)."""

    def plan(self, split: Split) -> dict: ...

    def describe_plan(self, split: Split) -> str: ...


@dataclass
class FitResult:
    """What a model trained in epochs reports (``rec.result``): the engine saves it in the checkpoint's meta."""

    model: Any  # the fitted module
    history: list[dict] = field(default_factory=list)  # one dict of figures per epoch
    best_epoch: int = 0
    best_val_hr: float = float("nan")
    seconds: float = 0.0
    config: Any = None  # as trained (e.g. NCF's automatic batch size and learning rate resolved)
    stage_epochs: dict[str, int] = field(default_factory=dict)  # best epoch of each stage (NeuMF: gmf, mlp, neumf)
    refit: str = ""  # how the returned model was refitted on train + validation, if it was


def diverged(epoch: int, loss: float) -> MovieRecError:
    """The one error for a training loss that stopped being a number."""
    return MovieRecError(f"training diverged at epoch {epoch} (loss {loss:g}); try a lower --lr")


class DenseScorer:
    """Mixin: candidate scores taken from ``score_all`` (for models whose full scores are cheap)."""

    def score(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        out = np.empty(items.shape, dtype=np.float32)
        step = max(1, (1 << 24) // max(self.n_items, 1))  # type: ignore[attr-defined]
        for start in range(0, len(users), step):
            full = self.score_all(users[start:start + step])  # type: ignore[attr-defined]
            block = items[start:start + step]
            out[start:start + step] = np.take_along_axis(full, np.maximum(block, 0), axis=1)
        return out
