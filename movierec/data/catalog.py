"""Movies: ids, titles, years, genre multi-hot, tags, genome; and title search."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from movierec.data.ids import Vocabulary
from movierec.data.movielens import GENRES, strip_year
from movierec.errors import TitleError

_ARTICLES = ("the", "a", "an", "les", "la", "le", "l'", "il", "el", "los", "las", "der", "die", "das", "den", "det")
_TRAILING_ARTICLE = re.compile(r"^(.*?),\s*(" + "|".join(re.escape(a) for a in _ARTICLES) + r")\s*$", re.IGNORECASE)
_AKA = re.compile(r"\s*\(a\.k\.a\..*?\)|\s*\([^()]*\)\s*$")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_QUERY_YEAR = re.compile(r"\s*\(?(\d{4})\)?\s*$")


def normalize_title(text: str) -> str:
    """Lowercase, no accents, no punctuation, trailing article moved to the front.

    "Matrix, The (1999)" -> "the matrix"; "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)" -> "amelie".
    """
    text = strip_year(text)
    # "Amelie (Fabuleux destin..., Le)": keep the first (English) title.
    while True:
        stripped = _AKA.sub("", text).strip()
        if stripped == text or not stripped:
            break
        text = stripped
    match = _TRAILING_ARTICLE.match(text)
    if match:
        text = f"{match.group(2)} {match.group(1)}"
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NON_WORD.sub(" ", text.lower())
    return _SPACES.sub(" ", text).strip()


def _without_article(text: str) -> str:
    head, _, rest = text.partition(" ")
    return rest if head in _ARTICLES and rest else text


@dataclass
class TitleMatch:
    index: int
    title: str
    exact: bool
    score: float


@dataclass
class Catalog:
    item_ids: Vocabulary
    titles: list[str]
    years: np.ndarray  # int32, 0 = unknown
    genres: np.ndarray  # uint8 (n_items, len(GENRES))
    tags: list[str] | None = None  # per item: lowercased tags joined by "|"
    genome: np.ndarray | None = None  # float16 (n_items, n_tags); rows of zeros where absent
    genome_tags: list[str] | None = None
    n_ratings: np.ndarray | None = None  # int32 per item
    mean_rating: np.ndarray | None = None  # float32 per item (0 when unrated)
    _norm: list[str] | None = field(default=None, repr=False)
    _bare: list[str] | None = field(default=None, repr=False)
    _exact: dict[str, list[int]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.titles)

    def genre_names(self, index: int) -> list[str]:
        return [GENRES[g] for g in np.flatnonzero(self.genres[index])]

    def describe(self, index: int) -> dict:
        return {
            "movie_id": int(self.item_ids.ids(index)[0]),
            "title": self.titles[index],
            "year": int(self.years[index]) or None,
            "genres": self.genre_names(index),
        }

    # -- title search -------------------------------------------------------
    def _index(self) -> None:
        if self._norm is not None:
            return
        self._norm = [normalize_title(t) for t in self.titles]
        self._bare = [_without_article(t) for t in self._norm]
        exact: dict[str, list[int]] = {}
        for i, (norm, bare) in enumerate(zip(self._norm, self._bare)):
            exact.setdefault(norm, []).append(i)
            if bare != norm:
                exact.setdefault(bare, []).append(i)
        self._exact = exact

    def _popularity(self, i: int) -> int:
        return int(self.n_ratings[i]) if self.n_ratings is not None else 0

    def search(self, query: str, limit: int = 20, min_score: float = 60.0) -> list[TitleMatch]:
        """Titles for a free-text query, best first: exact titles, then prefix/fuzzy, popular first on ties."""
        from rapidfuzz import fuzz, process

        self._index()
        assert self._norm is not None and self._bare is not None and self._exact is not None
        year_match = _QUERY_YEAR.search(query)
        year = int(year_match.group(1)) if year_match and len(query.strip()) > 5 else None
        text = normalize_title(query[: year_match.start()] if year else query)
        if not text:
            return []
        bare = _without_article(text)
        results: dict[int, TitleMatch] = {}
        for i in self._exact.get(text, []) + self._exact.get(bare, []):
            if year is None or int(self.years[i]) == year:
                results[i] = TitleMatch(i, self.titles[i], True, 100.0)
        # Candidates from two cheap scorers over the whole catalogue (WRatio over 87k titles costs
        # ~60 ms a keystroke, these ~20 ms): partial_ratio finds a title being typed ("godfa"),
        # QRatio a whole title with typos ("toy stroy"). Only the candidates get the full WRatio.
        width = max(limit * 3, 30)
        candidates = {i for _, _, i in process.extract(bare, self._bare, scorer=fuzz.partial_ratio, limit=width,
                                                       score_cutoff=min_score)}
        candidates |= {i for _, _, i in process.extract(bare, self._bare, scorer=fuzz.QRatio, limit=width,
                                                        score_cutoff=min_score)}
        for i in candidates:
            if i in results or (year is not None and int(self.years[i]) != year):
                continue
            score = fuzz.WRatio(bare, self._bare[i])
            if score < min_score:
                continue
            # Prefer whole-title similarity over partial matches of long titles.
            full = fuzz.ratio(bare, self._bare[i])
            results[i] = TitleMatch(i, self.titles[i], False, 0.6 * float(score) + 0.4 * full)
        # Popular films first among similar matches: a person typing "godfa" wants The Godfather.
        ranked = sorted(results.values(), key=lambda m: (not m.exact, -(m.score + 4.0 * np.log10(1 + self._popularity(m.index))),
                                                         -self._popularity(m.index)))
        return ranked[:limit]

    def find(self, query: str) -> TitleMatch:
        """One film for a title: exact (with or without year, most-rated on ties) or the closest fuzzy match.

        Raises TitleError listing the nearest candidates when nothing matches well.
        """
        matches = self.search(query, limit=5, min_score=50.0)
        if matches and matches[0].exact:
            exact = [m for m in matches if m.exact]
            return max(exact, key=lambda m: self._popularity(m.index))
        good = [m for m in matches if m.score >= 85.0]
        if len(good) > 1 and good[0].score - good[1].score < 2.0:
            names = "; ".join(m.title for m in good[:5])
            raise TitleError(f"{query!r} is ambiguous; say which: {names}")
        if good:
            return good[0]
        if not matches:
            raise TitleError(f"no film matches {query!r}; try fewer words or `movierec --headless search TEXT`")
        names = "; ".join(m.title for m in matches[:5])
        raise TitleError(f"no film matches {query!r} closely; did you mean: {names}")
