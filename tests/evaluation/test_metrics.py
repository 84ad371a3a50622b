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
