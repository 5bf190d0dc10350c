"""A real ASGI server (daphne, HTTP and WebSockets) on the test database.

pytest-django's `live_server` is WSGI: no WebSockets. `asgi_server` starts
`daphne config.asgi:application` as a subprocess on a free port, pointed at the
test database the way the worker processes are (`tests.workflows_app.workers.
database_env`), with the test process's broker and channel layer settings
(`REDIS_URL`, if set). It needs committed data: the fixture requires
`transactional_db`, and it stops the server before the database is flushed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.workflows_app.workers import ROOT, database_env

START_TIMEOUT = 60.0


@dataclass
class AsgiServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}:\n"
                               f"{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/admin/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"daphne did not answer within {START_TIMEOUT:.0f}s:\n"
                               f"{log_path.read_text(errors='replace')}")
        time.sleep(0.1)


@pytest.fixture
def asgi_server(transactional_db: None, tmp_path: Path) -> Iterator[AsgiServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(database_env())
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1",
                "DJANGO_LOG_LEVEL": "WARNING"})
    log_path = tmp_path / "daphne.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "config.asgi:application"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    server = AsgiServer(url, process, log_path)
    try:
        _wait_until_up(url, process, log_path)
        yield server
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, PermissionError):
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        print(f"--- daphne output ---\n{server.output()[-6000:]}")
