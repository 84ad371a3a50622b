"""Item cold-start on the bundled ml-latest-small: the issue's protocol, figures from an independent run."""

from __future__ import annotations

import pytest

from movierec.engine import Engine
from movierec.evaluation import coldstart


@pytest.mark.slow
def test_the_cold_split_matches_the_issues_independent_implementation(home):
    # Issue 17: seed 0 makes 365 films cold and tests 593 users (an independent implementation of the protocol).
    cold = coldstart.cold_split(Engine(None, "cpu").dataset, 0.1, seed=0)
    assert (cold.eligible, cold.cold.size, cold.users.size, cold.skipped_users) == (3650, 365, 593, 0)


@pytest.mark.slow
def test_deepcontent_beats_the_content_cosine_on_films_nobody_rated(home):
    split, rows = Engine(None, "cpu").evaluate_cold(["pop", "content", "deepcontent"], 0.1, seed=0)
    by = {r["model"]: r for r in rows}
    assert split["cold_films"] == 365 and split["users"] == 593
    assert by["pop"]["applicable"] is False and by["pop"]["hr"] is None
    assert by["deepcontent"]["hr"] > 0.3 > by["content"]["hr"]
