"""Shared set-up for the benchmark scripts: a dedicated database, worker processes,
a local HTTP receiver. Benchmarks print figures; they are not tests."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/workflows_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


def configure(*, database_url: str | None = None, redis_url: str | None = None,
              extra: dict | None = None) -> dict[str, str]:
    """Point this process (and the workers it starts) at the benchmark database."""
    env = {
        "DATABASE_URL": database_url or os.environ.get("BENCH_DATABASE_URL",
                                                       DEFAULT_DATABASE_URL),
        "REDIS_URL": redis_url if redis_url is not None else os.environ.get(
            "BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production-like: no debug cursor wrapper recording every query.
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "WORKFLOWS_HTTP_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "WORKFLOWS_EXTRA_JSON": json.dumps(extra or {}),
        "DATABASE_CONN_MAX_AGE": "600",
        "Q_SAVE_LIMIT": "0",
    }
    if not env["REDIS_URL"]:
        env.pop("REDIS_URL")
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    # A stopped benchmark must still stop its workers (the `finally` in `workers`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.path.insert(0, str(ROOT))
    _create_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def _create_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset_data() -> None:
    """Empty the tables the benchmarks fill (not the schema)."""
    from django.db import connection

    tables = ["workflows_app_workflowevaluation", "workflows_app_runaction",
              "workflows_app_steprun", "workflows_app_run", "workflows_app_event",
              "workflows_app_historicalworkflow", "workflows_app_workflowversion",
              "workflows_app_workflow", "demo_payment", "demo_order", "demo_customer",
              "django_q_task", "django_q_ormq"]
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            present = ", ".join(t for t in tables if t in existing)
            cursor.execute(f"TRUNCATE {present} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                if table in existing:
                    cursor.execute(f"DELETE FROM {table}")
    try:
        import redis

        url = os.environ.get("REDIS_URL")
        if url:
            redis.Redis.from_url(url).flushdb()
    except Exception:
        pass


@contextlib.contextmanager
def workers(env: dict[str, str], *, clusters: int = 1, per_cluster: int = 2,
            log: Path | None = None, settle: float = 3.0,
            extra_env: dict[str, str] | None = None) -> Iterator[list[subprocess.Popen]]:
    """Start `clusters` qcluster processes with `per_cluster` workers each; wait
    `settle` seconds for their start-up (0: return at once, to time it too)."""
    processes = []
    out = open(log or os.devnull, "w")  # noqa: SIM115
    for _ in range(clusters):
        processes.append(subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, stdout=out, stderr=out,
            env={**os.environ, **env, "Q_WORKERS": str(per_cluster), **(extra_env or {})},
            start_new_session=True))
    time.sleep(settle)  # cluster start-up (spawning workers, pusher, monitor)
    try:
        yield processes
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        out.close()


class Receiver:
    """A local HTTP server that answers 200 {"ok": true} and counts requests."""

    def __init__(self) -> None:
        self.count = 0
        self.keys: set[str] = set()
        self.duplicates = 0
        lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The answer goes out in one write, as web servers send it (unbuffered,
            # the headers and the body would be two, and the body of a kept
            # connection waits for the client's delayed ACK: 40 ms).
            wbufsize = -1

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self.rfile.read(length)
                key = self.headers.get("Idempotency-Key", "")
                with lock:
                    receiver.count += 1
                    if key in receiver.keys:
                        receiver.duplicates += 1
                    receiver.keys.add(key)
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 1024  # workers call concurrently

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def pg_commits() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = "
                       "current_database()")
        return int(cursor.fetchone()[0])


def three_step_workflow(receiver_url: str, name: str = "Bench: new order") -> dict:
    """model.created -> filter -> record.update -> http.request (the issue's workflow)."""
    return {
        "schema_version": 1,
        "name": name,
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [
            {"key": "only_real", "type": "filter",
             "params": {"condition": {"ref": "record.total_amount", "op": "gt", "value": 0}}},
            {"key": "confirm", "type": "record.update",
             "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
            {"key": "notify", "type": "http.request",
             "params": {"method": "POST", "url": receiver_url,
                        "body": {"order": "{{ record.number }}",
                                 "total": "{{ record.total_amount }}"}}},
        ],
    }
