"""The admin builder in a real browser, through the UI alone.

"When an order is created and its total is at least 10000, email
ops@example.com with the order number in the subject": built, saved (version 1),
changed (version 2, the diff, the history naming the user), then broken on
purpose (the inline error, nothing saved).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine import Output, Param, StepType, step_registry
from engine.types import Choice, Number, Phone, String, Text
from engine.types.array import ArrayType
from workflows_app.models import Workflow

pytestmark = pytest.mark.e2e

NAME = "Big orders to operations"
PASSWORD = "correct-horse-battery"


def log_in(page: Page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/admin/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")


def wait_for_scope(page: Page) -> None:
    """The builder refreshes the references it offers after structural changes, and
    the server renders the inputs of its widgets (schedule, rows) once shown."""
    expect(page.locator("#workflow-builder")).not_to_have_attribute("data-scope-loading",
                                                                    "true")
    expect(page.locator("#workflow-builder .wb-widget-loading")).to_have_count(0)
    expect(page.locator("#workflow-builder [data-wb-pending]")).to_have_count(0)


def test_build_change_and_break_a_workflow(page: Page, live_server: Any,
                                           django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    base = live_server.url
    log_in(page, base, "ada", "/admin/workflows_app/workflow/add/")

    # -- build it ------------------------------------------------------------------------
    page.fill("#id_name", NAME)
    page.get_by_label("A record is created").check()
    page.locator("#wb-trigger-config").get_by_label("Model").select_option(
        label="Order (demo.order)")
    wait_for_scope(page)

    page.get_by_role("button", name="+ Add a condition").click()
    leaf = page.locator(".wb-leaf").first
    leaf.get_by_label("Value to test").select_option(label="Total amount (Number)")
    leaf.get_by_label("Comparison").select_option(label="is at least")
    leaf.locator(".wb-leaf-value input[type=number]").fill("10000")

    page.get_by_role("button", name="+ Add a step").click()
    page.get_by_role("button", name="Send an e-mail").click()
    step = page.locator(".wb-step").first
    step.locator('[data-path="steps[0].params.to"] input[type=email]').fill("ops@example.com")
    subject = step.locator('[data-path="steps[0].params.subject"] textarea')
    subject.fill("New order ")
    step.locator('[data-path="steps[0].params.subject"]').get_by_label(
        "Insert variable").select_option(label="Number (Text)")
    expect(subject).to_have_value("New order {{ record.number }}")
    step.locator('[data-path="steps[0].params.body"] textarea').fill(
        "Order {{ record.number }} totals {{ record.total_amount }}.")

    page.click("#wb-save-activate")  # saved and live in one action
    expect(page.locator(".messagelist")).to_contain_text(
        f"The workflow “{NAME}” was saved as version 1. It is live")
    expect(page.locator("#wb-live-version")).to_have_text("Live version: 1")

    workflow = Workflow.objects.get(name=NAME)
    assert workflow.live_version.definition == {
        "schema_version": 1,
        "name": NAME,
        "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "conditions": {"ref": "record.total_amount", "op": "gte", "value": 10000},
        "steps": [{"key": "email_send", "type": "email.send", "params": {
            "to": ["ops@example.com"],
            "subject": "New order {{ record.number }}",
            "body": "Order {{ record.number }} totals {{ record.total_amount }}.",
        }}],
    }

    # -- change the threshold --------------------------------------------------------------
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    page.locator(".wb-leaf .wb-leaf-value input[type=number]").fill("20000")
    page.fill("#id_change_note", "Only really big orders")
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 2.")
    expect(page.locator("#wb-live-version")).to_have_text("Live version: 2")

    page.locator('#wb-versions tr[data-version="2"]').get_by_role("link", name="Changes").click()
    expect(page.locator("#wb-changes")).to_contain_text(
        "Only if \u203a Compare with: changed from 10000 to 20000")

    page.get_by_role("link", name=NAME).click()
    page.get_by_role("link", name="History").click()
    latest = page.locator("#change-history tbody tr").first
    expect(latest).to_contain_text("ada")
    expect(latest).to_contain_text("Live version")
    expect(latest).to_contain_text("version 2")

    # -- an invalid change is refused, inline -----------------------------------------------
    page.go_back()
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    page.locator('[data-path="steps[0].params.subject"] textarea').fill("")
    page.click("#wb-save")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    expect(page.locator(".errornote")).to_contain_text("Nothing was saved")
    inline = page.locator('[data-path="steps[0].params.subject"] > .wb-inline-errors')
    expect(inline).to_have_text("This is required.")
    expect(page.locator("#wb-error-summary")).to_contain_text(
        "Step 1, Send an e-mail \u203a Subject: This is required.")
    expect(page.locator('[data-path="steps[0].params.subject"] textarea')).to_have_value("")

    workflow.refresh_from_db()
    assert workflow.versions.count() == 2
    assert workflow.live_version.number == 2
    assert workflow.live_version.definition["steps"][0]["params"]["subject"] == (
        "New order {{ record.number }}")


class SendFax(StepType):
    """A step that exists only while the next test runs."""

    key = "test.e2e_fax"
    label = "Send a fax"
    description = "Fax a cover page."
    group = "Old-school messaging"
    params = (
        Param("numbers", ArrayType(Phone(), min_items=1), "Fax numbers"),
        Param("cover", Text(), "Cover page"),
        Param("pages", Number(), "Pages", required=False),
        Param("quality", Choice([("draft", "Draft"), ("fine", "Fine")]), "Quality"),
    )
    outputs = (Output("fax_id", String(), "Fax id"),)


def test_a_new_step_class_gets_its_inputs_in_the_builder(page: Page, live_server: Any,
                                                         django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    with step_registry.temporarily(SendFax):
        log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
        page.get_by_role("button", name="+ Add a step").click()
        page.get_by_role("button", name="Send a fax").click()
        card = page.locator('.wb-step[data-step-type="test.e2e_fax"]')
        expect(card).to_contain_text("Fax a cover page.")
        params = 'steps[0].params'
        expect(card.locator(f'[data-path="{params}.numbers"] input[type=tel]')).to_be_visible()
        expect(card.locator(f'[data-path="{params}.cover"] textarea')).to_be_visible()
        expect(card.locator(f'[data-path="{params}.cover"]').get_by_label(
            "Insert variable")).to_be_visible()
        expect(card.locator(f'[data-path="{params}.pages"] input[type=number]')).to_be_visible()
        card.locator(f'[data-path="{params}.quality"] select').select_option(label="Fine")
        definition = page.locator("#id_definition").input_value()
        assert '"type": "test.e2e_fax"' in definition
        assert '"quality": "fine"' in definition


def test_view_only_users_see_everything_disabled(page: Page, live_server: Any,
                                                 django_user_model: Any) -> None:
    from django.contrib.auth.models import Permission

    from workflows_app.services import import_definition

    workflow = import_definition({
        "schema_version": 1, "name": NAME, "description": "",
        "trigger": {"type": "model.created", "model": "demo.order"},
        "conditions": {"all": [{"ref": "record.total_amount", "op": "gte", "value": 10000}]},
        "steps": [{"key": "mail", "type": "email.send", "params": {
            "to": ["ops@example.com"], "subject": "New order {{ record.number }}",
            "body": "Have a look."}}],
    }).workflow
    viewer = django_user_model.objects.create_user("viewer", "v@example.com", PASSWORD,
                                                   is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    log_in(page, live_server.url, "viewer",
           f"/admin/workflows_app/workflow/{workflow.pk}/change/")
    expect(page.locator(".wb-readonly-note")).to_be_visible()
    expect(page.locator("#wb-save")).to_have_count(0)
    expect(page.get_by_role("button", name="+ Add a step")).to_be_hidden()
    fields = page.locator("#workflow-builder").locator("input, select, textarea")
    assert fields.count() > 5
    assert page.locator("#workflow-builder").locator(
        "input:enabled, select:enabled, textarea:enabled").count() == 0
    expect(page.locator(".wb-leaf .wb-leaf-value input")).to_have_value("10000")


def test_saving_a_sample_unchanged_makes_no_new_version(page: Page, live_server: Any,
                                                       django_user_model: Any) -> None:
    """The builder renders every sample faithfully: saving without edits changes nothing."""
    import json
    from pathlib import Path

    from workflows_app.services import import_definition

    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    samples = sorted((Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows")
                     .glob("*.json"))
    workflows = [import_definition(json.loads(path.read_text(encoding="utf-8"))).workflow
                 for path in samples]
    assert workflows
    first = f"/admin/workflows_app/workflow/{workflows[0].pk}/change/"
    log_in(page, live_server.url, "ada", first)
    for workflow in workflows:
        page.goto(f"{live_server.url}/admin/workflows_app/workflow/{workflow.pk}/change/")
        expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
        page.click("#wb-save")
        expect(page.locator(".messagelist")).to_contain_text("Nothing changed")
        assert workflow.versions.count() == 1, workflow.name
