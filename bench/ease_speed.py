"""`movierec --headless eval --model ease` against one float32 Cholesky inverse of the same size, in one process.

    python bench/ease_speed.py [--dataset NAME|PATH] [--rounds 2]

Issue 27 target 1: `eval --model ease` <= 1.5x the time of one float32 Cholesky inverse (factor + inverse)
of the items x items system EASE would invert, on the same threads. Both run in this process, alternating
(inverse, eval, inverse, eval, ...), so both see the same machine load; each eval starts from an empty
MOVIEREC_HOME and runs the real CLI command (data load, split, L2 grid, refit, scoring). The EASE time
estimate eval prints (`plan`) is compared with the fit time eval reports (issue 24 item 16: within 1.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime: unavailable"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None, help="default: the bundled ml-latest-small")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from movierec import device

    device.apply_threads()  # the CLI's thread policy, before anything is timed
    import numpy as np
    import torch

    from movierec.cli import cli
    from movierec.engine import Engine
    from movierec.models.ease import EASE, rates

    print(f"start: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; {uptime()}")
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; "
          f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    os.environ["MOVIEREC_HOME"] = tempfile.mkdtemp(prefix="movierec-bench-")
    engine = Engine(args.dataset, "cpu")
    split = engine.split
    plan = EASE(l2=None).plan(split)
    n = plan["items"]
    print(f"dataset {engine.dataset.name}: {plan['users']} users with training ratings, {n} items in EASE; "
          f"{'users' if plan['dual'] else 'items'}' side; measured rates {dict((k, f'{v:.3g}') for k, v in rates().items())}")
    # The system a direct solve inverts: X^T X + L2 I over the active items (L2 200, the grid's middle).
    active = np.unique(split.train_items)
    rows = torch.from_numpy(split.train_users.astype(np.int64))
    cols = torch.from_numpy(np.searchsorted(active, split.train_items).astype(np.int64))
    x = torch.zeros((split.n_users, n), dtype=torch.float32)
    x[rows, cols] = 1.0
    gram = x.T @ x
    gram.diagonal().add_(200.0)
    del x

    def inverse() -> float:
        g = gram.clone()
        start = time.perf_counter()
        p = torch.cholesky_inverse(torch.linalg.cholesky(g))
        seconds = time.perf_counter() - start
        del p
        return seconds

    def evaluate() -> tuple[float, dict]:
        home = tempfile.mkdtemp(prefix="movierec-bench-home-")
        os.environ["MOVIEREC_HOME"] = home
        argv = ["--headless", "eval", "--model", "ease", "--seed", str(args.seed), "--json"]
        if args.dataset:
            argv += ["--dataset", args.dataset]
        out, err = StringIO(), StringIO()
        start = time.perf_counter()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                cli.main(argv, prog_name="movierec", standalone_mode=False)
            except SystemExit as stop:
                if stop.code not in (0, None):
                    raise
        seconds = time.perf_counter() - start
        return seconds, json.loads(out.getvalue())["results"][0]

    results = []
    for round_ in range(args.rounds):
        c = inverse()
        e, row = evaluate()
        results.append((c, e, row))
        print(f"round {round_ + 1}: Cholesky inverse {c:.2f} s, eval --model ease {e:.2f} s (fit {row['fit_seconds']:.2f} s), "
              f"ratio {e / c:.2f}; HR@10 {row['hr']:.4f} NDCG@10 {row['ndcg']:.4f}; {uptime()}", flush=True)
    ratios = sorted(e / c for c, e, _ in results)
    fits = [row["fit_seconds"] for _, _, row in results]
    print(f"ratio eval / inverse: median {ratios[len(ratios) // 2]:.2f} (all: {', '.join(f'{r:.2f}' for r in ratios)}; "
          "target <= 1.5)")
    estimate = plan["seconds"]
    print(f"EASE estimate {estimate:.1f} s against fits of {', '.join(f'{f:.1f}' for f in fits)} s: "
          f"{', '.join(f'{estimate / f:.2f}x' for f in fits)} (target within 1.5x)")
    direct = n**3 / rates()["factor"]  # the items' side's estimate of one factor + inverse
    print(f"items' side estimate of one factor + inverse {direct:.1f} s against the measured "
          f"{', '.join(f'{c:.1f}' for c, _, _ in results)} s")
    print(f"end: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; {uptime()}")


if __name__ == "__main__":
    main()
