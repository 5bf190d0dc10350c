"""Optional features: a setting that asks for a feature whose extra is not installed
is a system check error (workflows.E010) naming the extra, never an ImportError.

A package is made "not installed" the way Python itself allows: a ``None`` entry
in ``sys.modules`` makes ``import`` fail and ``importlib.util.find_spec`` answer
None. (The wheel test in tests/packaging checks the same against a real install
without the extras.)
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from engine import AlreadyRegistered
from tests.workflows_app.history_support import VIEW_PERMISSIONS, client_for, make_user
from workflows_app.checks import check_optional_features
from workflows_app.extras import (
    LIVE_UPDATES,
    MissingExtra,
    OptionalFeature,
    check_at_start,
    live_updates_enabled,
    optional_features,
    require,
)

ORM_BROKER = {"name": "t", "orm": "default"}
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make ``modules`` not importable for the rest of the test."""
    for module in modules:
        for name in [name for name in sys.modules if name.startswith(f"{module}.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setitem(sys.modules, module, None)


def e010(**settings: Any) -> list[checks.CheckMessage]:
    with override_settings(**settings):
        found = check_optional_features()
    assert {message.id for message in found} <= {"workflows.E010"}
    return found


def test_demo_settings_need_nothing_missing() -> None:
    assert check_optional_features() == []
    assert "workflows.E010" not in [m.id for m in checks.run_checks(tags=["workflows"])]


def test_redis_broker_without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "redis")
    found = e010(Q_CLUSTER={"name": "t", "redis": "redis://127.0.0.1:6379/0"},
                 CHANNEL_LAYERS={})
    assert len(found) == 1
    assert "Q_CLUSTER" in found[0].msg and "'redis'" in found[0].msg
    assert 'pip install "django-workflows-engine[redis]"' in found[0].msg
    assert found[0].id == "workflows.E010"


def test_no_broker_named_is_django_q2s_redis_default(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "redis")
    found = e010(Q_CLUSTER={"name": "t"}, CHANNEL_LAYERS={})
    assert len(found) == 1
    assert "names no broker" in found[0].msg and "[redis]" in found[0].msg
    assert "Q_CLUSTER['orm'] = 'default'" in found[0].msg


def test_database_broker_needs_no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "redis", "channels_redis", "channels")
    assert e010(Q_CLUSTER=ORM_BROKER, CHANNEL_LAYERS={}) == []


def test_redis_channel_layer_without_channels_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "channels_redis")
    layers = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}
    found = e010(Q_CLUSTER=ORM_BROKER, CHANNEL_LAYERS=layers)
    assert [m.obj for m in found] == ["the Redis channel layer"]
    assert "'channels_redis'" in found[0].msg and "[redis]" in found[0].msg


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_postgresql_without_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "psycopg", "psycopg2")
    databases = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
    with override_settings(DATABASES=databases, Q_CLUSTER=ORM_BROKER, CHANNEL_LAYERS={}):
        found = check_optional_features()
    assert len(found) == 1
    assert "settings.DATABASES['default'] uses django.db.backends.postgresql" in found[0].msg
    assert "[postgres]" in found[0].msg


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_missing_database_driver_is_reported_as_the_app_loads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Django imports the driver while it starts, before any check can run."""
    hide(monkeypatch, "psycopg", "psycopg2")
    databases = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
    with override_settings(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                                                  "NAME": "shop.sqlite3"}}):
        check_at_start()  # SQLite needs no driver: nothing to say
    with override_settings(DATABASES=databases), pytest.raises(MissingExtra) as raised:
        check_at_start()
    assert str(raised.value).startswith(
        "settings.DATABASES['default'] uses django.db.backends.postgresql, so the Python "
        "module 'psycopg' is needed for PostgreSQL but not installed.")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_psycopg2_will_do_for_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "psycopg")
    monkeypatch.setitem(sys.modules, "psycopg2", sys.modules["json"])  # "installed"
    databases = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "shop"}}
    with override_settings(DATABASES=databases, Q_CLUSTER=ORM_BROKER, CHANNEL_LAYERS={}):
        assert check_optional_features() == []


@pytest.mark.parametrize(("workflows", "layers"), [
    ({"LIVE_UPDATES": True}, {}),
    ({}, IN_MEMORY),
])
def test_live_updates_without_channels(monkeypatch: pytest.MonkeyPatch, workflows: dict,
                                       layers: dict) -> None:
    hide(monkeypatch, "channels")
    found = e010(WORKFLOWS=workflows, Q_CLUSTER=ORM_BROKER, CHANNEL_LAYERS=layers)
    assert [m.obj for m in found] == [LIVE_UPDATES]
    assert '[live]"' in found[0].msg
    assert not live_updates_enabled()


def test_live_updates_turned_off_need_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "channels")
    assert e010(WORKFLOWS={"LIVE_UPDATES": False}, Q_CLUSTER=ORM_BROKER,
                CHANNEL_LAYERS={}) == []


def test_live_updates_setting_is_type_checked() -> None:
    with override_settings(WORKFLOWS={"LIVE_UPDATES": "yes"}):
        found = checks.run_checks(tags=["workflows"])
    assert [m.id for m in found] == ["workflows.E005"]
    assert "LIVE_UPDATES" in found[0].msg


def test_importing_the_live_routing_without_channels_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    hide(monkeypatch, "channels")
    for module in ("workflows_app.live.routing", "workflows_app.live.consumers"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"django-workflows-engine\[live\]"):
        import workflows_app.live.routing  # noqa: F401


@pytest.mark.django_db
@pytest.mark.parametrize(("workflows", "hidden", "live"), [
    ({}, (), True),  # the demo: channels installed, CHANNEL_LAYERS set
    ({"LIVE_UPDATES": False}, (), False),
    ({}, ("channels",), False),
])
def test_runs_pages_open_a_socket_only_with_live_updates(
        monkeypatch: pytest.MonkeyPatch, workflows: dict, hidden: tuple[str, ...],
        live: bool) -> None:
    hide(monkeypatch, *hidden)
    client = client_for(make_user("support", *VIEW_PERMISSIONS))
    with override_settings(WORKFLOWS=workflows):
        response = client.get(reverse("admin:workflows_app_run_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert ('data-live-socket="/ws/workflows/runs/"' in html) is live
    assert ("Connecting for live updates" in html) is live


def test_registry_refuses_duplicates_and_require_names_the_extra() -> None:
    feature = OptionalFeature(name="test: a made-up feature",
                              modules=("json", ("no_such_module_x", "no_such_module_y")),
                              extra="made-up", in_use=lambda: "the test asks for it")
    with optional_features.temporarily(feature):
        with pytest.raises(AlreadyRegistered):
            optional_features.register(feature)
        assert feature.missing_modules() == ["no_such_module_x"]
        with pytest.raises(MissingExtra) as raised:
            require(feature.name)
        assert str(raised.value) == (
            "The Python module 'no_such_module_x' is needed for test: a made-up feature but "
            "not installed. Install the 'made-up' extra: "
            'pip install "django-workflows-engine[made-up]"')
        assert [m.obj for m in check_optional_features()] == [feature.name]
    assert check_optional_features() == []
