"""Real django-q2 workers for tests: `qcluster` subprocesses on the test database.

`Workers.start(count)` starts `count` `python manage.py qcluster` processes with the
test process's environment, pointed at the test database (SQLite: `SQLITE_PATH`
names the test file; PostgreSQL: `DATABASE_URL` names the test database) and the
same broker (`REDIS_URL`, or the ORM broker in that database). Each gets a small
worker count and may get extra `WORKFLOWS` keys (`WORKFLOWS_EXTRA_JSON`) and
allowed private hosts. It waits until each cluster logs that it is running.

`stop()` sends SIGTERM (django-q2 finishes the task in hand and exits), then
SIGKILLs the whole process group after a timeout; the `workers` fixture stops
every cluster it started in teardown, whatever the test did. Output (stdout and
stderr, which is where the console e-mail backend and the logs go) is written to
a file per cluster and readable with `Cluster.output()`.

Tests using workers need committed data: the fixture requires `transactional_db`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
READY_MARK = "running."
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


def database_env() -> dict[str, str]:
    """Environment variables that point a subprocess at the test database."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": name, "DATABASE_URL": ""}
    url = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}


class Cluster:
    """One running `qcluster` process (and its children, in their own process group)."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path, index: int) -> None:
        self.process = process
        self.log_path = log_path
        self.index = index
        self._terminated = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def is_running(self) -> bool:
        return self.process.poll() is None

    def is_ready(self) -> bool:
        return READY_MARK in self.output()

    def terminate(self) -> None:
        """Ask the cluster to stop (SIGTERM, once): django-q2 finishes the tasks it
        holds and exits."""
        if not self._terminated and self.process.poll() is None:
            self._terminated = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait up to `timeout`, then SIGKILL the process group."""
        self.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with self.log_path.open("a") as log:
                log.write(f"[test] no exit {timeout:.0f}s after SIGTERM: SIGKILL\n")
        self.kill()

    def kill(self) -> None:
        """SIGKILL every process of this cluster (a machine dying, say)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored
            self.process.wait(timeout=10)

    def __repr__(self) -> str:
        return f"<Cluster {self.index} pid={self.pid}>"


class Workers:
    """Starts and stops `qcluster` processes for one test."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.clusters: list[Cluster] = []
        self._started = 0

    def env(self, *, q_workers: int, workflows: Mapping[str, Any] | None,
            allowed_hosts: tuple[str, ...], extra_env: Mapping[str, str] | None
            ) -> dict[str, str]:
        env = dict(os.environ)
        env.update(database_env())
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            "Q_WORKERS": str(q_workers),
            "DJANGO_LOG_LEVEL": "INFO",
            "WORKFLOWS_HTTP_ALLOWED_PRIVATE_HOSTS": ",".join(allowed_hosts),
            "WORKFLOWS_EXTRA_JSON": json.dumps(dict(workflows or {})),
        })
        env.update(extra_env or {})
        return env

    def start(self, count: int = 1, *, q_workers: int = 1,
              workflows: Mapping[str, Any] | None = None,
              allowed_hosts: tuple[str, ...] = ("127.0.0.1",),
              env: Mapping[str, str] | None = None,
              timeout: float = START_TIMEOUT) -> list[Cluster]:
        """Start `count` clusters of `q_workers` worker processes each; return once
        all of them are running."""
        environment = self.env(q_workers=q_workers, workflows=workflows,
                               allowed_hosts=allowed_hosts, extra_env=env)
        started = []
        for _ in range(count):
            self._started += 1
            log_path = self.log_dir / f"qcluster-{self._started}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    # System checks have tests of their own; skipping them saves each
                    # start about a fifth of a second of CPU (Django imports the URLs).
                    [sys.executable, "manage.py", "qcluster", "--skip-checks"], cwd=ROOT,
                    env=environment,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
            cluster = Cluster(process, log_path, self._started)
            self.clusters.append(cluster)
            started.append(cluster)
        deadline = time.monotonic() + timeout
        for cluster in started:
            while not cluster.is_ready():
                if not cluster.is_running():
                    raise RuntimeError(f"qcluster {cluster.index} exited with "
                                       f"{cluster.process.returncode}:\n{cluster.output()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"qcluster {cluster.index} did not start within "
                                       f"{timeout:.0f}s:\n{cluster.output()}")
                time.sleep(0.05)
        return started

    def stop(self, clusters: list[Cluster] | None = None) -> None:
        """Stop some clusters (default: all) gracefully, in parallel."""
        targets = list(clusters if clusters is not None else self.clusters)
        for cluster in targets:
            cluster.terminate()
        for cluster in targets:
            cluster.stop()

    def output(self) -> str:
        """Every cluster's output, for failure messages."""
        return "\n".join(f"--- qcluster {c.index} (pid {c.pid}) ---\n{c.output()[-6000:]}"
                         for c in self.clusters)


@pytest.fixture
def workers(transactional_db: None, tmp_path: Path) -> Iterator[Workers]:
    """Start real `qcluster` processes with `workers.start(...)`; all are stopped
    (SIGTERM, then SIGKILL) when the test ends, before the database is flushed."""
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop()
        # Shown by pytest only when the test failed.
        print(pool.output())
