"""A pick's reason says what is true: content-based picks name what they share, never "people like you"."""

from __future__ import annotations

import numpy as np

from movierec.data.catalog import Catalog
from movierec.data.ids import Vocabulary
from movierec.data.movielens import GENRES
from movierec.picks.rerank import reasons
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


def test_reasons_say_a_title_as_a_sentence_would_with_its_article_in_front():
    from movierec.data.titles import spoken_title

    assert spoken_title("Shining, The (1980)") == "The Shining (1980)"
    assert spoken_title("Avventura, L' (1960)") == "L'Avventura (1960)"
    assert (spoken_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)")
            == "The City of Lost Children (Cité des enfants perdus, La) (1995)")
    assert (spoken_title("Good, the Bad and the Ugly, The (Buono, il brutto, il cattivo, Il) (1966)")
            == "The Good, the Bad and the Ugly (Buono, il brutto, il cattivo, Il) (1966)")
    for kept in ("Toy Story (1995)", "Seven (a.k.a. Se7en) (1995)", "Life Is Beautiful (La Vita è bella) (1997)"):
        assert spoken_title(kept) == kept
    cat = _catalog()
    cat.titles[0] = "Shining, The (1980)"
    vectors = np.ones((4, 2), dtype=np.float32)  # every pick is like the liked film
    assert reasons(np.array([1]), np.array([0]), np.array([5.0], np.float32), vectors, cat) == [
        "because you rated The Shining (1980) 5 stars"]


def test_with_no_film_liked_popular_and_well_rated_is_said_only_when_true():
    """Fresh-eyes report: every pick of a profile with only low ratings said "popular and well rated", also a
    film nobody rated."""
    cat = _catalog()
    cat.n_ratings = np.array([40, 0, 40, 3], np.int32)
    cat.mean_rating = np.array([4.2, 0.0, 2.1, 4.8], np.float32)
    vectors = np.eye(4, dtype=np.float32)
    none, no_stars = np.zeros(0, np.int64), np.zeros(0, np.float32)
    assert reasons(np.array([0, 1, 2, 3]), none, no_stars, vectors, cat) == [
        "popular and well rated",  # many ratings, well rated
        "unlike the films you rated low",  # nobody rated it
        "unlike the films you rated low",  # many ratings, poorly rated
        "unlike the films you rated low"]  # well rated by few: not popular
