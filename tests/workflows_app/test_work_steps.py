"""In-app work: `notify.user` (the inbox), `task.create` ("My tasks", completing emits
`task.completed`) and `record.create` (its output is the new record). Steps run
through real workflows and the executor; people use the admin pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.demo.models import Payment
from engine import InvalidDefinition
from tests.workflows_app.support import create_workflow, order, runs_of, steps_of
from workflows_app.execution.queue import drain
from workflows_app.models import Event, Notification, RunStatus, Task, TaskStatus

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:workflows_app_notification_changelist")
MY_TASKS = reverse("admin:workflows_app_task_changelist")


def staff(name: str, *, groups: tuple[str, ...] = (), perms: tuple[str, ...] = ()) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.com", "pw",
                                                is_staff=True)
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_for_new_order(steps: list[dict[str, Any]], number: str = "W-1") -> Any:
    workflow = create_workflow("Work", steps)
    order("12000.00", number=number)
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(workflow)
    return run


# -- notify.user ---------------------------------------------------------------------


def test_notify_user_fills_the_inboxes_of_users_and_groups_once_each() -> None:
    manager = staff("manager", groups=("Sales managers",))
    deputy = staff("deputy", groups=("Sales managers",))
    outsider = staff("outsider")
    run = run_for_new_order([{"key": "tell", "type": "notify.user", "params": {
        "users": ["manager"], "groups": ["Sales managers"],
        "title": "Big order {{ record.number }}", "body": "Total {{ record.total_amount }}",
        "link": "/admin/demo/order/{{ record.id }}/change/"}}])
    assert run.status == RunStatus.SUCCEEDED, steps_of(run)["tell"].error
    assert steps_of(run)["tell"].outputs == {"notified": 2, "recipients": ["manager", "deputy"]}
    assert Notification.objects.filter(recipient=manager).count() == 1
    inbox = client_for(manager).get(INBOX).content.decode()
    assert "Big order W-1" in inbox and "1 unread" in inbox
    assert "Big order W-1" in client_for(deputy).get(INBOX).content.decode()
    assert "Big order W-1" not in client_for(outsider).get(INBOX).content.decode()
    mine = Notification.objects.get(recipient=manager)
    page = client_for(outsider).get(reverse("admin:workflows_app_notification_change",
                                            args=[mine.pk]))
    assert page.status_code in {302, 403, 404}
    opened = client_for(manager).get(reverse("admin:workflows_app_notification_change",
                                             args=[mine.pk]))
    assert opened.status_code == 200 and "Total 12000.00" in opened.content.decode()
    mine.refresh_from_db()
    assert mine.is_read
    assert "0 unread" in client_for(manager).get(INBOX).content.decode()


def test_notify_user_names_are_checked_when_saved() -> None:
    with pytest.raises(InvalidDefinition) as error:
        create_workflow("Bad", [{"key": "tell", "type": "notify.user", "params": {
            "users": ["nobody"], "title": "x"}}])
    assert 'steps[0].params.users[0]: there is no active user "nobody"' in str(error.value)
    with pytest.raises(InvalidDefinition) as empty:
        create_workflow("Bad", [{"key": "tell", "type": "notify.user", "params": {
            "title": "x"}}])
    assert "name at least one user or group" in str(empty.value)


# -- task.create -----------------------------------------------------------------------


def test_task_for_a_group_due_in_two_days_completed_from_my_tasks() -> None:
    member = staff("member", groups=("Account managers",))
    outsider = staff("outsider")
    before = timezone.now()
    run = run_for_new_order([{"key": "task", "type": "task.create", "params": {
        "title": "Call about {{ record.number }}", "description": "Confirm delivery",
        "assignee": "group:Account managers", "due": "in 2 days",
        "record": {"ref": "record"}}}])
    assert run.status == RunStatus.SUCCEEDED, steps_of(run)["task"].error
    task = Task.objects.get()
    assert task.title == "Call about W-1" and task.assignee_group.name == "Account managers"
    assert before + timedelta(days=2) <= task.due_at <= timezone.now() + timedelta(days=2)
    assert task.record_model == "demo.order"
    assert steps_of(run)["task"].outputs["task_id"] == task.pk

    listing = client_for(member).get(MY_TASKS).content.decode()
    assert "Call about W-1" in listing
    assert "Call about W-1" not in client_for(outsider).get(MY_TASKS).content.decode()
    task_url = reverse("admin:workflows_app_task_change", args=[task.pk])
    assert client_for(outsider).post(task_url, {"_complete": "1"}).status_code in {302, 403}
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    page = client_for(member).get(task_url).content.decode()
    assert 'name="_complete"' in page
    assert client_for(member).post(task_url, {"_complete": "1"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_by == member
    event = Event.objects.get(trigger_type="event", target="task.completed")
    assert str(event.payload["data"]["task_id"]) == str(task.pk)
    assert event.payload["data"]["completed_by"] == "member"


def test_completing_a_task_starts_workflows_on_task_completed() -> None:
    staff("owner")
    follow_up = create_workflow("Thank the assignee", [
        {"key": "tell", "type": "notify.user", "params": {
            "users": ["owner"], "title": "Done: {{ data.title }} by {{ data.completed_by }}"}}],
        trigger={"type": "event", "event": "task.completed"})
    assignee = staff("assignee")
    run_for_new_order([{"key": "task", "type": "task.create", "params": {
        "title": "Pack it", "assignee": "assignee", "due": "2030-01-31"}}])
    task = Task.objects.get()
    assert timezone.localtime(task.due_at).date().isoformat() == "2030-01-31"
    response = client_for(assignee).post(MY_TASKS, {
        "action": "mark_done", "_selected_action": [task.pk]})
    assert response.status_code == 302
    drain(wait_for_delays=True, max_seconds=20)
    [run] = runs_of(follow_up)
    assert run.status == RunStatus.SUCCEEDED, steps_of(run)["tell"].error
    assert Notification.objects.get(recipient__username="owner").title == (
        "Done: Pack it by assignee")


def test_task_params_are_checked_when_saved() -> None:
    with pytest.raises(InvalidDefinition) as error:
        create_workflow("Bad", [{"key": "task", "type": "task.create", "params": {
            "title": "x", "assignee": "group:Nobody", "due": "someday"}}])
    text = str(error.value)
    assert 'steps[0].params.assignee: there is no group "Nobody"' in text
    assert "steps[0].params.due" in text and "in 2 days" in text


# -- record.create -------------------------------------------------------------------


def test_record_create_outputs_the_new_record_for_later_steps() -> None:
    staff("clerk")
    run = run_for_new_order([
        {"key": "pay", "type": "record.create", "params": {
            "model": "demo.payment",
            "fields": {"order": {"ref": "record"}, "amount": 250, "method": "cash"}}},
        {"key": "tell", "type": "notify.user", "params": {
            "users": ["clerk"],
            "title": "Payment {{ steps.pay.record.amount }} for "
                     "{{ steps.pay.record.order.number }}"}}])
    assert run.status == RunStatus.SUCCEEDED, {k: s.error for k, s in steps_of(run).items()}
    payment = Payment.objects.get()
    assert payment.amount == 250 and payment.order.number == "W-1"
    assert Notification.objects.get().title == "Payment 250.00 for W-1"


def test_record_create_fields_are_checked_when_saved() -> None:
    with pytest.raises(InvalidDefinition) as error:
        create_workflow("Bad", [{"key": "pay", "type": "record.create", "params": {
            "model": "demo.payment", "fields": {"amount": "lots", "colour": "red"}}}])
    text = str(error.value)
    assert "steps[0].params.fields.amount" in text
    assert 'steps[0].params.fields.colour: Payment has no field "colour"' in text
    with pytest.raises(InvalidDefinition) as unknown:
        create_workflow("Bad", [{"key": "x", "type": "record.create", "params": {
            "model": "auth.permission", "fields": {}}}])
    assert "steps[0].params.model" in str(unknown.value)
