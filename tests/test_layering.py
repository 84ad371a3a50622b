"""The headless core never imports the UI; the TUI never touches torch directly."""

from __future__ import annotations

import ast
import functools
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import movierec

PACKAGE = Path(movierec.__file__).parent
CORE = sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], "movierec.") if not m.name.startswith("movierec.tui"))


@functools.lru_cache(maxsize=None)
def _imports(module: str) -> frozenset[str]:
    """Every module loaded by importing ``module`` in a fresh interpreter; one process a module for all the
    contracts below (each used to start its own: 67 interpreters, several importing torch, now 45)."""
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return frozenset(out.split())


@functools.lru_cache(maxsize=None)
def _imports_together(modules: tuple[str, ...]) -> frozenset[str]:
    """Every module loaded by importing all of ``modules`` in one fresh interpreter: what each of them loads
    alone is part of it, so where it holds nothing forbidden, none of them loads anything forbidden."""
    code = (f"import importlib, sys; [importlib.import_module(m) for m in {list(modules)!r}]; "
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return frozenset(out.split())


def _loads(module: str, group: list[str], forbidden) -> list[str]:
    """The ``forbidden`` modules that importing ``module`` alone loads. One interpreter answers for the whole
    ``group`` (it was one for each of 45 modules, a fifth of them importing torch); only when the group loads a
    forbidden module is ``module`` asked alone, to name the one that does."""
    if not any(forbidden(m) for m in _imports_together(tuple(group))):
        return []
    return sorted(m for m in _imports(module) if forbidden(m))


def _is_textual(name: str) -> bool:
    return name == "textual" or name.startswith("textual.")


def _is_torch(name: str) -> bool:
    return name == "torch" or name.startswith("torch.")


def _is_models(name: str) -> bool:
    return name.startswith("movierec.models")


def test_one_interpreter_for_a_group_loads_what_each_module_loads_alone():
    module = "movierec.models.ncf.recommender"
    alone = _imports(module)
    assert "torch" in alone and alone <= _imports_together(tuple(CORE))


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_textual(module):
    assert not _loads(module, CORE, _is_textual), f"{module} imports textual"


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


# Import contracts (issue 14): torch costs about 1 s to import, so nothing on the way to a headless
# command or the TUI's first screen may import it; data never reaches up into models.
TORCH_FREE = ["movierec.engine", "movierec.data", "movierec.data.registry", "movierec.data.dataset", "movierec.store",
              "movierec.store.profiles", "movierec.store.checkpoints", "movierec.picks.scoring", "movierec.picks.rerank",
              "movierec.device", "movierec.evaluation.protocol", "movierec.cli", "movierec.tui.app"]
DATA = sorted(m for m in CORE if m == "movierec.data" or m.startswith("movierec.data."))


@pytest.mark.parametrize("module", TORCH_FREE)
def test_importing_does_not_import_torch(module):
    assert not _loads(module, TORCH_FREE, _is_torch), f"{module} imports torch"


@pytest.mark.parametrize("module", DATA)
def test_data_never_imports_models(module):
    assert not _loads(module, DATA, _is_models), f"{module} imports movierec.models"


def test_starting_the_tui_checks_the_device_without_torch(tmp_path):
    """`movierec` (the TUI) checks --device before the screen opens; for auto and cpu that needs no torch."""
    code = ("import sys; from movierec import device; device.check('auto'); device.check('cpu'); "
            "sys.exit(2 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    from movierec import device
    from movierec.errors import MovieRecError

    with pytest.raises(MovieRecError, match="unknown device"):
        device.check("tpu")


# The layers as contracts a tool checks (issue 25): pyproject.toml's [tool.importlinter] holds them, and
# `lint-imports` (import-linter, in the test extra) runs here with nothing ignored.
ROOT = PACKAGE.parent


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree's pyproject.toml")
def test_import_contracts_are_kept():
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "ignore_imports" not in (ROOT / "pyproject.toml").read_text(), "a contract ignores an import"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import graph's strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_in_a_circle():
    """Zero import circles, type-only imports included (a circle through TYPE_CHECKING is still a design knot)."""
    import grimp

    graph = grimp.build_graph("movierec", exclude_type_checking_imports=False)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []
