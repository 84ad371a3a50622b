"""Film titles as text: the one normaliser (issue 25). MovieLens writes "Matrix, The (1999)", "Seven (a.k.a.
Se7en) (1995)", "Godfather: Part II, The (1974)"; people write "The Matrix", "Se7en", "godfather 2". Everything
that compares or shows titles reads this module: the catalogue's search (``normalize_title``, ``bare``,
``number_form``), the matching of imported names (movierec.data.matching: ``fold``, ``move_article``,
``split_title``), and every screen and sentence (``spoken_title``, ``display_title``). One set of articles, one
table of numerals (I to XX), one accent folding. A leaf of the data package: it imports nothing of the catalogue.
"""


from __future__ import annotations

import re
import unicodedata

from movierec.data.movielens import strip_year

_ARTICLES = ("the", "a", "an", "les", "la", "le", "l'", "il", "el", "los", "las", "der", "die", "das", "den", "det")
_TRAILING_ARTICLE = re.compile(r"^(.*?),\s*(" + "|".join(re.escape(a) for a in _ARTICLES) + r")\s*$", re.IGNORECASE)
_GROUP = re.compile(r"\s+\(([^()]*)\)\s*$")  # after a space: "Frontière(s)" and "+SUM(1)" keep theirs
_AKA = re.compile(r"^\s*a\.?k\.?a\.?\s+", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_ROMAN = {r: str(n) for n, r in enumerate("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx"
                                          .split(), 1)}
#: Words that only introduce a sequel's number: "Part II", "Episode IV", "Vol. 2", "Chapter 3".
_SEQUEL = {"part", "episode", "chapter", "vol", "volume", "pt"}
_AKA_GROUP = re.compile(r"\s*\(a\.k\.a\..*?\)|\s*\([^()]*\)\s*$")  # normalize_title: groups it drops
_SPOKEN_ARTICLE = re.compile(r"^(.+?), (" + "|".join(re.escape(a) for a in _ARTICLES) + r")((?: \(.*)?)$", re.IGNORECASE)


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


def normalize_title(text: str) -> str:
    """Lowercase, no accents, no punctuation, trailing article moved to the front.

    "Matrix, The (1999)" -> "the matrix"; "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)" -> "amelie".
    """
    text = strip_year(text)
    # "Amelie (Fabuleux destin..., Le)": keep the first (English) title.
    while True:
        stripped = _AKA_GROUP.sub("", text).strip()
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


def spoken_title(title: str) -> str:
    """A catalogue title as a sentence says it: the article MovieLens moves to the end put back in front.

    "Shining, The (1980)" -> "The Shining (1980)"; "City of Lost Children, The (Cité des enfants perdus,
    La) (1995)" -> "The City of Lost Children (Cité des enfants perdus, La) (1995)"; "Avventura, L' (1960)"
    -> "L'Avventura (1960)". Other titles are returned as they are.
    """
    match = _SPOKEN_ARTICLE.match(title)
    if not match:
        return title
    main, article, rest = match.groups()
    return f"{article}{'' if article.endswith(chr(39)) else ' '}{main}{rest}"


def bare(text: str) -> str:
    """A normalised title without its leading article: "the matrix" -> "matrix"."""
    head, _, rest = text.partition(" ")
    return rest if head in _ARTICLES and rest else text


def number_form(text: str) -> str:
    """A normalised title with its sequel numbers as digits and no "part"/"episode" before them.

    "godfather part ii" -> "godfather 2"; "star wars episode iv a new hope" -> "star wars 4 a new hope".
    The same on titles and queries, so "godfather 2", "godfather ii" and "godfather part 2" all name
    Part II. A first word stays a word ("i robot", "v for vendetta": "I" and "V" there are letters).
    """
    words = text.split()
    out = [_ROMAN[w] if k and w in _ROMAN else w for k, w in enumerate(words)]
    kept = [w for k, w in enumerate(out) if not (w in _SEQUEL and k + 1 < len(out) and out[k + 1].isdigit())]
    return " ".join(kept)


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
