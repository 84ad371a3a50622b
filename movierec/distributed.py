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
    """Leave the process group so that no rank closes its connections while a peer still uses them.

    A gloo barrier is not enough: the rank that leaves it first may destroy its group (closing its
    sockets) and exit while its peer is still finishing the barrier or tearing down, and the peer's
    gloo threads then abort the process ("terminate called without an active exception", seen on a
    busy machine). So the ranks meet twice on torchrun's key-value store, which is not part of the
    group: once when every rank is past its last collective (rank 0 may still have been writing the
    checkpoint), and once when every rank has destroyed its group; only then does any of them exit.
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return
    world = dist.get_world_size()
    try:
        from torch.distributed.distributed_c10d import _get_default_store

        store = _get_default_store()
    except (ImportError, RuntimeError, ValueError):  # no store to meet on: the group's own barrier
        store = None
    try:
        if store is None:
            dist.barrier()
        else:
            _meet(store, "movierec/teardown/collectives-done", world)
    finally:
        dist.destroy_process_group()
    if store is not None:
        try:
            _meet(store, "movierec/teardown/groups-destroyed", world)
        except Exception:  # noqa: BLE001 - the store's host (rank 0) may already be gone: every group is down
            pass


def _meet(store, key: str, world: int) -> None:
    """A barrier on the rendezvous store: the last rank to arrive opens it for every rank."""
    timeout = datetime.timedelta(seconds=float(os.environ.get("MOVIEREC_DIST_TIMEOUT", "1800")))
    if store.add(key, 1) == world:
        store.set(key + "/open", b"1")
    store.wait([key + "/open"], timeout)


def broadcast_float(value: float, device: torch.device) -> float:
    """Rank 0's value on every rank (so every rank takes the same early-stopping decision)."""
    import torch.distributed as dist

    if active() is None:
        return value
    t = torch.tensor([value], dtype=torch.float64, device=device)
    dist.broadcast(t, src=0)
    return float(t.item())
