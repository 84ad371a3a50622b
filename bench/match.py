"""The predicted match's calibration per recommend mode: its map, base rate, reliability on a held-out half.

    MOVIEREC_HOME=... python bench/match.py [--dataset D] [--modes hybrid,content,ncf,sequence]

Uses the saved models (train them first: `movierec --headless train`, `train --model sasrec`); a mode
whose model is not saved is skipped. Reliability: the map fitted on a random half of the held-out
ratings, predicted vs observed on the other half in 5 equal-count groups, and Brier scores against
the base rate's.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from movierec import calibration
from movierec.engine import Engine


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--modes", default="hybrid,content,ncf,sequence")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engine = Engine(args.dataset, "cpu")
    engine.split
    for mode in args.modes.split(","):
        source = engine._match_source(mode)
        if source is None:
            print(f"{mode}: no saved model, skipped")
            continue
        start = time.perf_counter()
        pct, good = engine.match_data(mode, source[0])
        seconds = time.perf_counter() - start
        m = calibration.fit(pct, good)
        print(f"{mode}: {pct.size} held-out ratings, {seconds:.1f} s; base rate {m.base_rate:.3f}; "
              f"median held-out percentile {np.nanmedian(pct):.3f}")
        for (x, rate), count, hits in zip(m.points(), m.counts, m.good):
            print(f"  percentile {x:.5f}: P(4+) {rate:.3f}   ({count} held out, {hits} rated 4+)")
        half = np.random.default_rng(args.seed).random(pct.size) < 0.5
        fitted = calibration.fit(pct[half], good[half])
        groups = calibration.reliability(fitted, pct[~half], good[~half])
        print("  other half, predicted -> observed: " + "; ".join(
            f"{g['predicted']:.2f} -> {g['observed']:.2f} (n {g['n']})" for g in groups))
        base = float(np.mean((good[half].mean() - good[~half]) ** 2))
        print(f"  Brier {calibration.brier(fitted, pct[~half], good[~half]):.4f} (base rate alone {base:.4f})")


if __name__ == "__main__":
    main()
