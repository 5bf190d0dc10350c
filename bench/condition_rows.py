"""What one condition row costs the server when the builder asks for it.

    python bench/condition_rows.py [--repeat 20]

For each demo workflow with conditions, renders the answer of
`builder/condition-row/` for its first comparison (the draft's scope built on the
server, the row's form and operator list rendered) and of `builder/operators/`,
and prints the mean time of each and the size of the HTML. The page asks once per
row when it is drawn and keeps the answers until the scope changes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

SAMPLES = Path(__file__).resolve().parents[1] / "config" / "demo" / "workflows"


def first_comparison(node: object, path: str) -> tuple[dict, str] | None:
    if isinstance(node, dict):
        if "ref" in node:
            return node, path
        for kind in ("all", "any"):
            for index, child in enumerate(node.get(kind) or []):
                found = first_comparison(child, f"{path}.{kind}[{index}]")
                if found:
                    return found
        if "not" in node:
            return first_comparison(node["not"], f"{path}.not")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    common.configure()
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from workflows_app.admin.condition_rows import operators_view, row_view

    class Admin:
        """Enough of the workflow admin for the views: every permission."""

        admin_site = type("Site", (), {"name": "admin"})()

        def url_name(self, suffix: str) -> str:
            return f"workflows_app_workflow_{suffix}"

        def has_change_permission(self, request: object) -> bool:
            return True

        has_add_permission = has_view_or_change_permission = has_change_permission

    factory = RequestFactory()
    rows = []
    for path in sorted(SAMPLES.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        found = first_comparison(definition.get("conditions"), "conditions")
        if not found:
            continue
        leaf, where = found
        data = {"definition": json.dumps(definition), "ref": leaf.get("ref", ""),
                "op": leaf.get("op", ""), "at": "", "path": where, "pick": ""}
        figures = []
        for view in (row_view, operators_view):
            times, size = [], 0
            for attempt in range(args.repeat + 1):
                request = factory.post("/", data)
                request.user = AnonymousUser()
                started = time.perf_counter()
                response = view(Admin(), request)  # type: ignore[arg-type]
                if attempt:  # the first one loads templates
                    times.append(time.perf_counter() - started)
                size = len(response.content)
            figures += [statistics.mean(times) * 1000, size / 1024]
        rows.append((path.stem, *figures))
    print(f"{'workflow':32} {'row ms':>7} {'row KB':>7} | {'ops ms':>7} {'ops KB':>7}")
    for name, row_ms, row_kb, ops_ms, ops_kb in rows:
        print(f"{name[:32]:32} {row_ms:7.1f} {row_kb:7.1f} | {ops_ms:7.1f} {ops_kb:7.1f}")


if __name__ == "__main__":
    main()
