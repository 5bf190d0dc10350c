"""What the step cards cost the server: those the builder's page comes with, and
one asked for when a step is added.

    python bench/step_cards.py [--repeat 20]

For each demo workflow, renders the cards of all its steps as the page does
(`workflows_app.admin.step_cards.page_cards`: one Django form per step, nested steps
too) and the answer of `builder/step-card/` for its first step, and prints the mean
time of each and the size of the HTML. The page asks for a card only when a step
is added or moved (a card does not depend on the scope).
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
CHECK_URL = "/admin/workflows_app/workflow/builder/check/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    common.configure()
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from workflows_app.admin.step_cards import card_view, page_cards

    class Admin:
        """Enough of the workflow admin for the view: every permission."""

        admin_site = type("Site", (), {"name": "admin"})()

        def url_name(self, suffix: str) -> str:
            return f"workflows_app_workflow_{suffix}"

        def has_change_permission(self, request: object) -> bool:
            return True

        has_add_permission = has_view_or_change_permission = has_change_permission

    factory = RequestFactory()

    def timed(call: object) -> tuple[float, int]:
        times, size = [], 0
        for attempt in range(args.repeat + 1):
            started = time.perf_counter()
            size = call()  # type: ignore[operator]
            if attempt:  # the first one loads templates
                times.append(time.perf_counter() - started)
        return statistics.mean(times) * 1000, size

    rows = []
    for path in sorted(SAMPLES.glob("*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        steps = definition.get("steps") or []
        if not steps:
            continue
        request = factory.get("/")
        request.user = AnonymousUser()

        def page() -> int:
            cards = page_cards(request, definition, check_url=CHECK_URL)  # noqa: B023
            page.count = len(cards)  # type: ignore[attr-defined]
            return sum(len(card["html"]) for card in cards)

        def one() -> int:
            asked = factory.post("/", {"type": steps[0]["type"], "at": "steps[0]",  # noqa: B023
                                       "definition": json.dumps(definition)})  # noqa: B023
            asked.user = AnonymousUser()
            return len(card_view(Admin(), asked).content)  # type: ignore[arg-type]

        page_ms, page_size = timed(page)
        one_ms, one_size = timed(one)
        rows.append((path.stem, page.count, page_ms, page_size, one_ms, one_size))  # type: ignore[attr-defined]
    print(f"{'workflow':32} {'cards':>5} {'page ms':>7} {'page KB':>7} | "
          f"{'card ms':>7} {'card KB':>7}")
    for name, count, page_ms, page_size, one_ms, one_size in rows:
        print(f"{name[:32]:32} {count:5d} {page_ms:7.1f} {page_size / 1024:7.1f} | "
              f"{one_ms:7.1f} {one_size / 1024:7.1f}")


if __name__ == "__main__":
    main()
