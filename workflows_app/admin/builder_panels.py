"""Sections that other features add to the builder page (a test run, a schedule's
next run times...), without editing the builder's template or view.

A panel is a class with a key, a template and an order; it is shown on the
change page of a workflow (not while adding one) when `is_shown` says so, and its
template gets the builder's context plus `panel` and what `context` returns::

    from workflows_app.admin.builder_panels import BuilderPanel, builder_panels

    @builder_panels.register
    class TestRunPanel(BuilderPanel):
        key = "test_run"
        template_name = "workflows_app/admin/panels/test_run.html"
        order = 10

        def context(self, page):
            return {"recent_events": ...}

Panels appear in `order` (then key) after the steps, inside the builder's form,
in the template block `builder_panels`; a project may also override that block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from engine.registry import Registry

if TYPE_CHECKING:
    from workflows_app.admin.builder import BuilderPage


class BuilderPanel:
    """One section of the builder page. Subclass, set `key` and `template_name`,
    and register the class with `builder_panels.register`."""

    key: ClassVar[str] = ""
    template_name: ClassVar[str] = ""
    #: Lower comes first.
    order: ClassVar[int] = 100
    #: Shown to users who may only view the workflow too.
    readonly_too: ClassVar[bool] = False

    def is_shown(self, page: BuilderPage) -> bool:
        """Whether the panel belongs on this page (default: saved workflows, and only
        for those who may change them unless `readonly_too`)."""
        if page.adding:
            return False
        return self.readonly_too or page.can_edit()

    def context(self, page: BuilderPage) -> dict[str, Any]:
        """Extra template context for the panel."""
        return {}


#: Panel classes by key.
builder_panels: Registry[type[BuilderPanel]] = Registry("builder panel")


def panels_for(page: BuilderPage) -> list[dict[str, Any]]:
    """The panels to show on `page`, in order, each with its template and context."""
    shown = []
    for panel_class in sorted(builder_panels.values(), key=lambda item: (item.order, item.key)):
        panel = panel_class()
        if panel.is_shown(page):
            shown.append({"key": panel.key, "template_name": panel.template_name,
                          "panel": panel, "context": panel.context(page)})
    return shown
