"""More like this: genre/tag cosine (``similar``) against deepcontent's learned space (``similar --learned``).

    python bench/similar_learned.py [--dataset NAME|PATH] [--n 5]

Trains deepcontent (seed 0) in a fresh MOVIEREC_HOME unless one is given, then lists the top n of both
for Toy Story, The Shining, Amélie and the most rated film of those with exactly one rating (ties: the
first in the catalogue).
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    from movierec.engine import Engine

    engine = Engine(args.dataset, "cpu")
    _, info = engine.train("deepcontent", seed=0)
    print(f"deepcontent fit {info.fit_seconds:.1f} s (reused: {info.reused})")
    cat = engine.dataset.catalog
    one = int(np.flatnonzero(cat.n_ratings == 1)[0])
    for title in ("Toy Story (1995)", "Shining, The (1980)", "Amélie", cat.titles[one]):
        for learned in (False, True):
            film, rows = engine.similar(title, args.n, learned=learned)
            names = "; ".join(f"{r['title']} {r['similarity']:.2f}" for r in rows)
            print(f"| {film['title']} ({int(cat.n_ratings[engine.find_title(title)])} ratings) | "
                  f"{'learned' if learned else 'genre/tag cosine'} | {names} |")


if __name__ == "__main__":
    main()
