"""Diversified top-n (maximal marginal relevance) and a one-line reason for each pick.

MMR (Carbonell & Goldstein 1998) picks, one at a time, the candidate with the
best ``(1 - lambda) * relevance - lambda * max similarity to the picks so far``;
relevance is the model's score min-max scaled over the candidate pool, and
similarity is the content model's genre + tag cosine. ``lambda`` = 0 is pure
relevance, 1 the most diverse list the pool allows.
"""

from __future__ import annotations

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.titles import spoken_title
from movierec.data.movielens import GENRES
from movierec.metrics import genre_jaccard_diversity

DEFAULT_POOL = 200


def mmr(scores: np.ndarray, candidates: np.ndarray, vectors: np.ndarray, n: int, diversity: float) -> np.ndarray:
    """Pick ``n`` of ``candidates`` (item indices, any order) by MMR; returns them in pick order."""
    if candidates.size == 0 or n <= 0:
        return np.zeros(0, dtype=np.int64)
    rel = scores[candidates].astype(np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    if diversity <= 0:
        order = np.argsort(-rel, kind="stable")[:n]
        return candidates[order]
    vec = vectors[candidates]
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    vec = np.divide(vec, norms, out=np.zeros_like(vec), where=norms > 0)
    sim = vec @ vec.T  # (C, C) cosine
    chosen: list[int] = []
    max_sim = np.zeros(candidates.size)
    available = np.ones(candidates.size, dtype=bool)
    for _ in range(min(n, candidates.size)):
        value = (1 - diversity) * rel - diversity * max_sim + 1e-9 * rel  # ties go to relevance
        value[~available] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, sim[best])
    return candidates[np.asarray(chosen)]


def mmr_batch(scores: np.ndarray, vectors: np.ndarray, n: int, diversity: float) -> np.ndarray:
    """MMR for many users at once: ``scores`` (U, C), ``vectors`` (U, C, D); returns (U, n) column indices."""
    users, c = scores.shape
    n = min(n, c)
    lo = scores.min(axis=1, keepdims=True)
    span = scores.max(axis=1, keepdims=True) - lo
    rel = np.divide(scores - lo, span, out=np.ones_like(scores, dtype=np.float64), where=span > 0)
    if diversity <= 0:
        return np.argsort(-rel, axis=1, kind="stable")[:, :n]
    norms = np.linalg.norm(vectors, axis=2, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors, dtype=np.float32), where=norms > 0)
    sim = np.einsum("ucd,ued->uce", unit, unit)
    chosen = np.zeros((users, n), dtype=np.int64)
    max_sim = np.zeros((users, c))
    taken = np.zeros((users, c), dtype=bool)
    rows = np.arange(users)
    for step in range(n):
        value = (1 - diversity) * rel - diversity * max_sim + 1e-9 * rel  # ties go to relevance
        value[taken] = -np.inf
        best = value.argmax(axis=1)
        chosen[:, step] = best
        taken[rows, best] = True
        max_sim = np.maximum(max_sim, sim[rows, best])
    return chosen


def list_diversity(items: np.ndarray, catalog: Catalog) -> float:
    """1 - mean pairwise Jaccard similarity of the picks' genre sets."""
    return float(genre_jaccard_diversity(np.asarray(items)[None, :], catalog.genres)[0])


def reasons(picks: np.ndarray, liked: np.ndarray, liked_stars: np.ndarray, vectors: np.ndarray, catalog: Catalog,
            threshold: float = 0.55, collaborative: bool = True) -> list[str]:
    """For each pick: the liked film it is most like, or the genres it brings that the liked films lack.

    Otherwise, when collaborative (NCF) scores took part: "liked by people with your taste"; when
    the scores were content-based only, the genres (or tags) the pick shares with the liked films.
    """
    out = []
    liked = np.asarray(liked, dtype=np.int64)
    liked_genres = catalog.genres[liked].any(axis=0) if liked.size else np.zeros(catalog.genres.shape[1], bool)
    if liked.size:
        a = vectors[picks]
        b = vectors[liked]
        a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
        b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
        sims = a @ b.T
    for row, item in enumerate(picks):
        if liked.size:
            j = int(np.argmax(sims[row]))
            if sims[row, j] >= threshold:
                stars = liked_stars[j]
                star_text = f"{stars:g} star" + ("" if stars == 1 else "s")
                out.append(f"because you rated {spoken_title(catalog.titles[liked[j]])} {star_text}")
                continue
        new = [GENRES[g] for g in np.flatnonzero(catalog.genres[int(item)].astype(bool) & ~liked_genres)]
        if liked.size and new:
            out.append("adds " + ", ".join(new[:3]) + " to your mix")
        elif liked.size and collaborative:
            out.append("liked by people with your taste")
        elif liked.size:
            out.append(_shared(int(item), liked, liked_genres, catalog))
        elif _popular(catalog, int(item)):
            out.append("popular and well rated")
        else:  # no film liked yet (only low ratings): the scores steered away from those
            out.append("unlike the films you rated low")
    return out


def _popular(catalog: Catalog, item: int) -> bool:
    """Whether "popular and well rated" is true of a film: rated by at least as many people as the median film
    with ratings, and 3.5 stars or more on average (a film nobody rated is neither)."""
    if catalog.n_ratings is None or catalog.mean_rating is None:
        return False
    counts = catalog.n_ratings
    rated = counts[counts > 0]
    return bool(rated.size and counts[item] >= max(1.0, float(np.median(rated)))
                and catalog.mean_rating[item] >= 3.5)


def sequence_reasons(picks: np.ndarray, recent: np.ndarray, vectors: np.ndarray, catalog: Catalog,
                     threshold: float = 0.35) -> list[str]:
    """For picks of a sequence model: the recent films (``recent``, latest first) that led to each.

    "after your recent X": the one of your latest films the pick is most like (genre and tag cosine),
    when it is alike enough; else "after your recent X and Y", your two latest films."""
    recent = np.asarray(recent, dtype=np.int64)
    a = vectors[picks]
    b = vectors[recent]
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    sims = a @ b.T
    latest = " and ".join(spoken_title(catalog.titles[int(i)]) for i in recent[:2])
    out = []
    for row in range(len(picks)):
        j = int(np.argmax(sims[row]))
        out.append(f"after your recent {spoken_title(catalog.titles[int(recent[j])])}" if sims[row, j] >= threshold
                   else f"after your recent {latest}")
    return out


def _shared(item: int, liked: np.ndarray, liked_genres: np.ndarray, catalog: Catalog) -> str:
    """What a content-based pick has in common with the liked films: genres, else tags."""
    genres = [GENRES[g] for g in np.flatnonzero(catalog.genres[item].astype(bool) & liked_genres)]
    if genres:
        return "shares " + ", ".join(genres[:3]) + " with films you liked"
    if catalog.tags:
        mine = {t for t in catalog.tags[item].split("|") if t}
        theirs = {t for i in liked for t in catalog.tags[int(i)].split("|") if t}
        common = sorted(mine & theirs)
        if common:
            return "tagged " + ", ".join(common[:3]) + " like films you liked"
    return "close in genres and tags to films you liked"
