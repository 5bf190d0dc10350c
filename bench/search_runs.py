"""How fast the admin's runs list searches the trigger data, with 100,000 runs.

    python bench/search_runs.py [--runs 100000] [--repeat 15] [--reset]

Fills a PostgreSQL benchmark database (its own: `workflows_bench_search`, or
`BENCH_SEARCH_DATABASE_URL`, so it never collides with the other benchmarks'
`workflows_bench`) with runs whose events look like the demo's: orders created
and updated (summary "Order A-1234567 updated", the record's values), customers
created (with their e-mail) and payments received; `search_text` is computed by
the same function the app records events with, plus the related records' text
that dispatch adds (an order's customer: name, e-mail, phone). The data is kept
between runs of the script (`--reset` starts again).

It then times what the admin does for a search, as a view-only user would see
it: the runs changelist view (`RunAdmin.changelist_view` on a `RequestFactory`
request, rendered: every query and the template), and the search query alone,
for an order number and for a customer e-mail. It prints the times (target:
under 100 ms each) and the query plan (`EXPLAIN (ANALYZE, BUFFERS)`) of the
changelist's result query, which should use `event_search_trgm_idx`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/workflows_bench_search"
BATCH = 5000
FIRST_NAMES = ["ada", "grace", "alan", "edsger", "barbara", "donald", "margaret", "ken",
               "dennis", "frances", "john", "radia", "leslie", "tim", "sophie", "linus"]
LAST_NAMES = ["lovelace", "hopper", "turing", "dijkstra", "liskov", "knuth", "hamilton",
              "thompson", "ritchie", "allen", "backus", "perlman", "lamport", "berners-lee",
              "wilson", "torvalds"]


def progress(label: str, done: int, total: int) -> None:
    print(f"\r  {label}: {done:,} / {total:,}", end="" if done < total else "\n", flush=True)


def load(total_runs: int, seed: int = 7) -> dict[str, str]:
    """Create the events and runs; returns sample search terms that exist."""
    from django.db import connection
    from django.utils import timezone

    from workflows_app.execution.search_text import search_text_for
    from workflows_app.models import Event, EventStatus, Run, RunStatus
    from workflows_app.services import save_definition

    rng = random.Random(seed)
    workflows = []
    for name, trigger, model in [
        ("Confirm submitted orders", "model.updated", "demo.order"),
        ("New order processing", "model.created", "demo.order"),
        ("Welcome new customers", "model.created", "demo.customer"),
        ("Payment received", "model.created", "demo.payment"),
    ]:
        definition = {"schema_version": 1, "name": name,
                      "trigger": {"type": trigger, "model": model}, "conditions": {},
                      "steps": [{"key": "notify", "type": "email.send",
                                 "params": {"to": ["ops@example.com"], "subject": "Hello",
                                            "body": "Hello"}}]}
        workflows.append(save_definition(definition, activate=True).workflow)
    by_model = {("model.updated", "demo.order"): workflows[0],
                ("model.created", "demo.order"): workflows[1],
                ("model.created", "demo.customer"): workflows[2],
                ("model.created", "demo.payment"): workflows[3]}
    now = timezone.now()
    statuses = ([RunStatus.SUCCEEDED] * 90 + [RunStatus.FAILED] * 6
                + [RunStatus.CANCELLED] * 2 + [RunStatus.WAITING] * 2)
    samples: dict[str, str] = {}
    customers = max(1, total_runs // 5)
    created = 0
    while created < total_runs:
        size = min(BATCH, total_runs - created)
        events = []
        for offset in range(size):
            index = created + offset
            occurred = now - timedelta(seconds=(total_runs - index) * 60)
            kind = rng.random()
            customer = rng.randrange(customers)
            first = FIRST_NAMES[customer % len(FIRST_NAMES)]
            last = LAST_NAMES[(customer // len(FIRST_NAMES)) % len(LAST_NAMES)]
            email = f"{first}.{last}{customer}@example.com"
            number = f"A-{1_000_000 + index // 2}"
            stamp = occurred.isoformat()
            if kind < 0.2:  # a customer signs up
                trigger, model = "model.created", "demo.customer"
                record = {"id": customer + 1, "name": f"{first.title()} {last.title()}",
                          "email": email, "phone": f"+1555{customer:07d}"}
                summary = f"{record['name']} created"
                samples.setdefault("email", email)
            elif kind < 0.3:  # a payment
                trigger, model = "model.created", "demo.payment"
                record = {"id": index + 1, "order": index // 2 + 1,
                          "amount": f"{rng.randint(10, 50_000)}.00",
                          "method": rng.choice(["card", "bank_transfer", "cash"]),
                          "received_at": stamp}
                summary = f"Payment of {record['amount']} for Order {number} created"
            else:  # an order is created or updated
                trigger = "model.created" if index % 2 == 0 else "model.updated"
                model = "demo.order"
                record = {"id": index // 2 + 1, "number": number, "customer": customer + 1,
                          "status": rng.choice(["new", "submitted", "confirmed", "paid"]),
                          "total_amount": f"{rng.randint(10, 50_000)}.00",
                          "currency": "USD", "created_at": stamp, "updated_at": stamp}
                summary = f"Order {number} {trigger.split('.')[1]}"
                if index > total_runs // 2:
                    samples.setdefault("order", number)
            payload = {"record": record, "record_label": summary.rsplit(" ", 1)[0]}
            # What dispatch adds (execution/search_text.py): the related records' text.
            related = {"demo.order": f"{first} {last} {first} {last} {email} "
                                     f"+1555{customer:07d}",
                       "demo.payment": f"order {number} {number} usd"}.get(model, "")
            text = f"{search_text_for(summary, payload)} {related}".strip()[:4000]
            events.append(Event(
                trigger_type=trigger, target=model, status=EventStatus.DISPATCHED,
                payload=payload, summary=summary, search_text=text,
                record_model=model, record_pk=str(record["id"]), occurred_at=occurred,
                dispatched_at=occurred))
        Event.objects.bulk_create(events)
        runs = []
        for event in events:
            workflow = by_model[(event.trigger_type, event.target)]
            status = rng.choice(statuses)
            started = event.occurred_at + timedelta(milliseconds=rng.randint(5, 400))
            finished = (started + timedelta(milliseconds=rng.randint(3, 3000))
                        if status != RunStatus.WAITING else None)
            runs.append(Run(workflow=workflow, version_id=workflow.live_version_id,
                            event=event, status=status, chain=[workflow.pk],
                            started_at=started, finished_at=finished,
                            error="step \"notify\" failed: SMTP timeout"
                            if status == RunStatus.FAILED else ""))
        Run.objects.bulk_create(runs)
        # `created_at` is auto_now_add: spread it like the events' times.
        created += size
        progress("runs", created, total_runs)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE workflows_app_run r SET created_at = e.occurred_at "
                       "FROM workflows_app_event e WHERE r.event_id = e.id")
        cursor.execute("UPDATE workflows_app_event SET created_at = occurred_at")
    return samples


def existing_samples() -> dict[str, str]:
    from workflows_app.models import Event

    order = (Event.objects.filter(target="demo.order").order_by("-pk")
             .values_list("payload__record__number", flat=True)[5000])
    email = (Event.objects.filter(target="demo.customer").order_by("-pk")
             .values_list("payload__record__email", flat=True)[3000])
    return {"order": order, "email": email}


def timed(function, repeat: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    result = function()  # warm-up (connection, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    import os

    common.configure(database_url=os.environ.get("BENCH_SEARCH_DATABASE_URL",
                                                 DEFAULT_DATABASE_URL), redis_url="")
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test import RequestFactory

    from workflows_app.models import Run

    if connection.vendor != "postgresql":
        sys.exit("this benchmark needs PostgreSQL (BENCH_SEARCH_DATABASE_URL)")
    if args.reset or Run.objects.count() != args.runs:
        print(f"Loading {args.runs:,} runs (with their events)...")
        common.reset_data()
        start = time.perf_counter()
        load(args.runs)
        print(f"  loaded in {time.perf_counter() - start:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE workflows_app_event")
            cursor.execute("VACUUM ANALYZE workflows_app_run")
    samples = existing_samples()
    print(f"{Run.objects.count():,} runs; searching for order {samples['order']} and "
          f"customer {samples['email']}")

    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username="bench-support",
                                               defaults={"is_staff": True})
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="workflows_app", codename__in=["view_run", "view_event"]))
    user = user_model.objects.get(pk=user.pk)  # fresh permission cache
    run_admin = admin.site._registry[Run]
    factory = RequestFactory()

    def request(term: str, **params: str):  # type: ignore[no-untyped-def]
        req = factory.get("/admin/workflows_app/run/", {"q": term, **params} if term else params)
        req.user = user
        return req

    print()
    print(f"{'search':<55} {'page median':>12} {'page max':>10} {'query median':>13} "
          f"{'rows':>5}")
    plans = {}
    for label, term in (("order number", samples["order"]),
                        ("customer e-mail", samples["email"])):
        def page(term: str = term) -> int:
            response = run_admin.changelist_view(request(term))
            response.render()
            assert response.status_code == 200
            return response.context_data["cl"].result_count

        def query(term: str = term) -> int:
            queryset, _ = run_admin.get_search_results(
                request(term), run_admin.get_queryset(request(term)), term)
            return len(list(queryset.order_by("-created_at", "-id")[:50]))

        page_median, page_max, count = timed(page, args.repeat)
        query_median, _, rows = timed(query, args.repeat)
        verdict = "ok" if page_median < 100 else "SLOW"
        print(f"{label + ' ' + repr(term):<55} {page_median:>9.1f} ms {page_max:>7.1f} ms "
              f"{query_median:>10.1f} ms {rows:>5}  {verdict} (matches: {count})")
        changelist = run_admin.get_changelist_instance(request(term))
        sql, params = changelist.queryset[:changelist.list_per_page].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plans[label] = "\n".join(row[0] for row in cursor.fetchall())
    print("\nFor comparison (not searches by an identifier):")
    for label, term, params in (("no search (first page)", "", {}),
                                ("status filter: failed", "", {"status__exact": "failed"}),
                                ("a word in most events: 'order'", "order", {})):
        def other(term: str = term, params: dict = params) -> int:
            response = run_admin.changelist_view(request(term, **params))
            response.render()
            return response.context_data["cl"].result_count

        median, slowest, count = timed(other, args.repeat)
        print(f"  {label:<40} {median:>9.1f} ms {slowest:>7.1f} ms  (matches: {count:,})")
    for label, plan in plans.items():
        print(f"\nQuery plan of the runs list's result query ({label}):\n{plan}")
        if "event_search_trgm_idx" not in plan:
            print("!! the trigram index was not used")


if __name__ == "__main__":
    main()
