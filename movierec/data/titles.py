"""Matching a film named by title and year (as Letterboxd writes it) to the catalogue, without guessing.

MovieLens writes "Matrix, The (1999)", "Seven (a.k.a. Se7en) (1995)", "Amelie (Fabuleux destin
d'Amélie Poulain, Le) (2001)"; Letterboxd writes "The Matrix", "Se7en", "Amélie", sometimes with a
year one off. Every catalogue title gives several keys (accents folded, punctuation dropped, "&" as
"and", articles moved to the front), each with a strength:

* 4: the main title as written ("the matrix");
* 3: the main title without its article ("matrix") or with its sequel numbers as digits;
* 2: an alternative title in parentheses ("se7en", "le fabuleux destin d amelie poulain"), the whole
  title with its parentheses ("birdman or the unexpected virtue of ignorance"), or the main title
  without spaces ("Oldboy" for "Old Boy");
* 1: the main title before its colon or its last " - " ("star wars" for "Star Wars: Episode IV - A New
  Hope", "avengers infinity war" for "Avengers: Infinity War - Part I"), or after its last " - " when
  that is two words or more ("the empire strikes back"), and only in the same year.

A name matches the film with the strongest key within one year of its year, the same year before one
year off. Two films tied there (ml-latest-small holds "Emma (1996)" twice) are ambiguous; a name with
no year, or with no key within a year, is not found. Neither is ever mapped to a film: the result
then carries the closest candidates to show.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from movierec.data.movielens import parse_year, strip_year

if TYPE_CHECKING:
    from movierec.data.catalog import Catalog

_ARTICLES = ("the", "a", "an", "les", "la", "le", "l'", "il", "el", "los", "las", "der", "die", "das", "den", "det")
_TRAILING_ARTICLE = re.compile(r"^(.*?),\s*(" + "|".join(re.escape(a) for a in _ARTICLES) + r")\s*$", re.IGNORECASE)
_GROUP = re.compile(r"\s+\(([^()]*)\)\s*$")  # after a space: "Frontière(s)" and "+SUM(1)" keep theirs
_AKA = re.compile(r"^\s*a\.?k\.?a\.?\s+", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_ROMAN = {r: str(n) for n, r in enumerate("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv".split(), 1)}
_SEQUEL = {"part", "episode", "chapter", "vol", "volume", "pt"}


def fold(text: str) -> str:
    """Lowercase, accents folded, "&" as "and", punctuation as spaces: "Amélie" -> "amelie"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


def move_article(text: str) -> str:
    """ "Matrix, The" -> "The Matrix"; "Godfather: Part II, The" -> "The Godfather: Part II"."""
    match = _TRAILING_ARTICLE.match(text.strip())
    if not match:
        return text.strip()
    article = match.group(2)
    return f"{article}{'' if article.endswith(chr(39)) else ' '}{match.group(1).strip()}"


def _bare(folded: str) -> str:
    head, _, rest = folded.partition(" ")
    return rest if head in _ARTICLES and rest else folded


def _numbers(folded: str) -> str:
    """Sequel numbers as digits, "part"/"episode" before them dropped: "godfather part ii" -> "godfather 2"."""
    words = folded.split()
    out = [_ROMAN[w] if k and w in _ROMAN else w for k, w in enumerate(words)]
    return " ".join(w for k, w in enumerate(out) if not (w in _SEQUEL and k + 1 < len(out) and out[k + 1].isdigit()))


def split_title(title: str) -> tuple[str, list[str]]:
    """A MovieLens title as (main title, alternative titles): "Seven (a.k.a. Se7en) (1995)" ->
    ("Seven", ["Se7en"]). Articles stay where MovieLens wrote them; only trailing groups after a space
    are taken ("(500) Days of Summer", "Frontière(s)" and "+SUM(1)" keep their own)."""
    text = strip_year(title)
    alts: list[str] = []
    while True:
        match = _GROUP.search(text)
        if not match or not text[: match.start()].strip():
            break
        alts.insert(0, _AKA.sub("", match.group(1)).strip())
        text = text[: match.start()].rstrip()
    return text, [a for a in alts if a]


def display_title(title: str) -> str:
    """The main title as people write it: "Matrix, The (1999)" -> "The Matrix" (for exports)."""
    main, _ = split_title(title)
    return move_article(main)


def _keys(title: str) -> dict[str, int]:
    """Every key of a catalogue title with its strength (see the module's docstring)."""
    main, alts = split_title(title)
    keys: dict[str, int] = {}

    def add(key: str, strength: int) -> None:
        if key and keys.get(key, 0) < strength:
            keys[key] = strength

    full = fold(move_article(main))
    add(full, 4)
    for form in (_bare(full), _numbers(full), _numbers(_bare(full))):
        add(form, 3)
    add(_squashed(full), 2)  # "Old Boy" and "Oldboy"
    for alt in alts:
        folded = fold(move_article(alt))
        for form in (folded, _bare(folded), _numbers(_bare(folded))):
            add(form, 2)
    whole = fold(move_article(strip_year(title)))
    for form in (whole, _bare(whole)):
        add(form, 2)
    for sep in (":", " - "):  # "Star Wars: Episode IV - A New Hope" is "Star Wars" on Letterboxd
        head, found, tail = main.rpartition(sep) if sep == " - " else main.partition(sep)
        before = fold(move_article(head)) if found and tail.strip() else ""
        if len(before) >= 3:
            add(before, 1)
            add(_bare(before), 1)
    head, found, tail = main.rpartition(" - ")  # "Star Wars: Episode V - The Empire Strikes Back": "The Empire..."
    after = fold(move_article(tail)) if found and head.strip() else ""
    if len(after.split()) >= 2:
        add(after, 1)
    return keys


def _squashed(folded: str) -> str:
    """Without spaces, marked so it never equals a one-word title: "old boy" -> " oldboy"."""
    return " " + folded.replace(" ", "") if folded else ""


def _query_keys(name: str) -> list[str]:
    folded = fold(move_article(name))
    forms = (folded, _bare(folded), _numbers(folded), _numbers(_bare(folded)), _squashed(folded))
    return list(dict.fromkeys(k for k in forms if k))


@dataclass
class TitleResult:
    """One name's answer: ``index`` when matched, else ``why`` and the closest ``candidates`` (item indices)."""

    index: int | None
    why: str = ""  # "", "ambiguous", "not in the dataset", "no year"
    candidates: list[int] = field(default_factory=list)
    year_off: bool = False  # matched one year off
    strength: int = 0


class TitleIndex:
    """Keys of every catalogue title, built once (about 1 s for ML-32M's 87k titles)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_key: dict[str, list[tuple[int, int]]] = {}
        for i, title in enumerate(catalog.titles):
            for key, strength in _keys(title).items():
                self._by_key.setdefault(key, []).append((i, strength))

    def _named(self, name: str) -> dict[int, int]:
        """Films whose keys the name gives, with the strongest shared key's strength."""
        found: dict[int, int] = {}
        for key in _query_keys(name):
            for i, strength in self._by_key.get(key, ()):
                found[i] = max(found.get(i, 0), strength)
        return found

    def match(self, name: str, year: int | None, fuzzy: bool = True) -> TitleResult:
        """The film ``name`` and ``year`` name for sure, or why not and the closest candidates: the same title
        in other years, then (``fuzzy``: a title search, a few ms a name) similar titles."""
        named = self._named(name)
        years = self.catalog.years
        if not year:
            return TitleResult(None, "no year", self._closest(name, year, named, fuzzy))
        scored = []
        for i, strength in named.items():
            off = abs(int(years[i]) - year) if int(years[i]) else 99
            if off > 1 or (strength == 1 and off):
                continue
            scored.append(((strength, -off), i))
        if not scored:
            return TitleResult(None, "not in the dataset", self._closest(name, year, named, fuzzy))
        scored.sort(key=lambda s: (s[0], -s[1]), reverse=True)
        best = scored[0][0]
        tied = [i for score, i in scored if score == best]
        if len(tied) > 1:
            return TitleResult(None, "ambiguous", sorted(tied, key=lambda i: (int(years[i]), i))[:5])
        return TitleResult(tied[0], "", [], year_off=best[1] != 0, strength=best[0])

    def _closest(self, name: str, year: int | None, named: dict[int, int], fuzzy: bool, limit: int = 3) -> list[int]:
        """Films to show for a name that matched none: the same title in other years (nearest year first),
        then the catalogue's title search."""
        years = self.catalog.years
        near = sorted(named, key=lambda i: (abs(int(years[i]) - (year or 0)), -named[i], i))
        out = near[:limit]
        if fuzzy and len(out) < limit:
            for m in self.catalog.search(name, limit=limit + len(out), min_score=70.0):
                if m.index not in out:
                    out.append(m.index)
                if len(out) >= limit:
                    break
        return out


def title_year(title: str) -> tuple[str, int]:
    """(display title, year) of a MovieLens title: ("The Matrix", 1999)."""
    return display_title(title), parse_year(title)
