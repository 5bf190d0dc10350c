"""Helpers for the run history tests: users per permission level, and a shop with a
failed run (order A-1001 of ada@example.org), a succeeded one and an order whose
conditions did not hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from config.demo.models import Order
from tests.workflows_app.support import create_workflow, customer, order
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Run, RunStatus, Workflow
from workflows_app.services import set_active

PASSWORD = "correct-horse-battery"
#: What a support person gets: read everything about runs and events.
VIEW_PERMISSIONS = ("view_run", "view_event", "view_workflow", "view_workflowversion")
#: An editor may also act on runs.
EDIT_PERMISSIONS = (*VIEW_PERMISSIONS, "change_run")
#: Port 9 on loopback: refused (a private address not in HTTP_ALLOWED_PRIVATE_HOSTS)
#: without any network, so the step fails the same way every time.
UNREACHABLE = "http://127.0.0.1:9/erp/orders"


def make_user(username: str, *codenames: str, superuser: bool = False,
              staff: bool = True) -> Any:
    user_model = get_user_model()
    if superuser:
        return user_model.objects.create_superuser(username, f"{username}@example.com",
                                                   PASSWORD)
    user = user_model.objects.create_user(username, f"{username}@example.com", PASSWORD,
                                          is_staff=staff)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(
            codename=codename, content_type__app_label="workflows_app"))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Shop:
    erp: Workflow          # fails at its second step for order A-1001
    big_orders: Workflow   # conditions: total >= 10000 (A-1001 is 250.00: not met)
    failed: Run
    succeeded: Run
    order: Order
    event: Event


def erp_steps(url: str) -> list[dict[str, Any]]:
    return [
        {"key": "confirm", "type": "record.update",
         "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}},
        {"key": "notify_erp", "type": "http.request",
         "params": {"method": "POST", "url": url,
                    "body": {"order": "{{ record.number }}"}}},
    ]


def build_shop(url: str = UNREACHABLE) -> Shop:
    """Customers are welcomed ("Welcome new customers": their e-mail is in the
    trigger data). Order A-1001 (ada@example.org, 250.00) fails "Send orders to the ERP" at
    `notify_erp` (after `confirm` changed the order, which started "Audit confirmed
    orders": the causal chain) and does not meet "Big orders to operations";
    order A-1002 (grace@example.org) succeeds with "Confirm orders"."""
    erp = create_workflow("Send orders to the ERP", erp_steps(url))
    create_workflow(
        "Audit confirmed orders",
        [{"key": "mail_audit", "type": "email.send",
          "params": {"to": ["audit@example.com"], "subject": "{{ record.number }} confirmed",
                     "body": "Confirmed."}}],
        trigger={"type": "model.updated", "model": "demo.order"},
        conditions={"all": [{"ref": "record.status", "op": "changed_to",
                             "value": "confirmed"}]})
    big = create_workflow(
        "Big orders to operations",
        [{"key": "mail_ops", "type": "email.send",
          "params": {"to": ["ops@example.com"], "subject": "Big order {{ record.number }}",
                     "body": "Total {{ record.total_amount }}"}}],
        conditions={"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]})
    create_workflow(
        "Welcome new customers",
        [{"key": "welcome", "type": "email.send",
          "params": {"to": [{"ref": "record.email"}], "subject": "Welcome",
                     "body": "Hello {{ record.name }}"}}],
        trigger={"type": "model.created", "model": "demo.customer"})
    ada = customer("Ada Lovelace", "ada@example.org")
    first = order("250.00", number="A-1001", customer_obj=ada)
    drain()
    failed = Run.objects.get(workflow=erp, event__record_pk=str(first.pk),
                             event__trigger_type="model.created")
    assert failed.status == RunStatus.FAILED, failed.error
    # The ERP workflow is switched off; a workflow whose step succeeds runs for A-1002.
    set_active(erp, False)
    erp_ok = create_workflow("Confirm orders", erp_steps(url)[:1])
    grace = customer("Grace Hopper", "grace@example.org")
    second = order("12000.00", number="A-1002", customer_obj=grace)
    drain()
    succeeded = Run.objects.get(workflow=erp_ok, event__record_pk=str(second.pk),
                                event__trigger_type="model.created")
    assert succeeded.status == RunStatus.SUCCEEDED, succeeded.error
    return Shop(erp=erp, big_orders=big, failed=failed, succeeded=succeeded, order=first,
                event=failed.event)
