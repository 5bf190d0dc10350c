"""Fixtures of the API tests: a user per permission boundary, API clients logged in
as each, and a seeded history (workflows, events, succeeded and failed runs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from config.demo.models import Customer, Order
from workflows_app.execution.definitions import clear_cache
from workflows_app.execution.queue import drain
from workflows_app.models import Run, RunStatus, Workflow
from workflows_app.services import save_definition

API = "/workflows/api/"

VIEW_PERMISSIONS = ["view_workflow", "view_workflowversion", "view_run", "view_event",
                    "view_workflowevaluation"]
EDIT_PERMISSIONS = [*VIEW_PERMISSIONS, "add_workflow", "change_workflow", "change_run"]


#: Responses of the schemathesis run (test_schemathesis.py), by (operation, status).
FUZZ_STATS: Counter[tuple[str, int]] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the run: how many requests schemathesis sent each operation, by status."""
    if not FUZZ_STATS:
        return
    operations = sorted({operation for operation, _ in FUZZ_STATS})
    terminalreporter.section("schemathesis")
    terminalreporter.write_line(f"{len(operations)} operations, {sum(FUZZ_STATS.values())} "
                                "requests (by status code):")
    for operation in operations:
        codes = ", ".join(f"{code}: {count}" for (name, code), count
                          in sorted(FUZZ_STATS.items()) if name == operation)
        terminalreporter.write_line(f"  {operation}  {codes}")


@pytest.fixture(autouse=True)
def _fresh_definition_cache() -> Iterator[None]:
    """Compiled definitions are cached by version id, which SQLite reuses after a
    test's transaction is rolled back."""
    clear_cache()
    yield
    clear_cache()


def make_user(username: str, permissions: list[str] = (), *, superuser: bool = False,
              extra: list[tuple[str, str]] = ()) -> User:
    # No password: hashing one costs a good part of a second, and the tests log in
    # with `force_login` or a token.
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", None)
    user = User.objects.create_user(username, f"{username}@example.com", None)
    perms = list(Permission.objects.filter(content_type__app_label="workflows_app",
                                           codename__in=permissions))
    perms += [Permission.objects.get(content_type__app_label=app, codename=codename)
              for app, codename in extra]
    user.user_permissions.set(perms)
    return user


@dataclass
class Users:
    viewer: User
    editor: User
    superuser: User
    nobody: User  # authenticated, without any permission


@pytest.fixture
def users(db: None) -> Users:
    return Users(
        viewer=make_user("viewer", VIEW_PERMISSIONS),
        editor=make_user("editor", EDIT_PERMISSIONS, extra=[("demo", "view_order")]),
        superuser=make_user("root", superuser=True),
        nobody=make_user("nobody"),
    )


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """An API client logged in (session) as `user`, or anonymous for None."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


def definition(name: str, steps: list[dict[str, Any]], *, trigger: dict[str, Any] | None = None,
               conditions: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"schema_version": 1, "name": name, "description": extra.get("description", ""),
            "trigger": trigger or {"type": "model.created", "model": "demo.order"},
            "conditions": conditions or {}, "steps": steps}


def mail_step(key: str = "mail", subject: str = "Order {{ record.number }}") -> dict[str, Any]:
    return {"key": key, "type": "email.send",
            "params": {"to": ["ops@example.com"], "subject": subject, "body": "Hello"}}


#: A call that always fails without any network: 127.0.0.1 is a private address
#: that `http.request` refuses unless allowed (HTTP_ALLOWED_PRIVATE_HOSTS).
FAILING_STEP = {"key": "ping", "type": "http.request",
                "params": {"url": "http://127.0.0.1:9/ping", "method": "POST"}}

MANUAL_INPUTS = [
    {"name": "order", "type": "Record[demo.order]", "label": "Order"},
    {"name": "amount", "type": "Number"},
    {"name": "reason", "type": "Text", "required": False},
]


@dataclass
class History:
    alert: Workflow
    ping: Workflow
    manual: Workflow
    big_order: Order
    small_order: Order
    succeeded: Run
    failed: Run


@pytest.fixture
def history(db: None) -> History:
    """Three workflows, two orders, their events and runs (one succeeded, failed ones)."""
    alert = save_definition(definition(
        "Big order alert", [mail_step()],
        conditions={"all": [{"ref": "record.total_amount", "op": "gte", "value": 1000}]}),
        activate=True).workflow
    ping = save_definition(definition("Ping partner", [FAILING_STEP]), activate=True).workflow
    manual = save_definition(definition(
        "Refund an order", [mail_step(subject="Refund {{ inputs.order.number }}")],
        trigger={"type": "manual", "inputs": MANUAL_INPUTS}), activate=True).workflow
    customer = Customer.objects.create(name="Ada Lovelace", email="ada@example.org")
    big = Order.objects.create(number="A-1001", customer=customer,
                               total_amount=Decimal("5000.00"))
    small = Order.objects.create(number="B-2002", customer=customer,
                                 total_amount=Decimal("10.00"))
    drain()
    succeeded = Run.objects.get(workflow=alert, event__record_pk=str(big.pk))
    failed = Run.objects.get(workflow=ping, event__record_pk=str(big.pk))
    assert succeeded.status == RunStatus.SUCCEEDED, succeeded.error
    assert failed.status == RunStatus.FAILED
    return History(alert, ping, manual, big, small, succeeded, failed)


def errors_of(response: Any) -> list[dict[str, str]]:
    """The `errors` of an error response, after checking the shape."""
    body = response.json()
    assert set(body) == {"errors"}, body
    for item in body["errors"]:
        assert set(item) == {"code", "path", "message"}, item
    return body["errors"]
