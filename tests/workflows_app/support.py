"""Helpers for the execution tests: workflow builders, demo records, a counting HTTP
receiver and polling with a timeout (no fixed sleeps)."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from config.demo.models import Customer, Order
from workflows_app.models import Run, StepRun, Workflow
from workflows_app.services import save_definition

_numbers = itertools.count(1)


# -- polling -------------------------------------------------------------------

def wait_until(predicate: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.05,
               message: str = "the condition", details: Callable[[], str] | None = None) -> Any:
    """Call `predicate` until it returns something truthy (returned), or fail after
    `timeout` seconds naming `message` (plus `details()`, e.g. worker output)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}{extra}")
        time.sleep(interval)


# -- definitions and records --------------------------------------------------

ORDER_CREATED = {"type": "model.created", "model": "demo.order"}
ORDER_UPDATED = {"type": "model.updated", "model": "demo.order"}


def definition(name: str, steps: list[dict[str, Any]], *, trigger: dict[str, Any] | None = None,
               conditions: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"schema_version": 1, "name": name, "trigger": trigger or ORDER_CREATED,
            "conditions": conditions or {}, "steps": steps}


def create_workflow(name: str, steps: list[dict[str, Any]], **kwargs: Any) -> Workflow:
    """An active workflow saved the supported way (`save_definition`)."""
    return save_definition(definition(name, steps, **kwargs), activate=True).workflow


def update_workflow(workflow: Workflow, steps: list[dict[str, Any]], **kwargs: Any) -> Workflow:
    result = save_definition(definition(workflow.name, steps, **kwargs), workflow=workflow)
    assert result.changed
    return result.workflow


def http_step(key: str, url: str, **extra: Any) -> dict[str, Any]:
    params = {"method": "POST", "url": url,
              "body": {"step": key, "order": "{{ record.number }}"}}
    params.update(extra.pop("params", {}))
    return {"key": key, "type": "http.request", "params": params, **extra}


def customer(name: str = "Ada Lovelace", email: str = "ada@example.org") -> Customer:
    return Customer.objects.create(name=name, email=email)


def order(total: str | int = "100.00", *, number: str | None = None,
          customer_obj: Customer | None = None, **fields: Any) -> Order:
    """Create an order (this records a `model.created` event)."""
    return Order.objects.create(
        number=number or f"T-{next(_numbers):05d}",
        customer=customer_obj or Customer.objects.first() or customer(),
        total_amount=Decimal(str(total)), **fields)


def runs_of(workflow: Workflow) -> list[Run]:
    return list(Run.objects.top_level().filter(workflow=workflow).order_by("pk"))


def steps_of(run: Run) -> dict[str, StepRun]:
    return {row.key: row for row in StepRun.objects.filter(run=run).order_by("index")}


def step_statuses(run: Run) -> dict[str, str]:
    return {key: row.status for key, row in steps_of(run).items()}


# -- a counting HTTP receiver --------------------------------------------------

@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


class Receiver:
    """A real HTTP server on 127.0.0.1 (pytest-httpserver, threaded) that records
    every request and answers per path: 200 with JSON by default, or whatever
    `respond(path, ...)` set (a status, or a function of the request)."""

    def __init__(self) -> None:
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.no_handler_status_code = 599
        self.server.expect_request(re.compile(r"/.*")).respond_with_handler(self._handle)
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._handlers: dict[str, Callable[[Request], Response]] = {}

    def start(self) -> Receiver:
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def respond(self, path: str, status: int = 200, body: Any = None,
                handler: Callable[[Request], Response] | None = None) -> None:
        """Answer requests to `path` with `status`/`body`, or with `handler(request)`."""
        if handler is None:
            payload = json.dumps(body if body is not None else {"ok": status < 400})

            def handler(request: Request) -> Response:
                return Response(payload, status=status, content_type="application/json")

        with self._lock:
            self._handlers[path] = handler

    def _handle(self, request: Request) -> Response:
        received = Received(request.method, request.path,
                            {name.lower(): value for name, value in request.headers.items()},
                            request.get_data())
        with self._lock:
            self._received.append(received)
            handler = self._handlers.get(request.path)
        if handler is not None:
            return handler(request)
        return Response(json.dumps({"ok": True, "path": request.path}), status=200,
                        content_type="application/json")

    def reset(self) -> None:
        """Forget requests and answers (the server is shared by the tests of a session)."""
        with self._lock:
            self._received.clear()
            self._handlers.clear()

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [item for item in self._received if path is None or item.path == path]

    def count(self, path: str | None = None) -> int:
        return len(self.received(path))
