"""Every example in README.md's Examples block that needs no network runs as written, in order.

Its `eval` line trains every model with its default epochs: 12.7 minutes on the shared 2-core dev VM
under load (2026-11-29), so it carries the `readme` marker as well as `slow`.

On the bundled data, in a temporary MOVIEREC_HOME, with the venv's `movierec` on PATH (the README's
install line activates the venv). Each must exit 0 and print what its comment says it prints.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.readme]

README = Path(__file__).resolve().parents[2] / "README.md"


def examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"^Examples:\n\n```bash\n(.*?)```", text, re.S | re.M)
    assert block, "README.md has no Examples block"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def test_the_readme_examples_block_is_found_and_covers_the_commands():
    lines = examples()
    assert len(lines) >= 6 and all(line.startswith("movierec ") for line in lines)
    assert any("data fetch" in line for line in lines)  # the one that needs the network (skipped below)


def test_every_offline_readme_example_runs_as_written(home: Path):
    env = {**os.environ, "MOVIEREC_HOME": str(home),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    ran = 0
    for line in examples():
        if "data fetch" in line:
            continue  # downloads from GroupLens: not offline
        done = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, (line, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (line, done.stderr[-2000:])
        out = done.stdout
        assert out.strip(), line
        if "--json" in line:
            data = json.loads(out)
            if " eval" in line:
                assert data["results"] and {"model", "hr"} <= set(data["results"][0]), line
            if " recommend" in line:
                assert len(data["picks"]) == 10 and all(p["reason"] for p in data["picks"]), line
        elif " eval" in line:
            assert all(model in out for model in ("pop", "neumf")), out
        elif " similar" in line:
            assert "Toy Story" in out
        elif " rate " in line:
            assert "Finding Nemo" in out
        elif " recommend" in line:
            assert sum(1 for row in out.splitlines() if re.match(r"^│\s*\d+\s*│", row)) == 10, out
        ran += 1
    assert ran >= 6
