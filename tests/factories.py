"""Small generated MovieLens releases in every GroupLens layout, for unit tests."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GENRE_POOL = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Drama", "Horror",
              "Romance", "Sci-Fi", "Thriller", "Western"]


@dataclass
class Synthetic:
    ratings: list[tuple[int, int, float, int]]  # raw user id, raw movie id, stars, timestamp
    movies: list[tuple[int, str, list[str]]]  # raw movie id, title with year, genres
    tags: list[tuple[int, int, str, int]]


def synthetic(n_users: int = 30, n_items: int = 40, per_user: int = 12, seed: int = 0) -> Synthetic:
    """Users rate ``per_user`` distinct movies; raw ids are sparse (not 0..n-1) like real releases."""
    rng = np.random.default_rng(seed)
    movie_ids = [int(m) for m in sorted(rng.choice(np.arange(1, 5 * n_items), n_items, replace=False))]
    movies = []
    for k, mid in enumerate(movie_ids):
        genres = sorted(rng.choice(GENRE_POOL, size=int(rng.integers(1, 4)), replace=False).tolist())
        title = f"Film {k:03d} ({1950 + k % 70})"
        if k == 0:
            title = "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)"
        if k == 1:
            title = "Matrix, The (1999)"
        movies.append((mid, title, genres))
    ratings = []
    for u in range(1, n_users + 1):
        picks = rng.choice(movie_ids, size=min(per_user, n_items), replace=False)
        for j, mid in enumerate(picks):
            ratings.append((u * 3, int(mid), float(rng.integers(1, 11)) / 2, 1_000_000 + u * 1000 + j))
    tags = [(3, movie_ids[0], "quirky", 1_000_500), (6, movie_ids[0], "Paris", 1_000_600), (3, movie_ids[1], "cyberpunk", 1_000_700)]
    return Synthetic(ratings, movies, tags)


def _write(path: Path, lines: list[str], crlf: bool, encoding: str = "utf-8") -> None:
    sep = "\r\n" if crlf else "\n"
    path.write_bytes((sep.join(lines) + sep).encode(encoding))


def write_latest(folder: Path, data: Synthetic, crlf: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "ratings.csv", ["userId,movieId,rating,timestamp"]
           + [f"{u},{m},{r:.1f},{t}" for u, m, r, t in data.ratings], crlf)
    rows = ["movieId,title,genres"]
    for mid, title, genres in data.movies:
        quoted = f'"{title}"' if "," in title else title
        rows.append(f"{mid},{quoted},{'|'.join(genres)}")
    _write(folder / "movies.csv", rows, crlf)
    _write(folder / "tags.csv", ["userId,movieId,tag,timestamp"] + [f"{u},{m},{t},{ts}" for u, m, t, ts in data.tags], crlf)
    _write(folder / "links.csv", ["movieId,imdbId,tmdbId"] + [f"{mid},{mid:07d},{mid}" for mid, _, _ in data.movies], crlf)
    return folder


def write_dat(folder: Path, data: Synthetic, crlf: bool = False) -> Path:
    """ml-1m style: '::' separated, latin-1 titles."""
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "ratings.dat", [f"{u}::{m}::{int(round(r))}::{t}" for u, m, r, t in data.ratings], crlf)
    _write(folder / "movies.dat", [f"{mid}::{title}::{'|'.join(genres)}" for mid, title, genres in data.movies], crlf,
           encoding="latin-1")
    _write(folder / "users.dat", [f"{u}::M::25::1::00000" for u in sorted({r[0] for r in data.ratings})], crlf)
    return folder


ML100K_GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                 "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
                 "Thriller", "War", "Western"]


def write_100k(folder: Path, data: Synthetic, crlf: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "u.data", [f"{u}\t{m}\t{int(round(r))}\t{t}" for u, m, r, t in data.ratings], crlf)
    rows = []
    for mid, title, genres in data.movies:
        names = ["Children's" if g == "Children" else g for g in genres]
        flags = "|".join("1" if g in names else "0" for g in ML100K_GENRES)
        rows.append(f"{mid}|{title}|01-Jan-1995||http://example.org/{mid}|{flags}")
    _write(folder / "u.item", rows, crlf, encoding="latin-1")
    _write(folder / "u.genre", [f"{g}|{i}" for i, g in enumerate(ML100K_GENRES)], crlf)
    return folder


def zip_folder(folder: Path, archive: Path, prefix: str | None = None) -> Path:
    prefix = folder.name if prefix is None else prefix
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:  # subfolders too, each file under its path
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            zf.write(path, f"{prefix}/{name}" if prefix else name)
    return archive


def clusters(n_users: int = 120, n_items: int = 80, groups: int = 4, per_user: int = 14, seed: int = 0) -> Synthetic:
    """Users in ``groups`` taste groups, each rating mostly (90%) films of its own block, popular ones first:
    structure a collaborative model can learn, small enough to train in seconds."""
    rng = np.random.default_rng(seed)
    block = n_items // groups
    movies = [(m + 1, f"Film {m:03d} ({1950 + m % 70})", [GENRE_POOL[(m // block) % len(GENRE_POOL)]])
              for m in range(n_items)]
    ratings = []
    weights = 1.0 / (np.arange(block) + 3.0)
    for u in range(n_users):
        g = u % groups
        own = g * block + rng.choice(block, size=min(per_user, block), replace=False, p=weights / weights.sum())
        stray = rng.choice(n_items, size=max(1, per_user // 10), replace=False)
        items = list(dict.fromkeys([int(x) for x in own] + [int(x) for x in stray]))
        for j, m in enumerate(rng.permutation(items)):
            ratings.append((u + 1, int(m) + 1, float(rng.integers(6, 11)) / 2, 1_000_000 + u * 1000 + j))
    return Synthetic(ratings, movies, [])


def decade_taste(n_users: int = 120, n_items: int = 160, per_user: int = 20, own: float = 0.9, unrated: int = 1,
                 seed: int = 0) -> Synthetic:
    """A planted content-to-taste rule that genre and tag cosines cannot see: a film's kind is its decade
    (kind k: the 1950s, 1970s, 1990s, 2010s), its genres are drawn at random, and each user (kind u % 4)
    rates films of their own kind ``own`` of the time, the rest at random. ``unrated`` extra films
    ("Film never rated ...") are in the catalogue with no rating at all."""
    rng = np.random.default_rng(seed)
    kinds = 4
    movies = [(m + 1, f"Film {m:03d} ({1950 + 20 * (m % kinds) + int(rng.integers(0, 10))})",
               sorted(rng.choice(GENRE_POOL, size=2, replace=False).tolist())) for m in range(n_items)]
    for j in range(unrated):
        movies.append((n_items + j + 1, f"Film never rated {j} ({1950 + 20 * (j % kinds) + 5})", ["Drama"]))
    of_kind = [np.arange(k, n_items, kinds) for k in range(kinds)]
    ratings = []
    for u in range(n_users):
        mine = of_kind[u % kinds]
        n_own = int(round(per_user * own))
        picks = list(rng.choice(mine, size=min(n_own, mine.size), replace=False))
        others = np.setdiff1d(np.arange(n_items), picks)
        picks += list(rng.choice(others, size=per_user - len(picks), replace=False))
        for j, m in enumerate(rng.permutation(picks)):
            ratings.append((u + 1, int(m) + 1, float(rng.integers(7, 11)) / 2, 1_000_000 + u * 1000 + j))
    return Synthetic(ratings, movies, [])


#: A profile's ratings on the bundled ml-latest-small (Toy Story, The Matrix, The Godfather, Finding Nemo,
#: Amadeus): what the TUI tests rate before they open the app.
RATED = ((1, 5.0), (2571, 4.5), (858, 4.0), (6377, 5.0), (1197, 3.5))


#: Shrek (2001) on ml-latest-small: six genres (Adventure, Animation, Children, Comedy, Fantasy, Romance).
SHREK = 4306


def rate_some(ratings: tuple[tuple[int, float], ...] = RATED, profile: str = "default") -> bytes:
    """Rate ``ratings`` (movie id, stars) in ``profile`` of the current MOVIEREC_HOME; the profile file's bytes."""
    from movierec.store.profiles import ProfileStore

    store = ProfileStore()
    for movie_id, stars in ratings:
        store.rate(profile, movie_id, stars)
    return store.path(profile).read_bytes()


def checkerboard(tmp_path: Path, n_users: int = 24, n_items: int = 24) -> Path:
    """Even users rate every even film, odd users every odd film; genres follow the parity."""
    data = Synthetic([], [], [])
    for m in range(n_items):
        data.movies.append((m + 1, f"Film {m} (2000)", ["Comedy"] if m % 2 == 0 else ["Horror"]))
    for u in range(n_users):
        items = [m for m in range(n_items) if m % 2 == u % 2]
        for t, m in enumerate(np.random.default_rng(u).permutation(items)):
            data.ratings.append((u + 1, int(m) + 1, 4.0 + (t % 2) * 0.5, 1000 + t))
    return write_latest(tmp_path / "checker", data)


DRIFT_BLOCK = 20  # films per taste cluster: A = 0..19 (Comedy), B = 20..39 (Horror)


def drift(tmp_path: Path, n_users: int = 60, seed: int = 0) -> Path:
    """A planted recency rule: a third of the users only ever rate cluster A, a third only B, and a
    third (users 2, 5, 8, ...) rated 6 A films long ago, then 6 B films, their latest (the
    validation and test items are B, so 6 A and 4 B films stay in training)."""
    rng = np.random.default_rng(seed)
    data = Synthetic([], [], [])
    for m in range(2 * DRIFT_BLOCK):
        data.movies.append((m + 1, f"Film {m} (2000)", ["Comedy"] if m < DRIFT_BLOCK else ["Horror"]))
    for u in range(n_users):
        kind = u % 3
        if kind == 0:
            items = rng.choice(DRIFT_BLOCK, 10, replace=False)
        elif kind == 1:
            items = DRIFT_BLOCK + rng.choice(DRIFT_BLOCK, 10, replace=False)
        else:
            items = np.concatenate([rng.choice(DRIFT_BLOCK, 6, replace=False),
                                    DRIFT_BLOCK + rng.choice(DRIFT_BLOCK, 6, replace=False)])
        for t, m in enumerate(items):
            data.ratings.append((u + 1, int(m) + 1, 4.5, 1_000_000 + 100 * t))
    return write_latest(tmp_path / "drift", data)


def counting_solves(monkeypatch) -> list[float]:
    """EASE's solves (the L2 of each), recorded as they happen from this call on."""
    from movierec.models.ease import EASE

    seen: list[float] = []
    solve = EASE._solve

    def counted(self, gram, l2):
        seen.append(l2)
        return solve(self, gram, l2)

    monkeypatch.setattr(EASE, "_solve", counted)
    return seen


#: Titles and their numbers of ratings (ml-latest-small's, rounded): the title-search tests' catalogue.
SEARCH_FILMS = [
    ("Lord of the Rings, The (1978)", 15),
    ("Lord of the Rings: The Fellowship of the Ring, The (2001)", 198),
    ("Lord of the Rings: The Two Towers, The (2002)", 188),
    ("Lord of the Rings: The Return of the King, The (2003)", 185),
    ("Lord of the Flies (1963)", 13),
    ("Ring, The (2002)", 90),
    ("Lord of War (2005)", 40),
    ("Godfather, The (1972)", 192),
    ("Godfather: Part II, The (1974)", 129),
    ("Godfather: Part III, The (1990)", 45),
    ("Tokyo Godfathers (2003)", 5),
    ("Goodfellas (1990)", 126),
    ("Go (1999)", 39),
    ("Toy Story (1995)", 215),
    ("Toy Story 2 (1999)", 97),
    ("Toy Story 3 (2010)", 55),
    ("Rocky (1976)", 64),
    ("Rocky II (1979)", 26),
    ("Rocky III (1982)", 24),
    ("Rocky V (1990)", 17),
    ("Star Wars: Episode IV - A New Hope (1977)", 251),
    ("Star Wars: Episode V - The Empire Strikes Back (1980)", 211),
    ("Star Wars: Episode I - The Phantom Menace (1999)", 140),
    ("Rogue One: A Star Wars Story (2016)", 27),
    ("Matrix, The (1999)", 278),
    ("Matrix Reloaded, The (2003)", 96),
    ("Animatrix, The (2003)", 20),
    ("I, Robot (2004)", 40),
    ("Inception (2010)", 143),
    ("V for Vendetta (2006)", 100),
    ("Vertigo (1958)", 80),
    ("Kill Bill: Vol. 2 (2004)", 110),
    ("Kill Bill: Vol. 1 (2003)", 131),
    ("Malcolm X (1992)", 20),
    ("Alien (1979)", 146),
    ("Aliens (1986)", 126),
]


#: The id-space tests' films: title -> (movie id in the latest release, item id in the ml-100k one); None: that release lacks it.
SPACE_FILMS = {
    "Toy Story (1995)": (1, 2),
    "Jumanji (1995)": (2, 3),
    "Heat (1995)": (3, 1),
    "Matrix, The (1999)": (4, 5),
    "Alien (1979)": (5, 4),
    "Only In Latest (2001)": (6, None),
    "Only In 100k (1996)": (None, 6),
    "Twin (1990)": (7, 7),  # ml-100k has two films of this title and year: never matched
    "Twin! (1990)": (None, 8),
    "Casino (1995)": (8, 9),
    "Seven (1995)": (9, 10),
}


def space_release(which: int) -> Synthetic:
    """The SPACE_FILMS release in the latest numbering (``which`` 0) or in ml-100k's (1), rated alike."""
    movies = [(ids[which], title, ["Drama"]) for title, ids in SPACE_FILMS.items() if ids[which] is not None]
    ratings = [(u, mid, float(1 + (u * 7 + mid * 3) % 5), 1_000_000 + u * 100 + k)
               for u in range(1, 13) for k, (mid, _, _) in enumerate(movies)]
    return Synthetic(ratings, movies, [])


def headless(*args: str):
    """``movierec --headless ARGS`` in this process (click's runner; exceptions propagate)."""
    from click.testing import CliRunner

    from movierec.cli import cli

    return CliRunner().invoke(cli, ["--headless", *args], catch_exceptions=False)


def one_error_line(result) -> str:
    """The one ``error:`` (or ``interrupted``) line of a command's output, asserting there is exactly one and no
    traceback."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("error:", "interrupted"))]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]
