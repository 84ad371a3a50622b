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

from dataclasses import dataclass, field

from movierec.data.catalog import Catalog
from movierec.data.movielens import strip_year
from movierec.data.titles import bare, fold, move_article, number_form, split_title


def _keys(title: str) -> dict[str, int]:
    """Every key of a catalogue title with its strength (see the module's docstring)."""
    main, alts = split_title(title)
    keys: dict[str, int] = {}

    def add(key: str, strength: int) -> None:
        if key and keys.get(key, 0) < strength:
            keys[key] = strength

    full = fold(move_article(main))
    add(full, 4)
    for form in (bare(full), number_form(full), number_form(bare(full))):
        add(form, 3)
    add(_squashed(full), 2)  # "Old Boy" and "Oldboy"
    for alt in alts:
        folded = fold(move_article(alt))
        for form in (folded, bare(folded), number_form(bare(folded))):
            add(form, 2)
    whole = fold(move_article(strip_year(title)))
    for form in (whole, bare(whole)):
        add(form, 2)
    for sep in (":", " - "):  # "Star Wars: Episode IV - A New Hope" is "Star Wars" on Letterboxd
        head, found, tail = main.rpartition(sep) if sep == " - " else main.partition(sep)
        before = fold(move_article(head)) if found and tail.strip() else ""
        if len(before) >= 3:
            add(before, 1)
            add(bare(before), 1)
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
    forms = (folded, bare(folded), number_form(folded), number_form(bare(folded)), _squashed(folded))
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
            # A film the catalogue dates nowhere either (MovieLens has a few: "Plain Yearless", as movierec's own
            # Letterboxd export writes it with an empty year) is named by its full title alone, when only one
            # such film has it; any other name without a year is no match, never a guess.
            undated = [i for i, strength in named.items() if strength == 4 and not int(years[i])]
            if len(undated) == 1:
                return TitleResult(undated[0], "", [], strength=4)
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
