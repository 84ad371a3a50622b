"""Torch's CPU threads: movierec's choice (every core on an idle machine, else fewer by the load), and the
user's, which wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from movierec import device
from movierec.cli import cli
from movierec.errors import MovieRecError


@pytest.mark.parametrize(("cores", "load", "threads"), [
    (1, 0.0, 1), (2, 0.0, 2), (2, 0.45, 2), (8, 0.3, 8),  # idle: every core
    (2, 0.6, 1), (2, 1.99, 1), (2, 7.0, 1), (4, 1.2, 1), (8, 2.5, 4), (8, 40.0, 1), (64, 3.2, 59),  # busy
])
def test_with_nothing_set_the_load_decides(cores, load, threads):
    """Every core on an idle machine; on a busy one, what the others use (load rounded up) and one spare."""
    assert device.cpu_threads({}, cores=cores, load=load) == threads
    empty = {"OMP_NUM_THREADS": " ", "MOVIEREC_THREADS": ""}  # empty: unset
    assert device.cpu_threads(empty, cores=cores, load=load) == threads


def test_an_unknown_load_leaves_one_core_to_everything_else():
    assert [device.cpu_threads({}, cores=c, load=None) for c in (1, 2, 4)] == [1, 1, 3]


def test_the_choice_says_why():
    idle = device.choose_threads({}, cores=2, load=0.1)
    assert idle.threads == 2 and idle.why == "all 2 cores: the machine was idle (load 0.10)"
    busy = device.choose_threads({}, cores=2, load=1.99)
    assert busy.threads == 1 and busy.why == "load 1.99 on 2 cores: the rest left to other programs"
    assert device.choose_threads({"MOVIEREC_THREADS": "3"}, cores=2, load=9.0).why == "MOVIEREC_THREADS=3"
    assert device.choose_threads({"OMP_NUM_THREADS": "2"}, cores=2, load=0.0).why == "OMP_NUM_THREADS=2"
    assert device.choose_threads({}, cores=2, load=None).why == "load unknown: one of 2 cores left to other programs"


def test_the_load_is_the_larger_of_the_minute_average_and_the_programs_running_now(tmp_path, monkeypatch):
    """A machine that just got busy still shows a low one-minute average: the processes runnable now count
    too (less this one)."""
    loadavg = tmp_path / "loadavg"
    loadavg.write_text("0.05 0.20 0.30 4/457 12345\n")
    assert device.machine_load(loadavg) == 3.0
    loadavg.write_text("1.50 0.20 0.30 1/457 12345\n")
    assert device.machine_load(loadavg) == 1.5
    monkeypatch.setattr(device.os, "getloadavg", lambda: (2.5, 0.0, 0.0))  # where /proc cannot be read (macOS)
    loadavg.write_text("garbage\n")
    assert device.machine_load(loadavg) == 2.5
    assert device.machine_load(tmp_path / "none") == 2.5
    monkeypatch.delattr(device.os, "getloadavg")  # Windows: no load at all
    assert device.machine_load(tmp_path / "none") is None


def test_movierec_threads_wins_and_omp_num_threads_is_left_to_torch():
    assert device.cpu_threads({"MOVIEREC_THREADS": "3"}, cores=2, load=0.0) == 3
    assert device.cpu_threads({"MOVIEREC_THREADS": " 2 ", "OMP_NUM_THREADS": "1"}, cores=8) == 2
    assert device.cpu_threads({"OMP_NUM_THREADS": "2"}, cores=8) is None  # torch read it at import


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "9" * 40])
def test_a_bad_movierec_threads_is_one_line(value):
    with pytest.raises(MovieRecError, match=r"^MOVIEREC_THREADS='.{1,20}' is not a number of threads; .*unset it"):
        device.cpu_threads({"MOVIEREC_THREADS": value}, cores=2)


def _topology(root: Path, cpu: int, siblings: str, name: str = "core_cpus_list") -> None:
    folder = root / f"cpu{cpu}" / "topology"
    folder.mkdir(parents=True)
    (folder / name).write_text(siblings + "\n")


def test_hyper_threads_of_one_core_count_once(tmp_path):
    for cpu, siblings in [(0, "0,4"), (4, "0,4"), (1, "1,5"), (5, "1,5"), (2, "2"), (3, "3")]:
        _topology(tmp_path, cpu, siblings)
    assert device.physical_cores(iter([0, 1, 2, 3, 4, 5]), tmp_path) == 4
    assert device.physical_cores(iter([0, 4]), tmp_path) == 1  # a taskset of one core's two threads


def test_the_old_sysfs_name_is_read_and_no_topology_counts_each_cpu(tmp_path):
    _topology(tmp_path, 0, "0-1", "thread_siblings_list")
    _topology(tmp_path, 1, "0-1", "thread_siblings_list")
    assert device.physical_cores(iter([0, 1]), tmp_path) == 1
    assert device.physical_cores(iter([0, 1, 2]), tmp_path / "nowhere") == 3
    assert device.physical_cores(iter([]), tmp_path) == 1


@pytest.mark.parametrize(("env", "expected"), [({"MOVIEREC_THREADS": "1"}, 1), ({"OMP_NUM_THREADS": "1"}, None)])
def test_resolve_sets_torch_threads_once(monkeypatch, env, expected):
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    monkeypatch.setattr(device, "_applied", [])
    monkeypatch.delenv("MOVIEREC_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        torch.set_num_threads(2)
        assert device.resolve("cpu").type == "cpu" and device.apply_threads() == expected
        assert torch.get_num_threads() == (expected or 2)
        monkeypatch.setenv("MOVIEREC_THREADS", "3")  # once per process: a later change is not read
        device.resolve("cpu")
        assert torch.get_num_threads() == (expected or 2)
    finally:
        torch.set_num_threads(before)


def test_the_cli_prints_the_choice_once_beside_the_device_line(monkeypatch, latest_release):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(device, "_applied", [device.ThreadChoice(None, "load 1.99 on 2 cores: the rest left to "
                                                                       "other programs")])
    plain = device.describe(torch.device("cpu"))
    assert plain.startswith("CPU (") and ";" not in plain  # the TUI's status bar: short
    result = CliRunner().invoke(cli, ["--headless", "train", "--model", "pop", "--device", "cpu",
                                      "--dataset", str(latest_release)])
    lines = [line for line in result.stderr.splitlines() if line.startswith("device: ")]
    assert lines == [f"device: {plain[:-1]}; load 1.99 on 2 cores: the rest left to other programs)"], result.stderr


def test_a_bad_movierec_threads_stops_a_command_and_the_tui_in_one_line(monkeypatch, latest_release):
    monkeypatch.setattr(device, "_applied", [])
    monkeypatch.setenv("MOVIEREC_THREADS", "lots")
    result = CliRunner().invoke(cli, ["--headless", "train", "--model", "gmf", "--epochs", "1",
                                      "--dataset", str(latest_release)])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "error: MOVIEREC_THREADS='lots' is not a number of threads; set a whole number from 1 to 1024, or unset it for "
        "movierec's choice"], result.output
    with pytest.raises(MovieRecError, match="MOVIEREC_THREADS"):
        device.check("auto")  # what the CLI runs before the TUI opens, without torch
