"""Choose the compute device once: ``auto`` = cuda, then mps, then cpu; and torch's CPU threads.

Threads: torch's intra-op threads (OpenMP) meet at a barrier after every operation, and a waiting
thread spins. When other processes keep the cores busy, one thread descheduled stalls the others
at every barrier: on the 2-core dev VM shared with other jobs, 2 threads made a fold-in 10x and a
NeuMF epoch 29x slower than 1 thread (bench/threads.py, bench/RESULTS.md); on an idle machine the
second thread is worth ~1.3x. So movierec reads the machine once, when torch is first used: on an idle
one (load under 0.5) it takes every physical core; on a busy one it leaves what the others use (the
load rounded up) and one core more, at least 1 thread. The load is the larger of the one-minute
average and the processes runnable at that moment less this one (a machine that just got busy still
has a low average). Where no load can be read, ``physical cores - 1``. The user's choice wins:
``MOVIEREC_THREADS=N``, or the standard ``OMP_NUM_THREADS`` (torch reads that itself; torchrun sets
it to 1 for each rank). The choice and its reason are printed beside the CLI's device line.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from movierec.errors import MovieRecError

if TYPE_CHECKING:  # torch (~1 s) is imported by the functions below, not by importing this module
    import torch

CHOICES = ("auto", "cpu", "cuda", "mps")
THREADS_VARIABLE = "MOVIEREC_THREADS"
MAX_THREADS = 1024  # torch.set_num_threads takes a C int; no CPU has more cores than this
IDLE_LOAD = 0.5  # a load under this is an idle machine: every core is taken
_applied: list["ThreadChoice"] = []  # the choice applied once per process
_READ = -1.0  # ``load`` default: read the machine's


@dataclass(frozen=True)
class ThreadChoice:
    threads: int | None  # None: torch's own (from OMP_NUM_THREADS)
    why: str


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


def machine_load(loadavg: Path = Path("/proc/loadavg")) -> float | None:
    """How many cores other programs want: the larger of the one-minute load average and the processes
    runnable now less this one (``/proc/loadavg``); ``os.getloadavg()`` where that file cannot be read,
    None where there is no load at all (Windows)."""
    try:
        fields = loadavg.read_text().split()
        return max(float(fields[0]), float(fields[3].split("/")[0]) - 1)
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        try:
            return os.getloadavg()[0]
        except (OSError, AttributeError):
            return None


def choose_threads(environ: Mapping[str, str] | None = None, cores: int | None = None,
                   load: float | None = _READ) -> ThreadChoice:
    """How many intra-op threads torch should use on the CPU, and why. ``MOVIEREC_THREADS`` wins (a bad value
    is a one-line error); then ``OMP_NUM_THREADS`` (threads None: torch read it itself); then the machine:
    every core when ``load`` < ``IDLE_LOAD``, else cores - ceil(load) - 1, at least 1; an unknown load
    (None) gives cores - 1. ``cores`` and ``load`` are read from the machine unless given."""
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
        return ThreadChoice(threads, f"{THREADS_VARIABLE}={threads}")
    omp = environ.get("OMP_NUM_THREADS", "").strip()
    if omp:
        return ThreadChoice(None, f"OMP_NUM_THREADS={omp[:20]}")
    cores = physical_cores() if cores is None else cores
    load = machine_load() if load == _READ else load
    if load is None:
        return ThreadChoice(max(1, cores - 1), f"load unknown: one of {cores} cores left to other programs")
    if load < IDLE_LOAD:
        return ThreadChoice(cores, f"all {cores} core{'' if cores == 1 else 's'}: the machine was idle (load {load:.2f})")
    return ThreadChoice(max(1, cores - math.ceil(load) - 1),
                        f"load {load:.2f} on {cores} core{'' if cores == 1 else 's'}: the rest left to other programs")


def cpu_threads(environ: Mapping[str, str] | None = None, cores: int | None = None,
                load: float | None = _READ) -> int | None:
    """The thread count of :func:`choose_threads` (None leaves torch's own choice)."""
    return choose_threads(environ, cores, load).threads


def apply_threads() -> int | None:
    """Set torch's CPU threads by :func:`choose_threads`, once per process; what was set (None: torch's own)."""
    if not _applied:
        import torch

        choice = choose_threads()
        if choice.threads is not None:
            torch.set_num_threads(choice.threads)
        _applied.append(choice)
    return _applied[0].threads


def thread_choice() -> ThreadChoice | None:
    """The choice :func:`apply_threads` made in this process (None: not yet)."""
    return _applied[0] if _applied else None


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
    cpu_threads(cores=1, load=0.0)  # only its check of MOVIEREC_THREADS: no need to read the machine
    if lowered not in ("auto", "cpu"):
        resolve(name)  # a GPU asked for by name: is there one?


def describe(device: torch.device, why: bool = False) -> str:
    """A human name: "CUDA: NVIDIA H100 80GB HBM3", "CPU (1 thread)", "CPU (7 threads)", "MPS (Apple GPU)";
    with ``why``, a CPU's says the reason for its threads: "CPU (2 threads; all 2 cores: the machine was idle
    (load 0.10))"."""
    import torch

    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "MPS (Apple GPU)"
    threads = torch.get_num_threads()
    choice = thread_choice() if why else None
    reason = f"; {choice.why}" if choice is not None else ""
    return f"CPU ({threads} thread{'' if threads == 1 else 's'}{reason})"


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
