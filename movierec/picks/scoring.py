"""A new user's top n: fold-in NCF scores blended with content scores, filtered, diversified, explained.

With no ratings the list is popular, well-rated films. Otherwise content-based
and fold-in NCF scores are blended with NCF weight p / (p + HALF_NCF_POSITIVES)
for p liked films: 1 liked film is 17% NCF, 5 are half and half, 20 are 80% NCF.
Content carries the first few ratings (a folded-in vector from two films mostly
says "popular"); NCF takes over as the evidence grows. Scores are standardised
over the unrated catalogue before blending so neither dominates by scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.titles import spoken_title
from movierec.data.movielens import GENRES, genre_index
from movierec.errors import MovieRecError
from movierec.models import registry
from movierec.models.base import KnownProfiles
from movierec.picks.rerank import DEFAULT_POOL, list_diversity, mmr, reasons, sequence_reasons

HALF_NCF_POSITIVES = 5
NEUTRAL = 2.5  # stars that say nothing in a content profile (content.NEUTRAL_STARS)
LIKED = 3.5  # stars at or above: a liked film (a fold-in positive)
DISLIKED = 2.5  # stars at or below: an explicit negative
HIGH = 4.0  # stars at or above: "rated highly" (a "Because you rated" list, a genre list)
#: From `movierec --headless eval --diversity-sweep` on ml-latest-small (bench/RESULTS.md): the largest
#: value that costs at most 0.01 HR@10 (0.720 -> 0.710) while ILD@10 rises 0.823 -> 0.872.
DEFAULT_DIVERSITY = 0.2


@dataclass
class Pick:
    index: int
    movie_id: int
    title: str
    year: int | None
    genres: list[str]
    score: float
    reason: str
    #: Among your unrated films, the share this one outranks under the mode's model (1.0: your top film;
    #: without a "Because you rated" list's pull toward its film). None: no ratings to rank by.
    percentile: float | None = None
    #: The predicted match, 0-1: how often held-out films ranked like this were rated 4 stars or more
    #: (calibration.py). None: no calibration for this mode (no trained model) or no ratings yet.
    match: float | None = None
    match_mode: str | None = None  # the mode whose calibration the match reads (the hybrid without NCF: content)

    def to_json(self) -> dict:
        return {"movie_id": self.movie_id, "title": self.title, "year": self.year, "genres": self.genres,
                "score": round(self.score, 6), "reason": self.reason,
                "match": None if self.match is None else round(self.match, 4),
                "percentile": None if self.percentile is None else round(self.percentile, 6)}


@dataclass
class Recommendations:
    picks: list[Pick]
    mix: dict[str, float]
    diversity: float
    genre_diversity: float
    device: str
    foldin_seconds: float = 0.0
    unknown_movies: list[int] = field(default_factory=list)
    note: str = ""  # why the list is not what was asked for (e.g. no neural model possible on this dataset)


def standardise(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    values = scores[mask]
    if values.size == 0:
        return np.zeros_like(scores, dtype=np.float64)
    sd = values.std()
    return (scores - values.mean()) / (sd if sd > 0 else 1.0)


def standardise_rows(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``standardise`` for each row over its own mask, vectorised."""
    scores = np.asarray(scores, dtype=np.float64)
    count = np.maximum(mask.sum(axis=1, keepdims=True), 1)
    mean = np.where(mask, scores, 0.0).sum(axis=1, keepdims=True) / count
    sd = np.sqrt(np.where(mask, (scores - mean) ** 2, 0.0).sum(axis=1, keepdims=True) / count)
    return (scores - mean) / np.where(sd > 0, sd, 1.0)


def popular_scores(catalog: Catalog) -> np.ndarray:
    """Popular and well rated: a Bayesian mean rating (10 phantom votes) plus log popularity, standardised."""
    n = catalog.n_ratings.astype(np.float64)
    mean = catalog.mean_rating.astype(np.float64)
    overall = float((n * mean).sum() / max(n.sum(), 1.0))
    bayes = (n * mean + 10 * overall) / (n + 10)
    mask = n > 0
    return standardise(bayes, mask) + standardise(np.log1p(n), mask)


def cold_start_list(catalog: Catalog, n: int = 40) -> list[int]:
    """Well-known films spanning genres and decades, for a new member's first ratings.

    Round-robin over genres (largest first); each turn takes that genre's most
    rated film from the decade used least so far.
    """
    counts = catalog.n_ratings
    threshold = np.quantile(counts[counts > 0], 0.9) if (counts > 0).any() else 0
    known = np.flatnonzero(counts >= max(threshold, 1))
    decades = (catalog.years // 10) * 10
    genre_sizes = catalog.genres[known].sum(axis=0)
    genres_order = [g for g in np.argsort(-genre_sizes) if genre_sizes[g] > 0 and GENRES[g] != "(no genres listed)"]
    picked: list[int] = []
    used_decades: dict[int, int] = {}
    per_genre = {g: known[catalog.genres[known, g] > 0] for g in genres_order}
    for g in per_genre:
        per_genre[g] = per_genre[g][np.argsort(-counts[per_genre[g]], kind="stable")]
    while len(picked) < n and genres_order:
        progressed = False
        for g in genres_order:
            pool = [i for i in per_genre[g][:60] if i not in picked]
            if not pool:
                continue
            best = min(pool[:20], key=lambda i: (used_decades.get(int(decades[i]), 0), -int(counts[i])))
            picked.append(int(best))
            used_decades[int(decades[best])] = used_decades.get(int(decades[best]), 0) + 1
            progressed = True
            if len(picked) >= n:
                break
        if not progressed:
            break
    return picked


def genre_filter(catalog: Catalog, genres: list[str] | None, years: tuple[int | None, int | None] | None) -> np.ndarray:
    """Mask of items passing the optional genre (any of) and year-range filters."""
    mask = np.ones(len(catalog), dtype=bool)
    if genres:
        cols = []
        for name in genres:
            g = genre_index(name)
            if g is None:
                raise MovieRecError(f"unknown genre {name!r}; choose from: {', '.join(GENRES[:-1])}")
            cols.append(g)
        mask &= catalog.genres[:, cols].any(axis=1)
    if years:
        lo, hi = years
        if lo is not None:
            mask &= catalog.years >= lo
        if hi is not None:
            mask &= (catalog.years <= hi) & (catalog.years > 0)
    return mask


def parse_years(text: str) -> tuple[int | None, int | None] | None:
    """ "1990-1999", "1990-99", "1990-", "-1980", "1995" -> a year range; "" -> None."""
    text = (text or "").strip()
    if not text:
        return None
    lo, sep, hi = text.partition("-")
    try:
        start = int(lo) if lo.strip() else None
        end = int(hi) if hi.strip() else (None if sep else start)
    except ValueError:
        raise MovieRecError(f"years {text!r} should look like 1990-1999, 1990-99, 1990-, -1980 or 1995") from None
    if sep and hi.strip() and len(hi.strip()) <= 2 and start is not None and start >= 100:
        end += start - start % 100  # 1990-99: the end year in the start's century
        if end < start:
            end += 100  # 1995-05: 2005
    if start is None and end is None:  # "-": a dash alone names no year (the filter line said "None")
        raise MovieRecError(f"years {text!r} name no year; write 1990-1999, 1990-99, 1990-, -1980 or 1995")
    if any(y is not None and not 1000 <= y <= 9999 for y in (start, end)):
        raise MovieRecError(f"years {text!r}: a year has four digits, e.g. 1990-1999")
    if start is not None and end is not None and start > end:  # as the CLI says for --from-year > --to-year
        raise MovieRecError(f"years {text!r}: {start} is after {end} (swap them)")
    return start, end


def blend(ncf: np.ndarray | None, content: np.ndarray, positives: int, mask: np.ndarray,
          parts: tuple[str, str] | None = None) -> tuple[np.ndarray, dict]:
    """The blend of a collaborative part (``ncf``; None: none) and a content part, standardised over ``mask``;
    ``parts``: their names in the mix (the registry's blend, hybrid's by default)."""
    first, second = parts or registry.BLENDS[0].parts
    w = positives / (positives + HALF_NCF_POSITIVES) if ncf is not None else 0.0
    content_z = standardise(content, mask)
    if w == 0.0:
        return content_z, {first: 0.0, second: 1.0}
    ncf_z = standardise(ncf, mask)
    return w * ncf_z + (1 - w) * content_z, {first: round(w, 3), second: round(1 - w, 3)}


def personal_scores(catalog: Catalog, content, items: np.ndarray, stars: np.ndarray, skip: np.ndarray,
                    allowed: np.ndarray, mode: str, scorers: dict[str, Callable[[], np.ndarray]],
                    anchor_vector: np.ndarray | None = None,
                    weights: np.ndarray | None = None) -> tuple[np.ndarray, dict, str]:
    """A new user's scores of every item: (scores, mix, note).

    ``mode`` (the registry's): a blend (hybrid) mixes its fallback part's scores (``content``'s, a content
    profile) with its first part's (``scorers[part]``, e.g. a fold-in) by how many films the user liked
    (``blend``); the blend's fallback mode is its content scores alone; any other mode is its own model's
    scores alone (``scorers[mode]``: a fold-in, a sequence model reading the ratings in time order...). A
    scorer runs only when the mode needs it. When a blend's cannot (a MovieRecError: e.g. no neural model can
    be trained on this dataset) it falls back to content and the note says why; a mode of one model passes
    the error on. With no ratings: popular films. With only dislikes: away from them, among films people
    like. ``anchor_vector``: a film's content vector the list should stay close to ("Because you rated X").
    ``weights``: one per rated film (recency: the latest ratings count more in the content profile too).
    """
    positives = int((stars >= LIKED).sum())
    note = ""
    mixed = registry.blend_for(mode)
    first, base = mixed.parts
    if items.size == 0 and skip.size == 0:
        scores, mix = popular_scores(catalog), {"popular": 1.0}
    else:
        content_scores = content.profile_scores(
            np.concatenate([items, skip]), np.concatenate([stars, np.full(skip.size, 1.0, np.float32)]),
            None if weights is None else np.concatenate([weights, np.ones(skip.size, np.float32)]))
        own = None
        if mode != base and (positives or items.size):
            try:
                own = scorers[first if mode == mixed.mode else mode]()
            except MovieRecError as exc:
                if mode != mixed.mode:
                    raise
                note = f"{base}-based only: {exc}"
        if mode not in (mixed.mode, base) and own is not None:
            scores, mix = own.astype(np.float64), {mode: 1.0, base: 0.0}
        else:
            scores, mix = blend(own, content_scores, positives, allowed, mixed.parts)
        if positives == 0:
            scores = scores + 0.5 * popular_scores(catalog)
            mix = {**{k: v / 1.5 for k, v in mix.items()}, "popular": 0.5 / 1.5}  # shares of the sum, as elsewhere
    if anchor_vector is not None:
        scores = anchored(scores, content, anchor_vector, allowed)
    return scores, mix, note


def personal_scores_rows(content, popular: np.ndarray, mode: str, rows: np.ndarray, items: np.ndarray,
                         stars: np.ndarray, weights: np.ndarray, candidates: np.ndarray,
                         own: np.ndarray | None) -> np.ndarray:
    """``personal_scores`` for many profiles at once (the match's calibration), (B, n_items): profile
    ``rows[j]`` rated ``items[j]`` ``stars[j]`` with recency weight ``weights[j]``; ``candidates`` (B, n)
    is each one's unrated films (what a blend standardises over); ``own``: the mode's model's scores
    (B, n) (a blend's first part), None for the blend's fallback (content). No dismissed films, no anchor."""
    n_rows, n_items = candidates.shape
    positives = np.bincount(rows[stars >= LIKED], minlength=n_rows)
    mixed = registry.blend_for(mode)
    base = mixed.parts[1]
    if mode in (mixed.mode, base):
        known = KnownProfiles(np.arange(n_rows), rows, items, stars, np.zeros(rows.size), weights,
                              np.ones(rows.size, dtype=bool))
        content_z = standardise_rows(content.score_known(known)[0], candidates)
    if mode == base or (mode == mixed.mode and own is None):
        scores = content_z
    elif mode == mixed.mode:
        mix = (positives / (positives + HALF_NCF_POSITIVES))[:, None]
        scores = mix * standardise_rows(own, candidates) + (1 - mix) * content_z
    else:
        assert own is not None
        scores = np.asarray(own, dtype=np.float64)
    return scores + np.where((positives == 0)[:, None], 0.5 * popular[None, :], 0.0)


def anchored(scores: np.ndarray, content, anchor_vector: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Scores pulled toward one film's content vector ("Because you rated X")."""
    sims = content.vectors @ anchor_vector
    return scores + 1.5 * standardise(sims, allowed)


def blend_new_films(scores: np.ndarray, learned: np.ndarray, n_ratings: np.ndarray, half: float,
                    mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Films with few ratings scored more from the learned content space (deepcontent): a film with n
    ratings takes half / (n + half) of its score from ``learned`` (both standardised over ``mask``), so a
    film nobody rated is scored from what is known about it alone. (scores, each film's learned share)."""
    share = half / (np.asarray(n_ratings, dtype=np.float64) + half) if half > 0 else (np.asarray(n_ratings) == 0) * 1.0
    return (1 - share) * standardise(scores, mask) + share * standardise(learned, mask), share


def new_film_reasons(picks: list[Pick], share: np.ndarray, liked: np.ndarray, film_vectors: np.ndarray,
                     catalog: Catalog) -> None:
    """A pick scored mostly from the learned space (a film with few ratings) says so: "new to the
    catalogue, like X" when nobody rated it, "few ratings so far, like X" otherwise (an old film can have
    few ratings too), X the liked film nearest to it there (cosine of film vectors)."""
    liked = np.asarray(liked, dtype=np.int64)
    if liked.size == 0:
        return
    b = film_vectors[liked]
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    for pick in picks:
        if share[pick.index] < 0.5:
            continue
        a = film_vectors[pick.index]
        j = int(np.argmax(b @ (a / max(float(np.linalg.norm(a)), 1e-12))))
        what = "new to the catalogue" if catalog.n_ratings[pick.index] == 0 else "few ratings so far"
        pick.reason = f"{what}, like {spoken_title(catalog.titles[liked[j]])}"


def finish(scores: np.ndarray, allowed: np.ndarray, catalog: Catalog, vectors: np.ndarray, n: int, diversity: float,
           liked: np.ndarray, liked_stars: np.ndarray, pool: int = DEFAULT_POOL,
           similarity: np.ndarray | None = None, collaborative: bool = True,
           recent: np.ndarray | None = None) -> tuple[list[Pick], float]:
    """Top ``pool`` allowed items by score, MMR down to ``n``, each with its reason.

    ``vectors`` explain picks (genre + tag content vectors); ``similarity`` (default:
    the same) is what MMR spreads the list over. ``recent``: the user's latest rated films, latest
    first, when a sequence model chose the picks: each reason names the recent films that led to it.
    """
    if not 0.0 <= diversity <= 1.0:
        raise MovieRecError(f"diversity {diversity} is outside 0..1")
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0:
        return [], 0.0
    masked = np.where(allowed, scores, -np.inf)
    take = min(pool, candidates.size)
    top = np.argpartition(-masked, take - 1)[:take]
    top = top[np.isfinite(masked[top])]
    chosen = mmr(scores, top, vectors if similarity is None else similarity, n, diversity)
    why = (sequence_reasons(chosen, recent, vectors, catalog) if recent is not None and recent.size
           else reasons(chosen, liked, liked_stars, vectors, catalog, collaborative=collaborative))
    picks = [Pick(int(i), int(catalog.item_ids.ids(i)[0]), catalog.titles[i], int(catalog.years[i]) or None,
                  catalog.genre_names(int(i)), float(scores[i]), why[k]) for k, i in enumerate(chosen)]
    return picks, list_diversity(chosen, catalog) if chosen.size > 1 else 0.0
