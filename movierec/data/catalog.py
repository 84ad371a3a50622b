"""Movies: ids, titles, years, genre multi-hot, tags, genome; and title search."""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from movierec.data.ids import Vocabulary
from movierec.data.movielens import GENRES, parse_year
from movierec.data.titles import bare, normalize_title, number_form, spoken_title, split_title
from movierec.errors import TitleError

_ID_FORM = re.compile(r"\s*id:\s*(\d{1,20})\s*", re.IGNORECASE)  # "id:34048": a film by its movie id
_QUERY_YEAR = re.compile(r"\s*\(?(\d{4})\)?\s*$")


@dataclass
class TitleMatch:
    index: int
    title: str
    exact: bool
    score: float


#: A match at least this good names a film (a title as written, one being typed, one with a typo); below it,
#: a guess. The one line between "here are the films" and "did you mean" (find, and the CLI and TUI search).
CLOSE = 85.0
#: How far a guess may be from the query and still be named in "did you mean".
NEAR = 50.0


@dataclass(frozen=True)
class TitleSearch:
    """What a search found among the films the filters allow, and what to say about it.

    ``note`` is "" when ``matches`` are close; else the one sentence the CLI and the TUI show: "no film
    matches 'x' closely; did you mean: A; B" (``matches`` are then those films), or, when filters hide every
    close match, "no match with these filters; N without them" (``hidden`` = N, no matches)."""

    matches: list[TitleMatch]
    note: str = ""
    hidden: int = 0


def not_close(query: str, near: list[TitleMatch], hint: str = "try fewer or other words") -> str:
    """The sentence for a query no film matches closely, naming the ``near`` guesses (at most 5) as every other
    sentence names a film (``spoken_title``: "The Thing (1982)", not "Thing, The (1982)")."""
    if not near:
        return f"no film matches {query!r}; {hint}"
    return f"no film matches {query!r} closely; did you mean: {'; '.join(spoken_title(m.title) for m in near[:5])}"


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
    imdb_ids: np.ndarray | None = None  # int64 per item from links.csv (tt0114709 -> 114709), -1 = none; None: no links.csv
    tmdb_ids: np.ndarray | None = None  # int64 per item, -1 = none
    id_space: str = "movielens"  # what its movie ids number (movielens.id_space_of its layout)
    _norm: list[str] | None = field(default=None, repr=False)
    _bare: list[str] | None = field(default=None, repr=False)
    _keys: list[str] | None = field(default=None, repr=False)  # _bare in number_form: what fuzzy search reads
    _exact: dict[str, list[int]] | None = field(default=None, repr=False)
    _sorted: list[tuple[list[str], np.ndarray]] | None = field(default=None, repr=False)  # prefix lookups
    _joined: tuple[str, np.ndarray] | None = field(default=None, repr=False)  # _keys joined, each one's start
    _by_imdb: dict[int, int] | None = field(default=None, repr=False)
    _by_title: dict[tuple[str, int], list[int]] | None = field(default=None, repr=False)
    # The lazily built lookups above are built once: searches on several threads (the TUI's, on the first
    # keystrokes) wait for the one build rather than each making their own (seconds on ML-32M).
    _build_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

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

    # -- links to IMDb and TMDB (links.csv) ------------------------------------
    @property
    def has_links(self) -> bool:
        """Whether the release came with links.csv (ml-latest family: yes; ml-100k, ml-1m, ml-10m: no)."""
        return self.imdb_ids is not None and bool((self.imdb_ids >= 0).any())

    def by_imdb(self, imdb: int) -> int | None:
        """The item index of an IMDb title number (``tt0114709`` is 114709), or None."""
        if self.imdb_ids is None:
            return None
        if self._by_imdb is None:
            with self._build_lock:
                if self._by_imdb is None:
                    found: dict[int, int] = {}
                    for i in np.flatnonzero(self.imdb_ids >= 0).tolist():
                        found.setdefault(int(self.imdb_ids[i]), i)  # two movie ids on one IMDb title: the first
                    self._by_imdb = found
        return self._by_imdb.get(int(imdb))

    def imdb_of(self, index: int) -> str:
        """``tt0114709``, or "" when the film has no IMDb link."""
        value = -1 if self.imdb_ids is None else int(self.imdb_ids[index])
        return f"tt{value:07d}" if value >= 0 else ""

    def tmdb_of(self, index: int) -> str:
        value = -1 if self.tmdb_ids is None else int(self.tmdb_ids[index])
        return str(value) if value >= 0 else ""

    def by_title(self, title: str) -> int | None:
        """The one film whose normalised title and year are those of ``title`` (a MovieLens title, "Toy
        Story (1995)", as another release names it), or None: no such film, or more than one (never a guess)."""
        if self._by_title is None:
            self._index()
            with self._build_lock:
                if self._by_title is None:
                    assert self._norm is not None
                    found: dict[tuple[str, int], list[int]] = {}
                    for i, (norm, year) in enumerate(zip(self._norm, self.years.tolist())):
                        found.setdefault((norm, int(year)), []).append(i)
                    self._by_title = found
        norm = normalize_title(title)
        hits = self._by_title.get((norm, parse_year(title)), []) if norm else []
        return hits[0] if len(hits) == 1 else None

    # -- title search -------------------------------------------------------
    def _index(self) -> None:
        """Build the title index once: the first caller builds it, callers meanwhile wait for it (``_norm``, set
        last, says it is complete)."""
        if self._norm is not None:
            return
        with self._build_lock:
            if self._norm is None:
                self._build_index()

    def _build_index(self) -> None:
        norm = [normalize_title(t) for t in self.titles]
        bares = [bare(t) for t in norm]
        keys = [number_form(t) for t in bares]
        exact: dict[str, list[int]] = {}
        for i, forms in enumerate(zip(norm, bares, keys)):
            for form in dict.fromkeys(forms):
                exact.setdefault(form, []).append(i)
        # A title's alternatives name it exactly too: "Se7en" in "Seven (a.k.a. Se7en) (1995)".
        for i, title in enumerate(self.titles):
            if "(" not in title[:-6]:
                continue
            for alt in split_title(title)[1]:
                alt_norm = normalize_title(alt)
                alt_bare = bare(alt_norm)
                for form in dict.fromkeys((alt_norm, alt_bare, number_form(alt_bare))):
                    if form and i not in exact.get(form, ()):
                        exact.setdefault(form, []).append(i)
        # Titles sorted, three times (without their article, in number form, with their article), for "the
        # titles this query begins"; the last for a query that is an article alone ("the": "Shining, The").
        ordered = []
        for forms in (bares, keys, norm):
            order = np.array(sorted(range(len(forms)), key=forms.__getitem__), dtype=np.int64)
            ordered.append(([forms[i] for i in order], order))
        starts = np.cumsum([0] + [len(k) + 1 for k in keys[:-1]], dtype=np.int64)
        self._bare, self._keys, self._exact, self._sorted = bares, keys, exact, ordered
        self._joined = ("\n".join(keys), starts)
        self._norm = norm

    def _popularity(self, i: int) -> int:
        return int(self.n_ratings[i]) if self.n_ratings is not None else 0

    def _prior(self, i: int) -> float:
        """A small popularity prior: 4 points a factor of ten in ratings, so a title that names the query
        as well as another one goes first only when it is much more rated (~6x for an exact title's 3)."""
        return 4.0 * float(np.log10(1 + self._popularity(i)))

    def _begins(self, prefixes: list[str], width: int, among: np.ndarray | None = None) -> dict[int, float]:
        """The ``width`` most rated titles (of those ``among`` allows) that begin with one of ``prefixes``
        (binary search, no scan), each with its score: 97 where the query ends with a word of the title, 94
        inside a word."""
        found: dict[int, float] = {}
        assert self._sorted is not None
        for prefix, (forms, order) in zip(prefixes, self._sorted):
            lo = bisect.bisect_left(forms, prefix)
            hi = bisect.bisect_left(forms, prefix + "\U0010ffff", lo)
            span = np.arange(lo, hi)
            if among is not None:
                span = span[among[order[span]]]
            if span.size > width:
                popularity = self.n_ratings[order[span]] if self.n_ratings is not None else np.zeros(span.size)
                span = span[np.argpartition(-popularity, width)[:width]]
            for k in span.tolist():
                whole = forms[k][len(prefix): len(prefix) + 1] in ("", " ")
                i = int(order[k])
                found[i] = max(found.get(i, 0.0), 97.0 if whole else 94.0)
        return found

    def _inside(self, key: str, width: int, among: np.ndarray | None = None) -> dict[int, float]:
        """The ``width`` most rated titles (of those ``among`` allows) that hold ``key`` (number form) after
        their first word, at a word's start: 90 where it ends at a word's end too ("alien" in "AVP: Alien vs.
        Predator"), 88 inside a word ("Monsters vs. Aliens"). One regular-expression scan of the joined titles;
        for queries of 3 characters or more (shorter ones sit at a word's start in too many titles)."""
        if len(key) < 3:
            return {}
        assert self._joined is not None
        joined, starts = self._joined
        hits = [(m.start() + 1, m.end()) for m in re.finditer(" " + re.escape(key), joined)]
        if not hits:
            return {}
        index = np.searchsorted(starts, np.array([h[0] for h in hits], np.int64), side="right") - 1
        whole = {}
        for (_, end), i in zip(hits, index.tolist()):
            whole[i] = whole.get(i, False) or end == len(joined) or joined[end] in " \n"
        found = np.array(list(whole), np.int64)
        if among is not None:
            found = found[among[found]]
        if found.size > width:
            popularity = self.n_ratings[found] if self.n_ratings is not None else np.zeros(found.size)
            found = found[np.argpartition(-popularity, width)[:width]]
        return {i: 90.0 if whole[i] else 88.0 for i in found.tolist()}

    def _exact_indices(self, query: str) -> tuple[list[int], int | None]:
        """Titles the query names exactly (as written, without its article, or in number form), and its year."""
        self._index()
        assert self._exact is not None
        year_match = _QUERY_YEAR.search(query)
        year = int(year_match.group(1)) if year_match and len(query.strip()) > 5 else None
        text = normalize_title(query[: year_match.start()] if year else query)
        plain = bare(text)
        found = dict.fromkeys(i for form in dict.fromkeys((text, plain, number_form(plain)))
                              for i in self._exact.get(form, []) if year is None or int(self.years[i]) == year)
        return list(found), year

    def search(self, query: str, limit: int = 20, min_score: float = 60.0,
               among: np.ndarray | None = None) -> list[TitleMatch]:
        """Titles for a free-text query, best first; only films ``among`` allows (a boolean mask: the filters),
        which are applied first, so a filter never drops a match for more rated films it leaves out.

        First the titles the query names: exact titles (score 100) and titles it begins (97 at a word's
        end: "lord of the rings"; 94 inside a word: "godfa"), the much more rated first (a small popularity prior);
        then the titles it sits inside at a word's start (90, 88: "alien" in "AVP: Alien vs. Predator"), matches
        as well, filtered or not; then fuzzy matches (typos), popular first among similar scores. Sequel numbers
        match as digits or roman numerals.
        """
        from rapidfuzz import fuzz, process

        self._index()
        assert self._norm is not None and self._bare is not None and self._keys is not None
        year_match = _QUERY_YEAR.search(query)
        year = int(year_match.group(1)) if year_match and len(query.strip()) > 5 else None
        text = normalize_title(query[: year_match.start()] if year else query)
        if not text:
            return []
        plain = bare(text)
        key = number_form(plain)
        results: dict[int, TitleMatch] = {}
        exact, _ = self._exact_indices(query)
        for i in exact:
            if among is None or among[i]:
                results[i] = TitleMatch(i, self.titles[i], True, 100.0)
        width = max(limit * 3, 30)

        def wanted(i: int) -> bool:
            return i not in results and (year is None or int(self.years[i]) == year)

        for i, score in self._begins([plain, key, text], width, among).items():
            if wanted(i):
                results[i] = TitleMatch(i, self.titles[i], False, score)
        named = set(results)
        for i, score in self._inside(key, width, among).items():
            if wanted(i):
                results[i] = TitleMatch(i, self.titles[i], False, score)
        inside = set(results) - named
        # Candidates from two cheap scorers over the catalogue (WRatio over 87k titles costs
        # ~60 ms a keystroke, these ~20 ms): partial_ratio finds a title being typed ("godfa"),
        # QRatio a whole title with typos ("toy stroy"). Only the candidates get the full WRatio.
        keys = self._keys if among is None else {i: self._keys[i] for i in np.flatnonzero(among).tolist()}
        candidates = {i for _, _, i in process.extract(key, keys, scorer=fuzz.partial_ratio, limit=width,
                                                       score_cutoff=min_score)}
        candidates |= {i for _, _, i in process.extract(key, keys, scorer=fuzz.QRatio, limit=width,
                                                        score_cutoff=min_score)}
        for i in candidates:
            if not wanted(i):
                continue
            score = fuzz.WRatio(key, self._keys[i])
            if score < min_score:
                continue
            # Prefer whole-title similarity over partial matches of long titles.
            full = fuzz.ratio(key, self._keys[i])
            results[i] = TitleMatch(i, self.titles[i], False, 0.6 * float(score) + 0.4 * full)
        # The titles the query names, then those it sits inside, before the fuzzy ones ("Ring, The" is not what
        # "lord of the rings" names); in each group, popular films first among similar matches.
        def group(i: int) -> int:
            return 0 if i in named else 1 if i in inside else 2

        ranked = sorted(results.values(), key=lambda m: (group(m.index), -(m.score + self._prior(m.index)),
                                                         -self._popularity(m.index)))
        return ranked[:limit]

    def lookup(self, query: str, limit: int = 20, among: np.ndarray | None = None) -> TitleSearch:
        """A search as a person reads it, the one the CLI and the TUI show: the matches among the films
        ``among`` allows (the filters, applied first) when one of them is close (``CLOSE``); else nothing
        but a sentence: how many close matches the filters hide, or "did you mean" and the near guesses."""
        matches = self.search(query, limit=limit, min_score=55.0, among=among)
        if any(m.score >= CLOSE for m in matches):
            return TitleSearch(matches)
        if among is not None and not among.all():
            hidden = sum(m.score >= CLOSE for m in self.search(query, limit=limit, min_score=CLOSE))
            if hidden:
                more = "+" if hidden == limit else ""
                return TitleSearch([], f"no match with these filters; {hidden}{more} without them", hidden)
        near = self.search(query, limit=5, min_score=NEAR, among=among)
        return TitleSearch(near, not_close(query, near))

    def find(self, query: str) -> TitleMatch:
        """One film for a title: ``id:MOVIE_ID``, exact (with or without year, most-rated among different
        titles) or the closest fuzzy match.

        Raises TitleError listing the nearest candidates when nothing matches well, and listing the films
        with their movie ids when the title names several films of that very title ("Emma (1996)" twice).
        """
        by_id = _ID_FORM.fullmatch(query)
        if by_id:
            movie_id = int(by_id.group(1))
            index = int(self.item_ids.index([movie_id], missing="negative")[0]) if movie_id < 2**63 else -1
            if index < 0:
                raise TitleError(f"no film has movie id {movie_id} in this dataset; "
                                 "see `movierec --headless search TEXT --json` for ids")
            return TitleMatch(index, self.titles[index], True, 100.0)
        exact, _ = self._exact_indices(query)
        if exact:  # the title as written wins over more rated titles it begins ("Lord of the Rings, The")
            best = max(exact, key=self._popularity)
            twins = sorted((i for i in exact if self.titles[i] == self.titles[best]), key=lambda i: -self._popularity(i))
            if len(twins) > 1:
                films = ", ".join(f"id:{int(self.item_ids.ids(i)[0])} ({self._popularity(i):,} rating"
                                  f"{'' if self._popularity(i) == 1 else 's'})" for i in twins[:5])
                first = int(self.item_ids.ids(twins[0])[0])
                raise TitleError(f"{query!r} names {len(twins)} films titled {self.titles[best]}: {films}; "
                                 f"give the one you mean as \"id:{first}\" in place of the title")
            return TitleMatch(best, self.titles[best], True, 100.0)
        matches = self.search(query, limit=5, min_score=NEAR)
        good = [m for m in matches if m.score >= CLOSE]
        if len(good) > 1 and good[0].score - good[1].score < 2.0:
            names = "; ".join(m.title for m in good[:5])
            raise TitleError(f"{query!r} is ambiguous; say which: {names}")
        if good:
            return good[0]
        raise TitleError(not_close(query, matches, "try fewer words or `movierec --headless search TEXT`"))
