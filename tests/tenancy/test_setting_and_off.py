"""The TENANT setting: its checks, its command-line options, and nothing at all
when it is not set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from tests.tenancy.conftest import MODELS, TENANT_SETTING, World, escalation, webhook_workflow
from workflows_app.models import Event, Workflow
from workflows_app.services import save_definition
from workflows_app.tenancy import checks
from workflows_app.tenancy.events import event_tenant
from workflows_app.tenancy.scoping import creation_tenant, scope, visibility

pytestmark = pytest.mark.django_db


def check_ids() -> list[str]:
    return [message.id for message in checks.check_tenant()]


def test_a_good_setting_passes_the_checks(tenancy: None) -> None:
    assert check_ids() == []


@pytest.mark.parametrize(("change", "expected"), [
    ({"MODEL": "tenant_app.nothing"}, "workflows.E030"),
    ({"USER_TENANTS": "tests.tenant_app.tenancy.missing"}, "workflows.E030"),
    ({"USER_FIELD": "username"}, "workflows.E032"),
    ({"COLOUR": "blue"}, "workflows.E030"),
])
def test_a_broken_setting_is_a_check_error(tenancy: None, settings: Any,
                                           change: dict[str, str], expected: str) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS, "TENANT": {**TENANT_SETTING, **change}}
    assert expected in check_ids()


def test_a_registered_model_without_a_way_to_its_tenant_is_a_check_error(
        tenancy: None, settings: Any) -> None:
    settings.WORKFLOWS = {**settings.WORKFLOWS,
                          "MODELS": {**MODELS, "auth.group": {"fields": "__all__"},
                                     "tenant_app.membership": {"fields": "__all__",
                                                               "tenant": "user"}}}
    errors = [message for message in checks.check_tenant() if message.id == "workflows.E031"]
    assert len(errors) == 2
    assert "auth.group" in errors[0].msg + errors[1].msg


def test_import_and_export_name_their_tenant(world: World, tmp_path: Path,
                                             capsys: Any) -> None:
    path = tmp_path / "escalation.json"
    changed = escalation()
    changed["description"] = "imported for Bolt"
    path.write_text(json.dumps(changed))
    call_command("workflows_import", str(path), "--tenant", str(world.bolt.pk))
    world.bolt_flow.refresh_from_db()
    assert world.bolt_flow.live_version.definition["description"] == "imported for Bolt"
    assert "description" not in world.acme_flow.live_version.definition
    with pytest.raises(CommandError, match="no organisation has the id"):
        call_command("workflows_import", str(path), "--tenant", "999999")
    capsys.readouterr()
    call_command("workflows_export", "--tenant", str(world.acme.pk))
    exported = json.loads(capsys.readouterr().out)
    assert [item["name"] for item in exported] == ["Escalate urgent tickets"]
    assert "description" not in exported[0]


def test_without_the_setting_the_helpers_change_nothing_and_ask_nothing(
        django_assert_num_queries: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("plain")
    workflow = save_definition(webhook_workflow("Plain")).workflow
    request = RequestFactory().get("/")
    request.user = user
    queryset = Workflow.objects.all()
    with django_assert_num_queries(0):
        assert scope(queryset, user) is queryset
        assert scope(queryset, AnonymousUser()) is queryset
        assert visibility(user).everything
        assert creation_tenant(request) is None
        assert event_tenant(workflow=workflow.pk) is None
    assert workflow.tenant_id is None
    assert not Event.objects.exclude(tenant_id=None).exists()
    # Names stay unique among all workflows.
    from engine import InvalidDefinition

    with pytest.raises(InvalidDefinition, match="already named"):
        save_definition(webhook_workflow("Plain"))
