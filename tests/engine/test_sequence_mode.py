"""New users in sequence mode: picks follow the latest ratings, reasons name them, the CLI and the picks' lists."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from movierec.cli import cli
from movierec.engine import Engine
from movierec.store.profiles import Profile, Rating
from tests import factories
from tests.conftest import engine_reusing, train_for_module

COMEDIES, HORRORS = range(0, 20), range(20, 40)
QUICK = dict(epochs=20, patience=20, batch_size=8)  # tiny data: small batches, enough steps an epoch


def drifting(tmp_path):
    """Half the users watch comedies, then turn to horror; the other half the other way round: what
    follows a film is a film of the same genre, whatever came before it."""
    rng = np.random.default_rng(0)
    movies = [(m + 1, f"{'Comedy' if m < 20 else 'Horror'} {m:02d} (2000)", ["Comedy" if m < 20 else "Horror"])
              for m in range(40)]
    ratings = []
    for u in range(80):
        first, then = (COMEDIES, HORRORS) if u % 2 == 0 else (HORRORS, COMEDIES)
        # The switch comes after 3 to 12 films (a fixed point would teach "switch after the 8th film").
        seq = [*rng.choice(first, int(rng.integers(3, 13)), replace=False), *rng.choice(then, 8, replace=False)]
        ratings += [(u + 1, int(m) + 1, 4.0, 1_000_000 + u * 100 + t) for t, m in enumerate(seq)]
    return factories.write_latest(tmp_path / "drift", factories.Synthetic(ratings, movies, []))


@pytest.fixture(scope="module")
def drifting_sasrec(tmp_path_factory):
    """The drifting release and its SASRec, trained once for this module (it was trained for each of 5 tests)."""
    folder = tmp_path_factory.mktemp("drifting")
    release = drifting(folder)
    return release, train_for_module(folder, release, "sasrec", seed=0, **QUICK)


@pytest.fixture
def engine(drifting_sasrec, home):
    release, cache = drifting_sasrec
    return engine_reusing(cache, home, release, "sasrec", seed=0, **QUICK)


def _profile(engine, comedies, horrors) -> Profile:
    """Older comedies, then the latest horrors (times in that order)."""
    profile = Profile("me")
    for t, m in enumerate([*comedies, *horrors]):
        movie_id = int(engine.dataset.item_ids.ids(np.array([m]))[0])
        profile.ratings[movie_id] = Rating(movie_id, 5.0, float(t), engine.dataset.catalog.titles[m])
    return profile


def test_latest_horror_after_older_comedies_gets_horror_led_picks_with_their_reason(engine):
    profile = _profile(engine, [0, 1, 2, 3, 4, 5], [20, 21])
    result = engine.recommend(profile, n=10, diversity=0.0, mode="sequence")
    genres = [p.genres[0] for p in result.picks]
    assert result.mix["sequence"] == 1.0
    assert genres[:5].count("Horror") >= 4, genres  # led by what came last, not by the majority of the profile
    assert all(p.reason.startswith("after your recent ") for p in result.picks)
    assert any("Horror 2" in p.reason for p in result.picks if p.genres == ["Horror"])
    # The hybrid, which reads no order, follows the majority (comedies) more than the sequence does.
    hybrid = engine.recommend(profile, n=10, diversity=0.0, mode="content")
    assert [p.genres[0] for p in hybrid.picks][:5].count("Horror") < genres[:5].count("Horror")


def test_the_order_not_the_set_decides(engine):
    """The same films in the other order (horrors first, then comedies): comedy-led picks."""
    profile = _profile(engine, [20, 21, 22, 23, 24, 25], [0, 1])  # "comedies" slot holds the older horrors
    genres = [p.genres[0] for p in engine.recommend(profile, n=10, diversity=0.0, mode="sequence").picks]
    assert genres[:5].count("Comedy") >= 3, genres


def test_browse_adds_next_after_the_latest_film(engine):
    profile = _profile(engine, [0, 1, 2], [20])
    lists = engine.browse(profile, mode="hybrid")
    nexts = [b for b in lists if b.kind == "next"]
    assert len(nexts) == 1 and nexts[0].about == engine.dataset.catalog.titles[20]
    shown = [p.index for b in lists for p in b.picks]
    assert len(shown) == len(set(shown))  # each list shows films the ones above did not


def test_recommend_mode_sequence_from_the_cli_counts_rate_flags_in_order(tmp_path):
    release = drifting(tmp_path)
    Engine(str(release), "cpu").train("sasrec", seed=0, **QUICK)
    args = ["--headless", "recommend", "--dataset", str(release), "--mode", "sequence", "--json", "--diversity", "0"]
    older_comedy = [a for m in range(5) for a in ("--rate", f"Comedy {m:02d}=5")]
    out = CliRunner().invoke(cli, [*args, *older_comedy, "--rate", "Horror 20=5", "--rate", "Horror 21=5"])
    assert out.exit_code == 0, out.output
    picks = json.loads(out.stdout)["picks"]
    assert [p["genres"][0] for p in picks[:5]].count("Horror") >= 4
    assert all(p["reason"].startswith("after your recent ") for p in picks)


def test_diversity_sweep_and_tune_work_for_the_sequence_model(tmp_path):
    release = drifting(tmp_path)
    sweep = CliRunner().invoke(cli, ["--headless", "eval", "--diversity-sweep", "--model", "sasrec", "--epochs", "3",
                                     "--dataset", str(release), "--json"])
    assert sweep.exit_code == 0, sweep.output
    rows = json.loads(sweep.stdout)["sweep"]
    assert [r["diversity"] for r in rows] == [i / 10 for i in range(11)]
    assert all(0.0 <= r["hr"] <= 1.0 for r in rows) and rows[-1]["ild"] >= rows[0]["ild"]
    tuned = CliRunner().invoke(cli, ["--headless", "tune", "--model", "sasrec", "--trials", "2",
                                     "--dataset", str(release), "--json"])
    assert tuned.exit_code == 0, tuned.output
    out = json.loads(tuned.stdout)
    assert len(out["trials"]) == 2 and out["best"]["params"]["hidden"] in (32, 64, 128)
    train = CliRunner().invoke(cli, ["--headless", "train", "--model", "sasrec", "--dataset", str(release)])
    assert train.exit_code == 0 and "sasrec: using tuned settings" in train.output, train.output


def test_a_disliked_film_is_not_read_as_what_you_watch_next(engine):
    """A film rated 2.5 or less is no reason and no "Next after": the sequence reads the films you liked."""
    profile = _profile(engine, [0, 1, 2, 3], [20, 21])
    disliked = int(engine.dataset.item_ids.ids(np.array([5]))[0])  # a comedy, rated last, 1 star
    profile.ratings[disliked] = Rating(disliked, 1.0, 99.0, engine.dataset.catalog.titles[5])
    result = engine.recommend(profile, n=10, diversity=0.0, mode="sequence")
    assert all("Comedy 05" not in p.reason for p in result.picks)
    assert [p.genres[0] for p in result.picks][:5].count("Horror") >= 4  # still led by the liked horrors
    nexts = [b for b in engine.browse(profile) if b.kind == "next"]
    assert nexts and nexts[0].about == engine.dataset.catalog.titles[21]
    only_dislikes = Profile("grumpy", {disliked: profile.ratings[disliked]})
    with pytest.raises(Exception, match="rated none above 2.5 stars"):
        engine.recommend(only_dislikes, mode="sequence")


def test_browse_never_trains_a_sequence_model_whose_checkpoint_is_bad(engine):
    """A damaged sasrec checkpoint is set aside with a note; the picks' lists go on without "Next after"
    and do not start a training of minutes by themselves."""
    from movierec.store import checkpoints

    path = checkpoints.path_for(engine.dataset.fingerprint, "sasrec")
    path.write_bytes(b"not a checkpoint")
    fresh = Engine(engine.dataset_ref, "cpu")
    lists = fresh.browse(_profile(fresh, [0, 1, 2], [20]))
    assert [b for b in lists if b.kind == "next"] == []
    assert not path.exists() and any("moved to" in n for n in fresh.notes)
    assert "sasrec" not in fresh.shelf._models  # nothing was trained
