"""The headless core never imports the UI; the TUI never touches torch directly."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import movierec

PACKAGE = Path(movierec.__file__).parent
CORE = sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], "movierec.") if not m.name.startswith("movierec.tui"))


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module):
    code = f"import sys, {module}; sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0, f"{module} imports textual"


def test_headless_cli_command_does_not_import_textual(tmp_path):
    code = ("import sys; from click.testing import CliRunner; from movierec.cli import cli; "
            "r = CliRunner().invoke(cli, ['--headless', 'search', 'toy', '--json']); "
            "sys.exit(r.exit_code or (2 if 'textual' in sys.modules else 0))")
    assert subprocess.run([sys.executable, "-c", code], env={"MOVIEREC_HOME": str(tmp_path), "PATH": ""}).returncode == 0


def test_tui_never_imports_torch():
    for path in (PACKAGE / "tui").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("torch"), f"{path.name} imports {name}"
                assert not name.startswith("movierec.models"), f"{path.name} reaches past the engine: {name}"
