"""Every widget of the builder opened once in Chromium, with the console and page
errors listened to: any JavaScript error (or failed request) fails the test.

The tour: every trigger and its settings; every step of the catalogue with its
options open and "only run this step if" on; every reference the conditions offer
with every operator it has (so every value input); list rows added and removed;
steps moved and removed (flow steps such as `branch` included: their paths are
repeated row groups holding nested step lists); and a test-only step typed the
same way, to show such params render by type without builder code.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine import Param, StepType, step_registry
from engine.types import String
from engine.types.array import ArrayType
from engine.types.step_list import StepList
from engine.types.structure import StructField, StructType
from tests.e2e.test_builder import PASSWORD, log_in, wait_for_scope

pytestmark = pytest.mark.e2e


TOUR_PATH = StructType((
    StructField("label", String(), "Label", required=False),
    StructField("steps", StepList(), "Steps", required=False),
), type_name="TourPath", label="Path")


class TourBranch(StepType):
    """A step with repeated row groups holding nested step lists."""

    key = "test.tour_branch"
    label = "Tour branch"
    description = "Paths, each with its own steps."
    group = "Tour"
    params = (
        Param("paths", ArrayType(TOUR_PATH), "Paths"),
        Param("otherwise", StepList(), "Otherwise", required=False),
    )


def listen(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"console {message.type}: "
                                                       f"{message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    return problems


def every_option(select: Any) -> list[str]:
    return [value for value in select.locator("option").evaluate_all(
        "options => options.map(option => option.value)") if value]


def test_every_widget_opens_without_a_javascript_error(page: Page, live_server: Any,
                                                      django_user_model: Any) -> None:
    django_user_model.objects.create_superuser("ada", "ada@example.com", PASSWORD)
    problems = listen(page)
    with step_registry.temporarily(TourBranch):
        log_in(page, live_server.url, "ada", "/admin/workflows_app/workflow/add/")
        page.fill("#id_name", "Tour")

        # -- every trigger, and its settings --------------------------------------------
        radios = page.locator('#wb-trigger-picker input[name="wb-trigger"]')
        assert radios.count() >= 7
        for index in range(radios.count()):
            radios.nth(index).check()
            wait_for_scope(page)
            config = page.locator("#wb-trigger-config")
            expect(config).not_to_be_empty()
            for select in config.locator("select").all():
                options = every_option(select)
                if options:
                    select.select_option(options[0])
                    wait_for_scope(page)
        page.get_by_label("A record is updated").check()
        page.locator("#wb-trigger-config").get_by_label("Model").select_option(
            label="Order (demo.order)")
        wait_for_scope(page)

        # -- every step of the catalogue --------------------------------------------------
        page.get_by_role("button", name="+ Add a step").click()
        step_types = page.locator("#wb-catalogue [data-step-type]").evaluate_all(
            "buttons => buttons.map(button => button.dataset.stepType)")
        page.get_by_role("button", name="+ Add a step").click()
        assert "test.tour_branch" in step_types
        for step_type in step_types:
            page.get_by_role("button", name="+ Add a step").click()
            page.locator(f'#wb-catalogue [data-step-type="{step_type}"]').click()
            wait_for_scope(page)
        cards = page.locator("#wb-steps > .wb-step-list > .wb-step")
        expect(cards).to_have_count(len(step_types))
        for index in range(len(step_types)):
            card = cards.nth(index)
            card.locator(":scope > .wb-step-body > .wb-step-options > summary").click()
            card.locator(":scope > .wb-step-body > .wb-step-options").get_by_label(
                "Only run this step if").check()
            add_rows = card.locator(":scope > .wb-step-body > .wb-params .wb-add-item")
            for button in add_rows.all():
                button.click()
            for inserter in card.locator(".wb-insert-variable").all()[:1]:
                options = every_option(inserter)
                if options:
                    inserter.select_option(options[0])
        # rows removed again
        removers = page.locator(".wb-list-row > .wb-icon-button")
        if removers.count():
            removers.first.click()

        # -- the nested step lists of the structure rows ---------------------------------
        branch = page.locator('.wb-step[data-step-type="test.tour_branch"]').first
        branch.locator(".wb-add-item").first.click()
        branch.get_by_label("Label").last.fill("Big orders")
        nested_adder = branch.locator(".wb-struct .wb-add-nested-step").last
        nested_adder.select_option(label="Send an e-mail")
        wait_for_scope(page)
        nested = page.locator('.wb-step[data-step-type="test.tour_branch"] '
                              '.wb-nested-step-list > .wb-step')
        expect(nested).to_have_count(1)
        definition = json.loads(page.locator("#id_definition").input_value())
        tour = next(step for step in definition["steps"] if step["type"] == "test.tour_branch")
        assert tour["params"]["paths"][-1]["label"] == "Big orders"
        assert tour["params"]["paths"][-1]["steps"][0]["type"] == "email.send"
        inner_key = tour["params"]["paths"][-1]["steps"][0]["key"]
        keys = [step["key"] for step in definition["steps"]]
        assert inner_key not in keys  # keys are unique across the nesting

        # -- conditions: every reference, every operator, every value input -----------------
        page.locator("#wb-conditions").get_by_role("button", name="+ Add a condition").click()
        # The row comes from the server (htmx): wait for it.
        expect(page.locator("#wb-conditions .wb-leaf-row[aria-busy]")).to_have_count(0)
        leaf = page.locator("#wb-conditions .wb-leaf").first
        references = every_option(leaf.get_by_label("Value to test"))
        assert len(references) > 5
        for reference in references:
            leaf = page.locator("#wb-conditions .wb-leaf").first
            leaf.get_by_label("Value to test").select_option(reference)
            # The operators come from the server (htmx): wait for its answer.
            expect(leaf.locator(".wb-leaf-op[aria-busy]")).to_have_count(0)
            for operator in every_option(leaf.get_by_label("Comparison")):
                page.locator("#wb-conditions .wb-leaf").first.get_by_label(
                    "Comparison").select_option(operator)
                expect(page.locator("#wb-conditions .wb-leaf-op[aria-busy]")).to_have_count(0)
                mode = page.locator("#wb-conditions .wb-leaf .wb-mode")
                if mode.count():
                    mode.first.select_option("ref")
                    mode.first.select_option(mode.first.locator("option").first
                                             .get_attribute("value"))
        conditions = page.locator("#wb-conditions")
        conditions.get_by_role("button", name="+ Condition (AND)").click()
        conditions.get_by_role("button", name="+ Group (OR)").click()
        expect(conditions.locator(".wb-group")).to_have_count(2)
        conditions.get_by_role("button", name="Remove this group").click()

        # -- reorder and remove steps ------------------------------------------------------
        page.get_by_role("button", name="Move step 1 down").first.click()
        page.get_by_role("button", name="Move step 2 up").first.click()
        page.get_by_role("button", name="Remove step 1").first.click()
        expect(cards).to_have_count(len(step_types) - 1)
        page.locator("#wb-json-details, .wb-json-details > summary").first.click()

    assert problems == []
