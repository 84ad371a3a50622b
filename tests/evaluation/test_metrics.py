import numpy as np
import pytest

from movierec import metrics


def test_known_answers():
    # held-out item at rank 1 (0 above it), rank 3 (2 above), rank 11 (10 above)
    assert metrics.hit_rate(np.array([0]), 10) == 1.0
    assert metrics.ndcg(np.array([0]), 10) == 1.0
    assert metrics.ndcg(np.array([2]), 10) == pytest.approx(0.5)
    assert metrics.hit_rate(np.array([10]), 10) == 0.0
    assert metrics.ndcg(np.array([10]), 10) == 0.0
    assert metrics.hit_rate(np.array([0, 2, 10, 50]), 10) == 0.5


def test_ranks_count_ties_against_the_model():
    scores = np.array([[0.5, 0.5, 0.1, 0.9],
                       [0.7, 0.1, 0.2, 0.3]])
    valid = np.ones_like(scores, dtype=bool)
    valid[:, 0] = False
    rank = metrics.ranks(scores, scores[:, 0], valid)
    assert rank.tolist() == [2, 0]  # the tie at 0.5 and the 0.9 both rank above the held-out item


def test_padding_is_ignored():
    scores = np.array([[0.1, 0.9, 0.95]])
    valid = np.array([[False, True, False]])
    assert metrics.ranks(scores, scores[:, 0], valid).tolist() == [1]


def test_genre_diversity_on_hand_made_lists():
    genres = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]])
    same = metrics.genre_jaccard_diversity(np.array([[0, 1]]), genres)
    apart = metrics.genre_jaccard_diversity(np.array([[0, 2]]), genres)
    half = metrics.genre_jaccard_diversity(np.array([[0, 3]]), genres)
    assert same[0] == pytest.approx(0.0)
    assert apart[0] == pytest.approx(1.0)
    assert half[0] == pytest.approx(0.5)
    three = metrics.intra_list_diversity(np.array([[0, 2, 3]]), genres)
    assert three == pytest.approx(1 - (0 + 0.5 + 0.5) / 3)
    assert metrics.genre_jaccard_diversity(np.array([[0, -1]]), genres)[0] == 0.0


def test_coverage():
    assert metrics.coverage(np.array([[0, 1], [1, 2]]), 10) == pytest.approx(0.3)


def test_a_score_that_is_not_a_number_ranks_last_never_a_hit():
    nan, inf = np.nan, np.inf
    scores = np.array([[nan, 0.1, 0.2],    # NaN held-out item: below everything, a miss
                       [inf, 0.1, 0.2],    # +inf counts as "not a number" too: last, not first
                       [0.5, nan, inf],    # NaN / inf candidates rank below a real held-out score
                       [nan, nan, 0.3]])   # NaN ties with NaN: against the model
    valid = np.ones_like(scores, dtype=bool)
    valid[:, 0] = False
    rank = metrics.ranks(scores, scores[:, 0], valid)
    assert rank.tolist() == [2, 2, 0, 2]
    assert metrics.hit_rate(rank[[0, 1]], 1) == 0.0


# -- the new-user protocol's figures (a list shown to a person) ---------------------------------------------
def test_list_ranks_read_as_hr_and_ndcg_with_known_answers():
    lists = [[7, 1, 2], [4, 5, 7], [1, 2, 3], []]
    ranks = metrics.list_ranks(lists, np.array([7, 7, 9, 7]))
    assert ranks[:2].tolist() == [0, 2]
    assert metrics.hit_rate(ranks, 10) == 0.5  # at 1 and at 3: hits; absent and an empty list: misses
    assert metrics.ndcg(ranks, 10) == pytest.approx((1.0 + 0.5) / 4)
    assert metrics.hit_rate(metrics.list_ranks([list(range(20))], np.array([12])), 10) == 0.0  # rank 13: no hit


def _genres() -> np.ndarray:
    # films 0..3 by genres A, B, C: 0 = A, 1 = B, 2 = A+B, 3 = C
    return np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=np.uint8)


def test_genre_distribution_spreads_each_film_over_its_genres():
    g = _genres()
    assert metrics.genre_distribution(np.array([0, 2]), g).tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert metrics.genre_distribution(np.array([], dtype=np.int64), g).tolist() == [0.0, 0.0, 0.0]


def test_taste_coverage_is_the_share_of_liked_genres_shown():
    g = _genres()
    assert metrics.taste_coverage(np.array([2, 3]), np.array([0]), g) == pytest.approx(1 / 3)  # A of A, B, C
    assert metrics.taste_coverage(np.array([2, 3]), np.array([1, 3, 0]), g) == 1.0
    assert metrics.taste_coverage(np.array([0]), np.array([], dtype=np.int64), g) == 0.0
    assert np.isnan(metrics.taste_coverage(np.array([], dtype=np.int64), np.array([0]), g))


def test_genre_kl_known_answers():
    p = np.array([0.5, 0.5, 0.0])
    assert metrics.genre_kl(p, p) == pytest.approx(0.0)  # the same proportions: calibrated
    # Only genre A shown: q~ = 0.99 q + 0.01 p = (0.995, 0.005, 0)
    expected = 0.5 * np.log(0.5 / 0.995) + 0.5 * np.log(0.5 / 0.005)
    assert metrics.genre_kl(p, np.array([1.0, 0.0, 0.0])) == pytest.approx(expected)
    assert metrics.genre_kl(p, np.array([1.0, 0.0, 0.0])) > metrics.genre_kl(p, np.array([0.6, 0.4, 0.0]))
    assert np.isnan(metrics.genre_kl(np.zeros(3), p))
