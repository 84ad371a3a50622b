"""The new-user protocol: picks measured as a person gets them.

A seeded share of users is held out of everything (``choose_users``; the engine that serves them is built on the
dataset less their ratings). Each becomes a ``Profile`` as a person builds one: their ratings in time order up to a
cut, with stars and times; their next rating is the target (``build_cases``). Every mode serves every profile
through a ``serve`` callable (the engine passes the function ``recommend`` and the TUI call), and ``evaluate``
reads its top ``k``: HR@k and NDCG@k over every unrated film and against ``negatives`` sampled films, ILD@k,
taste coverage and the genre KL divergence (``movierec.metrics``). Plain values in, rows out: this module never
sees the engine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from movierec import metrics
from movierec.errors import MovieRecError
from movierec.store.profiles import Profile, Rating

#: Profile sizes measured; None: every rating but the latest.
CUTS: tuple[int | None, ...] = (5, 10, 20, 50, None)
LATEST = "all but latest"
LIKED = 4.0  # a liked film, for taste coverage and the genre distribution (the issue: films rated 4+)
MINIMUM_USERS = 100

#: serve(profile, mode, diversity, within) -> the item indices shown, best first (within: the films to choose
#: among, or None for every film the profile has not rated).
Serve = Callable[[Profile, str, float, "np.ndarray | None"], list]


def cut_name(cut: int | None) -> str:
    return LATEST if cut is None else str(cut)


def choose_users(users: np.ndarray, fraction: float, seed: int = 0, minimum: int = MINIMUM_USERS,
                 shortest: int = min(c for c in CUTS if c is not None) + 1) -> np.ndarray:
    """The held-out users (sorted user indices): a seeded ``fraction`` of the users with at least ``shortest``
    ratings (the shortest cut and a target), at least ``minimum`` where there are twice as many such users (half
    of them at most: the rest train the models). ``users``: the user index of every rating."""
    if not 0 < fraction < 1:
        raise MovieRecError(f"--fraction {fraction} is not between 0 and 1 (exclusive): give a share such as 0.2")
    counts = np.bincount(np.asarray(users, dtype=np.int64))
    eligible = np.flatnonzero(counts >= shortest)
    if eligible.size < 2:
        raise MovieRecError(f"fewer than 2 users have {shortest} or more ratings: the new-user protocol needs users "
                            "to hold out and users to train on")
    count = max(int(round(fraction * eligible.size)), min(minimum, eligible.size // 2), 1)
    count = min(count, eligible.size - 1)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(eligible, size=count, replace=False))


@dataclass(frozen=True)
class HeldOut:
    """The held-out users' ratings as parallel arrays: the user's raw id, item index, stars, time (seconds)."""

    users: np.ndarray
    items: np.ndarray
    stars: np.ndarray
    times: np.ndarray


@dataclass(frozen=True)
class Case:
    """One profile to serve: the held-out user (raw id), the cut, the profile, the target (the item rated next),
    every film the user rated (never a sampled negative), and the profile's liked films."""

    user: int
    cut: str
    profile: Profile
    target: int
    rated: np.ndarray
    liked: np.ndarray


def build_cases(held: HeldOut, movie_ids: np.ndarray, titles: list[str], space: str,
                cuts: tuple[int | None, ...] = CUTS) -> dict[str, list[Case]]:
    """Each held-out user's profiles, by cut: their first ``cut`` ratings in time order (ties by movie id, the
    order a profile keeps them in), the next one the target; a user with ``cut`` ratings or fewer has no profile
    at that cut. ``movie_ids`` and ``titles``: the catalogue's, by item index."""
    out: dict[str, list[Case]] = {cut_name(c): [] for c in cuts}
    movie_ids = np.asarray(movie_ids, dtype=np.int64)
    for user in np.unique(held.users):
        mine = np.flatnonzero(held.users == user)
        items, stars, times = held.items[mine], held.stars[mine], held.times[mine]
        order = np.lexsort((movie_ids[items], times))
        items, stars, times = items[order], stars[order], times[order]
        for c in cuts:
            size = items.size - 1 if c is None else c
            if size < 1 or size >= items.size:
                continue
            profile = Profile(f"held-out-{int(user)}")
            for i, s, t in zip(items[:size].tolist(), stars[:size].tolist(), times[:size].tolist()):
                mid = int(movie_ids[i])
                profile.ratings[mid] = Rating(mid, float(s), float(t), titles[i], space)
            liked = items[:size][stars[:size] >= LIKED]
            out[cut_name(c)].append(Case(int(user), cut_name(c), profile, int(items[size]), items.copy(), liked))
    return out


def _negatives(case: Case, n_items: int, negatives: int, rng: np.random.Generator) -> np.ndarray:
    unrated = np.ones(n_items, dtype=bool)
    unrated[case.rated] = False
    pool = np.flatnonzero(unrated)
    return rng.choice(pool, size=min(negatives, pool.size), replace=False)


def evaluate(cases: dict[str, list[Case]], serve: Serve, modes: tuple[str, ...], diversities: tuple[float, ...],
             genres: np.ndarray, k: int = 10, negatives: int = 99, seed: int = 0,
             on_progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """One row per (mode, diversity, cut): users, HR@k and NDCG@k over every unrated film (``hr``, ``ndcg``) and
    against ``negatives`` sampled films the user never rated (``hr_sampled``, ``ndcg_sampled``), ILD@k, taste
    coverage, KL (over the profiles with a liked film), seconds per profile served (the first list of each
    profile: its fold-in included), and ``failed``: profiles the mode could not serve (an empty list: a miss).
    ``genres``: (n_items, G) 0/1."""
    n_items = genres.shape[0]
    rng = np.random.default_rng(seed)
    sampled = {(cut, i): np.concatenate([[case.target], _negatives(case, n_items, negatives, rng)]).astype(np.int64)
               for cut, group in cases.items() for i, case in enumerate(group)}
    total = len(modes) * sum(len(g) for g in cases.values())
    done = 0
    rows = []
    for mode in modes:
        for cut, group in cases.items():
            shown = {d: ([], []) for d in diversities}  # diversity -> (full lists, sampled lists)
            seconds, failed = [], {d: 0 for d in diversities}
            for i, case in enumerate(group):
                for j, d in enumerate(diversities):
                    for within, lists in ((None, shown[d][0]), (sampled[(cut, i)], shown[d][1])):
                        start = time.perf_counter()
                        try:
                            picks = list(serve(case.profile, mode, d, within))[:k]
                        except MovieRecError:
                            picks = []
                            if within is None:
                                failed[d] += 1
                        if j == 0 and within is None:
                            seconds.append(time.perf_counter() - start)
                        lists.append(picks)
                done += 1
                if on_progress is not None:
                    on_progress(done, total)
            if not group:
                continue
            targets = np.array([c.target for c in group])
            per_profile = float(np.mean(seconds)) if seconds else 0.0
            for d in diversities:
                full, within_lists = shown[d]
                rows.append({"mode": mode, "diversity": d, "cut": cut, "users": len(group),
                             **_figures(group, targets, full, within_lists, genres, k),
                             "seconds_per_profile": per_profile, "failed": failed[d]})
    return rows


def _figures(group: list[Case], targets: np.ndarray, full: list, within: list, genres: np.ndarray, k: int) -> dict:
    ranks, ranks_sampled = metrics.list_ranks(full, targets), metrics.list_ranks(within, targets)
    padded = np.full((len(full), k), -1, dtype=np.int64)
    for u, picks in enumerate(full):
        padded[u, :len(picks)] = picks
    cover, kl = [], []
    for case, picks in zip(group, full):
        if case.liked.size and genres[case.liked].any():
            cover.append(metrics.taste_coverage(case.liked, np.asarray(picks, dtype=np.int64), genres))
            kl.append(metrics.genre_kl(metrics.genre_distribution(case.liked, genres),
                                       metrics.genre_distribution(np.asarray(picks, dtype=np.int64), genres)))
    return {"hr": metrics.hit_rate(ranks, k), "ndcg": metrics.ndcg(ranks, k),
            "hr_sampled": metrics.hit_rate(ranks_sampled, k), "ndcg_sampled": metrics.ndcg(ranks_sampled, k),
            "ild": metrics.intra_list_diversity(padded, genres),
            "taste_coverage": float(np.mean(cover)) if cover else float("nan"),
            "kl": float(np.mean(kl)) if kl else float("nan")}
