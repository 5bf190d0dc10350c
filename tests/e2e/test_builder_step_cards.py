"""Step cards come from the server: a project's own step type ("Compose a greeting",
tests/extension_app, one module, no JavaScript) added from the catalogue gets its
card through `builder/step-card/` (htmx), nested steps too, and what is typed in it
goes into the definition."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope
from tests.e2e.test_five_workflows import new_workflow
from tests.workflows_app.extension_support import STEP, extension_app  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_projects_own_step_gets_its_card_from_the_server(
        page: Page, live_server: Any, django_user_model: Any,
        extension_app: None) -> None:  # noqa: F811
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
    asked: list[dict[str, list[str]]] = []
    new_workflow(page, live_server.url, "Greetings", "A webhook is received")
    page.on("request", lambda request: asked.append(parse_qs(request.post_data or ""))
            if "/builder/step-card/" in request.url else None)

    page.get_by_role("button", name="+ Add a step").click()
    page.get_by_role("button", name="Compose a greeting").click()
    card = page.locator(f'.wb-step[data-step-type="{STEP}"]')
    expect(card.locator(".wb-step-title")).to_contain_text("Compose a greeting")
    name = card.locator('[data-path="steps[0].params.name"]')
    expect(name.locator("label.required")).to_have_text("Name:")
    expect(name.locator(".help")).to_have_text("Who to greet.")
    style = card.locator('[data-path="steps[0].params.style"]')
    expect(style.locator(".help")).to_have_text("Default: casual.")
    assert [item["type"] for item in asked] == [[STEP]]
    assert asked[0]["at"] == ["steps[0]"]

    name.get_by_label("Name").fill("Ada")
    style.locator("select").select_option(label="Formal")
    card.get_by_label("Label").fill("Greet Ada")
    step = json.loads(page.locator("#id_definition").input_value())["steps"][0]
    assert step["params"] == {"name": "Ada", "style": "formal"}
    assert (step["label"], step["key"]) == ("Greet Ada", "greet_ada")

    # A nested step list asks for its cards at the nested place.
    page.get_by_role("button", name="+ Add a step").click()
    page.get_by_role("button", name="For each item").click()
    wait_for_scope(page)
    loop = page.locator('.wb-step[data-path="steps[1]"]')
    loop.locator(".wb-add-nested-step").select_option(label="Compose a greeting")
    nested = loop.locator('.wb-step[data-path="steps[1].params.steps[0]"]')
    expect(nested.locator('[data-path="steps[1].params.steps[0].params.name"] label')
           ).to_have_text("Name:")
    assert {"type": [STEP], "at": ["steps[1].params.steps[0]"]}.items() <= {
        key: value for key, value in asked[-1].items() if key != "definition"}.items()

    # Moving a card keeps its values (the card at the new place comes from the server).
    page.get_by_role("button", name="Move step 2 up").click()
    moved = page.locator('.wb-step[data-path="steps[1]"]')
    expect(moved.get_by_label("Label")).to_have_value("Greet Ada")
    expect(moved.locator('[data-path="steps[1].params.name"] input')).to_have_value("Ada")

    # Saved with a required input left empty: nothing is saved, and the page comes
    # back with every card (none asked for), the message at the field.
    expect(page.locator(".wb-step[aria-busy]")).to_have_count(0)  # the nested one too
    asked.clear()
    page.click("#wb-save")
    expect(page.locator(".errornote").first).to_contain_text("Nothing was saved")
    expect(page.locator("#workflow-builder")).to_have_attribute("data-ready", "true")
    inline = page.locator('[data-path="steps[0].params.items"] > .wb-inline-errors')
    expect(inline).to_have_text("This is required.")
    expect(page.locator('.wb-step[data-path="steps[1]"]').get_by_label("Label")
           ).to_have_value("Greet Ada")
    assert asked == []


def test_a_moved_card_keeps_the_focus_on_its_button(page: Page, live_server: Any,
                                                    django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
    for label in ("Send an e-mail", "For each item", "Send an e-mail"):
        page.get_by_role("button", name="+ Add a step").click()
        page.get_by_role("button", name=label).click()
    expect(page.locator(".wb-step-list > .wb-step:not([aria-busy])")).to_have_count(3)
    page.get_by_role("button", name="Move step 3 up").click()  # its card, asked anew
    expect(page.get_by_role("button", name="Move step 2 up")).to_be_focused()
    expect(page.locator('.wb-step[data-path="steps[1]"]')).to_have_attribute(
        "data-step-type", "email.send")
    # A removal does not hand the focus to the next step's "Remove" (Enter twice would
    # remove two steps).
    page.get_by_role("button", name="Remove step 1").click()
    expect(page.locator(".wb-step-list > .wb-step:not([aria-busy])")).to_have_count(2)
    expect(page.get_by_role("button", name="Remove step 1")).not_to_be_focused()


def test_a_card_the_server_cannot_give_says_why(page: Page, live_server: Any,
                                                django_user_model: Any) -> None:
    from engine import step_registry
    from tests.e2e.test_builder import SendFax

    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    with step_registry.temporarily(SendFax):
        log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
    # The page offers the step; the server no longer knows it.
    page.get_by_role("button", name="+ Add a step").click()
    page.get_by_role("button", name="Send a fax").click()
    card = page.locator('.wb-step[data-step-type="test.e2e_fax"]')
    expect(card.locator(".wb-card-error")).to_have_text(
        "There is no step type “test.e2e_fax”.")
    card.get_by_role("button", name="Remove step 1").click()
    expect(page.locator(".wb-step")).to_have_count(0)
    assert json.loads(page.locator("#id_definition").input_value())["steps"] == []
