"""Torch's CPU threads: fold-in and a short training with 1 thread against 2, idle and with the cores busy.

    python bench/threads.py [--threads 1,2] [--busy 0] [--profiles 8] [--epochs 2] [--repeats 2]

Each thread count runs in its own process (``OMP_NUM_THREADS`` set for it, so nothing else decides), in
turn, ``--repeats`` times (1, 2, 1, 2, ...), on the bundled ml-latest-small:

* fold-in: ``Engine.recommend`` (fold-in plus the top 10) for ``--profiles`` different 20-rating
  profiles on a warm engine holding an untrained NeuMF (fold-in costs the same whatever the weights),
  median and worst;
* training (``Engine`` on the CPU, so movierec's thread policy applies where no variable is set): GMF for ``--epochs`` epochs and NeuMF (GMF and MLP pretraining) for 1 epoch a stage, no
  refit, seconds.

``--busy N`` starts N ``python -c "while True: pass"`` loops, at the niceness this script runs at (run
it as ``nice -n 10 python bench/threads.py`` on a shared machine: the loops then compete on equal terms),
and kills them, by their pid, when it ends. ``--policy`` also runs a process with no ``OMP_NUM_THREADS``
at all, which gets movierec's own choice (``movierec.device.cpu_threads``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time


def worker(args: argparse.Namespace) -> None:
    os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))
    import numpy as np

    from movierec.engine import Engine
    from movierec.models.ncf import NCFConfig, build
    from movierec.models.neural import NeuralRecommender
    from movierec.store import checkpoints
    from movierec.store.profiles import Profile, Rating

    engine = Engine(None, "cpu")
    ds, split = engine.dataset, engine.split
    import torch

    engine.device  # noqa: B018 (movierec's thread choice happens here, as in the app)
    threads = torch.get_num_threads()
    config = NCFConfig(model="neumf")
    meta = checkpoints.CheckpointMeta(model="neumf", config=config, dataset=ds.name, fingerprint=ds.fingerprint,
                                       n_users=ds.n_users, n_items=ds.n_items,
                                       note="untrained, for bench/threads.py only")
    checkpoints.save(checkpoints.path_for(ds.fingerprint, "neumf"), build(config, ds.n_users, ds.n_items).state_dict(),
                     meta, ds.user_ids.array, ds.item_ids.array)
    engine.get("ncf", train=True)
    engine.content  # noqa: B018
    rng = np.random.default_rng(0)
    popular = np.argsort(-ds.catalog.n_ratings)[:500]
    timings = []
    for k in range(args.profiles + 1):  # the first one warms up
        profile = Profile(f"bench{k}")
        for i in rng.choice(popular, 20, replace=False):
            mid = int(ds.item_ids.ids(int(i))[0])
            profile.ratings[mid] = Rating(mid, float(rng.integers(1, 11)) / 2, 0.0)
        t0 = time.perf_counter()
        engine.recommend(profile, n=10, seed=k)
        timings.append(time.perf_counter() - t0)
    timings = timings[1:]
    print(json.dumps({"threads": threads, "foldin_median_ms": statistics.median(timings) * 1000,
                      "foldin_worst_ms": max(timings) * 1000}), flush=True)
    for model, epochs in (("gmf", args.epochs), ("neumf", 1)):
        rec = NeuralRecommender(NCFConfig(model=model, epochs=epochs, refit="none", seed=0), engine.device)
        t0 = time.perf_counter()
        rec.fit(split, ds.catalog)
        print(json.dumps({f"{model}_s": time.perf_counter() - t0}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated OMP_NUM_THREADS values to compare; N'p' also sets OMP_WAIT_POLICY=PASSIVE")
    parser.add_argument("--policy", action="store_true", help="also run with no OMP_NUM_THREADS (movierec decides)")
    parser.add_argument("--busy", type=int, default=0, help="busy loops to run meanwhile")
    parser.add_argument("--profiles", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds a process may take before it is stopped")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    runs = [("OMP_NUM_THREADS", n) for n in args.threads.split(",") if n] + ([("policy", "")] if args.policy else [])
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        time.sleep(1.0 if loops else 0.0)
        print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} before the runs, "
              f"{args.busy} busy loops, niceness {os.nice(0)}", flush=True)
        for repeat in range(args.repeats):
            for kind, value in runs:
                env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MOVIEREC_THREADS")}
                if kind == "OMP_NUM_THREADS":
                    env["OMP_NUM_THREADS"] = value.rstrip("p")
                    if value.endswith("p"):  # waiting threads sleep instead of spinning
                        env["OMP_WAIT_POLICY"] = "PASSIVE"
                t0 = time.perf_counter()
                label = (f"{kind}={value.rstrip('p')}" + (" passive" if value.endswith("p") else "")
                         if value else "movierec's choice")
                try:
                    out = subprocess.run([sys.executable, __file__, "--worker", "--profiles", str(args.profiles),
                                          "--epochs", str(args.epochs)], env=env, capture_output=True, text=True,
                                         timeout=args.timeout)
                    stdout, code = out.stdout, out.returncode
                except subprocess.TimeoutExpired as exc:  # the child is killed; what it printed is kept
                    stdout, code = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else exc.stdout or "", 0
                if code:
                    print(out.stderr[-2000:], file=sys.stderr)
                    raise SystemExit(code)
                row = {}
                for line in stdout.strip().splitlines():
                    row.update(json.loads(line))
                part = lambda key, text: text.format(row[key]) if key in row else "did not finish"  # noqa: E731
                print(f"run {repeat + 1} {label:18} ({row.get('threads', '?')} threads): fold-in + top 10 "
                      f"{part('foldin_median_ms', 'median {:.0f} ms')}, {part('foldin_worst_ms', 'worst {:.0f} ms')}; "
                      f"GMF {args.epochs} epochs {part('gmf_s', '{:.1f} s')}; NeuMF 1 epoch a stage "
                      f"{part('neumf_s', '{:.1f} s')}; process {time.perf_counter() - t0:.1f} s"
                      f"{' (stopped at --timeout)' if 'neumf_s' not in row else ''}; load {os.getloadavg()[0]:.2f}",
                      flush=True)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


if __name__ == "__main__":
    main()
