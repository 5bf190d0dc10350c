"""The engine is pure Python: nothing in it imports Django."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ENGINE = pathlib.Path(__file__).resolve().parents[2] / "engine"


def test_no_module_in_engine_imports_django():
    offenders = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {name}" for name in names
                          if name.split(".")[0] in {"django", "rest_framework", "workflows_app"}]
    assert offenders == []


def test_engine_imports_with_django_unavailable():
    code = ("import sys; sys.modules['django'] = None; import engine, engine.types; "
            "from engine import validate_definition; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ENGINE.parent, check=False)
    assert result.stdout.strip() == "ok", result.stderr
