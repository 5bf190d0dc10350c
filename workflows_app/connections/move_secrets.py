"""Moving inline `http.request` secrets onto connections (`workflows_move_secrets`).

Older definitions carry an `http.request` step's `signing_secret`, and credential
headers (`Authorization`, `X-Api-Key`...), in the definition itself. For each such
step this creates an "HTTP: signing secret and secret headers" connection holding
them (encrypted), and saves a new version of the workflow whose step names the
connection instead. Harmless headers (Accept, Content-Type...) and header values
that are templates or references (computed per run) stay in the step.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from engine.redaction import HARMLESS_HEADERS, header_key, is_reference
from workflows_app.models import Connection, Workflow
from workflows_app.services import save_definition
from workflows_app.tenancy.scoping import of_tenant

STEP_TYPE = "http.request"
KIND = "http_signing"


@dataclass
class MovedStep:
    """What was (or would be) moved for one step."""

    workflow: str
    step: str
    connection: str
    secret_names: list[str] = field(default_factory=list)


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    """Every step object, nested ones too (flow steps keep steps in their params)."""
    if isinstance(node, list):
        for item in node:
            yield from _steps(item)
    elif isinstance(node, dict):
        if isinstance(node.get("type"), str) and isinstance(node.get("params"), dict):
            yield node
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _steps(value)


def _is_literal_secret(value: Any) -> bool:
    return isinstance(value, str) and value != "" and "{{" not in value and not is_reference(
        value)


def _split(params: dict[str, Any]) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """(signing secret, secret headers, headers kept in the step)."""
    secret = params.get("signing_secret")
    secret = secret if _is_literal_secret(secret) else None
    kept: dict[str, Any] = {}
    moved: dict[str, str] = {}
    for name, value in (params.get("headers") or {}).items():
        if header_key(name) not in HARMLESS_HEADERS and _is_literal_secret(value):
            moved[str(name)] = value
        else:
            kept[name] = value
    return secret, moved, kept


def _free_name(base: str, tenant_id: str | None = None) -> str:
    """A connection name not taken yet (with tenancy on: in the tenant `tenant_id`)."""
    base = base[:95]
    name, number = base, 2
    while of_tenant(Connection.objects.filter(name=name), tenant_id).exists():
        name, number = f"{base} ({number})", number + 1
    return name


def move_secrets(*, dry_run: bool = False, user: Any = None) -> list[MovedStep]:
    """Move the inline secrets of every workflow's live definition; returns what moved."""
    moved: list[MovedStep] = []
    for workflow in Workflow.objects.exclude(live_version=None).order_by("pk"):
        definition = copy.deepcopy(workflow.definition)
        changed: list[MovedStep] = []
        with transaction.atomic():
            for step in _steps(definition.get("steps")):
                if step["type"] != STEP_TYPE or step["params"].get("connection"):
                    continue
                secret, secret_headers, kept = _split(step["params"])
                if not secret and not secret_headers:
                    continue
                name = _free_name(f"{workflow.name}: {step.get('key', 'http')}",
                                  workflow.tenant_id)
                names = (["signing_secret"] if secret else []) + sorted(secret_headers)
                changed.append(MovedStep(workflow.name, str(step.get("key")), name, names))
                if dry_run:
                    continue
                # With tenancy on, the connection belongs to the workflow's tenant.
                description = (f"Moved from the workflow \u201c{workflow.name}\u201d, step "
                               f"\u201c{step.get('key')}\u201d.")
                connection = Connection(name=name, kind=KIND, tenant_id=workflow.tenant_id,
                                        description=description)
                connection.set_secret("signing_secret", secret)
                connection.set_secret("headers", secret_headers or None)
                connection.save()
                step["params"].pop("signing_secret", None)
                if kept:
                    step["params"]["headers"] = kept
                else:
                    step["params"].pop("headers", None)
                step["params"]["connection"] = name
            if changed and not dry_run:
                save_definition(definition, workflow=workflow, user=user,
                                change_note="Secrets moved onto connections: " + ", ".join(
                                    item.connection for item in changed))
        moved.extend(changed)
    return moved
