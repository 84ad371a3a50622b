"""Content-based recommender: genre vectors, tag TF-IDF and the tag genome, by cosine.

Item vector = [genres | tags | genome], each block L2-normalised on its own and
scaled by sqrt(weight), so the dot product of two items is the weighted sum of
their per-block cosines: a film without tags is not penalised for lacking them,
and shared tags lift a film above others of the same genres. A user profile is the rating-weighted sum of the
vectors of the items they rated (weight = stars - 2.5, so a 1-star film pushes
its kind away), and items are scored by cosine with that profile.
"""

from __future__ import annotations

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.splits import Split
from movierec.models.base import Callback, DenseScorer, KnownProfiles, ProfileArrays, UserItems

NEUTRAL_STARS = 2.5


def _normalise_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def tag_tfidf(tags: list[str] | None, n_items: int, max_terms: int = 1000) -> np.ndarray:
    """Items x top-``max_terms`` tags, TF-IDF with binary TF (a tag is on a film or not)."""
    if not tags:
        return np.zeros((n_items, 0), dtype=np.float32)
    rows, terms = [], []
    for i, text in enumerate(tags):
        if text:
            for tag in set(text.split("|")):
                rows.append(i)
                terms.append(tag)
    if not rows:
        return np.zeros((n_items, 0), dtype=np.float32)
    vocab, term_idx, df = np.unique(np.array(terms), return_inverse=True, return_counts=True)
    keep = np.argsort(-df, kind="stable")[:max_terms]
    # Tags on a single film describe nothing shared: only tags on 2+ films make the vocabulary.
    keep = keep[df[keep] >= 2]
    remap = np.full(vocab.size, -1)
    remap[keep] = np.arange(keep.size)
    cols = remap[term_idx]
    ok = cols >= 0
    matrix = np.zeros((n_items, keep.size), dtype=np.float32)
    idf = np.log((1 + n_items) / (1 + df[keep])) + 1.0
    matrix[np.asarray(rows)[ok], cols[ok]] = idf[cols[ok]]
    return matrix


def item_vectors(catalog: Catalog, genre_weight: float = 1.0, tag_weight: float = 0.5,
                 genome_weight: float = 1.0) -> tuple[np.ndarray, list[tuple[slice, float]]]:
    """The item matrix and its blocks as (columns, weight)."""
    n = len(catalog)
    blocks = [(catalog.genres.astype(np.float32), genre_weight)]
    tags = tag_tfidf(catalog.tags, n)
    if tags.shape[1]:
        blocks.append((tags, tag_weight))
    if catalog.genome is not None:
        genome = catalog.genome.astype(np.float32)
        present = genome.sum(axis=1, keepdims=True) > 0
        genome = (genome - genome[present[:, 0]].mean(axis=0, keepdims=True)) * present
        blocks.append((genome, genome_weight))
    parts, layout, start = [], [], 0
    for matrix, weight in blocks:
        parts.append(_normalise_rows(matrix) * np.sqrt(weight))
        layout.append((slice(start, start + matrix.shape[1]), weight))
        start += matrix.shape[1]
    return np.concatenate(parts, axis=1).astype(np.float32), layout


class ContentBased(DenseScorer):
    name = "content"
    chooses_on_validation = False

    @classmethod
    def create(cls, config=None, device=None) -> "ContentBased":
        return cls()

    def __init__(self) -> None:
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self.blocks: list[tuple[slice, float]] = []
        self.history: UserItems | None = None
        self.n_items = 0
        self.popularity = np.zeros(0, dtype=np.float32)

    def fit(self, split: Split, catalog: Catalog, callback: Callback | None = None) -> None:
        self.prepare(catalog)
        self.history = UserItems.from_split(split)

    def prepare(self, catalog: Catalog) -> None:
        """Item vectors and popularity prior; all that profile scoring and `similar` need."""
        self.n_items = len(catalog)
        self.vectors, self.blocks = item_vectors(catalog)
        counts = catalog.n_ratings.astype(np.float32) if catalog.n_ratings is not None else np.zeros(self.n_items, np.float32)
        self.popularity = np.log1p(counts) / max(float(np.log1p(counts.max())), 1.0)

    def _profiles(self, weights: np.ndarray) -> np.ndarray:
        """Rating-weighted sums of item vectors, each block renormalised: dot = sum of block cosines."""
        raw = weights @ self.vectors
        for cols, weight in self.blocks:
            raw[:, cols] = _normalise_rows(raw[:, cols]) * np.sqrt(weight)
        return raw

    def _history_weights(self, users: np.ndarray) -> np.ndarray:
        """Each user's (stars - 2.5) row; a user whose ratings are all 2.5 still has a direction: plain
        membership then."""
        assert self.history is not None
        weights = self.history.dense(np.asarray(users), self.n_items, values="ratings")
        weights = np.where(weights > 0, weights - NEUTRAL_STARS, 0.0).astype(np.float32)
        empty = ~weights.any(axis=1)
        if empty.any():
            weights[empty] = self.history.dense(np.asarray(users)[empty], self.n_items)
        return weights

    def score_all(self, users: np.ndarray) -> np.ndarray:
        return self._profiles(self._history_weights(users)) @ self.vectors.T + 0.02 * self.popularity

    def score_weighted(self, users: np.ndarray, weights: np.ndarray, items: np.ndarray | None = None) -> np.ndarray:
        """Scores from a weighted history: each rated film's (stars - 2.5) is multiplied by ``weights``
        (U, n_items), e.g. by recency. ``items`` (U, C): those candidates only."""
        full = self._profiles(self._history_weights(users) * weights) @ self.vectors.T + 0.02 * self.popularity
        if items is None:
            return full
        return np.take_along_axis(full, np.maximum(items, 0), axis=1)

    def candidate_scorer(self, users: np.ndarray, draws: list[np.ndarray]):
        """``weights -> [score_weighted(users, weights, items) for items in draws]`` (content-recent's validation
        grid): the users' (stars - 2.5) rows are built once, every film is scored once per weighting for all
        the draws, by the same expression as score_weighted, so the scores are the same."""
        history = self._history_weights(np.asarray(users))
        picks = [np.maximum(items, 0) for items in draws]

        def score(weights: np.ndarray) -> list[np.ndarray]:
            full = self._profiles(history * weights) @ self.vectors.T + 0.02 * self.popularity
            return [np.take_along_axis(full, items, axis=1) for items in picks]

        return score

    def profile_scores(self, items: np.ndarray, stars: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Scores of every item for an ad-hoc profile (a new user's ratings); ``weights``: one multiplier
        per rating (e.g. ``recent.recency_weights`` of the ratings' times), none = all 1."""
        row = np.zeros((1, self.n_items), dtype=np.float32)
        w = np.asarray(stars, dtype=np.float32) - NEUTRAL_STARS
        if not w.any():
            w = np.ones_like(w)
        if weights is not None:
            w = w * np.asarray(weights, dtype=np.float32)
        np.add.at(row[0], np.asarray(items), w)
        return (self._profiles(row) @ self.vectors.T)[0] + 0.02 * self.popularity

    def score_profile(self, profile: ProfileArrays) -> np.ndarray:
        """ScoresProfile: ``profile_scores`` of the films rated and the ones dismissed (as 1 star)."""
        skip = profile.skip
        return self.profile_scores(np.concatenate([profile.items, skip]),
                                   np.concatenate([profile.stars, np.full(skip.size, 1.0, np.float32)]),
                                   np.concatenate([profile.weights, np.ones(skip.size, np.float32)]))

    def score_known(self, known: KnownProfiles) -> tuple[np.ndarray, np.ndarray]:
        """``profile_scores`` for many profiles at once, (U, n_items) (the match's calibration)."""
        n_rows, rows = known.users.size, known.rows
        w = known.stars.astype(np.float64) - NEUTRAL_STARS
        flat = np.bincount(rows, weights=np.abs(w), minlength=n_rows) == 0  # all 2.5: plain membership
        w = np.where(flat[rows], 1.0, w) * known.weights
        dense = np.zeros((n_rows, self.n_items), dtype=np.float32)
        np.add.at(dense, (rows, known.items), w.astype(np.float32))
        return self._profiles(dense) @ self.vectors.T + 0.02 * self.popularity, np.ones(n_rows, dtype=bool)

    def similar(self, item: int, n: int = 20) -> list[tuple[int, float]]:
        """More like this: weighted block cosines to ``item``, popular films first among near-equals."""
        sims = (self.vectors @ self.vectors[item]) / sum(w for _, w in self.blocks)
        score = sims + 0.05 * self.popularity
        score[item] = -np.inf
        top = np.argpartition(-score, min(n, len(score) - 1))[:n]
        top = top[np.argsort(-score[top], kind="stable")]
        return [(int(i), float(sims[i])) for i in top]
