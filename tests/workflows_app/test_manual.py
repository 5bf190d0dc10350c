"""Manual workflows: the "Run now" form generated from the declared inputs, the
checks on the inputs, and a started run that sees `inputs.*` and `event.actor`."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.urls import path

from config.demo.models import Customer, Order
from config.urls import urlpatterns as project_urlpatterns
from engine.types import Phone, String
from workflows_app.forms.manual import (
    LinesField,
    form_field_for,
    form_field_registry,
    manual_inputs_form,
    register_form_field,
)
from workflows_app.forms.zoned_datetime import ZonedDateTimeField
from workflows_app.manual import ManualInputError, start_manual_run
from workflows_app.models import Event, Run, RunStatus, Workflow
from workflows_app.services import save_definition
from workflows_app.views.run_now import run_now_view

# The lead wires the view into the admin later; these tests mount it themselves.
urlpatterns = [path("run-now/<int:workflow>/", run_now_view, name="run-now"),
               *project_urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

INPUTS = [
    {"name": "order", "type": "Record[demo.order]", "label": "Order"},
    {"name": "amount", "type": "Number", "label": "Refund amount"},
    {"name": "reason", "type": "Text", "required": False, "help": "Shown to the customer."},
    {"name": "urgent", "type": "Bool", "required": False},
    {"name": "channel", "type": "Choice", "options": ["email", "sms"], "default": "email"},
    {"name": "follow_up", "type": "DateTime", "required": False},
    {"name": "notify", "type": "Email", "required": False},
    {"name": "reviewer", "type": "User", "required": False},
    {"name": "phone", "type": "Phone", "required": False},
    {"name": "cc", "type": "Email[]", "required": False},
]


def manual_definition(name: str = "Refund an order", inputs: list | None = None) -> dict:
    return {
        "schema_version": 1,
        "name": name,
        "trigger": {"type": "manual", "inputs": INPUTS if inputs is None else inputs},
        "conditions": {},
        "steps": [{"key": "tell", "type": "email.send", "params": {
            "to": ["support@example.com"],
            "subject": "Refund {{ inputs.amount }} for {{ inputs.order.number }}",
            "body": "By {{ event.actor.username }} via {{ inputs.channel }}: "
                    "{{ inputs.reason | default:\"no reason\" }}",
        }}],
    }


@pytest.fixture
def workflow() -> Workflow:
    return save_definition(manual_definition(), activate=True).workflow


@pytest.fixture
def order() -> Order:
    customer = Customer.objects.create(name="Ann", email="ann@example.com")
    return Order.objects.create(number="T-7", customer=customer, total_amount=Decimal("80"))


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_workflow"))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def drain() -> None:
    call_command("workflows_drain", verbosity=0, stdout=None)


def manual_events() -> list[Event]:
    return list(Event.objects.filter(trigger_type="manual"))


# -- the form --------------------------------------------------------------------

def test_the_form_has_one_field_per_declared_input(workflow) -> None:
    form = manual_inputs_form(workflow)()
    assert list(form.fields) == [item["name"] for item in INPUTS]
    expected = {
        "order": forms.ModelChoiceField, "amount": forms.DecimalField,
        "reason": forms.CharField, "urgent": forms.BooleanField,
        "channel": forms.ChoiceField, "follow_up": ZonedDateTimeField,
        "notify": forms.EmailField, "reviewer": forms.ModelChoiceField,
        "phone": forms.CharField, "cc": LinesField,
    }
    for name, field_class in expected.items():
        assert type(form.fields[name]) is field_class, name
    assert isinstance(form.fields["reason"].widget, forms.Textarea)
    assert form.fields["order"].queryset.model is Order
    assert form.fields["reviewer"].queryset.model.__name__ == "User"
    assert [value for value, _ in form.fields["channel"].choices] == ["email", "sms"]
    assert form.fields["channel"].initial == "email"
    assert form.fields["order"].label == "Order"
    assert form.fields["amount"].label == "Refund amount"
    assert form.fields["follow_up"].label == "Follow up"
    assert form.fields["reason"].help_text == "Shown to the customer."
    required = {name for name, field in form.fields.items() if field.required}
    assert required == {"order", "amount", "channel"}


def test_form_fields_are_looked_up_along_the_type_hierarchy() -> None:
    assert type(form_field_for(Phone(), required=True)) is forms.CharField  # String's

    class Shouting(forms.CharField):
        pass

    previous = form_field_registry.get(Phone)
    register_form_field(Phone)(lambda value_type, **kwargs: Shouting(**kwargs))
    try:
        assert type(form_field_for(Phone(), required=True)) is Shouting
        assert type(form_field_for(String(), required=True)) is forms.CharField
    finally:
        if previous is None:
            del form_field_registry[Phone]
        else:
            form_field_registry[Phone] = previous


def test_the_form_reports_bad_inputs_on_their_fields(workflow) -> None:
    form = manual_inputs_form(workflow)({"order": "999999", "amount": "abc", "channel": "fax",
                                         "notify": "not-an-address", "phone": "12"})
    assert not form.is_valid()
    assert set(form.errors) == {"order", "amount", "channel", "notify", "phone"}
    assert "must start with + and the country code" in form.errors["phone"][0]


# -- the service -----------------------------------------------------------------

def test_bad_inputs_are_refused_with_a_message_per_input(workflow, staff) -> None:
    with pytest.raises(ManualInputError) as caught:
        start_manual_run(workflow, {"order": 999999, "amount": "abc", "channel": "fax",
                                    "follow_up": "tomorrow", "surprise": 1}, staff)
    errors = caught.value.errors
    assert errors["order"] == "No Order with id 999999."
    assert errors["amount"].startswith('"abc" is not a valid Number')
    assert errors["channel"].startswith('"fax" is not one of the options')
    assert errors["follow_up"].startswith('"tomorrow" is not a valid DateTime')
    assert errors["surprise"] == "This workflow has no such input."
    assert manual_events() == []


def test_required_inputs_must_be_given(workflow, staff) -> None:
    with pytest.raises(ManualInputError) as caught:
        start_manual_run(workflow, {"reason": "x"}, staff)
    assert caught.value.errors == {"order": "This input is required.",
                                   "amount": "This input is required."}


def test_a_record_input_of_a_bad_key_type_is_refused(workflow, staff) -> None:
    with pytest.raises(ManualInputError) as caught:
        start_manual_run(workflow, {"order": "abc", "amount": 1}, staff)
    assert caught.value.errors == {"order": "No Order with id abc."}


def test_inactive_and_non_manual_workflows_cannot_be_started(workflow, order, staff) -> None:
    Workflow.objects.filter(pk=workflow.pk).update(is_active=False)
    workflow.refresh_from_db()
    with pytest.raises(ManualInputError, match="not active"):
        start_manual_run(workflow, {"order": order.pk, "amount": 1}, staff)
    hook = save_definition({"schema_version": 1, "name": "Hook", "trigger": {"type": "webhook"},
                            "steps": []}, activate=True).workflow
    with pytest.raises(ManualInputError, match="not started by hand"):
        start_manual_run(hook, {}, staff)
    assert manual_events() == []


def test_good_inputs_start_a_run_with_inputs_and_actor(workflow, order, staff) -> None:
    event = start_manual_run(workflow, {"order": order, "amount": "12.5", "urgent": True,
                                        "cc": ["a@example.com"]}, staff)
    assert (event.trigger_type, event.workflow_id, event.actor) == ("manual", workflow.pk, staff)
    inputs = event.payload["inputs"]
    assert inputs["order"] == order.pk and inputs["amount"] == "12.5"
    assert (inputs["channel"], inputs["urgent"], inputs["reason"]) == ("email", True, None)
    assert inputs["cc"] == ["a@example.com"]
    assert (event.record_model, event.record_pk) == ("demo.order", str(order.pk))
    assert event.summary == '"Refund an order" started by sam'
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert (run.event, run.status) == (event, RunStatus.SUCCEEDED)
    [message] = mail.outbox
    assert message.subject == "Refund 12.5 for T-7"
    assert message.body == "By sam via email: no reason"


# -- the "Run now" page ----------------------------------------------------------

def test_the_page_needs_the_change_permission(client, workflow, django_user_model) -> None:
    viewer = django_user_model.objects.create_user("vic", password="pw", is_staff=True)
    client.force_login(viewer)
    assert client.get(f"/run-now/{workflow.pk}/").status_code == 403
    assert client.post(f"/run-now/{workflow.pk}/", {"amount": "1"}).status_code == 403
    assert manual_events() == []


def test_the_page_shows_the_generated_form(client, workflow, staff) -> None:
    client.force_login(staff)
    response = client.get(f"/run-now/{workflow.pk}/")
    assert response.status_code == 200
    assert response.templates[0].name == "workflows_app/run_now.html"
    html = response.content.decode()
    assert "Run “Refund an order” now" in html
    for label in ("Order", "Refund amount", "Follow up", "Shown to the customer."):
        assert label in html
    assert 'name="amount"' in html and 'type="submit"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_bad_post_shows_the_errors_and_starts_nothing(client, workflow, staff) -> None:
    client.force_login(staff)
    response = client.post(f"/run-now/{workflow.pk}/", {"order": "", "amount": "abc",
                                                        "channel": "email"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"order", "amount"}
    assert "Please correct the errors below." in response.content.decode()
    assert manual_events() == []


def test_a_good_post_starts_the_run(client, workflow, order, staff) -> None:
    client.force_login(staff)
    response = client.post(f"/run-now/{workflow.pk}/?next=/admin/", {
        "order": str(order.pk), "amount": "30", "channel": "sms", "reason": "damaged",
        "follow_up_0": "2026-12-01", "follow_up_1": "10:00", "follow_up_2": "Europe/Paris",
        "next": "/admin/"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == "/admin/"
    [event] = manual_events()
    assert event.actor == staff
    # The date, the time and the timezone chosen: 10:00 in Paris.
    assert event.payload["inputs"]["follow_up"] == "2026-12-01T10:00:00+01:00"
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert run.status == RunStatus.SUCCEEDED
    assert mail.outbox[0].body == "By sam via sms: damaged"


def test_an_unsafe_next_is_ignored(client, workflow, order, staff) -> None:
    client.force_login(staff)
    response = client.post(f"/run-now/{workflow.pk}/", {
        "order": str(order.pk), "amount": "30", "channel": "sms",
        "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_a_workflow_that_is_not_manual_has_no_form(client, staff) -> None:
    hook = save_definition({"schema_version": 1, "name": "Hook", "trigger": {"type": "webhook"},
                            "steps": []}, activate=True).workflow
    client.force_login(staff)
    response = client.get(f"/run-now/{hook.pk}/")
    assert response.status_code == 400
    assert "not started by hand" in response.content.decode()
