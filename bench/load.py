"""Load benchmark: first parse and cached reload of a release, each in a fresh process.

    python bench/load.py bench/out/ml-20m-synth

Prints wall time and peak resident memory (ru_maxrss of the child) for:
1. first parse (cache empty): CSV -> index arrays, then written to the cache;
2. cached reload.
Targets on the 2-core dev machine for ML-20M size: parse <= 30 s, reload <= 2 s, peak < 3 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from movierec.data.registry import load_dataset
t1 = time.perf_counter()
ds = load_dataset(sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "users": ds.n_users, "items": ds.n_items, "ratings": ds.n_ratings}))
"""


def run(path: str, home: str) -> dict:
    env = {**os.environ, "MOVIEREC_HOME": home}
    out = subprocess.run([sys.executable, "-c", CHILD, path], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("release")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        first = run(args.release, home)
        second = run(args.release, home)
    print(f"machine: {platform.node()} {os.cpu_count()} cpus, python {platform.python_version()}")
    print(f"release: {args.release}: {first['users']:,} users, {first['items']:,} items, {first['ratings']:,} ratings")
    print(f"first parse:    {first['load_s']:6.2f} s   peak {first['peak_mb']:7.0f} MB")
    print(f"cached reload:  {second['load_s']:6.2f} s   peak {second['peak_mb']:7.0f} MB")
    print(f"(import of movierec.data: {second['import_s']:.2f} s, not counted)")


if __name__ == "__main__":
    main()
