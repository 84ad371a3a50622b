"""The CUDA paths, end to end, on the bundled ml-latest-small: run by bench/gpu.sh on a GPU machine.

    python bench/gpu_check.py

1. ``Engine(device="cuda")``: train NeuMF (GMF + MLP pretraining) with --amp on the GPU, checkpoint saved.
2. Sampled and full leave-one-out evaluation on the GPU.
3. A new user's fold-in and diversified top 10 on the GPU (cold, then warm, timed).
4. The GPU-trained checkpoint loaded on the CPU: same scores as on the GPU.
5. ``torchrun --nproc_per_node 1 ... train --distributed`` with NCCL.

Prints PASS/FAIL per check and exits non-zero if any failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

os.environ.setdefault("MOVIEREC_HOME", tempfile.mkdtemp(prefix="movierec-gpucheck-"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from movierec import device as devices  # noqa: E402
from movierec.engine import Engine  # noqa: E402
from movierec.store.profiles import Profile, Rating  # noqa: E402

FAILED: list[str] = []


def check(name: str):
    def wrap(fn):
        t = time.perf_counter()
        try:
            detail = fn()
            print(f"PASS {name} ({time.perf_counter() - t:.1f} s): {detail}", flush=True)
        except Exception:  # noqa: BLE001 - report and go on to the next check
            FAILED.append(name)
            print(f"FAIL {name} ({time.perf_counter() - t:.1f} s):\n{traceback.format_exc()}", flush=True)
        return fn
    return wrap


DEVICE = os.environ.get("GPU_CHECK_DEVICE", "cuda")  # "cpu" for a dry run of this script without a GPU
gpu = Engine(None, DEVICE)
print(f"device: {gpu.device_name}; torch {torch.__version__}", flush=True)
state: dict = {}


@check("train neumf on cuda with amp")
def _train():
    rec, info = gpu.train("neumf", force=True, epochs=12, amp=True)
    state["rec"] = rec
    assert next(rec.module.parameters()).device.type == gpu.device.type
    assert info.val_hr > 0.5, info
    return f"val HR@10 {info.val_hr:.3f}, best epoch {info.best_epoch}, {info.fit_seconds:.1f} s, {info.path}"


@check("evaluate on cuda (sampled and full)")
def _eval():
    sampled = gpu.evaluate(["neumf"], epochs=12)[0]  # the checkpoint just trained (same config): no retraining
    full = gpu.evaluate(["neumf"], epochs=12, full=True)[0]
    assert 0.5 < sampled.hr <= 1 and 0 < full.hr < sampled.hr
    return (f"sampled HR@10 {sampled.hr:.4f} NDCG@10 {sampled.ndcg:.4f} ({sampled.eval_seconds:.2f} s); "
            f"full HR@10 {full.hr:.4f} ({full.eval_seconds:.2f} s)")


def _profile(seed: int) -> Profile:
    cat = gpu.dataset.catalog
    rng = np.random.default_rng(seed)
    p = Profile(f"gpu{seed}")
    for idx in rng.choice(min(2000, gpu.dataset.n_items), 20, replace=False):
        mid = int(cat.item_ids.ids(int(idx))[0])
        p.ratings[mid] = Rating(mid, float(rng.choice([3.5, 4.0, 4.5, 5.0])), 0.0)
    return p


@check("fold-in and top 10 on cuda")
def _foldin():
    times = []
    for seed in range(6):
        t = time.perf_counter()
        result = gpu.recommend(_profile(seed), n=10)
        times.append(time.perf_counter() - t)
        assert len(result.picks) == 10 and all(p.reason for p in result.picks)
        assert gpu.device.type != "cuda" or "CUDA" in result.device, result.device
    return f"first {times[0] * 1000:.0f} ms, warm median {np.median(times[1:]) * 1000:.0f} ms; {result.mix}"


def _same_scores(a_model, b_model, users) -> tuple[float, int]:
    """(max |difference| of two models' scores of every item for ``users``, items): must be under 1e-3."""
    a, b = a_model.score_all(users), b_model.score_all(users)
    diff = float(np.abs(a - b).max())
    assert diff < 1e-3, diff
    return diff, a.shape[1]


@check("GPU-trained checkpoint on the CPU gives the GPU's scores")
def _portable():
    cpu = Engine(None, "cpu")
    rec_cpu = cpu.shelf.load_saved("neumf")
    rec_gpu = Engine(None, DEVICE).shelf.load_saved("neumf")
    assert rec_cpu is not None and rec_gpu is not None
    assert rec_cpu.meta.device == gpu.device_name and rec_cpu.meta.created == state["rec"].meta.created
    users = gpu.split.test_users[:64]
    with devices.tf32(True):  # what scoring with TF32 tensor cores (10-bit mantissa) would give
        tf32 = float(np.abs(rec_gpu.score_all(users) - rec_cpu.score_all(users)).max())
    # Training leaves TF32 off behind it: scores are full float32, where the answer must agree.
    assert not torch.backends.cuda.matmul.allow_tf32
    diff, items = _same_scores(rec_gpu, rec_cpu, users)
    return f"max |score difference| {diff:.2e} in float32 ({tf32:.2e} with TF32 scoring) over 64 users x {items} items"



@check("sasrec on cuda: train, sequence picks, the checkpoint on the CPU")
def _sasrec():
    rec, info = gpu.train("sasrec", force=True, epochs=3)
    assert next(rec.module.parameters()).device.type == gpu.device.type
    t = time.perf_counter()
    result = gpu.recommend(_profile(7), n=10, mode="sequence")
    picks_ms = (time.perf_counter() - t) * 1000
    assert len(result.picks) == 10 and all(p.reason for p in result.picks)
    diff, items = _same_scores(Engine(None, DEVICE).shelf.load_saved("sasrec"), Engine(None, "cpu").shelf.load_saved("sasrec"),
                               gpu.split.test_users[:64])
    return (f"val HR@10 {info.val_hr:.3f} after 3 epochs, {info.fit_seconds:.1f} s; sequence top 10 in "
            f"{picks_ms:.0f} ms; GPU vs CPU scores max |difference| {diff:.2e} over 64 users x {items} items")


@check("deepcontent beside a cuda engine (it trains on the CPU by design), hybrid picks blend it")
def _deepcontent():
    learned = gpu.train_learned(epochs=3)
    assert learned is not None
    result = gpu.recommend(_profile(8), n=10)
    assert len(result.picks) == 10
    return f"trained on {learned.device}; hybrid mix {result.mix}"


@check("torchrun --nproc_per_node 1 train --distributed (NCCL)")
def _torchrun():
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
                          "-m", "movierec", "--headless", "train", "--model", "gmf", "--epochs", "5", "--force",
                          "--distributed", "--json", "--device", DEVICE], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout)
    assert info["ranks"] == 1 and info["val_hr"] > 0.3, info
    assert DEVICE != "cuda" or "CUDA" in info["device"], info
    return f"val HR@10 {info['val_hr']:.3f} on {info['device']}, {info['fit_seconds']:.1f} s"


print(f"{'all passed' if not FAILED else 'FAILED: ' + ', '.join(FAILED)}", flush=True)
sys.exit(1 if FAILED else 0)
