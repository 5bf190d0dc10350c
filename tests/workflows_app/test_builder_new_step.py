"""A step class written in a new module appears in the builder with its inputs.

Nothing but the module is written: no template, no form, no builder code.
"""

from __future__ import annotations

import html
import importlib
import json
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from engine import step_registry
from workflows_app.models import Workflow

MODULE = "wb_test_fax_step"
STEP_KEY = "test.send_fax"

SOURCE = textwrap.dedent('''
    """A step that exists only for this test."""

    from engine import Output, Param, StepType, step_registry
    from engine.types import Choice, Number, Phone, String, Text
    from engine.types.array import ArrayType


    @step_registry.register
    class SendFax(StepType):
        key = "test.send_fax"
        label = "Send a fax"
        description = "Fax a cover page to one or more numbers."
        group = "Old-school messaging"
        params = (
            Param("numbers", ArrayType(Phone(), min_items=1), "Fax numbers"),
            Param("cover", Text(), "Cover page"),
            Param("pages", Number(), "Pages", required=False, default=1),
            Param("quality", Choice([("draft", "Draft"), ("fine", "Fine")]), "Quality"),
        )
        outputs = (Output("fax_id", String(), "Fax id"),)

        def run(self, inputs, context):
            return {"fax_id": "fax-1"}
''')


@pytest.fixture
def fax_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[type]:
    (tmp_path / f"{MODULE}.py").write_text(SOURCE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(MODULE)
    try:
        yield module.SendFax
    finally:
        step_registry.unregister(STEP_KEY)
        sys.modules.pop(MODULE, None)


@pytest.fixture
def superuser_client(db: None) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def embedded_metadata(content: str) -> dict[str, Any]:
    match = re.search(r'<script id="workflow-builder-metadata" type="application/json">(.*?)'
                      r"</script>", content, re.S)
    assert match, "the builder page embeds its metadata"
    return json.loads(html.unescape(match.group(1)))


def test_new_step_appears_in_the_builder_with_its_inputs(fax_step: type,
                                                         superuser_client: Client) -> None:
    response = superuser_client.get(reverse("admin:workflows_app_workflow_add"))
    assert response.status_code == 200
    content = response.content.decode()

    metadata = embedded_metadata(content)
    groups = {group["group"]: group["items"] for group in metadata["steps"]}
    [step] = groups["Old-school messaging"]
    assert (step["key"], step["label"]) == (STEP_KEY, "Send a fax")
    assert step["description"] == "Fax a cover page to one or more numbers."
    params = {param["name"]: param for param in step["params"]}
    assert list(params) == ["numbers", "cover", "pages", "quality"]
    assert params["numbers"]["value_type"]["type"] == "Phone[]"
    assert params["numbers"]["value_type"]["item"]["input"]["widget"] == "tel"
    assert params["cover"]["value_type"]["input"]["widget"] == "template"
    assert params["pages"]["value_type"]["input"]["widget"] == "number"
    assert params["pages"]["default"] == 1 and params["pages"]["required"] is False
    assert params["quality"]["value_type"]["input"]["options"] == [
        {"value": "draft", "label": "Draft"}, {"value": "fine", "label": "Fine"}]
    assert step["outputs"] == [{"name": "fax_id", "label": "Fax id", "type": "String",
                                "help": ""}]

    # The server-rendered catalogue lists it with its inputs.
    assert f'data-step-type="{STEP_KEY}"' in content
    assert "Old-school messaging" in content
    assert "Fax a cover page to one or more numbers." in content
    assert "Inputs: Fax numbers, Cover page, Pages, Quality" in content


def test_new_step_can_be_saved_and_its_outputs_used(fax_step: type,
                                                    superuser_client: Client) -> None:
    definition = {
        "schema_version": 1, "name": "Fax big orders", "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "steps": [
            {"key": "fax", "type": STEP_KEY,
             "params": {"numbers": ["+44 20 7946 0000"], "cover": "Order {{ record.number }}",
                        "quality": "fine"}},
            {"key": "mail", "type": "email.send",
             "params": {"to": ["ops@example.com"], "subject": "Faxed {{ steps.fax.fax_id }}",
                        "body": "Done."}},
        ],
    }
    response = superuser_client.post(reverse("admin:workflows_app_workflow_add"),
                                     {"definition": json.dumps(definition)})
    assert response.status_code == 302
    workflow = Workflow.objects.get(name="Fax big orders")
    assert workflow.live_version.definition == definition

    page = superuser_client.get(reverse("admin:workflows_app_workflow_change",
                                        args=[workflow.pk]))
    paths = {entry["path"]: entry for entry in page.context["metadata"]["scope"]["paths"]}
    assert paths["steps.fax.fax_id"]["step"] == 0
    assert paths["steps.fax.fax_id"]["group"] == "Step 1: Send a fax"

    bad = json.loads(json.dumps(definition))
    bad["steps"][0]["params"]["quality"] = "glossy"
    response = superuser_client.post(reverse("admin:workflows_app_workflow_change",
                                             args=[workflow.pk]),
                                     {"definition": json.dumps(bad)})
    errors = {error["path"]: error["message"] for error in response.context["errors"]}
    assert '"glossy" is not one of the options' in errors["steps[0].params.quality"]
    assert workflow.versions.count() == 1


def test_the_step_is_gone_once_unregistered(superuser_client: Client) -> None:
    content = superuser_client.get(reverse("admin:workflows_app_workflow_add")).content.decode()
    assert STEP_KEY not in content
