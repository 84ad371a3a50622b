"""Generate an ML-20M-shaped synthetic release in the GroupLens CSV layout.

Shape of the real ML-20M: 138,493 users, 26,744 rated movies (27,278 listed),
20,000,263 ratings, every user with at least 20 ratings, activity and
popularity heavily skewed (a few users rate thousands of films, a few films get
tens of thousands of ratings). ``--scale`` shrinks every count for quick runs.

    python bench/synthetic.py bench/out/ml-20m-synth            # full size, ~1 minute
    python bench/synthetic.py bench/out/small --scale 0.01
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

USERS, ITEMS, RATINGS = 138_493, 26_744, 20_000_263
GENRES = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
GENRE_WEIGHTS = np.array([8, 5, 2, 2, 13, 5, 3, 17, 3, 1, 5, 1, 2, 3, 7, 4, 7, 2, 1], dtype=float)
WORDS = ["Night", "Love", "Return", "Dark", "City", "Last", "Blue", "Dead", "Star", "Summer", "Secret", "Man",
         "Girl", "War", "King", "Lost", "Wild", "Red", "House", "Dream", "Road", "Ghost", "Iron", "River"]


def activity(n_users: int, n_ratings: int, rng: np.random.Generator, minimum: int = 20) -> np.ndarray:
    """Ratings per user: at least ``minimum``, lognormal tail, summing exactly to ``n_ratings``."""
    raw = rng.lognormal(mean=0.0, sigma=1.25, size=n_users)
    extra = n_ratings - minimum * n_users
    counts = minimum + np.floor(raw / raw.sum() * extra).astype(np.int64)
    counts[np.argsort(-raw)[: n_ratings - counts.sum()]] += 1
    return counts


def unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values. ``np.unique`` on int64 takes a hash path in numpy 2.x that is ~100x slower
    than sorting (1.8 s against 0.01 s on 2M keys here); it was most of this script's time."""
    keys = np.sort(keys)
    keep = np.empty(keys.size, dtype=bool)
    keep[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def generate(out: Path, scale: float = 1.0, seed: int = 0, shape: tuple[int, int, int] | None = None) -> dict:
    """``shape`` (users, items, ratings) replaces the scaled ML-20M counts (ml-100k: 943, 1,682, 100,000)."""
    rng = np.random.default_rng(seed)
    n_users = max(int(USERS * scale), 50)
    n_items = max(int(ITEMS * scale), 100)
    n_ratings = max(int(RATINGS * scale), n_users * 25)
    if shape is not None:
        n_users, n_items, n_ratings = shape
    minimum = 20
    cap = n_items // 2
    counts = np.minimum(activity(n_users, n_ratings, rng, minimum), cap)
    while counts.sum() < n_ratings and (counts < cap).any():  # hand what the cap cut to the next-heaviest users
        room = np.flatnonzero(counts < cap)
        take = room[np.argsort(-counts[room], kind="stable")][: n_ratings - counts.sum()]
        counts[take] += 1
    # Item popularity: Zipf-like over a random order of movie ids.
    pop = 1.0 / np.power(np.arange(n_items) + 15.0, 1.1)
    pop /= pop.sum()
    cdf = np.cumsum(pop)
    total = int(counts.sum())
    users = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    # Sample with replacement, drop repeats, top up the users left short (a few rounds).
    keys = users * n_items + np.minimum(np.searchsorted(cdf, rng.random(total)), n_items - 1)
    for _ in range(30):
        keys = unique(keys)
        have = np.bincount(keys // n_items, minlength=n_users)
        short = np.maximum(counts - have, 0)
        if short.sum() == 0:
            break
        more_users = np.repeat(np.arange(n_users, dtype=np.int64), short * 2 + 2)
        more_items = np.minimum(np.searchsorted(cdf, rng.random(more_users.size)), n_items - 1)
        # Heavy users exhaust the popular head: half of the top-up comes from the uniform tail.
        uniform = rng.random(more_users.size) < 0.5
        more_items[uniform] = rng.integers(0, n_items, uniform.sum())
        keys = np.concatenate([keys, more_users * n_items + more_items])
    keys = unique(keys)
    # Trim each user to exactly counts[u], at random.
    user_of = keys // n_items
    order = np.lexsort((rng.random(keys.size), user_of))
    keys, user_of = keys[order], user_of[order]
    start = np.searchsorted(user_of, np.arange(n_users))
    rank = np.arange(keys.size) - start[user_of]
    keys = keys[rank < counts[user_of]]
    users = keys // n_items
    item_rank = keys % n_items
    movie_ids = np.sort(rng.choice(np.arange(1, n_items * 5), n_items, replace=False))
    perm = rng.permutation(n_items)  # popularity rank -> movie
    items = movie_ids[perm[item_rank]]
    # Stars: a per-item quality plus a per-user bias, rounded to halves, clipped to 0.5..5.
    quality = rng.normal(3.4, 0.45, n_items)
    bias = rng.normal(0.1, 0.4, n_users)
    stars = np.clip(np.round((quality[item_rank] + bias[users] + rng.normal(0, 0.85, keys.size)) * 2) / 2, 0.5, 5.0)
    begin = rng.integers(789_652_009, 1_427_784_002 - 86_400 * 30, n_users)
    span = rng.exponential(86_400 * 200, n_users).astype(np.int64) + 3_600
    stamps = begin[users] + (rng.random(keys.size) * span[users]).astype(np.int64)
    out.mkdir(parents=True, exist_ok=True)
    order = np.lexsort((stamps, users))
    # Stars as a categorical of their text ("0.5" .. "5.0"): half the CSV time of float formatting.
    halves = pd.Categorical.from_codes((stars[order] * 2).astype(np.int64) - 1, [f"{h / 2:.1f}" for h in range(1, 11)])
    ratings = pd.DataFrame({"userId": users[order] + 1, "movieId": items[order], "rating": halves,
                            "timestamp": stamps[order]})
    ratings.to_csv(out / "ratings.csv", index=False, chunksize=1_000_000)
    genre_p = GENRE_WEIGHTS / GENRE_WEIGHTS.sum()
    titles, genres = [], []
    for k in range(n_items):
        n_words = 1 + k % 3
        words = [WORDS[(k * 7 + j * 13 + k // 24) % len(WORDS)] for j in range(n_words)]
        titles.append(f"{' '.join(words)} {k} ({1915 + (k * 37) % 100})")
        g = rng.choice(len(GENRES), size=1 + int(rng.integers(0, 3)), replace=False, p=genre_p)
        genres.append("|".join(GENRES[i] for i in sorted(g)))
    pd.DataFrame({"movieId": movie_ids, "title": titles, "genres": genres}).to_csv(out / "movies.csv", index=False)
    n_tags = max(n_ratings // 43, 10)
    tag_items = movie_ids[perm[np.minimum(np.searchsorted(cdf, rng.random(n_tags)), n_items - 1)]]
    tag_words = np.array(["funny", "dark", "classic", "twist ending", "atmospheric", "visually appealing",
                          "based on a book", "dystopia", "quirky", "romance"])
    pd.DataFrame({"userId": rng.integers(1, n_users + 1, n_tags), "movieId": tag_items,
                  "tag": tag_words[rng.integers(0, tag_words.size, n_tags)],
                  "timestamp": rng.integers(1_137_000_000, 1_427_000_000, n_tags)}).to_csv(out / "tags.csv", index=False)
    (out / "README.txt").write_text("Synthetic ML-20M-shaped release generated by movierec bench/synthetic.py.\n"
                                    "Not real MovieLens data.\n")
    return {"users": n_users, "items": int(unique(items).size), "listed_movies": n_items, "ratings": int(keys.size)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    info = generate(args.out, args.scale, args.seed)
    print(f"{args.out}: {info} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
