"""What the browser tests do in the builder more than once."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from workflows_app.models import Workflow


def save_and_activate(page: Page, name: str) -> Workflow:
    """Save a new workflow (version 1), switch it on, and return it."""
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    page.click("#wb-activate")
    expect(page.locator("#wb-active-state")).to_have_text("Active")
    return Workflow.objects.get(name=name)


def fill_email_step(step: Locator, subject: str, to: str = "ops@example.com") -> None:
    """Fill in the first step's e-mail (to, subject, a short body)."""
    step.locator('[data-path="steps[0].params.to"] input').fill(to)
    step.locator('[data-path="steps[0].params.subject"] textarea').fill(subject)
    step.locator('[data-path="steps[0].params.body"] textarea').fill("Have a look.")
