"""Settings of the workflows app, read from the single ``WORKFLOWS`` dict.

Use the module-level ``workflow_settings`` object, never ``settings.WORKFLOWS``
directly::

    from workflows_app.conf import workflow_settings

    workflow_settings.MAX_CHAIN_DEPTH

Values are read lazily on first access (so importing this module never freezes
settings) and the cache is cleared whenever Django's ``setting_changed`` signal
reports a change to ``WORKFLOWS`` (``override_settings`` in tests). Keys are
documented in ``docs/settings.md``; misconfiguration is reported by the system
checks in ``workflows_app.checks``.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from engine.limits import Limits

SETTING_NAME = "WORKFLOWS"

DEFAULTS: dict[str, Any] = {
    # Models workflows may react to, and the fields they expose:
    # {"app_label.modelname": {"fields": "__all__" | ["field", ...]}}.
    "MODELS": {},
    # Hosts, IP addresses or CIDR ranges that ``http.request`` may reach although
    # they resolve to private, loopback or link-local addresses.
    "HTTP_ALLOWED_PRIVATE_HOSTS": [],
    # Largest accepted inbound webhook body, in bytes.
    "WEBHOOK_MAX_BYTES": 262144,
    # Deepest causal chain of runs triggering runs before a run is stopped
    # with "loop prevented".
    "MAX_CHAIN_DEPTH": 5,
    # A model.updated event reporting the same change of a record as the event
    # just before it, within this many seconds, starts no second run of a version.
    "DEDUPE_WINDOW_SECONDS": 300,
    # How long a worker's hold on a run lasts without renewal. A worker renews
    # its leases while it runs (every third of this), so a step may take longer;
    # a worker that died is noticed after this many seconds and its runs are
    # taken over.
    "LEASE_SECONDS": 30,
    # How many events a worker dispatches, and at most how many runs it holds,
    # at once.
    "WORKER_BATCH_SIZE": 100,
    # How many slow steps (steps with effects outside the database, such as
    # http.request or email.send) one worker process runs at the same time.
    "WORKER_CONCURRENCY": 16,
    # The time budget of one attempt of a step, in seconds; an attempt still
    # running after it counts as failed.
    "STEP_TIMEOUT_SECONDS": 60,
    # How long one engine task keeps taking new work before it hands the worker
    # back to the queue (and enqueues a successor when work remains).
    "WORK_SLICE_SECONDS": 5.0,
    # A run taken over from a worker that stopped while running it (a crash, a
    # kill, running out of memory or time) more often than this fails.
    "MAX_TAKEOVERS": 3,
    # The most items a for_each step goes through; a longer list fails the step
    # before its first item.
    "FOR_EACH_MAX_ITEMS": 10_000,
    # The django-q2 cluster (queue) that runs the engine's tasks; None: the
    # default cluster of Q_CLUSTER.
    "TASK_CLUSTER": None,
    # The longest timeout an http.request step may ask for.
    "HTTP_MAX_TIMEOUT_SECONDS": 60,
    # How many days finished runs and dispatched events are kept before
    # ``manage.py workflows_prune`` deletes them (None: keep them forever).
    "RETENTION_DAYS": 90,
    # How often (seconds) an open run page's WebSocket checks the database for
    # changes. None: every second when the channel layer cannot carry messages
    # between processes (the in-memory layer), never otherwise; 0: never.
    "LIVE_POLL_SECONDS": None,
    # Header names whose values are shown in clear (besides the built-in harmless
    # ones such as Content-Type); every other header value is shown as [redacted].
    "VISIBLE_HEADERS": [],
    # Deepest nesting of objects and lists accepted in an inbound webhook body.
    "WEBHOOK_MAX_DEPTH": 64,
    # Deepest nesting of objects and lists in a workflow definition.
    "MAX_DEFINITION_DEPTH": 100,
    # Largest workflow definition, in bytes of compact JSON.
    "MAX_DEFINITION_BYTES": 1_048_576,
    # Most values in one list written in a definition (one_of choices, recipients).
    "MAX_LIST_ITEMS": 1000,
    # Largest inputs of one step once its templates are filled in, in bytes.
    "MAX_STEP_INPUT_BYTES": 1_048_576,
    # Whether the run history pages update themselves over a WebSocket (needs the
    # ``live`` extra and the project's ASGI routing). None: when django-channels is
    # installed and CHANNEL_LAYERS is set.
    "LIVE_UPDATES": None,
    # Optional tenancy: None (off), or {"MODEL": ..., "USER_TENANTS": ...,
    # "USER_FIELD": ..., "CURRENT_TENANT": ...} (workflows_app.tenancy.config).
    "TENANT": None,
    # Fernet keys that encrypt connection secrets, newest first: the first
    # encrypts, all decrypt (rotate with ``manage.py workflows_reencrypt``).
    "CONNECTION_KEYS": [],
    # How channel steps (sms.send, chat.post...) deliver, like Django's EMAIL_BACKEND:
    # real HTTP requests to the provider, the console, or an in-memory outbox.
    "CHANNEL_BACKEND": "workflows_app.channels.backends.http.HttpBackend",
}

#: Settings that must be whole numbers of at least 1 (a limit of 0 would refuse all).
POSITIVE_INTEGER_SETTINGS = ("WEBHOOK_MAX_DEPTH", "MAX_DEFINITION_DEPTH",
                             "MAX_DEFINITION_BYTES", "MAX_LIST_ITEMS", "MAX_STEP_INPUT_BYTES",
                             "FOR_EACH_MAX_ITEMS")


def unknown_key_message(key: str) -> str:
    """Describe an unknown ``WORKFLOWS`` key, suggesting the closest known one."""
    message = f"{key!r} is not a known {SETTING_NAME} setting."
    close = difflib.get_close_matches(str(key), DEFAULTS, n=1)
    if close:
        message += f" Did you mean {close[0]!r}?"
    return message


class WorkflowSettings:
    """Lazy, cached attribute access to the ``WORKFLOWS`` dict with defaults.

    Modelled on DRF's ``api_settings``: each attribute is looked up on first
    access, falling back to a copy of its default, then cached until
    :meth:`reload`. Accessing a name that is not a known setting raises
    ``AttributeError``; a ``WORKFLOWS`` value that is not a dict raises
    ``ImproperlyConfigured``.
    """

    def __init__(self, defaults: Mapping[str, Any] | None = None) -> None:
        self.defaults: Mapping[str, Any] = DEFAULTS if defaults is None else defaults
        self._cached_attrs: set[str] = set()

    @property
    def user_settings(self) -> Mapping[str, Any]:
        """The project's ``WORKFLOWS`` dict (empty when the setting is absent)."""
        value = getattr(settings, SETTING_NAME, None)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ImproperlyConfigured(
                f"settings.{SETTING_NAME} must be a dict, not {type(value).__name__}."
            )
        return value

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_") or attr not in self.defaults:
            if attr.isupper():
                raise AttributeError(unknown_key_message(attr))
            raise AttributeError(attr)
        user_settings = self.user_settings
        default = self.defaults[attr]
        value = user_settings[attr] if attr in user_settings else copy.deepcopy(default)
        self._cached_attrs.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self) -> None:
        """Forget cached values; the next access reads ``settings.WORKFLOWS`` again."""
        for attr in self._cached_attrs:
            delattr(self, attr)
        self._cached_attrs.clear()


workflow_settings = WorkflowSettings()


def engine_limits() -> Limits:
    """The engine's size limits, from the ``MAX_*`` settings (installed as the
    engine's limits provider when the app is ready)."""
    return Limits(
        definition_max_depth=int(workflow_settings.MAX_DEFINITION_DEPTH),
        definition_max_bytes=int(workflow_settings.MAX_DEFINITION_BYTES),
        list_max_items=int(workflow_settings.MAX_LIST_ITEMS),
        step_input_max_bytes=int(workflow_settings.MAX_STEP_INPUT_BYTES),
    )


@receiver(setting_changed)
def _reload_workflow_settings(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        workflow_settings.reload()
