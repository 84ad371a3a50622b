"""The normalised dataset every model and command works on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.ids import Vocabulary
from movierec.data.movielens import GENRES, RawRelease, genre_index, id_space_of, parse_year


@dataclass
class Dataset:
    """Ratings as index arrays sorted by (user, item), one rating per pair, plus the catalogue.

    ``items`` index the catalogue (every movie of the release, rated or not).
    """

    name: str
    layout: str
    users: np.ndarray  # int32 user index
    items: np.ndarray  # int32 item index
    ratings: np.ndarray  # float32 stars
    timestamps: np.ndarray  # int64 seconds
    user_ids: Vocabulary
    catalog: Catalog
    fingerprint: str
    duplicates_dropped: int = 0

    @property
    def id_space(self) -> str:
        """What its movie ids number: "ml-100k" for that layout's own numbering, "movielens" for every other
        GroupLens release (one numbering); a profile entry made in another space is matched by title."""
        return id_space_of(self.layout)

    @property
    def item_ids(self) -> Vocabulary:
        return self.catalog.item_ids

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.catalog)

    @property
    def n_ratings(self) -> int:
        return int(self.users.size)

    def without_users(self, users: np.ndarray) -> "Dataset":
        """This dataset less every rating of ``users`` (``without_users``): its own fingerprint."""
        return without_users(self, users)

    def summary(self) -> dict:
        return {"name": self.name, "layout": self.layout, "users": self.n_users,
                "items": self.n_items, "ratings": self.n_ratings, "fingerprint": self.fingerprint}


def fingerprint_arrays(*arrays: np.ndarray) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for arr in arrays:
        data = np.ascontiguousarray(arr)
        digest.update(str(data.dtype).encode() + str(data.shape).encode())
        digest.update(memoryview(data).cast("B"))
    return digest.hexdigest()


def _genre_matrix(genre_strings: list[str]) -> np.ndarray:
    matrix = np.zeros((len(genre_strings), len(GENRES)), dtype=np.uint8)
    cache: dict[str, list[int]] = {}
    no_genre = GENRES.index("(no genres listed)")
    for row, text in enumerate(genre_strings):
        cols = cache.get(text)
        if cols is None:
            cols = [g for g in (genre_index(part) for part in str(text).split("|") if part.strip()) if g is not None]
            cache[text] = cols or [no_genre]
            cols = cache[text]
        matrix[row, cols] = 1
    return matrix


def build_dataset(raw: RawRelease, name: str) -> Dataset:
    """Index a parsed release: contiguous ids, duplicate ratings dropped (latest kept), sorted arrays."""
    ratings = raw.ratings
    movies = raw.movies.drop_duplicates("item", keep="first")
    user_raw = ratings["user"].to_numpy(np.int64)
    item_raw = ratings["item"].to_numpy(np.int64)

    # Movies rated but missing from the movie list get a placeholder entry.
    movie_ids = movies["item"].to_numpy(np.int64)
    rated_ids = np.unique(item_raw)
    unknown = np.setdiff1d(rated_ids, movie_ids, assume_unique=True)
    # A row with its title or genres missing is kept: the film still has ratings. (pandas 3 keeps NaN
    # through astype(str), so fill first.)
    titles_col = [t if t.strip() else f"Untitled movie {int(m)}"
                  for t, m in zip(movies["title"].fillna("").astype(str), movie_ids)]
    genres_col = movies["genres"].fillna("(no genres listed)").astype(str).tolist()
    if unknown.size:
        movie_ids = np.concatenate([movie_ids, unknown])
        titles_col += [f"Unknown movie {int(m)}" for m in unknown]
        genres_col += ["(no genres listed)"] * unknown.size
    order = np.argsort(movie_ids, kind="stable")
    item_vocab = Vocabulary(movie_ids[order])
    titles = [titles_col[i].strip() for i in order]
    genres = _genre_matrix([genres_col[i] for i in order])
    years = np.array([parse_year(t) for t in titles], dtype=np.int32)

    user_vocab_ids, users = np.unique(user_raw, return_inverse=True)
    user_vocab = Vocabulary(user_vocab_ids)
    items = item_vocab.index(item_raw)
    users = users.astype(np.int32)
    stars = ratings["rating"].to_numpy(np.float32)
    stamps = ratings["timestamp"].to_numpy(np.int64)

    # Sort by (user, item, timestamp); keep the latest rating of each pair.
    n_items = len(item_vocab)
    key = users.astype(np.int64) * n_items + items
    order = np.lexsort((stamps, key))
    key = key[order]
    keep = np.ones(key.size, dtype=bool)
    keep[:-1] = key[:-1] != key[1:]
    order = order[keep]
    users, items, stars, stamps = users[order], items[order], stars[order], stamps[order]

    n_ratings = np.bincount(items, minlength=n_items).astype(np.int32)
    sums = np.bincount(items, weights=stars, minlength=n_items)
    mean = np.divide(sums, n_ratings, out=np.zeros(n_items), where=n_ratings > 0).astype(np.float32)

    tags = None
    if raw.tags is not None and len(raw.tags):
        tag_frame = raw.tags.assign(idx=item_vocab.index(raw.tags["item"].to_numpy(np.int64), missing="negative"))
        tag_frame = tag_frame[tag_frame["idx"] >= 0]
        tag_frame = tag_frame.assign(tag=tag_frame["tag"].astype(str).str.strip().str.lower().str.replace("|", " ", regex=False))
        tag_frame = tag_frame[tag_frame["tag"] != ""].drop_duplicates(["idx", "tag"])
        grouped = tag_frame.groupby("idx")["tag"].agg("|".join)
        tags = [""] * n_items
        for idx, text in grouped.items():
            tags[int(idx)] = text

    genome = genome_tags = None
    if raw.genome is not None:
        g_ids, genome_tags, g_matrix = raw.genome
        genome = np.zeros((n_items, g_matrix.shape[1]), dtype=np.float16)
        pos = item_vocab.index(g_ids, missing="negative")
        genome[pos[pos >= 0]] = g_matrix[pos >= 0]

    imdb_ids = tmdb_ids = None
    if raw.links is not None and len(raw.links):
        pos = item_vocab.index(raw.links["item"].to_numpy(np.int64), missing="negative")
        known = pos >= 0
        imdb_ids = np.full(n_items, -1, dtype=np.int64)
        tmdb_ids = np.full(n_items, -1, dtype=np.int64)
        imdb_ids[pos[known]] = raw.links["imdb"].to_numpy(np.int64)[known]
        tmdb_ids[pos[known]] = raw.links["tmdb"].to_numpy(np.int64)[known]

    catalog = Catalog(item_vocab, titles, years, genres, tags, genome, genome_tags, n_ratings, mean, imdb_ids, tmdb_ids,
                      id_space_of(raw.layout))
    fp = fingerprint_arrays(user_vocab.array, item_vocab.array, users, items, stars, stamps)
    return Dataset(name, raw.layout, users, items, stars, stamps, user_vocab, catalog, fp,
                   duplicates_dropped=int((~keep).sum()))



def without_users(dataset: Dataset, users: np.ndarray) -> Dataset:
    """``dataset`` less every rating of ``users`` (user indices): the same catalogue (the same films in the same
    order, so an item index means the same film in both), its films' rating counts and means from the ratings
    kept (nothing of the users left out shows, not even in a film's popularity), the users renumbered, and its
    own fingerprint: models, calibrations and tuned settings made on it are its own, never the full dataset's."""
    from dataclasses import replace

    gone = np.zeros(dataset.n_users, dtype=bool)
    gone[np.asarray(users, dtype=np.int64)] = True
    keep = ~gone[dataset.users]
    kept_users = np.flatnonzero(~gone)
    renumber = np.full(dataset.n_users, -1, dtype=np.int64)
    renumber[kept_users] = np.arange(kept_users.size)
    users_new = renumber[dataset.users[keep]].astype(np.int32)
    items, stars, stamps = dataset.items[keep], dataset.ratings[keep], dataset.timestamps[keep]
    n_items = dataset.n_items
    counts = np.bincount(items, minlength=n_items).astype(np.int32)
    sums = np.bincount(items, weights=stars, minlength=n_items)
    mean = np.divide(sums, counts, out=np.zeros(n_items), where=counts > 0).astype(np.float32)
    cat = dataset.catalog
    catalog = Catalog(cat.item_ids, cat.titles, cat.years, cat.genres, cat.tags, cat.genome, cat.genome_tags, counts,
                      mean, cat.imdb_ids, cat.tmdb_ids, cat.id_space)
    user_vocab = Vocabulary(dataset.user_ids.array[kept_users])
    fp = fingerprint_arrays(user_vocab.array, cat.item_ids.array, users_new, items, stars, stamps)
    return replace(dataset, name=f"{dataset.name} less {int(gone.sum())} held-out users", users=users_new, items=items,
                   ratings=stars, timestamps=stamps, user_ids=user_vocab, catalog=catalog, fingerprint=fp,
                   duplicates_dropped=0)
