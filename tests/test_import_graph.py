"""No import cycles in `workflows_app`, hidden ones included.

The graph is read from the source: every `import` and `from ... import` of a
module, wherever it is written (a function-level import that closes a cycle is
still a cycle, only hidden until the function runs); `if TYPE_CHECKING:` blocks
are left out, as they never run. Importing `a.b.c` runs `a/__init__` and
`a/b/__init__` first, so it depends on them too — except from inside `a.b`,
whose packages are always initialised before their modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "workflows_app")


def modules(package: str) -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:index]) for index in range(1, len(parts))}


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.nodes: list[ast.Import | ast.ImportFrom] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.nodes.append(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.nodes.append(node)


def imported_names(name: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        here = name.split(".") if is_package else name.split(".")[:-1]
        here = here[:len(here) - node.level + 1]
        base = ".".join([*here, base] if base else here)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    known: dict[str, tuple[Path, bool]] = {}
    for package in PACKAGES:
        known.update(modules(package))
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in known.items():
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        edges = set()
        for node in visitor.nodes:
            for target in imported_names(name, is_package, node):
                for dependency in ancestors(target) | {target}:
                    if (dependency in known and dependency != name
                            and dependency not in ancestors(name)):
                        edges.add(dependency)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_every_module() -> None:
    graph = import_graph()
    assert len(graph) > 100
    # A function-level import counts (`emit` imports the trigger at module level,
    # the API schema imports the API's authenticators inside a method).
    assert "workflows_app.api.views.base" in graph["workflows_app.api.schema"]
    assert "workflows_app.triggers.event.trigger" in graph["workflows_app.triggers.event.emit"]


def test_cycle_detection_finds_a_hidden_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_app() -> None:
    found = [cycle for cycle in cycles(import_graph())
             if any(name.startswith("workflows_app") for name in cycle)]
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)
