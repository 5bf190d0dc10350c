"""The tenant of a new event, and the tenant host code works for.

An event belongs to, in this order: the tenant its source names (a record's
tenant, for model triggers and emitted events about records); the tenant of the
workflow it is aimed at (webhooks, schedules, manual starts, date triggers); the
tenant set with `acting_for` around the code recording it; the tenant of the
run whose work it is (`Cause`). Otherwise it belongs to no tenant and only
workflows of no tenant may run for it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from workflows_app.models import Workflow
from workflows_app.tenancy import config
from workflows_app.tenancy.scoping import tenant_key

#: "Not given": the tenant must be found from the workflow, the context, the cause.
UNSET: Any = object()

_acting_for: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "workflows_acting_for_tenant", default=UNSET)


@contextlib.contextmanager
def acting_for(tenant: Any) -> Iterator[None]:
    """Events recorded inside the block that do not name their tenant belong to
    `tenant` (an instance, a primary key, or None for no tenant). For host code
    emitting events, management commands and tests."""
    token = _acting_for.set(tenant_key(tenant))
    try:
        yield
    finally:
        _acting_for.reset(token)


def acting_tenant() -> Any:
    """The tenant key set by `acting_for`, or `UNSET`."""
    return _acting_for.get()


def event_tenant(*, tenant: Any = UNSET, workflow: Any = None,
                 cause_workflow_id: int | None = None) -> str | None:
    """The tenant key of an event being recorded (None with tenancy off)."""
    if not config.enabled():
        return None
    if tenant is not UNSET:
        return tenant_key(tenant)
    if isinstance(workflow, Workflow):
        return workflow.tenant_id
    if workflow is not None:
        return Workflow.objects.filter(pk=workflow).values_list("tenant_id", flat=True).first()
    acting = _acting_for.get()
    if acting is not UNSET:
        return acting
    if cause_workflow_id is not None:
        return (Workflow.objects.filter(pk=cause_workflow_id)
                .values_list("tenant_id", flat=True).first())
    return None


def workflow_tenant(workflow_id: int | None) -> str | None:
    """The tenant key of a workflow (None with tenancy off: no query)."""
    if not config.enabled() or workflow_id is None:
        return None
    return Workflow.objects.filter(pk=workflow_id).values_list("tenant_id", flat=True).first()


def current_tenant() -> str | None:
    """The tenant key of the work running now: the run whose step is executing in
    this thread (its workflow's tenant), else the `acting_for` tenant, else None.
    Steps that look things up by name (a connection) look in this tenant."""
    if not config.enabled():
        return None
    from workflows_app.execution.context import current_cause

    cause = current_cause()
    if cause is not None and cause.chain:
        return workflow_tenant(cause.chain[-1])
    acting = _acting_for.get()
    return None if acting is UNSET else acting


def visible_now() -> Any:
    """What the code running now may see (a `scoping.Visibility`): inside a run's
    step, the run's tenant; else what `scoping.viewing_as` set (a person building
    or browsing); else, with tenancy on, nothing."""
    from workflows_app.execution.context import current_cause
    from workflows_app.tenancy.scoping import current_visibility, tenant_visibility

    if config.enabled() and (current_cause() is not None or _acting_for.get() is not UNSET):
        return tenant_visibility(current_tenant())
    return current_visibility()
