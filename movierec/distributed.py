"""Multi-process training with PyTorch's own engine (torchrun + DistributedDataParallel).

``torchrun --nproc_per_node N -m movierec --headless train --distributed`` starts
N copies of the CLI; torchrun sets RANK, WORLD_SIZE, LOCAL_RANK and the
rendezvous address. Each process joins one process group (NCCL when it has a
CUDA GPU, gloo on CPU), trains on its own shard of every epoch's positives,
DDP averages the gradients, and rank 0 alone writes the checkpoint.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch

from movierec.errors import MovieRecError

LAUNCH = "torchrun --nproc_per_node N -m movierec --headless train --distributed"


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world: int
    local_rank: int
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def active() -> DistInfo | None:
    """The process group this process belongs to, or None when it runs alone."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None
    return DistInfo(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")), dist.get_backend())


def setup(device_ref: str | None) -> tuple[DistInfo, torch.device]:
    """Join the process group torchrun describes; returns it and this rank's device."""
    import torch.distributed as dist

    if not dist.is_available():
        raise MovieRecError("this PyTorch build has no torch.distributed; train without --distributed")
    missing = [k for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT") if k not in os.environ]
    if missing:
        raise MovieRecError(f"--distributed runs under torchrun (missing {', '.join(missing)}); start it with: {LAUNCH}")
    local_rank = int(os.environ["LOCAL_RANK"])
    ref = (device_ref or "auto").lower()
    use_cuda = torch.cuda.is_available() and ref in ("auto", "cuda")
    if ref not in ("auto", "cuda", "cpu"):
        raise MovieRecError(f"--distributed uses --device auto, cuda or cpu, not {device_ref!r}")
    if ref == "cuda" and not torch.cuda.is_available():
        raise MovieRecError("--device cuda asked for, but PyTorch sees no CUDA GPU; use --device cpu (gloo)")
    if use_cuda:
        if local_rank >= torch.cuda.device_count():
            raise MovieRecError(f"rank {local_rank} has no GPU of its own ({torch.cuda.device_count()} visible); "
                                f"use --nproc_per_node {torch.cuda.device_count()} or --device cpu")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        backend = "nccl"
    else:
        device = torch.device("cpu")
        backend = "gloo"
    timeout = datetime.timedelta(seconds=float(os.environ.get("MOVIEREC_DIST_TIMEOUT", "1800")))
    try:
        dist.init_process_group(backend=backend, timeout=timeout)
    except Exception as exc:  # a rendezvous that fails: bad address, peers that never come
        raise MovieRecError(f"could not join the torchrun process group ({backend}): {exc}") from None
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, backend), device


def teardown() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        # Every rank waits for the others (rank 0 may still be writing the checkpoint) before the group goes:
        # a gloo rank that tears down while its peer is still busy can abort ("terminate called ...").
        try:
            dist.barrier()
        finally:
            dist.destroy_process_group()


def broadcast_float(value: float, device: torch.device) -> float:
    """Rank 0's value on every rank (so every rank takes the same early-stopping decision)."""
    import torch.distributed as dist

    if active() is None:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.broadcast(t, src=0)
    return float(t.item())
