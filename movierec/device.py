"""Choose the compute device once: ``auto`` = cuda, then mps, then cpu."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from movierec.errors import MovieRecError

if TYPE_CHECKING:  # torch (~1 s) is imported by the functions below, not by importing this module
    import torch

CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve(name: str | None = "auto") -> torch.device:
    import torch

    name = (name or "auto").lower()
    if name not in CHOICES and not name.startswith("cuda:"):
        raise MovieRecError(f"unknown device {name!r}; use one of: {', '.join(CHOICES)}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise MovieRecError("--device cuda asked for, but PyTorch sees no CUDA GPU; use --device auto or cpu")
    if name == "mps" and not (getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()):
        raise MovieRecError("--device mps asked for, but this machine has no Apple GPU; use --device auto or cpu")
    return torch.device(name)


def check(name: str | None = "auto") -> None:
    """A wrong device is a one-line error; ``auto`` and ``cpu`` are checked without importing torch (~1 s)."""
    lowered = (name or "auto").lower()
    if lowered not in CHOICES and not lowered.startswith("cuda:"):
        raise MovieRecError(f"unknown device {name!r}; use one of: {', '.join(CHOICES)}")
    if lowered not in ("auto", "cpu"):
        resolve(name)  # a GPU asked for by name: is there one?


def describe(device: torch.device) -> str:
    """A human name: "CUDA: NVIDIA H100 80GB HBM3", "CPU (2 threads)", "MPS (Apple GPU)"."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "MPS (Apple GPU)"
    return f"CPU ({torch.get_num_threads()} threads)"


@contextmanager
def tf32(enabled: bool) -> Iterator[None]:
    """TF32 tensor-core matmuls on or off (CUDA) for a block of code; the previous setting comes back after.

    Training turns it on (10-bit mantissa products are plenty for a gradient step); exact comparisons of
    scores (the pruned full protocol) turn it off. Never left changed process-wide.
    """
    import torch

    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn
