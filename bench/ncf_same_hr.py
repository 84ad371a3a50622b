"""The training speed-ups keep NeuMF's quality: HR@10 before and after, 3 seeds, same run.

    python bench/ncf_same_hr.py [--dataset NAME|PATH] [--seeds 0,1,2] [--epochs 6]

Trains NeuMF (no pretraining, a fixed number of epochs, no refit) three ways for each seed, in turn:
``plain`` = the CPU Adam before issue 27 (single-tensor, not fused), ``fused`` = today's default (fused
Adam), ``compiled`` = fused Adam with ``NCFConfig.compile``; and prints validation HR@10 at the
best epoch (fit_ncf's early stopping on the leave-one-out validation holdout, 99 sampled negatives)
and the seconds each fit took. The difference that matters is HR@10 per seed (> 0.005 is a loss).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile

os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-bench-"))

import torch  # noqa: E402

from movierec import device as devices  # noqa: E402
from movierec.data.registry import load_dataset  # noqa: E402
from movierec.data.splits import leave_one_out  # noqa: E402
from movierec.models.ncf import training  # noqa: E402
from movierec.models.ncf.modules import NCFConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=None)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    device = devices.resolve("cpu")
    ds = load_dataset(args.dataset)
    split = leave_one_out(ds)
    print(f"machine: {platform.node()}, {devices.describe(device, why=True)}, torch {torch.__version__}; "
          f"{ds.name}; load {os.getloadavg()[0]:.2f}", flush=True)
    fused_adam = training.Trainer._adam

    def plain_adam(self, params, lr, decay):
        return torch.optim.Adam(params, lr=lr, **decay)

    hr: dict[str, list[float]] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        for variant in ("plain", "fused", "compiled"):
            training.Trainer._adam = plain_adam if variant == "plain" else fused_adam
            config = NCFConfig(model="neumf", pretrain=False, epochs=args.epochs, patience=args.epochs, seed=seed,
                               compile=variant == "compiled")
            result = training.fit_ncf(config, split, device)
            hr.setdefault(variant, []).append(result.best_val_hr)
            print(f"seed {seed} {variant:8}: HR@10 {result.best_val_hr:.4f} (best epoch {result.best_epoch}), "
                  f"{result.seconds:.1f} s; load {os.getloadavg()[0]:.2f}", flush=True)
    training.Trainer._adam = fused_adam
    for variant, values in hr.items():
        diffs = [v - p for v, p in zip(values, hr["plain"])]
        print(f"{variant:8}: mean HR@10 {statistics.mean(values):.4f}; per seed minus plain: "
              f"{', '.join(f'{d:+.4f}' for d in diffs)}")


if __name__ == "__main__":
    main()
