"""Engine.watchlist: the watchlist ranked by the picks' own score, the one facade the TUI's Watchlist calls."""

from __future__ import annotations

import pytest

from movierec.engine import Engine
from movierec.store.profiles import ProfileStore
from tests import factories


@pytest.fixture
def engine(tmp_path, home) -> Engine:
    # More films than a pick list's candidate pool (200): a long watchlist is ranked whole.
    release = factories.write_latest(tmp_path / "wide", factories.synthetic(n_users=40, n_items=260, per_user=15))
    return Engine(str(release), "cpu")


def test_the_watchlist_is_ranked_by_match_then_the_picks_score_films_elsewhere_last(engine):
    store = ProfileStore()
    ids = [int(m) for m in engine.dataset.item_ids.ids(list(range(len(engine.dataset.catalog.titles))))]
    for movie_id, stars in zip(ids[:4], (5.0, 4.5, 1.0, 4.0)):
        store.rate("me", movie_id, stars)
    store.watch("me", 424242, "Gone From This Release (2030)")
    for movie_id in ids[4:]:
        store.watch("me", movie_id)
    store.watch("me", ids[0])  # rated and listed again (to see it again): listed, not ranked among the picks
    profile = store.load("me")
    rows = engine.watchlist(profile, mode="content")
    assert len(rows) == len(profile.watchlist) == len(ids) - 4 + 2
    scored = [r for r in rows if r.score is not None]
    assert len(scored) == len(ids) - 4  # all of them, past the 200 of a pick list's pool
    full = engine.recommend(profile, n=len(ids), diversity=0.0, mode="content")
    score = {p.index: p.score for p in full.picks}
    # The predicted match first (where there is one), the picks' score within the same match.
    order = [(r.match if r.match is not None else -1.0, r.score) for r in scored]
    assert order == sorted(order, reverse=True)
    match = {p.index: p.match for p in full.picks}
    assert all(r.match == match[r.index] for r in scored) and any(r.match is not None for r in scored)
    assert all(r.score == score[r.index] and r.reason for r in scored)
    assert [(r.movie_id, r.score) for r in rows[-2:]] == [(ids[0], None), (424242, None)]
    assert rows[-1].index is None and rows[-1].title == "Gone From This Release (2030)"


def test_an_empty_watchlist_and_a_mode_that_cannot_score_it(engine):
    store = ProfileStore()
    assert engine.watchlist(store.load("me"), mode="content") == []
    movie_id = int(engine.dataset.item_ids.ids([7])[0])
    store.watch("me", movie_id)
    rows = engine.watchlist(store.load("me"), mode="hybrid")  # nothing rated: popular films first, as picks
    assert [r.movie_id for r in rows] == [movie_id] and rows[0].score is not None


def test_recommend_marks_the_picks_on_your_watchlist(tmp_path, home):
    """A watchlist film stays a pick, marked: `watchlist: true` in --json, the mark in the table."""
    import json

    from click.testing import CliRunner

    from movierec.cli import cli
    from movierec.console import WATCH_MARK

    release = factories.write_latest(tmp_path / "small", factories.synthetic(n_users=30, n_items=40, per_user=12))
    run = lambda *args: CliRunner().invoke(cli, ["--headless", *args, "--dataset", str(release)])
    for title, stars in (("Film 005", "5"), ("Film 007", "4")):
        assert run("rate", title, stars, "-p", "me").exit_code == 0
    first = json.loads(run("recommend", "-p", "me", "--mode", "content", "--json").stdout)["picks"]
    assert not any(p["watchlist"] for p in first)
    chosen = first[0]
    assert run("watch", f"{chosen['title']}", "-p", "me").exit_code == 0
    again = json.loads(run("recommend", "-p", "me", "--mode", "content", "--json").stdout)["picks"]
    assert [p["movie_id"] for p in again if p["watchlist"]] == [chosen["movie_id"]]  # still a pick, marked
    table = run("recommend", "-p", "me", "--mode", "content").stdout
    row = next(line for line in table.splitlines() if chosen["title"][:12] in line)
    assert WATCH_MARK in row and f"{WATCH_MARK} on your watchlist" in table
