"""Optional features and the package extras that install them.

The core install (``pip install django-workflows-engine``) runs on SQLite with
django-q2's database broker. Anything only some projects need is an extra::

    pip install "django-workflows-engine[postgres,redis,live]"

Each :class:`OptionalFeature` ties a feature to the modules it imports and the extra
that installs them, and says when the project's settings ask for it. The system
check ``workflows.E010`` (``python manage.py check``, run by ``migrate``,
``runserver`` and ``qcluster``) reports every feature the settings ask for whose
packages are missing, naming the extra to install, so a project finds out at
start-up rather than from an ``ImportError`` in the middle of a request. Code that
uses such a feature imports its modules lazily, after calling :func:`require`.

Adding a feature is one call, from any module imported at start-up::

    from workflows_app.extras import OptionalFeature, optional_features

    optional_features.register(OptionalFeature(
        name="SMS through Apprise", modules=("apprise",), extra="channels",
        in_use=lambda: "an sms.send step is registered"))
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from engine.registry import Registry

#: The distribution name, as ``pip install`` spells it.
DISTRIBUTION = "django-workflows-engine"


@dataclass(frozen=True)
class OptionalFeature:
    """A feature that needs packages the core install does not bring.

    - ``name``: what the user knows it as ("the Redis task broker"); unique.
    - ``modules``: import names that must all be importable; an entry may be a
      tuple of alternatives, any one of which will do (``("psycopg", "psycopg2")``).
    - ``extra``: the extra of :data:`DISTRIBUTION` that installs them.
    - ``in_use``: called when the checks run; returns the reason the settings ask
      for the feature (a sentence naming the setting, e.g. ``"settings.Q_CLUSTER
      has a 'redis' key"``), or None when they don't.
    - ``needed_to_start``: Django itself imports the modules while it starts (a
      database driver), before any system check can run; the app then raises
      :class:`MissingExtra` as it is loaded instead (see :func:`check_at_start`).
    """

    name: str
    modules: tuple[str | tuple[str, ...], ...]
    extra: str
    in_use: Callable[[], str | None]
    needed_to_start: bool = False

    def missing_modules(self) -> list[str]:
        """The modules of this feature that cannot be imported here (of alternatives,
        the first is named)."""
        missing = []
        for entry in self.modules:
            choices = (entry,) if isinstance(entry, str) else entry
            if not any(module_available(module) for module in choices):
                missing.append(choices[0])
        return missing

    def install_command(self) -> str:
        """``pip install "django-workflows-engine[<extra>]"``."""
        return f'pip install "{DISTRIBUTION}[{self.extra}]"'

    def missing_message(self, reason: str | None = None) -> str:
        """One sentence: what asks for the feature, what is missing, what to install."""
        missing = self.missing_modules()
        noun, verb = ("modules", "are") if len(missing) > 1 else ("module", "is")
        packages = ", ".join(repr(module) for module in missing)
        start = f"{reason}, so the" if reason else "The"
        return (f"{start} Python {noun} {packages} {verb} needed for {self.name} but not "
                f"installed. Install the '{self.extra}' extra: {self.install_command()}")


class MissingExtra(ImproperlyConfigured):
    """A feature was used whose packages are not installed (see :func:`require`)."""

    def __init__(self, feature: OptionalFeature, reason: str | None = None) -> None:
        super().__init__(feature.missing_message(reason))
        self.feature = feature


#: Every optional feature, by name (a registry like the steps' and triggers').
optional_features: Registry[OptionalFeature] = Registry("optional feature",
                                                        key_attribute="name")


def module_available(module: str) -> bool:
    """Whether ``import module`` would find the module (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing, or a broken one
        return False


def is_available(name: str) -> bool:
    """Whether every module of the feature called ``name`` can be imported."""
    return not optional_features.get(name).missing_modules()


def require(name: str, reason: str | None = None) -> None:
    """Raise :class:`MissingExtra` (an ``ImproperlyConfigured`` naming the extra to
    install) unless the feature called ``name`` can be used here."""
    feature = optional_features.get(name)
    if feature.missing_modules():
        raise MissingExtra(feature, reason)


def check_at_start() -> None:
    """Raise :class:`MissingExtra` for a feature Django needs while it starts (before
    the system checks) that the settings ask for and is not installed. Called when
    the app's configuration is created, so the error names the extra rather than
    leaving the user with Django's own ImportError from deep inside its start-up."""
    for feature in optional_features.values():
        if feature.needed_to_start and feature.missing_modules():
            reason = feature.in_use()
            if reason is not None:
                raise MissingExtra(feature, reason)


# --- The features of the core app -------------------------------------------------

POSTGRES = "PostgreSQL"
REDIS_BROKER = "the Redis task broker"
REDIS_CHANNEL_LAYER = "the Redis channel layer"
LIVE_UPDATES = "live updates of the run history pages"

#: django-q2 settings keys that choose a broker other than Redis, its default.
_NON_REDIS_BROKERS = ("orm", "mongo", "sqs", "iron_mq", "disque_nodes", "broker_class")


def _postgres_in_use() -> str | None:
    for alias, database in getattr(settings, "DATABASES", {}).items():
        engine = str(database.get("ENGINE", "")) if isinstance(database, Mapping) else ""
        if "postgresql" in engine or "postgis" in engine:
            return f"settings.DATABASES[{alias!r}] uses {engine}"
    return None


def _redis_broker_in_use() -> str | None:
    cluster: Any = getattr(settings, "Q_CLUSTER", {})
    if not isinstance(cluster, Mapping):
        return None
    if "redis" in cluster or "django_redis" in cluster:
        return "settings.Q_CLUSTER configures a Redis broker"
    if not any(cluster.get(key) for key in _NON_REDIS_BROKERS):
        return ("settings.Q_CLUSTER names no broker, so django-q2 uses Redis (set "
                "Q_CLUSTER['orm'] = 'default' to use the database instead)")
    return None


def _channel_layers() -> Mapping[str, Any]:
    layers = getattr(settings, "CHANNEL_LAYERS", None)
    return layers if isinstance(layers, Mapping) else {}


def _redis_channel_layer_in_use() -> str | None:
    for alias, layer in _channel_layers().items():
        backend = str(layer.get("BACKEND", "")) if isinstance(layer, Mapping) else ""
        if backend.startswith("channels_redis."):
            return f"settings.CHANNEL_LAYERS[{alias!r}] uses {backend}"
    return None


def _live_updates_in_use() -> str | None:
    from workflows_app.conf import workflow_settings

    try:
        wanted = workflow_settings.LIVE_UPDATES
    except ImproperlyConfigured:
        return None  # WORKFLOWS is not a dict: reported by workflows.E001
    if wanted is True:
        return "settings.WORKFLOWS['LIVE_UPDATES'] is True"
    if wanted is None and _channel_layers():
        return "settings.CHANNEL_LAYERS is set"
    return None


optional_features.register(OptionalFeature(
    name=POSTGRES, modules=(("psycopg", "psycopg2"),), extra="postgres", in_use=_postgres_in_use,
    needed_to_start=True))
optional_features.register(OptionalFeature(
    name=REDIS_BROKER, modules=("redis",), extra="redis", in_use=_redis_broker_in_use))
optional_features.register(OptionalFeature(
    name=REDIS_CHANNEL_LAYER, modules=("channels_redis", "redis"), extra="redis",
    in_use=_redis_channel_layer_in_use))
optional_features.register(OptionalFeature(
    name=LIVE_UPDATES, modules=("channels",), extra="live", in_use=_live_updates_in_use))


def live_updates_enabled() -> bool:
    """Whether the run history pages open a WebSocket for live updates.

    ``WORKFLOWS["LIVE_UPDATES"]``: True or False decides; None (the default) means
    "when django-channels is installed and ``CHANNEL_LAYERS`` is set". Never true
    without channels (workflows.E010 reports a True that cannot be honoured).
    """
    from workflows_app.conf import workflow_settings

    if not is_available(LIVE_UPDATES):
        return False
    wanted = workflow_settings.LIVE_UPDATES
    if wanted is None:
        return bool(_channel_layers())
    return bool(wanted)
