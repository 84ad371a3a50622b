"""The real protocol on the bundled ml-latest-small."""

from __future__ import annotations

import pytest

from movierec.engine import Engine
from tests.conftest import copy_cache


@pytest.mark.slow
def test_neumf_on_ml_latest_small_beats_the_floor(home, neumf_cache):
    copy_cache(neumf_cache, home)  # the default NeuMF, trained once a session (tests/conftest.py)
    engine = Engine(None, "cpu")
    users, skipped = engine.protocol_users()
    assert (users, skipped) == (610, 0)
    pop, neumf = engine.evaluate(["pop", "neumf"], seed=0)
    assert neumf.reused  # the same settings and seed as that training: evaluate reuses it
    assert neumf.hr > 0.6
    assert neumf.hr > pop.hr  # the model learned more than popularity
    assert 0 < neumf.ndcg < neumf.hr


def test_similar_to_toy_story_is_animation_for_children():
    engine = Engine(None, "cpu")
    film, rows = engine.similar("Toy Story", 10)
    assert film.title == "Toy Story (1995)" and film.exact
    titles = [r.title for r in rows]
    assert "Toy Story 2 (1999)" in titles
    kids = sum(1 for r in rows if {"Animation", "Children"} & set(r.genres))
    assert kids >= 9


def test_title_matching_rules():
    engine = Engine(None, "cpu")
    cat = engine.dataset.catalog
    assert cat.titles[engine.find_title("Toy Story")] == "Toy Story (1995)"
    assert cat.titles[engine.find_title("toy story (1995)")] == "Toy Story (1995)"
    assert cat.titles[engine.find_title("The Matrix")] == "Matrix, The (1999)"
    assert cat.titles[engine.find_title("godfater")] == "Godfather, The (1972)"
    # Several films share a title: the most-rated one wins.
    hamlet = [i for i, t in enumerate(cat.titles) if t.startswith("Hamlet (")]
    if len(hamlet) > 1:
        best = max(hamlet, key=lambda i: cat.n_ratings[i])
        assert engine.find_title("Hamlet") == best


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["mlp", "neumf"])
def test_pruned_full_protocol_equals_scoring_every_pair_on_ml_latest_small(kind, home, request):
    """The exact pruned search on real data and a trained model: every user's rank below 10 as scoring all pairs.

    NeuMF: the default one the session trained once (tests/conftest.py); MLP: 6 epochs here."""
    import numpy as np

    from movierec import metrics
    from movierec.evaluation.protocol import Protocol
    from movierec.models.ncf import NCFConfig
    from movierec.models.ncf.recommender import NeuralRecommender

    engine = Engine(None, "cpu")
    if kind == "neumf":
        copy_cache(request.getfixturevalue("neumf_cache"), home)
        rec = engine.get("ncf")
        assert rec is not None
    else:
        rec = NeuralRecommender(NCFConfig(model=kind, pretrain=False, epochs=6, refit="none"), "cpu")
        rec.fit(engine.split, engine.dataset.catalog)
    fast = Protocol(engine.split, full=True, list_users=200)
    slow = Protocol(engine.split, full=True, list_users=200, exhaustive=True)
    a, b = fast.ranks(rec), slow.ranks(rec)
    np.testing.assert_array_equal(np.minimum(a, 10), np.minimum(b, 10))
    assert 0.01 < metrics.hit_rate(b, 10) < 0.5  # a trained model: some hits, mostly misses
    users = fast.users[fast.list_sample]
    scores = rec.score_all(users)
    np.testing.assert_allclose(np.take_along_axis(scores, fast.top_lists(rec), 1),
                               np.take_along_axis(scores, slow.top_lists(rec), 1), rtol=1e-6)
