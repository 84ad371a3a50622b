"""Every example in README.md's Examples block that needs no network runs as written, in order.

With default settings its `eval` line trains every model for up to 30 epochs (12.7 minutes on the busy
2-core dev VM, 2026-11-29). So, before the examples run, the test saves tuned settings of one epoch for
gmf, mlp, neumf and sasrec, and an L2 for EASE (which otherwise fits three times on validation to choose it;
ease-recent reads it too):
the product's own `tune` files, which `train` and `eval` read and say so. The lines run as written,
on a budget. The `tune` line is left out (20 trials by design: ~10 minutes; `tune`
itself is tested on small data in tests/evaluation/test_tuning.py), as is `data fetch` (network).

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


def _tuned_settings_on_a_budget() -> None:
    from movierec import paths
    from movierec.store import tuned
    from movierec.data import registry
    from movierec.atomic import atomic_write_bytes

    fingerprint = registry.load_dataset(None).fingerprint
    for model, settings in (("gmf", {"epochs": 1}), ("mlp", {"epochs": 1}), ("neumf", {"epochs": 1}),
                            ("sasrec", {"epochs": 1}), ("ease", {"l2": 200.0})):
        path = paths.tuned_path(fingerprint, model)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps({"format": tuned.FORMAT, "version": 1, "fingerprint": fingerprint,
                                             "model": model, "settings": settings}).encode())


def test_every_offline_readme_example_runs_as_written(home: Path):
    _tuned_settings_on_a_budget()
    env = {**os.environ, "MOVIEREC_HOME": str(home),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    ran = 0
    for line in examples():
        if "data fetch" in line or " tune " in line:
            continue  # downloads from GroupLens: not offline; tune: 20 trials (see the module's docstring)
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
            assert "neumf: using tuned settings" in done.stderr and "ease: using tuned settings" in done.stderr, \
                done.stderr
        elif " similar" in line:
            assert "Toy Story" in out
        elif " rate " in line:
            assert "Finding Nemo" in out
        elif " recommend" in line:
            assert sum(1 for row in out.splitlines() if re.match(r"^│\s*\d+\s*│", row)) == 10, out
        ran += 1
    assert ran >= 6
