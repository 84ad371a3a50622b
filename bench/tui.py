"""TUI responsiveness: startup to the first screen with a cached model, and search per keystroke.

    python bench/tui.py
    python bench/tui.py --dataset bench/out/ml-20m-synth --random-model   # start-up on the ML-20M shape

1. Startup: a fresh process builds the app (the same factory as `movierec`),
   runs it headless, and stops the clock when the picks screen shows its first
   list (profile of 5 ratings, model already trained and cached; content-based
   picks come first, while torch imports), then again when the picks from the
   fine-tuned model have replaced them. Reported with and without the process's
   import time.
2. Search: an 87,585-title catalogue (ml-32m size) of generated titles; each
   keystroke of several queries typed letter by letter is timed through
   `Catalog.search` (what the search screen's worker calls).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

CHILD = r"""
import time
t0 = time.perf_counter()
import asyncio, json, sys
from movierec.tui.app import make_app
from movierec.tui.screens.picks import PicksScreen
from movierec.tui.widgets.tables import FilmTable
t_import = time.perf_counter()

async def main():
    app = make_app(dataset=sys.argv[1] or None, device="cpu")
    start = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            await pilot.pause(0.005)
            screen = app.screen
            if isinstance(screen, PicksScreen) and any(t.row_count for t in screen.query(FilmTable)):
                break
        first = time.perf_counter()
        while not app.model_ready:  # then the model loads and the picks switch to it
            await pilot.pause(0.005)
        await app.workers.wait_for_complete()
        await pilot.pause()
        personal = time.perf_counter()
    print(json.dumps({"import_s": t_import - t0, "first_screen_s": first - start, "total_s": first - t0,
                      "personal_s": personal - t0}))

asyncio.run(main())
"""


PREP = r"""
import sys
import numpy as np
from movierec.engine import Engine
from movierec.models.ncf.modules import NCFConfig, build
from movierec.store import checkpoints
from movierec.store.profiles import ProfileStore
dataset, random_model = sys.argv[1] or None, sys.argv[2] == "1"
engine = Engine(dataset, "cpu")
ds = engine.dataset
if random_model:  # the shape of the model is what start-up pays for, not its weights
    config = NCFConfig(model="neumf")
    meta = checkpoints.CheckpointMeta(model="neumf", config=config, dataset=ds.name, fingerprint=ds.fingerprint,
                                       n_users=ds.n_users, n_items=ds.n_items,
                                       note="untrained, for bench/tui.py start-up only")
    checkpoints.save(checkpoints.path_for(ds.fingerprint, "neumf"), build(config, ds.n_users, ds.n_items).state_dict(),
                     meta, ds.user_ids.array, ds.item_ids.array)
else:
    engine.train("neumf")
store = ProfileStore()
for index in np.argsort(-ds.catalog.n_ratings)[:5]:  # five well-known films, five stars
    store.rate("default", int(ds.item_ids.ids(int(index))[0]), 5.0)
"""


def startup(dataset: str = "", random_model: bool = False) -> dict:
    home = tempfile.mkdtemp(prefix="movierec-bench-")
    env = {**os.environ, "MOVIEREC_HOME": home}
    subprocess.run([sys.executable, "-c", PREP, dataset, "1" if random_model else "0"], env=env, check=True,
                   capture_output=True)
    runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD, dataset], env=env, check=True, capture_output=True,
                                      text=True).stdout.strip().splitlines()[-1]) for _ in range(3)]
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def search() -> dict:
    from movierec.data.catalog import Catalog
    from movierec.data.ids import Vocabulary

    rng = np.random.default_rng(0)
    words = ("night love return dark city last blue dead star summer secret man girl war king lost wild red house "
             "dream road ghost iron river matrix godfather toy story alien heat fargo casino blade runner amelie "
             "spirited away seven psycho vertigo jaws rocky titanic gladiator memento inception avatar").split()
    n = 87_585
    titles = []
    for k in range(n):
        title = " ".join(rng.choice(words, size=int(rng.integers(1, 5))).tolist()).title()
        if k % 7 == 0:
            title = f"{title}, The"
        titles.append(f"{title} {k} ({1900 + k % 125})")
    cat = Catalog(Vocabulary(np.arange(n)), titles, np.zeros(n, np.int32), np.zeros((n, 20), np.uint8),
                  n_ratings=rng.zipf(1.5, n).astype(np.int32) % 100_000)
    t = time.perf_counter()
    cat.search("warm up")
    index_s = time.perf_counter() - t
    timings = []
    for query in ("godfater", "the matrix", "spirted away", "blade runer 2049", "amelie"):
        for end in range(1, len(query) + 1):
            t = time.perf_counter()
            cat.search(query[:end], limit=50)
            timings.append(time.perf_counter() - t)
    timings.sort()
    return {"titles": n, "index_s": index_s, "keystrokes": len(timings), "median_ms": statistics.median(timings) * 1e3,
            "p95_ms": timings[int(0.95 * len(timings)) - 1] * 1e3, "max_ms": timings[-1] * 1e3}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="", help="start-up on this dataset (default: the bundled one)")
    parser.add_argument("--random-model", action="store_true", help="an untrained NeuMF of the right shape")
    args = parser.parse_args()
    print(f"machine: {platform.node()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    if args.dataset:
        r = startup(args.dataset, args.random_model)
        print(f"startup on {args.dataset} (median of 3, cached model, 5 ratings): imports {r['import_s']:.2f} s, "
              f"app start to first picks list {r['first_screen_s']:.2f} s, process start to first picks list "
              f"{r['total_s']:.2f} s, to picks from the fine-tuned model {r['personal_s']:.2f} s")
        return
    s = search()
    print(f"search: {s['titles']:,} titles, index built once in {s['index_s']:.2f} s; {s['keystrokes']} keystrokes: "
          f"median {s['median_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, max {s['max_ms']:.1f} ms")
    r = startup()
    print(f"startup (median of 3, cached model, 5 ratings): imports {r['import_s']:.2f} s, app start to first "
          f"picks list {r['first_screen_s']:.2f} s, process start to first picks list {r['total_s']:.2f} s, "
          f"to picks from the fine-tuned model {r['personal_s']:.2f} s")


if __name__ == "__main__":
    main()
