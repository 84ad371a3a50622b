"""A profile's entries read on this release: the one mapping from a stored entry (a movie id in some id space,
its title) to a film of the loaded dataset that the CLI and the TUI read; and what picks read of a profile."""

from __future__ import annotations

import numpy as np

from movierec.data.movielens import GENRES
from movierec.picks.scoring import HIGH
from movierec.store.profiles import Profile, Rating
from movierec.engine.context import Context


class ProfileView:
    def __init__(self, context: Context) -> None:
        self.context = context

    @property
    def id_space(self) -> str:
        """The movie id space of the loaded dataset: what a film rated or listed here is stored in."""
        return self.context.dataset.id_space

    def index_of(self, movie_id: int) -> int | None:
        """The index of a movie id of this dataset's own id space (a profile entry: ``entry_index``)."""
        idx = int(self.context.dataset.item_ids.index([movie_id], missing="negative")[0])
        return idx if idx >= 0 else None

    def entry_index(self, entry: Rating) -> int | None:
        """The film a profile entry names in this dataset, or None when it lacks it: by its movie id when the
        entry was made in this dataset's id space, else by its title and year (exactly one film of that
        normalised title, never the raw id: ml-100k's id 2 is not MovieLens id 2)."""
        if entry.space == self.id_space:
            return self._own_film(entry, self.index_of(entry.movie_id))
        return self.context.dataset.catalog.by_title(entry.title)

    def _own_film(self, entry: Rating, index: int | None) -> int | None:
        """An entry of this id space: the film of its id (``index``), unless its stored title names exactly
        one other film of this release. Then that one: a profile written on ml-100k before entries kept
        their space reads as "movielens", and a release may number its films its own way; the title the
        user rated outranks an id that now names another film (fresh-eyes report, stop 22)."""
        if not entry.title:
            return index
        other = self.context.dataset.catalog.by_title(entry.title)
        return other if other is not None else index

    def indexed(self, entries: dict) -> dict[int, Rating]:
        """Catalogue index -> entry, for the entries of one part of a profile (``profile.ratings``,
        ``profile.watchlist``...) that name a film of this dataset; of two naming one film (made on two
        releases), the newer."""
        ordered = sorted(entries.values(), key=Rating.order)
        own = [e for e in ordered if e.space == self.id_space]
        ids = self.context.dataset.item_ids
        idx = (ids.index(np.array([e.movie_id for e in own], dtype=np.int64), missing="negative")
               if own else np.zeros(0, np.int64))
        found = dict(zip((id(e) for e in own), idx.tolist()))
        out: dict[int, Rating] = {}
        for e in ordered:  # oldest first: the newer entry of one film wins
            if id(e) in found:
                i = self._own_film(e, found[id(e)] if found[id(e)] >= 0 else None)
            else:
                i = self.entry_index(e)
            if i is not None and i >= 0:
                out[int(i)] = e
        return out

    def profile_films(self, profile: Profile) -> tuple[dict[int, Rating], dict[int, Rating]]:
        """(index -> rating, index -> "not interested" mark) of the profile's films in this dataset; a film
        rated on one release and dismissed on another is what the newer of the two says."""
        rated, dismissed = self.indexed(profile.ratings), self.indexed(profile.not_interested)
        for i in set(rated) & set(dismissed):
            if rated[i].time >= dismissed[i].time:
                del dismissed[i]
            else:
                del rated[i]
        return rated, dismissed

    def same_film(self, index: int):
        """For the profile store's changes (``ProfileStore.rate(..., same=)``): whether an entry names the
        film ``index`` of this dataset, so rating it here replaces its rating made on another release."""
        return lambda entry: self.entry_index(entry) == index

    def entry_args(self, index: int) -> dict:
        """What a ProfileStore change of film ``index`` takes besides its movie id: the ``space`` it is stored
        in and ``same`` (``same_film``): ``store.rate(name, movie_id, stars, title, **engine.entry_args(index))``."""
        return {"space": self.id_space, "same": self.same_film(index)}

    def profile_items(self, profile: Profile) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """(rated item indices, their stars, not-interested indices, movie ids unknown to this dataset), the
        indices in order; entries are mapped by ``profile_films`` (by title when made in another id space)."""
        rated, dismissed = self.profile_films(profile)
        idx = np.array(sorted(rated), dtype=np.int64)
        stars = np.array([rated[int(i)].stars for i in idx], dtype=np.float32)
        skip = np.array(sorted(dismissed), dtype=np.int64)
        found = {id(e) for e in (*rated.values(), *dismissed.values())}
        unknown = sorted(e.movie_id for e in (*profile.ratings.values(), *profile.not_interested.values())
                         if id(e) not in found and self.entry_index(e) is None)
        return idx, stars, skip, unknown

    def recency(self, profile: Profile, items: np.ndarray) -> np.ndarray:
        """One weight per rated film (``items`` as ``profile_items`` gives them): the latest ratings weigh
        more (``recent.recency_weights``, tau PROFILE_TAU ratings; `--rate` flags count in the order given)."""
        from movierec.models.recent import PROFILE_BLEND, PROFILE_TAU, recency_weights

        if items.size == 0:
            return np.zeros(0, dtype=np.float32)
        return recency_weights(np.zeros(items.size, dtype=np.int64), self.times(profile, items), PROFILE_TAU,
                               PROFILE_BLEND)

    def times(self, profile: Profile, items: np.ndarray) -> np.ndarray:
        """When each rated film (``items`` as ``profile_items`` gives them) was rated."""
        if items.size == 0:
            return np.zeros(0, dtype=np.float64)
        rated = self.profile_films(profile)[0]
        return np.array([rated[int(i)].time for i in items], dtype=np.float64)

    def favourite_genres(self, profile: Profile, k: int | None = None) -> list[str]:
        """Every genre of a film you rated highly (4 stars or more), the one you like most first.

        How much you like a genre: the sum of (stars - 3) over your rated films in it, so many
        high ratings count more than one, and low ratings count against it.
        """
        items, stars, _, _ = self.profile_items(profile)
        high = items[stars >= HIGH]
        if high.size == 0:
            return []
        genres = self.context.dataset.catalog.genres
        liking = (genres[items].astype(np.float64) * (stars.astype(np.float64) - 3.0)[:, None]).sum(axis=0)
        present = genres[high].any(axis=0)
        present[-1] = False  # "(no genres listed)"
        order = [int(g) for g in np.argsort(-liking, kind="stable") if present[g] and liking[g] > 0]
        return [GENRES[g] for g in order[:k]]

    def genre_choices(self, profile: Profile) -> list[str]:
        """Every genre in the catalogue: the profile's favourites first, then the rest, largest first."""
        mine = self.favourite_genres(profile)
        counts = self.context.dataset.catalog.genres.sum(axis=0)
        rest = [GENRES[g] for g in np.argsort(-counts, kind="stable")
                if counts[g] > 0 and GENRES[g] != "(no genres listed)" and GENRES[g] not in mine]
        return [*mine, *rest]
