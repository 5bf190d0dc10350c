"""`Trigger`: a trigger kind as the Django app runs it — the base class of the
built-in triggers and of a project's own.

The engine's `TriggerType` declares a trigger (key, label, config, scope, target).
`Trigger` adds what happens around it in a Django project, each an optional
hook with a working default:

- `record(...)`: the one call every source of the trigger's events makes (a
  signal receiver, a view, a periodic check). It writes the event in the
  caller's transaction with the trigger's key; a subclass usually adds a typed
  classmethod that builds the payload (whose keys are the roots of `scope()`)
  and calls it, so the payload and the scope are written side by side.
- `listens_to(config, event)`: whether a workflow with this config wants an event
  that its target already matched (e.g. `run.failed` with a list of workflows).
- `periodic(now)`: called by every worker loop (and `workflows_drain`); record
  the events that fell due by `now`, exactly once across workers.
- `urls()`: URL patterns the app serves for the trigger (`hooks/<token>/`).
- `check_saved(config, path)`: checks against the database's current state,
  made when a definition is saved but not when a stored version is read again
  (a watched workflow renamed later must not break the version).

What the admin shows for workflows of a kind (extra buttons, a secret address)
is a `TriggerAdmin`, registered for the trigger in `trigger_admins`, as Django
pairs a `ModelAdmin` with a model. See docs/writing-a-trigger.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from engine import DefinitionError, Registry, TriggerType
from engine.types import ArrayType, ValueType
from workflows_app.execution.context import Cause
from workflows_app.execution.recording import record_event
from workflows_app.execution.snapshot import json_value
from workflows_app.tenancy.events import UNSET

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.http import HttpRequest
    from django.urls import URLPattern

    from workflows_app.models import Event, Workflow


class Trigger(TriggerType):
    """Base class of the app's triggers; see the module docstring for the hooks."""

    @classmethod
    def record(cls, *, payload: Mapping[str, Any], target: str = "",
               workflow: Workflow | int | None = None, summary: str = "",
               record_model: str = "", record_pk: Any = "", actor_id: int | None = None,
               dedupe_key: str | None = None, dedupe_content: Any = None,
               occurred_at: datetime | None = None, cause: Cause | None = None,
               wake: bool = True, tenant: Any = UNSET) -> Event:
        """Record an event of this trigger in the caller's transaction.

        `payload` holds the scope values as JSON, keyed by the roots of `scope()`
        (`event.*` is added from the event row; `payload["event"]` may add fields
        to it). `target` is what listening workflows' `target(config)` must equal;
        `workflow` aims the event at one workflow instead. `record_model` and
        `record_pk` say which record the event is about ("why didn't it run?"
        finds it by them). `dedupe_key` is unique: a second event with the same
        key is refused by the database (`IntegrityError`). `cause` is the run
        whose work this is (for loop prevention); by default, the run whose step
        is executing in this thread, if any. Workers are woken after the commit.
        With tenancy on, `tenant` (an instance or primary key) is the tenant the
        event belongs to; left out, it is the tenant of `workflow`, else of the
        code's `workflows_app.tenancy.events.acting_for` block, else of `cause`.
        """
        workflow_id = workflow if isinstance(workflow, int) or workflow is None else workflow.pk
        return record_event(trigger_type=cls.key, payload=payload, target=target,
                            workflow_id=workflow_id, summary=summary,
                            record_model=record_model, record_pk=record_pk,
                            actor_id=actor_id, dedupe_key=dedupe_key,
                            dedupe_content=dedupe_content, occurred_at=occurred_at,
                            cause=cause, wake=wake, tenant=tenant,
                            workflow=workflow if not isinstance(workflow, int) else None)

    def listens_to(self, config: Mapping[str, Any], event: Event) -> bool:
        """Whether a workflow whose trigger has `config` wants `event` (which already
        matched its trigger type and target). Keep it cheap: it runs for every
        candidate workflow of every event."""
        return True

    def periodic(self, now: datetime) -> None:
        """Record whatever fell due by `now` (called by every worker loop; several
        workers may call it at once, so make each event's `dedupe_key` unique)."""

    def urls(self) -> list[URLPattern]:
        """URL patterns to serve under the app's URLconf (`workflows/...`)."""
        return []

    def check_saved(self, config: Mapping[str, Any], path: str) -> list[DefinitionError]:
        """Checks of a valid config against the database as it is now (e.g. that the
        workflows it names exist), made only when a definition is saved."""
        return []


def stored_value(value_type: ValueType, value: Any) -> Any:
    """A parsed value as event payloads store it: JSON, with numbers kept as decimal
    text ("1400.00"), the way record snapshots store them, so they read back exactly."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value_type, ArrayType) and isinstance(value, list):
        return [stored_value(value_type.item_type, item) for item in value]
    return json_value(value_type.to_json(value))


# -- what the admin shows for a trigger ---------------------------------------------


@dataclass(frozen=True)
class AdminAction:
    """A link (or, with `post`, a button sending a POST) on a workflow's page."""

    label: str
    url: str
    post: bool = False
    html_id: str = ""


@dataclass(frozen=True)
class AdminDetail:
    """A labelled value in the status line of a workflow's page, with its buttons."""

    label: str
    value: str
    html_id: str = ""
    code: bool = True
    actions: tuple[AdminAction, ...] = ()


class TriggerAdmin:
    """What the admin adds for workflows of one trigger kind; register a subclass
    with `register_trigger_admin(TriggerClass)`.

    Shown only to people who may change the workflow (what a trigger adds is
    often secret, such as a webhook address). Views from `get_urls` are mounted
    under the workflow admin and wrapped in `admin_site.admin_view`; they check
    their own permissions.
    """

    trigger: ClassVar[type[TriggerType]]

    def get_urls(self, model_admin: ModelAdmin) -> list[URLPattern]:
        """Admin views for workflows of this kind (e.g. `<id>/run/`)."""
        return []

    def actions(self, workflow: Workflow, request: HttpRequest,
                model_admin: ModelAdmin) -> list[AdminAction]:
        """Links and buttons beside "History" on the workflow's page."""
        return []

    def details(self, workflow: Workflow, request: HttpRequest,
                model_admin: ModelAdmin) -> list[AdminDetail]:
        """Values shown in the workflow's status line (e.g. its webhook address)."""
        return []

    def builder_urls(self, workflow: Workflow, model_admin: ModelAdmin) -> dict[str, str]:
        """Addresses the builder's scripts may call for this workflow, by name (e.g.
        `webhook_received`: the requests a webhook workflow has received)."""
        return {}

    def draft_urls(self, model_admin: ModelAdmin) -> dict[str, str]:
        """Addresses the builder's scripts may call while the draft has this trigger
        but the workflow is not saved with it yet (the add page, or a trigger switched
        in the draft), by name (e.g. `webhook_received_any`). Given to people who
        may change workflows."""
        return {}


#: The `TriggerAdmin` of each trigger that has one, by trigger key.
trigger_admins: Registry[type[TriggerAdmin]] = Registry("trigger admin")


def register_trigger_admin(trigger_class: type[TriggerType]):  # type: ignore[no-untyped-def]
    """Class decorator: `@register_trigger_admin(Webhook) class WebhookAdmin(TriggerAdmin)`."""

    def decorator(admin_class: type[TriggerAdmin]) -> type[TriggerAdmin]:
        admin_class.trigger = trigger_class
        trigger_admins.register(admin_class, key=trigger_class.key)
        return admin_class

    return decorator
