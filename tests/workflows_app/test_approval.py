"""`approval`: a run waits for a person's decision, given on the approval's admin
page or through the API, with a comment; a later `branch` acts on it; only the
people asked may decide; a timeout ends the wait."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests.workflows_app.support import create_workflow, http_step, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import Approval, ApprovalStatus, RunStatus


def refund_flow(receiver, assignees, timeout=None):
    approval = {"key": "ask", "type": "approval", "params": {
        "assignees": assignees, "title": "Refund order {{ record.number }}?"}}
    if timeout:
        approval["params"]["timeout"] = timeout
    return [approval, {"key": "act", "type": "branch", "params": {
        "paths": [{"label": "Approved", "when": {"ref": "steps.ask.decision", "op": "eq",
                                                  "value": "approved"},
                   "steps": [http_step("refund", receiver.url("/refund"), params={"body": {
                       "by": "{{ steps.ask.decided_by.username }}",
                       "comment": "{{ steps.ask.comment }}"}})]}],
        "otherwise": [http_step("tell_no", receiver.url("/no"), params={"body": {
            "decision": "{{ steps.ask.decision }}"}})]}}]


@pytest.fixture
def manager(db):
    user = User.objects.create_user("mia", password="pw", is_staff=True)
    return user


@pytest.mark.django_db
def test_an_approval_given_in_the_admin_resumes_the_run(client, manager, receiver,
                                                        allow_local_http):
    workflow = create_workflow("Refunds", refund_flow(receiver, {"users": [manager.pk]}))
    placed = order("25.00")
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.WAITING
    [approval] = Approval.objects.all()
    assert approval.title == f"Refund order {placed.number}?"
    client.force_login(manager)
    page = client.get(reverse("admin:workflows_app_approval_decide", args=[approval.pk]))
    assert page.status_code == 200 and b'name="approve"' in page.content
    client.post(reverse("admin:workflows_app_approval_decide", args=[approval.pk]),
                {"approve": "Approve", "comment": "ok, loyal customer"})
    drain()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert [call.json for call in receiver.received("/refund")] == [
        {"by": "mia", "comment": "ok, loyal customer"}]
    assert steps_of(run)["ask"].outputs["decision"] == "approved"
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.comment) == (
        ApprovalStatus.APPROVED, manager, "ok, loyal customer")


@pytest.mark.django_db
def test_a_group_member_rejects_through_the_api_and_others_cannot(client, manager, receiver,
                                                                  allow_local_http):
    group = Group.objects.create(name="Finance")
    member = User.objects.create_user("fin", password="pw")
    member.groups.add(group)
    workflow = create_workflow("Refunds", refund_flow(receiver, {"groups": ["Finance"]}))
    order("25.00")
    drain()
    [approval] = Approval.objects.all()
    url = reverse("workflows_app:api:approval-decide", args=[approval.pk])
    client.force_login(manager)  # staff, but not asked
    assert client.post(url, {"decision": "approved"},
                       content_type="application/json").status_code == 404
    client.force_login(member)
    bad = client.post(url, {"decision": "maybe"}, content_type="application/json")
    assert bad.status_code == 400
    answer = client.post(url, {"decision": "rejected", "comment": "no receipt"},
                         content_type="application/json")
    assert answer.status_code == 200 and answer.json()["decided_by"] == "fin"
    again = client.post(url, {"decision": "approved"}, content_type="application/json")
    assert again.status_code == 409
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.count("/refund") == 0
    assert receiver.received("/no")[0].json == {"decision": "rejected"}


@pytest.mark.django_db
def test_the_timeout_ends_the_wait_undecided(manager, receiver, allow_local_http):
    workflow = create_workflow("Refunds", refund_flow(receiver, {"users": [manager.pk]},
                                                      timeout="1 second"))
    order("25.00")
    drain()
    time.sleep(1.1)
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert receiver.received("/no")[0].json == {"decision": "timed_out"}
    assert Approval.objects.get().status == ApprovalStatus.TIMED_OUT


@pytest.mark.django_db
def test_the_run_page_reads_the_decision_and_names_nested_steps_by_their_labels(
        admin_client, manager, receiver, allow_local_http):
    """Support reads "Decision: Timed out" (the choice's label, not `timed_out`), and
    the steps inside a path are headed by their labels, with their outcome."""
    steps = refund_flow(receiver, {"users": [manager.pk]}, timeout="1 second")
    steps[1]["params"]["otherwise"][0]["label"] = "Tell the customer no"
    workflow = create_workflow("Refunds", steps)
    order("25.00")
    drain()
    time.sleep(1.1)
    drain()
    [run] = runs_of(workflow)
    page = admin_client.get(reverse("admin:workflows_app_run_change", args=[run.pk]))
    text = page.content.decode()
    assert "Timed out" in text and "timed_out" not in text.split("<pre")[0]
    assert '<strong class="wf-step-title">Tell the customer no</strong>' in text
    assert "Status code:" in text.split("Tell the customer no", 1)[1]


@pytest.mark.django_db
def test_the_assignees_are_notified_with_a_link_to_the_decide_page(client, manager, receiver,
                                                                    allow_local_http):
    from workflows_app.models import Notification

    group = Group.objects.create(name="Finance")
    member = User.objects.create_user("fin", password="pw", is_staff=True)
    member.groups.add(group)
    workflow = create_workflow("Refunds", refund_flow(
        receiver, {"users": [manager.pk], "groups": ["Finance"]}))
    placed = order("25.00")
    drain()
    [approval] = Approval.objects.all()
    link = reverse("admin:workflows_app_approval_decide", args=[approval.pk])
    notes = Notification.objects.filter(run=approval.run).order_by("recipient__username")
    assert [(n.recipient.username, n.title, n.link) for n in notes] == [
        ("fin", f"Approval needed: Refund order {placed.number}?", link),
        ("mia", f"Approval needed: Refund order {placed.number}?", link)]
    # The link opens the page where the notified person decides.
    client.force_login(member)
    client.post(link, {"reject": "Reject", "comment": "no"})
    drain()
    [run] = runs_of(workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert Notification.objects.filter(run=run).count() == 2  # asked once, not again


@pytest.mark.django_db
def test_an_approval_belongs_to_its_runs_tenant(settings, receiver, allow_local_http):
    from workflows_app.models import Workflow

    workflow = create_workflow("Refunds", refund_flow(receiver, {"users": [
        User.objects.create_user("ann", password="pw").pk]}))
    Workflow.objects.filter(pk=workflow.pk).update(tenant_id="7")
    order("25.00")
    drain()
    [approval] = Approval.objects.all()
    assert approval.tenant_id == "7"
