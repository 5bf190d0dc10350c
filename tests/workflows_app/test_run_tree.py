"""The run page shows nested steps as a tree: a branch's paths (taken or not, and
why), a loop's items with their status, and the values each step saw."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.workflows_app.support import create_workflow, http_step, order, runs_of
from workflows_app.execution.queue import drain


@pytest.mark.django_db
def test_run_page_shows_paths_taken_and_not_and_the_values_seen(admin_client, receiver,
                                                                allow_local_http):
    workflow = create_workflow("Route", [
        {"key": "route", "type": "branch", "params": {
            "paths": [{"label": "Big order", "when": {"ref": "record.total_amount", "op": "gte",
                                                      "value": 1000},
                       "steps": [http_step("tell_sales", receiver.url("/sales"))]}],
            "otherwise": [http_step("log_small", receiver.url("/small"))]}},
    ])
    small = order("5.00")
    drain()
    [run] = runs_of(workflow)
    page = admin_client.get(reverse("admin:workflows_app_run_change", args=[run.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-round-state="not taken"' in html and 'data-round-state="taken"' in html
    assert 'data-step-key="route.log_small" data-step-status="succeeded"' in html
    assert 'data-step-key="route.tell_sales" data-step-status=""' in html
    assert "1000" in html  # why the big-order path was not taken
    assert "record.number" in html and small.number in html  # values the step saw


@pytest.mark.django_db
def test_why_didnt_it_run_shows_each_path_and_item_of_the_run(admin_client, receiver,
                                                              allow_local_http):
    create_workflow("Route", [
        {"key": "route", "type": "branch", "params": {
            "paths": [{"label": "Big order", "when": {"ref": "record.total_amount", "op": "gte",
                                                      "value": 1000},
                       "steps": [http_step("tell_sales", receiver.url("/sales"))]}],
            "otherwise": [http_step("log_small", receiver.url("/small"))]}},
        {"key": "each", "type": "for_each", "params": {
            "items": ["a", "b"], "steps": [http_step("per_item", receiver.url("/item"))]}},
    ])
    small = order("5.00")
    drain()
    page = admin_client.get(reverse("admin:workflows_app_event_why"),
                            {"model": "demo.order", "pk": small.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Paths and items" in html
    assert 'data-round-state="not taken"' in html and 'data-round-state="taken"' in html
    assert "1000" in html  # why the big-order path was not taken
    assert 'data-step-key="each[1].per_item" data-step-status="succeeded"' in html
