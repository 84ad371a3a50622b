"""Choose the compute device once: ``auto`` = cuda, then mps, then cpu; and torch's CPU threads.

Threads: torch's intra-op threads (OpenMP) meet at a barrier after every operation, and a waiting
thread spins. When other processes keep the cores busy, one thread descheduled stalls the others
at every barrier: on the 2-core dev VM shared with other jobs, 2 threads made a fold-in 10x and a
NeuMF epoch 29x slower than 1 thread, and with two busy loops besides, a fold-in and two short
trainings that took 56 s with 1 thread had not finished after 13 minutes with 2 (bench/threads.py,
bench/RESULTS.md). So movierec leaves one core to everything else: ``physical cores - 1``
threads, at least 1 (1 on a 2-core machine), unless the user chose: ``MOVIEREC_THREADS=N``, or
the standard ``OMP_NUM_THREADS`` (torch reads that itself; torchrun sets it to 1 for each rank).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from movierec.errors import MovieRecError

if TYPE_CHECKING:  # torch (~1 s) is imported by the functions below, not by importing this module
    import torch

CHOICES = ("auto", "cpu", "cuda", "mps")
THREADS_VARIABLE = "MOVIEREC_THREADS"
MAX_THREADS = 1024  # torch.set_num_threads takes a C int; no CPU has more cores than this
_applied: list[int | None] = []  # the thread count set once per process (None: torch's own, from OMP_NUM_THREADS)


def physical_cores(cpus: Iterable[int] | None = None, sysfs: Path = Path("/sys/devices/system/cpu")) -> int:
    """Physical cores among the CPUs this process may run on (hyper-threads of one core count once);
    where the topology cannot be read, each CPU counts as a core."""
    if cpus is None:
        try:
            cpus = iter(os.sched_getaffinity(0))  # a container or taskset may allow fewer than cpu_count()
        except (AttributeError, OSError):
            cpus = iter(range(os.cpu_count() or 1))
    cores = set()
    for cpu in cpus:
        core = str(cpu)
        for name in ("core_cpus_list", "thread_siblings_list"):  # the new name, then the old one
            try:
                core = (sysfs / f"cpu{cpu}" / "topology" / name).read_text().strip()
                break
            except (OSError, UnicodeDecodeError):
                continue
        cores.add(core)
    return max(1, len(cores))


def cpu_threads(environ: Mapping[str, str] | None = None, cores: int | None = None) -> int | None:
    """How many intra-op threads torch should use on the CPU; None leaves torch's own choice (the user set
    ``OMP_NUM_THREADS``, which torch reads itself). ``MOVIEREC_THREADS`` wins; a bad value is a one-line error."""
    environ = os.environ if environ is None else environ
    text = environ.get(THREADS_VARIABLE, "").strip()
    if text:
        try:
            threads = int(text)
        except ValueError:
            threads = 0
        if not 1 <= threads <= MAX_THREADS:
            raise MovieRecError(f"{THREADS_VARIABLE}={text[:20]!r} is not a number of threads; "
                                f"set a whole number from 1 to {MAX_THREADS}, or unset it for movierec's choice")
        return threads
    if environ.get("OMP_NUM_THREADS", "").strip():
        return None
    return max(1, (physical_cores() if cores is None else cores) - 1)


def apply_threads() -> int | None:
    """Set torch's CPU threads by :func:`cpu_threads`, once per process; what was set (None: torch's own)."""
    if not _applied:
        import torch

        threads = cpu_threads()
        if threads is not None:
            torch.set_num_threads(threads)
        _applied.append(threads)
    return _applied[0]


def resolve(name: str | None = "auto") -> torch.device:
    import torch

    name = (name or "auto").lower()
    if name not in CHOICES and not name.startswith("cuda:"):
        raise MovieRecError(f"unknown device {name!r}; use one of: {', '.join(CHOICES)}")
    apply_threads()  # the first place torch is used for work; GPU runs do CPU work too (sampling, scoring)
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
    """A wrong device (or ``MOVIEREC_THREADS``) is a one-line error; ``auto`` and ``cpu`` are checked without
    importing torch (~1 s)."""
    lowered = (name or "auto").lower()
    if lowered not in CHOICES and not lowered.startswith("cuda:"):
        raise MovieRecError(f"unknown device {name!r}; use one of: {', '.join(CHOICES)}")
    cpu_threads(cores=1)  # only its check of MOVIEREC_THREADS: no need to read the topology
    if lowered not in ("auto", "cpu"):
        resolve(name)  # a GPU asked for by name: is there one?


def describe(device: torch.device) -> str:
    """A human name: "CUDA: NVIDIA H100 80GB HBM3", "CPU (1 thread)", "CPU (7 threads)", "MPS (Apple GPU)"."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "MPS (Apple GPU)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


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
