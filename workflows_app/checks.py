"""System checks for the ``WORKFLOWS`` setting (``python manage.py check``).

- ``workflows.E001``: ``WORKFLOWS`` is not a dict.
- ``workflows.E002``: ``WORKFLOWS`` has an unknown key.
- ``workflows.E003``: a ``MODELS`` key does not name an installed model
  (``"app_label.modelname"``).
- ``workflows.E004``: a ``MODELS`` entry's ``fields`` is neither ``"__all__"`` nor a
  list of field names of that model.
- ``workflows.E005``: a ``WORKFLOWS`` value has the wrong type (including a
  ``RETENTION_DAYS`` that is not a positive integer or None, and a limit such as
  ``MAX_DEFINITION_BYTES`` that is not a positive integer).
- ``workflows.E006`` (in `workflows_app.json_samples`): a sample declared for a
  JSON field in ``MODELS`` is not one of a registered JSON field, or is unusable.
- ``workflows.W001``: a Redis channel layer (channels_redis) whose hosts read with
  a socket timeout no longer than channels_redis' blocking read (redis-py 8's 5 s
  default), which closes idle live-update sockets every few seconds.
- ``workflows.W002``: Django's own ``admin/base_site.html`` is found before the
  app's (``workflows_app`` listed after ``django.contrib.admin``), so the admin
  header has no notification inbox.
- ``workflows.E010``: the settings ask for an optional feature (PostgreSQL, the
  Redis broker or channel layer, live updates, ...) whose packages are not
  installed; the message names the extra to install (``workflows_app.extras``).

All are tagged ``workflows``; E003 and E004 also ``models``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .conf import DEFAULTS, POSITIVE_INTEGER_SETTINGS, SETTING_NAME, unknown_key_message
from .extras import optional_features

TAG = "workflows"


def _user_settings() -> Any:
    return getattr(settings, SETTING_NAME, {})


@checks.register(TAG)
def check_settings_shape(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E001, E002, E005: ``WORKFLOWS`` is a dict of known keys with well-typed values."""
    value = _user_settings()
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [
            checks.Error(
                f"settings.{SETTING_NAME} must be a dict, not {type(value).__name__}.",
                hint='For example: WORKFLOWS = {"MODELS": {"shop.order": {"fields": "__all__"}}}',
                id="workflows.E001",
            )
        ]
    errors: list[checks.CheckMessage] = []
    for key in value:
        if key not in DEFAULTS:
            errors.append(
                checks.Error(
                    unknown_key_message(key),
                    hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
                    obj=f"settings.{SETTING_NAME}",
                    id="workflows.E002",
                )
            )
    errors.extend(_check_value_types(value))
    return errors


def _type_error(key: str, expected: str) -> checks.Error:
    return checks.Error(
        f"settings.{SETTING_NAME}[{key!r}] must be {expected}.",
        obj=f"settings.{SETTING_NAME}",
        id="workflows.E005",
    )


def _check_value_types(value: Mapping[str, Any]) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if "MODELS" in value and not isinstance(value["MODELS"], Mapping):
        errors.append(_type_error("MODELS", 'a dict like {"app_label.modelname": {...}}'))
    if "HTTP_ALLOWED_PRIVATE_HOSTS" in value:
        hosts = value["HTTP_ALLOWED_PRIVATE_HOSTS"]
        if not isinstance(hosts, list | tuple) or not all(isinstance(h, str) for h in hosts):
            errors.append(
                _type_error("HTTP_ALLOWED_PRIVATE_HOSTS", "a list of host names, IPs or CIDRs")
            )
        else:
            for host in hosts:
                if "/" in host:
                    try:
                        ipaddress.ip_network(host, strict=False)
                    except ValueError:
                        errors.append(
                            _type_error(
                                "HTTP_ALLOWED_PRIVATE_HOSTS",
                                f"a list of host names, IPs or CIDRs; {host!r} is not a CIDR",
                            )
                        )
    for key in ("WEBHOOK_MAX_BYTES", "MAX_CHAIN_DEPTH", "DEDUPE_WINDOW_SECONDS",
                "WORKER_BATCH_SIZE", "HTTP_MAX_TIMEOUT_SECONDS", "MAX_TAKEOVERS"):
        if key in value:
            number = value[key]
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                errors.append(_type_error(key, "a non-negative integer"))
    if "VISIBLE_HEADERS" in value:
        names = value["VISIBLE_HEADERS"]
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            errors.append(_type_error("VISIBLE_HEADERS", "a list of header names"))
    for key in POSITIVE_INTEGER_SETTINGS:
        if key in value:
            number = value[key]
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                errors.append(_type_error(key, "a positive whole number"))
    for key in ("LEASE_SECONDS", "WORKER_CONCURRENCY", "STEP_TIMEOUT_SECONDS",
                "WORK_SLICE_SECONDS"):
        if key in value:
            number = value[key]
            if isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
                errors.append(_type_error(key, "a positive number"))
    cluster = value.get("TASK_CLUSTER")
    if cluster is not None and (not isinstance(cluster, str) or not cluster):
        errors.append(_type_error("TASK_CLUSTER",
                                  "the name of a django-q2 cluster, or None for the default"))
    retention = value.get("RETENTION_DAYS")
    if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int)
                                  or retention < 1):
        errors.append(_type_error("RETENTION_DAYS",
                                  "a positive whole number of days, or None to keep "
                                  "runs and events forever"))
    poll = value.get("LIVE_POLL_SECONDS")
    if poll is not None and (isinstance(poll, bool) or not isinstance(poll, int | float)
                             or poll < 0):
        errors.append(_type_error("LIVE_POLL_SECONDS",
                                  "a non-negative number of seconds, or None (automatic)"))
    live = value.get("LIVE_UPDATES")
    if live is not None and not isinstance(live, bool):
        errors.append(_type_error("LIVE_UPDATES", "True, False or None (automatic)"))
    return errors


@checks.register(TAG)
def check_optional_features(app_configs: Any = None,
                            **kwargs: Any) -> list[checks.CheckMessage]:
    """E010: every optional feature the settings ask for has its packages installed."""
    errors: list[checks.CheckMessage] = []
    for feature in optional_features.values():
        reason = feature.in_use()
        if reason is None or not feature.missing_modules():
            continue
        errors.append(
            checks.Error(
                feature.missing_message(reason),
                hint=f"{feature.install_command()} (or change the setting).",
                obj=feature.name,
                id="workflows.E010",
            )
        )
    return errors


@checks.register(TAG, checks.Tags.models)
def check_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E003, E004: every ``MODELS`` entry names an installed model and its fields."""
    value = _user_settings()
    if not isinstance(value, Mapping):
        return []
    registered = value.get("MODELS", {})
    if not isinstance(registered, Mapping):
        return []  # reported as E005
    errors: list[checks.CheckMessage] = []
    for label, options in registered.items():
        obj = f"settings.{SETTING_NAME}['MODELS'][{label!r}]"
        model = _get_model(label)
        if model is None:
            errors.append(
                checks.Error(
                    f"{obj} does not name an installed model.",
                    hint='Use "app_label.modelname", e.g. "demo.order".',
                    obj=obj,
                    id="workflows.E003",
                )
            )
            continue
        errors.extend(_check_fields(model, options, obj))
    return errors


def _get_model(label: Any) -> type[models.Model] | None:
    if not isinstance(label, str) or label.count(".") != 1:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _check_fields(
    model: type[models.Model], options: Any, obj: str
) -> list[checks.CheckMessage]:
    hint = 'Use {"fields": "__all__"} or {"fields": ["name", "status", ...]}.'
    fields = options.get("fields") if isinstance(options, Mapping) else None
    if fields == "__all__":
        return []
    if not isinstance(fields, list | tuple) or not fields:
        return [
            checks.Error(
                f'{obj}["fields"] must be "__all__" or a non-empty list of field names.',
                hint=hint,
                obj=obj,
                id="workflows.E004",
            )
        ]
    errors: list[checks.CheckMessage] = []
    for name in fields:
        try:
            model._meta.get_field(name)
        except (FieldDoesNotExist, TypeError):
            errors.append(
                checks.Error(
                    f'{obj}["fields"] names {name!r}, which is not a field of '
                    f"{model._meta.label}.",
                    hint=hint,
                    obj=obj,
                    id="workflows.E004",
                )
            )
    return errors


#: channels_redis waits for messages with blocking reads of this many seconds.
CHANNELS_REDIS_BLOCKING_READ = 5


def _redis_py_default_timeout() -> float | None:
    """redis-py's default socket timeout: 5 s from version 8, none before."""
    try:
        import redis
    except ImportError:
        return None
    major = str(getattr(redis, "__version__", "0")).split(".", 1)[0]
    return 5.0 if major.isdigit() and int(major) >= 8 else None


def _host_socket_timeout(host: Any, default: float | None) -> float | None:
    if isinstance(host, Mapping):
        if "socket_timeout" in host:
            return host["socket_timeout"]
        address = host.get("address")
        host = address if isinstance(address, str) else None
    if isinstance(host, str):
        values = parse_qs(urlsplit(host).query).get("socket_timeout")
        if values:
            try:
                return float(values[0])
            except ValueError:
                return default
    return default


@checks.register(TAG)
def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W001: a Redis channel layer whose socket timeout cuts its blocking reads."""
    layers = getattr(settings, "CHANNEL_LAYERS", None) or {}
    default = _redis_py_default_timeout()
    warnings: list[checks.CheckMessage] = []
    for name, layer in layers.items() if isinstance(layers, Mapping) else []:
        if not isinstance(layer, Mapping) or "channels_redis" not in str(layer.get("BACKEND")):
            continue
        config = layer.get("CONFIG") or {}
        hosts = config.get("hosts") or ["redis://localhost:6379"]
        for host in hosts if isinstance(hosts, list | tuple) else [hosts]:
            timeout = _host_socket_timeout(host, default)
            if timeout is not None and timeout <= CHANNELS_REDIS_BLOCKING_READ:
                warnings.append(checks.Warning(
                    f"CHANNEL_LAYERS[{name!r}] reads from Redis with a socket timeout of "
                    f"{timeout:g} s, no longer than channels_redis' blocking read "
                    f"({CHANNELS_REDIS_BLOCKING_READ} s): open live-update pages lose their "
                    "connection every few seconds.",
                    hint='Give each host a longer timeout, e.g. {"address": REDIS_URL, '
                         '"socket_timeout": 30}.',
                    obj=f"settings.CHANNEL_LAYERS[{name!r}]",
                    id="workflows.W001",
                ))
                break
    return warnings


@checks.register(TAG)
def check_admin_header(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """W002: Django's own ``admin/base_site.html`` wins over the app's.

    The notification inbox in the admin header comes from the app's
    ``admin/base_site.html``. Listed after ``django.contrib.admin`` in
    ``INSTALLED_APPS`` (and with no project template of that name), Django's own
    template is found first and the inbox never shows.
    """
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    if not apps.is_installed("django.contrib.admin"):
        return []
    try:
        template = get_template("admin/base_site.html")
    except TemplateDoesNotExist:
        return []
    origin = str(getattr(template.origin, "name", "") or "")
    admin_templates = str(apps.get_app_config("admin").path)
    if not origin.startswith(admin_templates):
        return []
    return [checks.Warning(
        "Django's own admin/base_site.html is used, so the notification inbox does not "
        "show in the admin header: 'workflows_app' comes after 'django.contrib.admin' "
        "in INSTALLED_APPS.",
        hint="List 'workflows_app' before 'django.contrib.admin', or add "
             "{% load workflows_inbox %}{% notification_indicator %} to the userlinks "
             "block of your project's own admin/base_site.html.",
        obj="settings.INSTALLED_APPS",
        id="workflows.W002",
    )]
