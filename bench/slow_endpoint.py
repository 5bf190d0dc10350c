"""A batch of runs calling a slow endpoint, one cluster: wall time and calls.

    python bench/slow_endpoint.py [--runs 20] [--seconds 8] [--workers 2]

Each run waits for a short delay (so all fall due together), then calls an
endpoint that answers after `--seconds`. Prints the time from the runs falling
due to the last one finishing, how many calls the endpoint got and how many
idempotency keys were called more than once. With steps run one after another
this would take runs x seconds; with the step pool it takes about `seconds`.
"""

from __future__ import annotations

import argparse
import http.server
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common


class SlowReceiver:
    """Answers every POST after `seconds`, counting calls per idempotency key."""

    def __init__(self, seconds: float) -> None:
        self.calls: list[str] = []
        lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    receiver.calls.append(self.headers.get("Idempotency-Key", ""))
                time.sleep(seconds)
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slow"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one cluster)")
    args = parser.parse_args()
    env = common.configure()
    from django.db import transaction
    from django.utils import timezone

    from config.demo.models import Customer, Order
    from workflows_app.models import Run, RunStatus
    from workflows_app.services import save_definition

    common.reset_data()
    receiver = SlowReceiver(args.seconds)
    save_definition({
        "schema_version": 1, "name": "Bench: slow endpoint",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [
            {"key": "wait", "type": "delay", "params": {"duration": "3 seconds"}},
            {"key": "call", "type": "http.request",
             "params": {"method": "POST", "url": receiver.url, "timeout_seconds": 30,
                        "body": {"order": "{{ record.number }}"}}},
        ]}, activate=True)
    customer = Customer.objects.create(name="Bench", email="bench@example.com")
    with common.workers(env, per_cluster=args.workers):
        with transaction.atomic():
            for index in range(args.runs):
                Order.objects.create(number=f"S-{index:04d}", customer=customer,
                                     total_amount=Decimal("10.00"))
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if Run.objects.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED]
                                  ).count() >= args.runs:
                break
            time.sleep(0.2)
    runs = list(Run.objects.all())
    due = max(run.due_at or run.created_at for run in runs)
    due = min(due, max(run.created_at for run in runs) + timezone.timedelta(seconds=3))
    finished = [run.finished_at for run in runs if run.finished_at]
    succeeded = sum(1 for run in runs if run.status == RunStatus.SUCCEEDED)
    wall = (max(finished) - due).total_seconds() if finished else float("nan")
    repeated = len(receiver.calls) - len(set(receiver.calls))
    print(f"{args.runs} runs x {args.seconds:g} s endpoint, one cluster of {args.workers} "
          f"worker processes")
    print(f"succeeded: {succeeded}/{args.runs}; from falling due to the last finish: "
          f"{wall:.1f} s (one after another: {args.runs * args.seconds:.0f} s)")
    print(f"endpoint calls: {len(receiver.calls)} for {len(set(receiver.calls))} keys "
          f"(repeated: {repeated})")


if __name__ == "__main__":
    main()
