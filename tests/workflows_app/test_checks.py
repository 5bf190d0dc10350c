"""System checks on the ``WORKFLOWS`` setting fire with their ids."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings


def check_ids(workflows: Any) -> list[str]:
    with override_settings(WORKFLOWS=workflows):
        return [message.id for message in checks.run_checks(tags=["workflows"])]


def messages(workflows: Any) -> list[checks.CheckMessage]:
    with override_settings(WORKFLOWS=workflows):
        return checks.run_checks(tags=["workflows"])


def test_project_configuration_is_clean() -> None:
    assert [m.id for m in checks.run_checks(tags=["workflows"])] == []


@pytest.mark.parametrize(
    "workflows",
    [
        {},
        {"MODELS": {"demo.order": {"fields": ["number", "status", "customer"]}}},
        {"MODELS": {"demo.Order": {"fields": ("total_amount",)}}},
        {
            "HTTP_ALLOWED_PRIVATE_HOSTS": ["hooks.internal", "10.0.0.0/8", "192.168.1.5"],
            "WEBHOOK_MAX_BYTES": 1024,
            "MAX_CHAIN_DEPTH": 3,
            "DEDUPE_WINDOW_SECONDS": 0,
        },
    ],
)
def test_good_configurations_pass(workflows: dict) -> None:
    assert check_ids(workflows) == []


@pytest.mark.parametrize("workflows", [["MODELS"], "demo.order", 42])
def test_e001_not_a_dict(workflows: Any) -> None:
    assert check_ids(workflows) == ["workflows.E001"]


def test_e002_unknown_key_suggests_the_right_one() -> None:
    found = messages({"MODLES": {}, "MAX_CHAIN_DEPTH": 3})
    assert [m.id for m in found] == ["workflows.E002"]
    assert "Did you mean 'MODELS'?" in found[0].msg


@pytest.mark.parametrize("label", ["demo.nope", "nope.order", "order", "demo.order.extra", 7])
def test_e003_model_does_not_exist(label: Any) -> None:
    assert check_ids({"MODELS": {label: {"fields": "__all__"}}}) == ["workflows.E003"]


@pytest.mark.parametrize(
    "options",
    [
        {"fields": "all"},
        {"fields": []},
        {"fields": ["number", "bogus"]},
        {"fields": None},
        {},
        "__all__",
    ],
)
def test_e004_bad_fields(options: Any) -> None:
    assert check_ids({"MODELS": {"demo.order": options}}) == ["workflows.E004"]


def test_e004_names_each_bad_field() -> None:
    found = messages({"MODELS": {"demo.order": {"fields": ["nope", "number", "zip"]}}})
    assert [m.id for m in found] == ["workflows.E004", "workflows.E004"]
    assert "'nope'" in found[0].msg and "'zip'" in found[1].msg
    assert "demo.Order" in found[0].msg


@pytest.mark.parametrize(
    "workflows",
    [
        {"MODELS": ["demo.order"]},
        {"HTTP_ALLOWED_PRIVATE_HOSTS": "10.0.0.1"},
        {"HTTP_ALLOWED_PRIVATE_HOSTS": ["10.0.0.0/33"]},
        {"WEBHOOK_MAX_BYTES": "big"},
        {"MAX_CHAIN_DEPTH": -1},
        {"DEDUPE_WINDOW_SECONDS": True},
    ],
)
def test_e005_wrong_value_types(workflows: dict) -> None:
    assert check_ids(workflows) == ["workflows.E005"]


@pytest.mark.django_db  # Django 6.1's `check` asks the database about JSON support
def test_manage_py_check_reports_errors() -> None:
    with (
        override_settings(WORKFLOWS={"MODELS": {"demo.nope": {"fields": "__all__"}}}),
        pytest.raises(SystemCheckError, match=r"workflows\.E003"),
    ):
        call_command("check")


REDIS_LAYER = "channels_redis.core.RedisChannelLayer"


@pytest.mark.parametrize(("hosts", "warned"), [
    (["redis://127.0.0.1:6379/2"], True),  # redis-py 8: a 5 s read timeout by default
    ([{"address": "redis://127.0.0.1:6379/2"}], True),
    ([{"address": "redis://127.0.0.1:6379/2", "socket_timeout": 5}], True),
    ([{"address": "redis://127.0.0.1:6379/2", "socket_timeout": 30}], False),
    ([{"address": "redis://127.0.0.1:6379/2", "socket_timeout": None}], False),
    (["redis://127.0.0.1:6379/2?socket_timeout=30"], False),
])
def test_a_redis_channel_layer_needs_a_socket_timeout_longer_than_its_blocking_read(
        hosts: list[Any], warned: bool) -> None:
    import redis

    layers = {"default": {"BACKEND": REDIS_LAYER, "CONFIG": {"hosts": hosts}}}
    with override_settings(CHANNEL_LAYERS=layers):
        found = [m for m in checks.run_checks(tags=["workflows"]) if m.id == "workflows.W001"]
    if int(redis.__version__.split(".")[0]) < 8 and not any(
            isinstance(host, dict) and "socket_timeout" in host for host in hosts):
        warned = False  # older redis-py reads without a timeout
    assert bool(found) == warned
    if found:
        assert "socket_timeout" in (found[0].hint or "")



def test_workflows_app_after_the_admin_warns_that_the_inbox_will_not_show(settings) -> None:
    from workflows_app.checks import check_admin_header

    assert check_admin_header() == []  # the demo lists it first: the inbox shows
    apps_after_admin = [app for app in settings.INSTALLED_APPS if app != "workflows_app"]
    apps_after_admin.append("workflows_app")
    with override_settings(INSTALLED_APPS=apps_after_admin):
        [warning] = check_admin_header()
    assert warning.id == "workflows.W002"
    assert "notification inbox" in warning.msg
    assert "before 'django.contrib.admin'" in warning.hint
