"""The one way definitions are saved: validate with the engine, version, store.

Admin, API and `workflows_import` all call `save_definition`, so nothing invalid
is ever stored and every change makes exactly one new version.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from engine import DefinitionError, InvalidDefinition, ValidatedDefinition, validate_definition
from workflows_app.models import Run, Workflow, WorkflowVersion
from workflows_app.models.workflow import definition_checksum
from workflows_app.tenancy.events import UNSET, acting_for, acting_tenant
from workflows_app.tenancy.scoping import of_tenant, tenant_key
from workflows_app.triggers.lookup import get_trigger


@dataclass
class SaveResult:
    """What `save_definition` did."""

    workflow: Workflow
    version: WorkflowVersion
    #: A new version was created (False when the definition was unchanged).
    changed: bool
    #: The workflow itself was created.
    created: bool


def trigger_target(definition: dict[str, Any]) -> str:
    """What the trigger of a valid definition listens to (its `target(config)`: a
    model, an event name, or ""), stored on the workflow for indexed dispatch."""
    trigger = dict(definition.get("trigger") or {})
    trigger_type = get_trigger(trigger.pop("type", None))
    return trigger_type.target(trigger) if trigger_type is not None else ""


def check(definition: Any) -> ValidatedDefinition:
    """Validate a definition with the registered triggers and steps, and check its
    trigger against the database as it is now (raises `InvalidDefinition`)."""
    validated = validate_definition(definition)
    check_saved = getattr(validated.trigger_type, "check_saved", None)
    errors = check_saved(validated.trigger_config, "trigger") if check_saved else []
    if errors:
        raise InvalidDefinition(errors)
    return validated


def save_tenant(workflow: Workflow | None, tenant: Any = UNSET) -> str | None:
    """The tenant key of a workflow being saved: its own once it exists; for a new
    one `tenant` (an instance or key), else the tenant of the surrounding
    `acting_for` block, else none."""
    if workflow is not None and workflow.pk is not None:
        return workflow.tenant_id
    if tenant is UNSET:
        tenant = acting_tenant()
    return None if tenant is UNSET else tenant_key(tenant)


def save_definition(definition: Any, *, workflow: Workflow | None = None, user: Any = None,
                    change_note: str = "", activate: bool | None = None,
                    tenant: Any = UNSET) -> SaveResult:
    """Validate `definition`, then create or update the workflow with a new version.

    With `workflow=None` a new workflow is created, belonging to `tenant` (with
    tenancy on; see `save_tenant`). When the definition equals the live version's,
    no version is made (`changed=False`); `activate` still applies. Raises
    `InvalidDefinition` (nothing is stored) when the definition is invalid or its
    name is taken by another workflow of the same tenant.
    """
    key = save_tenant(workflow, tenant)
    with acting_for(key):  # names in the definition are looked up in this tenant
        check(definition)
    definition = copy.deepcopy(definition)
    user = user if getattr(user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            return _save(definition, workflow, user, change_note, activate, key)
    except IntegrityError as exc:
        name = definition["name"].strip()  # stored stripped (see `_apply`)
        if (of_tenant(Workflow.objects.filter(name=name), key)
                .exclude(pk=getattr(workflow, "pk", None)).exists()):
            raise InvalidDefinition([DefinitionError(
                "name", f'another workflow is already named "{name}"')]) from exc
        raise


def _save(definition: dict[str, Any], workflow: Workflow | None, user: Any, change_note: str,
          activate: bool | None, tenant_id: str | None = None) -> SaveResult:
    created = workflow is None or workflow.pk is None
    if created:
        workflow = Workflow(created_by=user, tenant_id=tenant_id)
    else:
        assert workflow is not None
        workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    live = workflow.live_version if not created else None
    checksum = definition_checksum(definition)
    if activate:
        workflow.archived_at = None  # activating brings a workflow out of the archive
    if live is not None and live.checksum == checksum:
        if activate is not None and workflow.is_active != activate:
            workflow.is_active = activate
            workflow.updated_by = user
            workflow._history_user = user
            workflow.save()
        return SaveResult(workflow, live, changed=False, created=False)
    _apply(workflow, definition)
    workflow.updated_by = user
    workflow._history_user = user  # django-simple-history: who made this change
    if activate is not None:
        workflow.is_active = activate
    if created:
        workflow.save()
    last = workflow.versions.aggregate(last=Max("number"))["last"] or 0
    version = WorkflowVersion.objects.create(
        workflow=workflow, number=last + 1, definition=definition,
        change_note=change_note[:500], created_by=user)
    workflow.live_version = version
    if created:  # the history already holds the creation; don't record a second change
        workflow.skip_history_when_saving = True
        try:
            workflow.save(update_fields=["live_version", "updated_at"])
        finally:
            del workflow.skip_history_when_saving
        # ...but the creation row was written before version 1 existed: name it there,
        # so the first change reads "version 1 -> version 2", not "— -> version 2".
        workflow.history.filter(history_type="+").update(live_version=version)
    else:
        workflow.save()
    return SaveResult(workflow, version, changed=True, created=created)


def _apply(workflow: Workflow, definition: dict[str, Any]) -> None:
    trigger = dict(definition["trigger"])
    workflow.name = definition["name"].strip()
    workflow.description = definition.get("description") or ""
    workflow.trigger_type = trigger.pop("type")
    workflow.trigger_config = trigger
    workflow.trigger_target = trigger_target(definition)


def import_definition(definition: Any, *, user: Any = None, change_note: str = "Imported",
                      tenant: Any = UNSET) -> SaveResult:
    """Create or update the workflow named in `definition` (by name, among the
    workflows of `tenant` with tenancy on; see `save_tenant`)."""
    key = save_tenant(None, tenant)
    with acting_for(key):
        check(definition)
    existing = of_tenant(Workflow.objects.filter(name=definition["name"].strip()), key).first()
    return save_definition(definition, workflow=existing, user=user, change_note=change_note,
                           tenant=key)


def restore_version(version: WorkflowVersion, *, user: Any = None) -> SaveResult:
    """Make an old version live again, as a new version."""
    return save_definition(version.definition, workflow=version.workflow, user=user,
                           change_note=f"Restored version {version.number}")


def set_active(workflow: Workflow, active: bool, *, user: Any = None) -> Workflow:
    """Activate or deactivate; recorded in the workflow's history."""
    if workflow.live_version_id is None and active:
        raise InvalidDefinition([DefinitionError("", "a workflow without a saved definition "
                                                     "cannot be activated")])
    workflow.is_active = active
    if active:
        workflow.archived_at = None  # activating brings a workflow out of the archive
    workflow.updated_by = user if getattr(user, "is_authenticated", False) else None
    workflow._history_user = workflow.updated_by
    workflow.save(update_fields=["is_active", "archived_at", "updated_by", "updated_at"])
    return workflow


def delete_workflow(workflow: Workflow) -> None:
    """Delete a workflow with its versions, runs (and their steps) and the events
    aimed at it alone. Runs go first: they protect the versions they pinned."""
    with transaction.atomic():
        Run.objects.filter(workflow=workflow).delete()
        workflow.delete()


def archive_workflow(workflow: Workflow, *, user: Any = None) -> Workflow:
    """Deactivate the workflow and move it to the archive: it no longer starts runs
    and leaves the workflows list; its versions, runs and history are kept (and
    runs already started go on). `unarchive_workflow` brings it back, inactive."""
    workflow.is_active = False
    workflow.archived_at = workflow.archived_at or timezone.now()
    workflow.updated_by = user if getattr(user, "is_authenticated", False) else None
    workflow._history_user = workflow.updated_by
    workflow._change_reason = "Archived"  # read by django-simple-history
    workflow.save(update_fields=["is_active", "archived_at", "updated_by", "updated_at"])
    return workflow


def unarchive_workflow(workflow: Workflow, *, user: Any = None) -> Workflow:
    """Bring an archived workflow back to the list, inactive."""
    workflow.archived_at = None
    workflow.updated_by = user if getattr(user, "is_authenticated", False) else None
    workflow._history_user = workflow.updated_by
    workflow._change_reason = "Taken out of the archive"
    workflow.save(update_fields=["archived_at", "updated_by", "updated_at"])
    return workflow


def export_definition(workflow: Workflow) -> dict[str, Any]:
    """The live definition, as `workflows_export` prints it."""
    if workflow.live_version is None:
        raise ValueError(f'"{workflow.name}" has no saved definition')
    return copy.deepcopy(workflow.live_version.definition)


# -- webhooks --------------------------------------------------------------------

WEBHOOK_SECRET_PREFIX = "whsec_"


def new_webhook_secret() -> str:
    """A fresh Standard Webhooks signing secret: `whsec_` and 32 random bytes, base64."""
    import base64
    import secrets

    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def rotate_webhook_token(workflow: Workflow, user: Any = None) -> str:
    """Give the workflow a new secret webhook address; the old one stops working
    at once (requests to it get 404). Returns the new token."""
    from workflows_app.models.workflow import new_webhook_token

    workflow.webhook_token = new_webhook_token()
    workflow.updated_by = user if getattr(user, "is_authenticated", False) else None
    workflow._change_reason = "Webhook address rotated"  # read by django-simple-history
    workflow.save(update_fields=["webhook_token", "updated_by", "updated_at"])
    return workflow.webhook_token


def set_webhook_secret(workflow: Workflow, user: Any = None) -> str:
    """Generate (or replace) the workflow's Standard Webhooks signing secret and
    return it (`whsec_...`). Senders must sign with the new secret from now on."""
    workflow.webhook_secret = new_webhook_secret()
    workflow.updated_by = user if getattr(user, "is_authenticated", False) else None
    workflow._change_reason = "Webhook signing secret replaced"  # django-simple-history
    workflow.save(update_fields=["webhook_secret", "updated_by", "updated_at"])
    return workflow.webhook_secret
