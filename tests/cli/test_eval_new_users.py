"""`eval --new-users`: bad input in one line before any work; the table and --json from the engine's report."""

from __future__ import annotations

import json

import pytest

from movierec.engine.facade import Engine
from tests import factories


@pytest.mark.parametrize("args, expect", [
    (["--fraction", "1.5"], "--fraction"),
    (["--fraction", "0"], "--fraction"),
    (["--fraction", "half"], "--fraction"),
    (["--cuts", "five,ten"], "--cuts 'five,ten' is not a comma-separated list"),
    (["--cuts", "5,0"], "at least 1 rating"),
    (["--full"], "drop --full"),
    (["--model", "ease"], "drop --model"),
])
def test_bad_input_is_one_line_before_any_work(monkeypatch, latest_release, args, expect):
    def never(*a, **k):
        raise AssertionError("the protocol ran on bad input")

    monkeypatch.setattr(Engine, "evaluate_new_users", never)
    result = factories.headless("eval", "--new-users", "--dataset", str(latest_release), *args)
    assert result.exit_code != 0
    assert expect in factories.one_error_line(result)


def test_cuts_and_fraction_without_new_users_are_refused(latest_release):
    result = factories.headless("eval", "--dataset", str(latest_release), "--cuts", "5")
    assert result.exit_code != 0
    assert "--cuts and --fraction belong to --new-users" in factories.one_error_line(result)


REPORT = {"dataset": "ml-test", "fingerprint": "f" * 32, "seed": 0, "fraction": 0.2, "held_out_users": 6,
          "training_users": 24, "training_ratings": 288, "k": 10, "negatives": 99, "cuts": {"5": 6, "all but latest": 6},
          "diversities": [0.0, 0.2],
          "results": [{"mode": "hybrid", "diversity": 0.0, "cut": "5", "users": 6, "hr": 0.5, "ndcg": 0.25,
                       "hr_sampled": 0.8333333, "ndcg_sampled": 0.5, "ild": 0.7, "taste_coverage": 0.9, "kl": 0.4,
                       "seconds_per_profile": 0.0123, "failed": 0}]}


@pytest.fixture
def canned(monkeypatch):
    asked = {}

    def report(self, fraction=0.2, cuts=None, seed=0, callback=None, on_progress=None, **options):
        asked.update(fraction=fraction, cuts=cuts, seed=seed, **options)
        return REPORT

    monkeypatch.setattr(Engine, "evaluate_new_users", report)
    return asked


def test_the_flags_reach_the_protocol(canned, latest_release):
    result = factories.headless("eval", "--new-users", "--dataset", str(latest_release), "--cuts", "5, 20,latest",
                                "--fraction", "0.3", "--seed", "4", "--json")
    assert result.exit_code == 0, result.output
    assert canned == {"fraction": 0.3, "cuts": (5, 20, None), "seed": 4, "k": 10, "negatives": 99}


def test_json_is_one_document_with_every_figure(canned, latest_release):
    result = factories.headless("eval", "--new-users", "--dataset", str(latest_release), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["protocol"] == "new-users" and data["cuts"] == {"5": 6, "all but latest": 6}
    row = data["results"][0]
    assert row["hr_sampled"] == 0.833333  # rounded like eval's
    assert set(row) == {"mode", "diversity", "cut", "users", "hr", "ndcg", "hr_sampled", "ndcg_sampled", "ild",
                        "taste_coverage", "kl", "seconds_per_profile", "failed"}


def test_the_table_says_users_per_cut_and_each_figure(canned, latest_release, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    result = factories.headless("eval", "--new-users", "--dataset", str(latest_release))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "6 held out of all training" in out and "5: 6, all but latest: 6" in out
    for figure in ("hybrid", "0.500", "0.833", "0.70", "0.90", "0.40", "0.012"):
        assert figure in out, out
