"""The new-user protocol on plain values: held-out users chosen, profiles cut in time order, figures of a serve."""

import numpy as np
import pytest

from movierec.errors import MovieRecError
from movierec.evaluation import newusers

MOVIE_IDS = np.arange(100, 130)  # item index i is movie id 100 + i
TITLES = [f"Film {i}" for i in range(30)]


def _held() -> newusers.HeldOut:
    # User 7 rated 8 films, given out of time order; two share the time 50 (ordered by movie id then).
    items = np.array([3, 1, 4, 0, 5, 9, 2, 6])
    times = np.array([30, 10, 50, 20, 50, 70, 60, 80])
    stars = np.array([4.0, 5.0, 2.0, 3.5, 4.5, 1.0, 4.0, 5.0], dtype=np.float32)
    # User 9 rated 3 films: too few for a cut of 5, enough for "all but the latest".
    items = np.concatenate([items, [10, 11, 12]])
    times = np.concatenate([times, [5, 6, 7]])
    stars = np.concatenate([stars, [3.0, 4.0, 5.0]]).astype(np.float32)
    users = np.array([7] * 8 + [9] * 3)
    return newusers.HeldOut(users, items, stars, times)


def test_cuts_build_profiles_from_the_first_ratings_in_time_order():
    cases = newusers.build_cases(_held(), MOVIE_IDS, TITLES, "movielens", (5, None))
    # In time order: 1 (10), 0 (20), 3 (30), 4 (50), 5 (50), 2 (60), 9 (70), 6 (80); 4 before 5 (movie id 104 < 105).
    five = cases["5"]
    assert [c.user for c in five] == [7]  # user 9 has 3 ratings: no profile of 5 and a target
    profile = five[0].profile
    assert sorted(profile.ratings) == [100, 101, 103, 104, 105]
    assert five[0].target == 2  # the 6th rating in time order
    assert profile.ratings[101].stars == 5.0 and profile.ratings[101].time == 10.0
    assert profile.ratings[104].title == "Film 4" and profile.ratings[104].space == "movielens"
    assert sorted(five[0].liked.tolist()) == [1, 3, 5]  # rated 4+ within the profile
    assert set(five[0].rated.tolist()) == {0, 1, 2, 3, 4, 5, 6, 9}  # never a sampled negative
    latest = {c.user: c for c in cases[newusers.LATEST]}
    assert latest[7].target == 6 and len(latest[7].profile.ratings) == 7
    assert latest[9].target == 12 and sorted(latest[9].profile.ratings) == [110, 111]


def test_a_cut_never_reaches_the_target_or_later():
    cases = newusers.build_cases(_held(), MOVIE_IDS, TITLES, "movielens", (1, 2, 7, 8))
    assert [sorted(c.profile.ratings) for c in cases["1"] if c.user == 7] == [[101]]
    assert [c.target for c in cases["2"]] == [3, 12]
    assert [c.target for c in cases["7"]] == [6]
    assert cases["8"] == []  # all 8 of user 7's ratings: nothing left to predict


def test_chosen_users_are_seeded_a_share_and_at_least_the_minimum():
    users = np.repeat(np.arange(1000), 8)
    a = newusers.choose_users(users, 0.2, seed=1, minimum=100)
    assert a.size == 200 and np.array_equal(a, newusers.choose_users(users, 0.2, seed=1, minimum=100))
    assert not np.array_equal(a, newusers.choose_users(users, 0.2, seed=2, minimum=100))
    assert newusers.choose_users(users, 0.05, seed=1, minimum=100).size == 100  # 50 is too few: 100
    small = np.repeat(np.arange(40), 8)
    assert newusers.choose_users(small, 0.2, seed=1, minimum=100).size == 20  # half of them at most
    few = np.concatenate([np.repeat(np.arange(10), 8), np.repeat(np.arange(10, 20), 3)])
    assert set(newusers.choose_users(few, 0.5, seed=0, minimum=1).tolist()) <= set(range(10))  # 6+ ratings only


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5])
def test_a_fraction_out_of_range_is_refused(fraction):
    with pytest.raises(MovieRecError, match="between 0 and 1"):
        newusers.choose_users(np.repeat(np.arange(10), 8), fraction)


def _genres(n: int) -> np.ndarray:
    g = np.zeros((n, 3), dtype=np.uint8)
    g[np.arange(n), np.arange(n) % 3] = 1
    return g


def test_evaluate_reads_what_serve_shows_with_known_answers():
    cases = newusers.build_cases(_held(), MOVIE_IDS, TITLES, "movielens", (5,))  # one profile, target 2
    calls = []

    def serve(profile, mode, diversity, within):
        calls.append((profile.name, mode, diversity, None if within is None else sorted(within.tolist())))
        if within is not None:
            return [int(within[0])]  # the target is the first of the sampled films: rank 1
        return {"good": [2, 7, 8], "third": [7, 8, 2], "miss": [7, 8, 10]}[mode]

    rows = newusers.evaluate(cases, serve, ("good", "third", "miss"), (0.0, 0.2), _genres(30), k=10, negatives=20)
    by = {(r["mode"], r["diversity"]): r for r in rows}
    assert by[("good", 0.0)]["hr"] == 1.0 and by[("good", 0.0)]["ndcg"] == 1.0
    assert by[("third", 0.2)]["ndcg"] == pytest.approx(0.5)
    assert by[("miss", 0.0)]["hr"] == 0.0 and by[("miss", 0.0)]["hr_sampled"] == 1.0
    assert all(r["users"] == 1 and r["cut"] == "5" for r in rows)
    # Each profile: every mode, each diversity, over every film and against the sampled ones (the target and
    # 20 films the user never rated).
    assert len(calls) == 3 * 2 * 2
    sampled = calls[1][3]
    assert len(sampled) == 21 and 2 in sampled
    assert not (set(sampled) - {2}) & {0, 1, 3, 4, 5, 6, 9}  # films the user rated: never sampled
    # Liked films 1, 3, 5: genres 1, 0, 2 (all three); [2, 7, 8] shows genres 2, 1, 2: two of three.
    assert by[("good", 0.0)]["taste_coverage"] == pytest.approx(2 / 3)
    assert by[("good", 0.0)]["kl"] > 0


def test_a_profile_a_mode_cannot_serve_is_a_miss_and_counted():
    cases = newusers.build_cases(_held(), MOVIE_IDS, TITLES, "movielens", (5, None))

    def serve(profile, mode, diversity, within):
        raise MovieRecError("no liked film to read")

    rows = newusers.evaluate(cases, serve, ("sequence",), (0.0,), _genres(30), k=10, negatives=5)
    assert [(r["cut"], r["users"], r["failed"], r["hr"]) for r in rows] == [("5", 1, 1, 0.0), (newusers.LATEST, 2, 2, 0.0)]
