"""Films as rows the CLI and the TUI show: one film, the title search, more like this, the starters."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from movierec.errors import MovieRecError
from movierec.models.content import ContentBased
from movierec.picks.scoring import cold_start_list, genre_filter, parse_years
from movierec.engine.context import Context
from movierec.engine.rows import FilmRow, FilmSearch

if TYPE_CHECKING:
    from movierec.engine.shelf import ModelShelf


class Films:
    """The catalogue's films as rows, and the content model (genres, tags, genome) that search-free lists
    (more like this, the picks' content part) read; built on first use."""

    def __init__(self, context: Context, shelf: ModelShelf) -> None:
        self.context = context
        self.shelf = shelf
        self._content: ContentBased | None = None

    @property
    def content(self) -> ContentBased:
        if self._content is None:
            model = ContentBased()
            model.prepare(self.context.dataset.catalog)
            self._content = model
        return self._content

    def find_title(self, title: str) -> int:
        return self.context.dataset.catalog.find(title).index

    def film(self, index: int) -> FilmRow:
        """One film with its ratings, mean rating and tags (the film screen)."""
        cat = self.context.dataset.catalog
        tags = [t for t in (cat.tags[index].split("|") if cat.tags and cat.tags[index] else []) if t]
        return FilmRow.of(cat, index, ratings=int(cat.n_ratings[index]), mean_rating=float(cat.mean_rating[index]),
                          tags=tags)

    def search(self, text: str, genres: list[str] | None = None, years: str | tuple | None = None,
               limit: int = 50) -> FilmSearch:
        """The title search the CLI and the TUI show: the films the genre (any of ``genres``) and year filters
        allow (``years``: "1990-99" or (1990, 1999)), ranked by the query, or with no text the most rated of
        them; and the one sentence to show instead when none matches closely (Catalog.lookup)."""
        cat = self.context.dataset.catalog
        span = parse_years(years) if isinstance(years, str) else years
        filtered = bool(genres) or span is not None
        allowed = genre_filter(cat, genres, span) if filtered else None
        score: dict[int, float] = {}
        note, hidden = "", 0
        if text.strip():
            found = cat.lookup(text, limit=limit, among=allowed)
            score, note, hidden = {m.index: m.score for m in found.matches}, found.note, found.hidden
            hits = list(score)
        else:
            pool = np.flatnonzero(allowed) if allowed is not None else np.arange(len(cat))
            hits = pool[np.argsort(-cat.n_ratings[pool], kind="stable")[:limit]].tolist()
            note = "" if hits else "no film passes these filters" if filtered else "no film in this dataset"
        return FilmSearch([FilmRow.of(cat, i, ratings=int(cat.n_ratings[i]), mean_rating=float(cat.mean_rating[i]),
                                      score=score.get(i)) for i in hits], note, hidden)

    def similar(self, film: str | int, n: int = 20, learned: bool = False) -> tuple[FilmRow, list[FilmRow]]:
        """The film (a title, matched as `rate` matches it, or an index) and its more-like-this list: genre/tag
        cosine, or with ``learned`` the cosine of deepcontent's film vectors (what people who rate films the
        way you do would put near it). The film's row says whether the title named it ``exact``ly; the list's
        rows carry their ``similarity``."""
        cat = self.context.dataset.catalog
        if isinstance(film, str):
            match = cat.find(film)
            index, exact = match.index, match.exact
        else:
            index, exact = int(film), True
        if learned:
            model = self.shelf.get("deepcontent")
            if model is None:
                raise MovieRecError("no deepcontent model is saved for this dataset (or it could not train); "
                                    "train one with `movierec --headless train --model deepcontent`")
            found = model.similar(index, n)
        else:
            found = self.content.similar(index, n)
        return FilmRow.of(cat, index, exact=exact), [FilmRow.of(cat, i, similarity=s) for i, s in found]

    def cold_start(self, n: int = 40) -> list[FilmRow]:
        """Well-known films across genres and decades for a first rating session."""
        cat = self.context.dataset.catalog
        return [FilmRow.of(cat, i, ratings=int(cat.n_ratings[i])) for i in cold_start_list(cat, n)]
