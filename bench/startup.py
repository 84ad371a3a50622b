"""Start-up of whole processes: a headless search against bare imports, and the TUI's first picks.

    python bench/startup.py            # 7 runs of each, median and min
    python bench/startup.py --runs 11 --no-tui

1. ``movierec --headless search "toy stroy"`` on the bundled data, its parsed arrays already cached
   (one untimed run fills the cache), timed from spawn to exit; against a bare
   ``python -c "import click, rapidfuzz, numpy, rich"`` (what any CLI of this kind pays). Target: the
   search within 5x the bare imports. Neither may import torch: the search is checked for it.
2. The TUI's first picks (bench/tui.py's child: the app built by the CLI's factory, run headless, a
   cached NeuMF and 5 ratings): process start to the first picks list. Target: at most 1.0 s.

Report the machine and whether it was busy: other people's jobs on a 2-core VM move these figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _timed(cmd: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _movierec() -> list[str]:
    script = Path(sys.executable).with_name("movierec")
    return [str(script)] if script.exists() else [sys.executable, "-m", "movierec"]


def _summary(values: list[float]) -> dict:
    return {"median_s": statistics.median(values), "min_s": min(values), "runs": len(values)}


def search_vs_imports(runs: int) -> dict:
    home = tempfile.mkdtemp(prefix="movierec-startup-")
    env = {**os.environ, "MOVIEREC_HOME": home}
    search = [*_movierec(), "--headless", "search", "toy stroy"]
    subprocess.run(search, env=env, check=True, capture_output=True)  # fills the cache; not timed
    probe = ("import sys, runpy; sys.argv = ['movierec', '--headless', 'search', 'toy stroy']\n"
             "try:\n    runpy.run_module('movierec', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('torch' in sys.modules, file=sys.stderr)")
    torch_loaded = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True
                                  ).stderr.strip().splitlines()[-1] == "True"
    bare_cmd = [sys.executable, "-c", "import click, rapidfuzz, numpy, rich"]
    bare, timed = [], []
    for _ in range(runs):  # interleaved, so a burst of load elsewhere hits both alike
        bare.append(_timed(bare_cmd, env))
        timed.append(_timed(search, env))
    shutil.rmtree(home, ignore_errors=True)
    b, s = _summary(bare), _summary(timed)
    return {"bare_imports": b, "search": s, "ratio_median": s["median_s"] / b["median_s"],
            "ratio_min": s["min_s"] / b["min_s"], "search_imports_torch": torch_loaded}


def tui_first_picks(runs: int) -> dict:
    sys.path.insert(0, str(HERE))
    import tui  # bench/tui.py: the same child and preparation as its own start-up figure

    home = tempfile.mkdtemp(prefix="movierec-startup-tui-")
    env = {**os.environ, "MOVIEREC_HOME": home}
    subprocess.run([sys.executable, "-c", tui.PREP, "", "0"], env=env, check=True, capture_output=True)
    rows = [json.loads(subprocess.run([sys.executable, "-c", tui.CHILD, ""], env=env, check=True, capture_output=True,
                                      text=True).stdout.strip().splitlines()[-1]) for _ in range(runs)]
    shutil.rmtree(home, ignore_errors=True)
    return {key: _summary([r[key] for r in rows]) for key in ("import_s", "total_s", "personal_s")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-tui", action="store_true")
    args = parser.parse_args()
    import torch

    print(f"machine: {platform.node()}, {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"torch {torch.__version__}, load average {os.getloadavg()[0]:.2f} at start")
    r = search_vs_imports(args.runs)
    b, s = r["bare_imports"], r["search"]
    print(f"bare `import click, rapidfuzz, numpy, rich`: median {b['median_s']:.3f} s, min {b['min_s']:.3f} s "
          f"({b['runs']} runs)")
    print(f"`movierec --headless search \"toy stroy\"` (cached bundled data): median {s['median_s']:.3f} s, "
          f"min {s['min_s']:.3f} s; {r['ratio_median']:.1f}x the bare imports (median), {r['ratio_min']:.1f}x (min); "
          f"imports torch: {r['search_imports_torch']}")
    if not args.no_tui:
        t = tui_first_picks(args.runs)
        print(f"TUI, process start to first picks list: median {t['total_s']['median_s']:.2f} s, min "
              f"{t['total_s']['min_s']:.2f} s (imports {t['import_s']['median_s']:.2f} s); to picks from the "
              f"fine-tuned model: median {t['personal_s']['median_s']:.2f} s ({args.runs} runs)")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
