"""What the browser tests do in the builder more than once."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from workflows_app.models import Workflow


def save_and_activate(page: Page, name: str) -> Workflow:
    """Save a new workflow (version 1), switch it on, and return it."""
    page.click("#wb-save")
    expect(page.locator(".messagelist")).to_contain_text("was saved as version 1")
    page.click("#wb-activate")
    expect(page.locator("#wb-active-state")).to_have_text("Active")
    return Workflow.objects.get(name=name)
