"""The suite's own layout (issue 25): the tests mirror the package, and no test module imports another.

Shared builders live in tests/factories.py and shared fixtures in a conftest.py; a test module that imports
another one runs that module's imports (and, for pytest, binds it to the other's folder), and hides what the
suite shares."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
FOLDERS = {"data", "models", "engine", "picks", "evaluation", "store", "cli", "tui", "faults", "integration"}


def _is_test_module(root: Path, dotted: str) -> bool:
    """``dotted`` (e.g. ``tests.models.test_models``) names a test module of the suite under ``root``."""
    parts = dotted.split(".")
    return parts[0] == root.name and parts[-1].startswith("test_")


def test_module_imports(root: Path) -> list[str]:
    """Each ``file: imported module`` where a test module under ``root`` imports another test module."""
    found = []
    for path in sorted(root.rglob("test_*.py")):
        package = path.relative_to(root.parent).parent.parts
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                here = package[:len(package) - node.level + 1] if node.level else ()
                base = ".".join(here + ((node.module,) if node.module else ()))
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            found += [f"{path.relative_to(root.parent)}: {name}" for name in names if _is_test_module(root, name)]
    return found


test_module_imports.__test__ = False  # a helper, not a test


def test_no_test_module_imports_another_test_module():
    assert test_module_imports(TESTS) == []


def test_the_finder_sees_each_form_of_import(tmp_path):
    root = tmp_path / "tests"
    (root / "models").mkdir(parents=True)
    (root / "models" / "test_a.py").write_text("X = 1\n")
    (root / "factories.py").write_text("Y = 2\n")
    (root / "models" / "test_b.py").write_text(
        "from tests.models.test_a import X\nimport tests.models.test_a\nfrom tests.models import test_a\n"
        "from .test_a import X\nfrom . import test_a\nfrom tests.factories import Y\nfrom tests import factories\n")
    assert [line.split(": ")[1] for line in test_module_imports(root)] == [
        "tests.models.test_a", "tests.models.test_a", "tests.models.test_a", "tests.models.test_a",
        "tests.models.test_a"]


def test_every_test_file_sits_in_a_folder_named_after_the_package_it_tests():
    misplaced = [str(p.relative_to(TESTS)) for p in TESTS.rglob("test_*.py")
                 if p.parent != TESTS and p.relative_to(TESTS).parts[0] not in FOLDERS]
    assert misplaced == []
