"""Tenancy switched on, with the tests-only `tests.tenant_app` as the host app.

`tenancy` installs the app and sets ``WORKFLOWS["TENANT"]`` for a test, as a
project would in its settings. The app's tables are created once per session
(it has no migrations: a test app). `world` builds two organisations, Acme and
Bolt, each with a member who may build and support workflows, a ticket, a
workflow of the same name ("Escalate urgent tickets") that has run once, and
for Bolt a webhook workflow; `root` is a superuser, who sees every tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings

from workflows_app.execution.definitions import clear_cache
from workflows_app.execution.queue import drain
from workflows_app.models import Run, Workflow
from workflows_app.services import save_definition

APP = "tests.tenant_app"

TENANT_SETTING = {
    "MODEL": "tenant_app.organisation",
    "USER_TENANTS": "tests.tenant_app.tenancy.organisations_of",
    "USER_FIELD": "memberships__organisation",
    "CURRENT_TENANT": "tests.tenant_app.tenancy.current_organisation",
}
MODELS = {"tenant_app.ticket": {"fields": "__all__", "tenant": "organisation"}}

PERMISSIONS = ["view_workflow", "add_workflow", "change_workflow", "view_workflowversion",
               "view_run", "change_run", "view_event", "view_workflowevaluation"]


@pytest.fixture(scope="package")
def _tenant_tables(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The tenant app's tables, for this package's tests only: they are dropped
    afterwards, because the database flush of later transactional tests does not
    know them (on PostgreSQL, truncating ``auth_user`` fails while a membership
    table still points at it)."""
    with override_settings(INSTALLED_APPS=[*django_settings.INSTALLED_APPS, APP]):
        from tests.tenant_app.models import Membership, Organisation, Ticket

        models = (Organisation, Membership, Ticket)
        with django_db_blocker.unblock(), connection.schema_editor() as editor:
            for model in models:
                editor.create_model(model)
    yield
    with override_settings(INSTALLED_APPS=[*django_settings.INSTALLED_APPS, APP]), \
            django_db_blocker.unblock(), connection.schema_editor() as editor:
        for model in reversed(models):
            editor.delete_model(model)


def _switch_on(settings: Any) -> None:
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, APP]
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MODELS": MODELS, "TENANT": TENANT_SETTING}
    clear_cache()


@pytest.fixture
def tenancy(_tenant_tables: None, settings: Any, db: None) -> Iterator[None]:
    """The tenant app installed and tenancy on (only the tickets registered)."""
    _switch_on(settings)
    yield
    clear_cache()


@pytest.fixture
def tenancy_committed(_tenant_tables: None, settings: Any, transactional_db: None
                      ) -> Iterator[None]:
    """As `tenancy`, for tests whose data other threads must see (WebSocket
    consumers). The tenant app's rows are deleted after the test, while the app is
    installed: the database flush that follows no longer knows its tables."""
    _switch_on(settings)
    yield
    clear_cache()
    from tests.tenant_app.models import Membership, Organisation, Ticket

    for model in (Membership, Ticket, Organisation):
        model.objects.all().delete()


def member(username: str, organisation: Any, *, permissions: list[str] = PERMISSIONS
           ) -> User:
    from tests.tenant_app.models import Membership

    user = User.objects.create_user(username, f"{username}@example.com", None, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="workflows_app", codename__in=permissions))
    user.user_permissions.add(_permission("auth", "user", "view_user"),
                              _permission("tenant_app", "ticket", "view_ticket"))
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation)
    return user


def _permission(app_label: str, model: str, codename: str) -> Permission:
    """A permission, created when missing (the test app has no migrations, so no
    post-migrate signal made its permissions)."""
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": codename})
    return permission


def escalation(name: str = "Escalate urgent tickets") -> dict[str, Any]:
    """When a ticket's priority reaches 3, escalate it."""
    return {
        "schema_version": 1, "name": name,
        "trigger": {"type": "model.updated", "model": "tenant_app.ticket"},
        "conditions": {"all": [{"ref": "record.priority", "op": "gte", "value": 3}]},
        "steps": [{"key": "escalate", "type": "record.update",
                   "params": {"record": {"ref": "record"},
                              "fields": {"status": "escalated"}}}],
    }


def webhook_workflow(name: str) -> dict[str, Any]:
    return {"schema_version": 1, "name": name,
            "trigger": {"type": "webhook", "require_signature": False},
            "steps": [{"key": "note", "type": "filter",
                       "params": {"condition": {"all": []}}}]}


@dataclass
class World:
    acme: Any
    bolt: Any
    alice: User  # works at Acme
    bob: User  # works at Bolt
    root: User  # superuser: every organisation
    acme_ticket: Any
    bolt_ticket: Any
    acme_flow: Workflow
    bolt_flow: Workflow
    bolt_hook: Workflow
    acme_run: Run
    bolt_run: Run


def escalate(ticket: Any) -> None:
    ticket.priority = 5
    ticket.save()


@pytest.fixture
def world(tenancy: None) -> World:
    return build_world()


@pytest.fixture
def committed_world(tenancy_committed: None) -> World:
    return build_world()


def build_world() -> World:
    from tests.tenant_app.models import Organisation, Ticket

    acme = Organisation.objects.create(name="Acme")
    bolt = Organisation.objects.create(name="Bolt")
    alice, bob = member("alice", acme), member("bob", bolt)
    root = User.objects.create_superuser("root", "root@example.com", None)
    acme_flow = save_definition(escalation(), tenant=acme, activate=True).workflow
    bolt_flow = save_definition(escalation(), tenant=bolt, activate=True).workflow
    bolt_hook = save_definition(webhook_workflow("Bolt intake"), tenant=bolt,
                                activate=True).workflow
    acme_ticket = Ticket.objects.create(organisation=acme, title="Acme printer on fire")
    bolt_ticket = Ticket.objects.create(organisation=bolt, title="Bolt login broken")
    escalate(acme_ticket)
    escalate(bolt_ticket)
    drain()
    return World(acme, bolt, alice, bob, root, acme_ticket, bolt_ticket, acme_flow, bolt_flow,
                 bolt_hook, Run.objects.get(workflow=acme_flow),
                 Run.objects.get(workflow=bolt_flow))
