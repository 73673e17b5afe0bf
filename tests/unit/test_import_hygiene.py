"""Dependencies point one way: tui -> core, and the sandbox stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> set[str]:
    code = (
        "import sys, pkgutil, importlib\n"
        f"import {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return {line.split(".")[0] for line in result.stdout.splitlines()}


def test_core_imports_neither_textual_nor_starlette() -> None:
    roots = imported_modules("core")
    assert "textual" not in roots
    assert "starlette" not in roots
    assert "sandbox" not in roots
    assert "tui" not in roots


@pytest.mark.parametrize("path", sorted((ROOT / "sandbox").rglob("*.py")), ids=str)
def test_sandbox_module_imports_nothing_of_core_or_tui(path: Path) -> None:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in {"core", "tui"}, f"{path} imports {name}"
