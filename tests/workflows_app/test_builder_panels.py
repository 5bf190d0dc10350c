"""Panels other features add to the builder page through `builder_panels`."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.workflows_app.test_admin_builder import client_for, make_user, sample
from workflows_app.admin.builder import BuilderPage
from workflows_app.admin.builder_panels import BuilderPanel, builder_panels
from workflows_app.forms import fields as form_fields
from workflows_app.forms import manual
from workflows_app.services import import_definition

pytestmark = pytest.mark.django_db


class NextRunsPanel(BuilderPanel):
    """Stands in for a feature's panel (its template: any template of the app)."""

    key = "next_runs_test"
    template_name = "workflows_app/admin/includes/favicon.html"
    order = 5

    def context(self, page: BuilderPage) -> dict[str, Any]:
        return {"seen": page.workflow.name}


def test_a_registered_panel_shows_on_the_change_page_for_editors_only() -> None:
    workflow = import_definition(sample()).workflow
    change = reverse("admin:workflows_app_workflow_change", args=[workflow.pk])
    editor = client_for(make_user("editor", "view_workflow", "change_workflow", "add_workflow"))
    viewer = client_for(make_user("viewer", "view_workflow"))
    with builder_panels.temporarily(NextRunsPanel):
        page = editor.get(change)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="wb-panel-next_runs_test"' in html
        assert html.index('id="wb-panel-next_runs_test"') > html.index('id="wb-steps"')
        shown = {panel["key"]: panel for panel in page.context["builder_panels"]}
        assert list(shown) == ["next_runs_test", "test_run"]  # by order
        assert shown["next_runs_test"]["context"] == {"seen": workflow.name}
        assert 'id="wb-panel-next_runs_test"' not in viewer.get(change).content.decode()
        adding = editor.get(reverse("admin:workflows_app_workflow_add"))
        assert adding.status_code == 200
        assert 'wb-panel-next_runs_test' not in adding.content.decode()
    assert 'wb-panel-next_runs_test' not in editor.get(change).content.decode()


def test_the_test_run_panel_is_a_builder_panel_for_editors_adding_too() -> None:
    workflow = import_definition(sample()).workflow
    change = reverse("admin:workflows_app_workflow_change", args=[workflow.pk])
    editor = client_for(make_user("editor", "view_workflow", "change_workflow", "add_workflow"))
    viewer = client_for(make_user("viewer", "view_workflow"))
    assert "test_run" in builder_panels
    for page in (editor.get(change), editor.get(reverse("admin:workflows_app_workflow_add"))):
        html = page.content.decode()
        assert html.count('id="wf-test-panel"') == 1
        assert html.index('id="wb-panel-test_run"') < html.index('id="wb-save"')
    assert 'id="wf-test-panel"' not in viewer.get(change).content.decode()


def test_one_form_field_registry_for_every_form() -> None:
    assert manual.register_form_field is form_fields.register_form_field
    assert manual.form_field_registry is form_fields.form_field_registry
