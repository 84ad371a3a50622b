"""A pick's reason says what is true: content-based picks name what they share, never "people like you"."""

from __future__ import annotations

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.ids import Vocabulary
from movierec.data.movielens import GENRES
from movierec.rerank import reasons
from movierec.tui.widgets.tables import plural


def _catalog() -> Catalog:
    names = [["Horror", "Thriller"], ["Horror"], ["Comedy"], ["Drama"]]
    genres = np.zeros((4, len(GENRES)), np.uint8)
    for i, row in enumerate(names):
        for g in row:
            genres[i, GENRES.index(g)] = 1
    tags = ["dark|atmospheric", "", "", "atmospheric|slow"]
    return Catalog(Vocabulary(np.arange(4)), [f"Film {i} (2000)" for i in range(4)], np.full(4, 2000, np.int32), genres,
                   tags=tags)


def test_content_reasons_name_shared_genres_or_tags_and_collaborative_ones_say_so():
    cat = _catalog()
    vectors = np.eye(4, dtype=np.float32)  # no pick is close enough to "because you rated"
    liked, stars, picks = np.array([0]), np.array([5.0], np.float32), np.array([1, 3])
    content = reasons(picks, liked, stars, vectors, cat, collaborative=False)
    assert content == ["shares Horror with films you liked", "adds Drama to your mix"]
    cat.genres[3] = cat.genres[0]  # same genres as the liked film: nothing new; a shared tag names it
    cat.genres[3, GENRES.index("Thriller")] = 0
    cat.genres[3, GENRES.index("Horror")] = 0
    cat.genres[3, GENRES.index("Drama")] = 0
    assert reasons(np.array([3]), liked, stars, vectors, cat, collaborative=False) == [
        "tagged atmospheric like films you liked"]
    assert reasons(np.array([1]), liked, stars, vectors, cat, collaborative=True) == ["liked by people with your taste"]


def test_plurals():
    assert [plural(1, "star"), plural(4.5, "star"), plural(1, "rating"), plural(1234, "rating")] == [
        "1 star", "4.5 stars", "1 rating", "1,234 ratings"]
