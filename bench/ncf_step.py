"""Where a NeuMF training step's time goes on the CPU, and which variant of the step is fastest.

    python bench/ncf_step.py [--users 138493 --items 26744] [--batch 65536] [--steps 20] [--rounds 3]
                             [--variants base,fused,amp] [--profile]

Builds movierec's default NeuMF (32 GMF factors, 16-d MLP embeddings, tower 64-32-16-8) at the ML-20M
shape by default and times whole optimizer steps (forward, loss, backward, optimizer) on random batches
(the same batches for every variant), after warm-up. The variants run interleaved, ``--rounds`` times
(A B C A B C ...), so a machine whose load changes meanwhile slows each alike; the figure per variant is
its median over rounds, and each is also given as a ratio to the first variant of the same round; the same
per second of the process's CPU time (with one thread on a loaded machine, the steadier figure).
Negative sampling is not in a step (bench/scale.py times whole epochs). ``--profile`` prints
torch.profiler's table of the first variant's operators.

Variants: ``base`` (Trainer's dense Adam, float32), ``fused`` (Adam(fused=True): one pass over each
table per step), ``amp`` (bf16 autocast), ``sparse`` (sparse gradients and SparseAdam), ``compile``
(torch.compile of the model); a ``-outplace`` suffix (``fused-outplace``) runs the variant with the tower's ReLUs
not in place, as before issue 27.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch
import torch.nn.functional as F

from movierec import device as devices
from movierec.models.ncf import modules as ncf


def cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return " ".join(sorted(f for f in flags if f.startswith(("avx512", "amx", "avx2", "fma"))))


def make(variant: str, args, batches):
    torch.manual_seed(0)
    config = ncf.NCFConfig(model="neumf", pretrain=False)
    model = ncf.build(config, args.users, args.items)
    if variant.endswith("-outplace"):  # the tower's ReLUs as they were before issue 27 (not in place)
        for m in model.modules():
            if isinstance(m, torch.nn.ReLU):
                m.inplace = False
        variant = variant.removesuffix("-outplace")
    sparse = variant == "sparse"
    embeddings = [m for m in model.modules() if isinstance(m, ncf.Embedding)]
    for m in embeddings:
        m.sparse = sparse
    lr = 8e-3
    if sparse:
        ids = {id(m.weight) for m in embeddings}
        opts = [torch.optim.SparseAdam([m.weight for m in embeddings], lr=lr),
                torch.optim.Adam([p for p in model.parameters() if id(p) not in ids], lr=lr)]
    else:
        opts = [torch.optim.Adam(model.parameters(), lr=lr, fused=variant != "base")]
    net = torch.compile(model) if variant == "compile" else model
    amp = variant == "amp"

    def step(u, i, y):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            loss = F.binary_cross_entropy_with_logits(net(u, i).float(), y)
        for opt in opts:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        for opt in opts:
            opt.step()
        return loss.detach()

    for u, i, y in batches[:3]:  # warm-up (and compilation)
        step(u, i, y)
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=138_493)
    parser.add_argument("--items", type=int, default=26_744)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default="base,fused,amp,sparse")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    devices.apply_threads()
    choice = devices.thread_choice()
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs ({cpu_flags()}), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads ({choice.why if choice else '?'}), load {os.getloadavg()[0]:.2f}")
    print(f"shape: {args.users:,} users, {args.items:,} items, batch {args.batch:,}, {args.steps} steps a round")
    gen = torch.Generator().manual_seed(0)
    # Skewed like ratings: squares of uniforms put most samples on the low ids.
    batches = [((torch.rand(args.batch, generator=gen) ** 2 * args.users).long(),
                (torch.rand(args.batch, generator=gen) ** 2 * args.items).long(),
                (torch.rand(args.batch, generator=gen) < 0.2).float()) for _ in range(args.steps)]
    variants = [v for v in args.variants.split(",") if v]
    steps = {v: make(v, args, batches) for v in variants}
    if args.profile:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for u, i, y in batches[:5]:
                steps[variants[0]](u, i, y)
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    rates: dict[str, list[float]] = {v: [] for v in variants}
    cpu_rates: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.rounds):
        line = []
        for v in variants:
            t0, c0 = time.perf_counter(), time.process_time()
            for u, i, y in batches:
                steps[v](u, i, y)
            rates[v].append(args.steps * args.batch / (time.perf_counter() - t0))
            cpu_rates[v].append(args.steps * args.batch / (time.process_time() - c0))
            line.append(f"{v} {rates[v][-1] / 1e6:.2f}M ({rates[v][-1] / rates[variants[0]][-1]:.2f}x; per CPU s "
                        f"{cpu_rates[v][-1] / 1e6:.2f}M, {cpu_rates[v][-1] / cpu_rates[variants[0]][-1]:.2f}x)")
        print(f"round {r + 1} (load {os.getloadavg()[0]:.2f}): " + ", ".join(line), flush=True)
    base = statistics.median(rates[variants[0]])
    cpu_base = statistics.median(cpu_rates[variants[0]])
    print("median samples/s: " + ", ".join(f"{v} {statistics.median(rates[v]) / 1e6:.2f}M "
                                           f"({statistics.median(rates[v]) / base:.2f}x)" for v in variants))
    print("median samples per CPU second: " + ", ".join(
        f"{v} {statistics.median(cpu_rates[v]) / 1e6:.2f}M ({statistics.median(cpu_rates[v]) / cpu_base:.2f}x)"
        for v in variants))


if __name__ == "__main__":
    main()
