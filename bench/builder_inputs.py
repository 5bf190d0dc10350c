"""What rendering every value input on the server costs the builder's page.

    python bench/builder_inputs.py [--repeat 20]

Builds the builder's embedded metadata (triggers, steps, models, scope) for each
demo workflow, with and without the inputs' HTML (`workflows_app.forms.builder.
rendering_inputs`: each type's Django form field rendered once per page), and
prints the mean time to build it and its size as JSON.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    common.configure()
    from workflows_app.forms.builder import rendering_inputs
    from workflows_app.metadata import builder_metadata, builder_scope_metadata

    def build(definition: dict, with_inputs: bool) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            if with_inputs:
                with rendering_inputs("/admin/workflows_app/workflow/builder/check/"):
                    metadata = builder_metadata(urls={}, readonly=False, errors=[],
                                                scope=builder_scope_metadata(definition))
            else:
                metadata = builder_metadata(urls={}, readonly=False, errors=[],
                                            scope=builder_scope_metadata(definition))
            times.append(time.perf_counter() - started)
            size = len(json.dumps(metadata))
        return statistics.mean(times) * 1000, size

    rows = []
    for path in sorted(SAMPLES.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        build(definition, True)  # templates loaded, caches warm
        rows.append((path.stem, *build(definition, False), *build(definition, True)))
    print(f"{'workflow':32} {'ms':>6} {'KB':>6} | {'ms+html':>7} {'KB+html':>7}")
    for name, plain_ms, plain_size, html_ms, html_size in rows:
        print(f"{name[:32]:32} {plain_ms:6.1f} {plain_size / 1024:6.0f} | "
              f"{html_ms:7.1f} {html_size / 1024:7.0f}")


if __name__ == "__main__":
    main()
