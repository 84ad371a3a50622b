"""NeuMF training per epoch: movierec against RecBole 1.2.1, same data, same model, same config, same run.

    python bench/synthetic.py ...   # not needed: this script makes its ml-100k-shaped set itself
    bench/out/recbole-venv/bin/python -m pip install recbole==1.2.1 ...   # RecBole in its own venv
    python bench/neumf_recbole.py [--recbole-python bench/out/recbole-venv/bin/python] [--repeats 3] [--epochs 3]
                            [--threads 1] [--configs 4096x4,2048x1]

ml-100k is not bundled (and nothing here downloads): the data is an ml-100k-shaped synthetic set from
bench/synthetic.py (943 users, 1,682 items, 100,000 ratings, every user >= 20; skewed activity and
popularity), written once as a GroupLens release for movierec and as a RecBole atomic ``.inter`` file.
Both sides split it leave-one-out by time (RecBole: ``LS: valid_and_test``, order ``TO``), so both train
on the same ~98k positives; both use every rating as a positive.

The model is movierec's default NeuMF on both sides: GMF 32 factors, MLP 16-d embeddings, tower
64-32-16-8, no dropout, no pretraining, Adam lr 1e-3; a config ``BxK`` is batch B samples (negatives
included, as both count it) with K uniform negatives per positive. Each side runs in its own process
(RecBole's in its venv), with the same torch CPU threads (``--threads``), alternating movierec,
RecBole, movierec, ... ``--repeats`` times; a process trains one warm-up epoch and then ``--epochs``
timed ones, wall and CPU time (on a loaded machine the process's CPU time is the steadier figure; training only: RecBole's ``Trainer._train_epoch`` with its dataloader's negative sampling;
movierec's ``Trainer.train_epoch`` with its on-device sampling). The figure is the median epoch.
``--compile`` adds a third side, movierec with ``NCFConfig.compile`` (its warm-up epoch holds the
compilation, printed apart).
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
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
NAME = "ml-100k-synth"
SHAPE = (943, 1682, 100_000)
FACTORS, EMBEDDING, LAYERS, LR = 32, 16, [64, 32, 16, 8], 1e-3


def make_data() -> tuple[Path, Path]:
    release = OUT / NAME
    atomic = OUT / "recbole-data" / NAME / f"{NAME}.inter"
    if not (release / "ratings.csv").exists():
        sys.path.insert(0, str(HERE))
        from synthetic import generate

        generate(release, seed=0, shape=SHAPE)
    if not atomic.exists():
        import pandas as pd

        r = pd.read_csv(release / "ratings.csv")
        atomic.parent.mkdir(parents=True, exist_ok=True)
        with open(atomic, "w") as f:
            f.write("user_id:token\titem_id:token\trating:float\ttimestamp:float\n")
            r[["userId", "movieId", "rating", "timestamp"]].to_csv(f, sep="\t", header=False, index=False)
    return release, atomic.parent.parent


def movierec_side(args) -> dict:
    import torch

    from movierec import device as devices
    from movierec.data.registry import load_dataset
    from movierec.data.splits import leave_one_out
    from movierec.models.ncf.modules import NCFConfig, build
    from movierec.models.ncf.training import Trainer

    devices.apply_threads()
    split = leave_one_out(load_dataset(args.data))
    config = NCFConfig(model="neumf", pretrain=False, factors=FACTORS, mlp_embedding=EMBEDDING, layers=tuple(LAYERS),
                       batch_size=args.batch, negatives=args.negatives, lr=LR, compile=args.side == "compiled")
    torch.manual_seed(0)
    trainer = Trainer(build(config, split.n_users, split.n_items), split, config, torch.device("cpu"))
    warm = trainer.train_epoch()  # warm-up (and, compiled, the compilation)
    epochs, cpu = [], []
    for _ in range(args.epochs):
        c0 = time.process_time()
        epochs.append(trainer.train_epoch())
        cpu.append(time.process_time() - c0)
    return {"threads": torch.get_num_threads(), "positives": int(split.train_users.size),
            "samples": epochs[-1]["samples"], "seconds": [f["seconds"] for f in epochs], "cpu": cpu,
            "loss": epochs[-1]["loss"], "warmup": warm["seconds"]}


def recbole_side(args) -> dict:
    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.model.general_recommender import NeuMF
    from recbole.trainer import Trainer
    from recbole.utils import init_seed

    os.chdir(tempfile.mkdtemp(prefix="recbole-bench-"))  # its log and tensorboard folders go here
    config = Config(model="NeuMF", dataset=NAME, config_dict={
        "data_path": args.data, "checkpoint_dir": "saved", "show_progress": False, "state": "ERROR",
        "device": "cpu", "use_gpu": False, "gpu_id": "", "seed": 0, "reproducibility": True,
        "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id", "TIME_FIELD": "timestamp",
        "load_col": {"inter": ["user_id", "item_id", "timestamp"]},
        "eval_args": {"split": {"LS": "valid_and_test"}, "order": "TO", "group_by": "user", "mode": "full"},
        "train_batch_size": args.batch, "learning_rate": LR,
        "train_neg_sample_args": {"distribution": "uniform", "sample_num": args.negatives, "alpha": 1.0,
                                  "dynamic": False, "candidate_num": 0},
        "mf_embedding_size": FACTORS, "mlp_embedding_size": EMBEDDING, "mlp_hidden_size": LAYERS,
        "dropout_prob": 0.0, "mf_train": True, "mlp_train": True, "use_pretrain": False,
    })
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, _, _ = data_preparation(config, dataset)
    model = NeuMF(config, train_data._dataset).to(config["device"])
    trainer = Trainer(config, model)
    trainer._train_epoch(train_data, 0, show_progress=False)  # warm-up
    seconds, cpu, loss = [], [], 0.0
    for epoch in range(1, args.epochs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        loss = trainer._train_epoch(train_data, epoch, show_progress=False)
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    positives = len(train_data._dataset)
    return {"threads": torch.get_num_threads(), "positives": positives, "samples": positives * (1 + args.negatives),
            "seconds": seconds, "cpu": cpu, "loss": float(loss) / max(1, len(train_data))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recbole-python", default=str(OUT / "recbole-venv" / "bin" / "python"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--configs", default="4096x4,2048x1")
    parser.add_argument("--compile", action="store_true", help="also movierec with torch.compile (NCFConfig.compile)")
    parser.add_argument("--side", choices=["movierec", "compiled", "recbole"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--negatives", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print(json.dumps((recbole_side if args.side == "recbole" else movierec_side)(args)))
        return
    release, atomic_root = make_data()
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {args.threads} torch thread(s) a side; "
          f"data: {NAME} (synthetic, {SHAPE[0]} users, {SHAPE[1]} items, {SHAPE[2]:,} ratings); "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MOVIEREC_THREADS")}
    env.update(OMP_NUM_THREADS=str(args.threads), MOVIEREC_THREADS=str(args.threads),
               MOVIEREC_HOME=tempfile.mkdtemp(prefix="movierec-bench-"))
    results: dict[str, dict[str, list[float]]] = {}
    cpu_results: dict[str, dict[str, list[float]]] = {}
    for repeat in range(1, args.repeats + 1):
        for spec in args.configs.split(","):
            batch, negatives = (int(x) for x in spec.split("x"))
            medians, cpu_medians = {}, {}
            sides = [("movierec", sys.executable, release), ("recbole", args.recbole_python, atomic_root)]
            if args.compile:
                sides.insert(1, ("compiled", sys.executable, release))
            for side, python, data in sides:
                out = subprocess.run([python, __file__, "--side", side, "--data", str(data), "--batch", str(batch),
                                      "--negatives", str(negatives), "--epochs", str(args.epochs)],
                                     env=env, capture_output=True, text=True)
                if out.returncode:
                    print(out.stderr[-3000:], file=sys.stderr)
                    raise SystemExit(f"the {side} side failed")
                row = json.loads(out.stdout.strip().splitlines()[-1])
                medians[side] = statistics.median(row["seconds"])
                cpu_medians[side] = statistics.median(row["cpu"])
                results.setdefault(spec, {}).setdefault(side, []).append(medians[side])
                cpu_results.setdefault(spec, {}).setdefault(side, []).append(cpu_medians[side])
                print(f"run {repeat} batch {batch} x {negatives} neg: {side:8} {row['threads']} thread(s), "
                      f"{row['positives']:,} positives, {row['samples']:,} samples, epochs "
                      f"{', '.join(f'{s:.2f}' for s in row['seconds'])} s (median {medians[side]:.2f} s = "
                      f"{row['samples'] / medians[side] / 1e6:.2f}M samples/s; CPU time {cpu_medians[side]:.2f} s), loss {row['loss']:.4f}, warm-up epoch "
                      f"{row.get('warmup', float('nan')):.1f} s; "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
            print(f"run {repeat} batch {batch} x {negatives} neg: " + ", ".join(
                f"{side} {medians['recbole'] / medians[side]:.2f}x (CPU time "
                f"{cpu_medians['recbole'] / cpu_medians[side]:.2f}x)" for side in medians if side != "recbole")
                + " RecBole's speed per epoch", flush=True)
    for spec, by_side in results.items():
        for side in (s for s in by_side if s != "recbole"):
            ratios = [r / m for m, r in zip(by_side[side], by_side["recbole"])]
            cpu = [r / m for m, r in zip(cpu_results[spec][side], cpu_results[spec]["recbole"])]
            print(f"{spec}: {side} per-epoch speed / RecBole's, per run: wall {', '.join(f'{x:.2f}' for x in ratios)} "
                  f"(median {statistics.median(ratios):.2f}x); CPU time {', '.join(f'{x:.2f}' for x in cpu)} "
                  f"(median {statistics.median(cpu):.2f}x)")


if __name__ == "__main__":
    main()
