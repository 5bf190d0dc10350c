"""`emit()`: host code records a declared event with typed data, in its transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from config.demo.models import Customer, Order, Payment
from workflows_app.events import (
    EmitError,
    InvalidEventData,
    UnknownEvent,
    declare_event,
    emit,
    event_registry,
)
from workflows_app.models import Event, Run, RunStatus, WorkflowEvaluation
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

PAYMENT_WORKFLOW = {
    "schema_version": 1,
    "name": "Big payments",
    "trigger": {"type": "event", "event": "payment.received"},
    "conditions": {"all": [
        {"ref": "data.amount", "op": "gte", "value": 100},
        {"ref": "data.order.total_amount", "op": "gt", "value": 0},
    ]},
    "steps": [{"key": "tell", "type": "email.send", "params": {
        "to": ["finance@example.com"],
        "subject": "Paid {{ data.amount }} for {{ data.order.number }}",
        "body": "{{ data.order.customer.email }} paid by {{ data.method }}",
    }}],
}


@pytest.fixture
def order() -> Order:
    customer = Customer.objects.create(name="Ann", email="ann@example.com")
    return Order.objects.create(number="T-1", customer=customer,
                                total_amount=Decimal("500.00"))


def named_events() -> list[Event]:
    return list(Event.objects.filter(trigger_type="event").order_by("pk"))


def drain() -> None:
    call_command("workflows_drain", verbosity=0, stdout=None)


def test_unknown_event_raises_in_the_caller() -> None:
    with pytest.raises(UnknownEvent) as caught:
        emit("payment.refunded", amount=1)
    assert isinstance(caught.value, ValueError)
    assert 'No event is declared as "payment.refunded"' in str(caught.value)
    assert "payment.received" in str(caught.value)  # lists what is declared
    assert named_events() == []


@pytest.mark.parametrize(("data", "field", "reason"), [
    ({"amount": 1, "method": "card", "order": None, "note": "x"}, "note", "not declared"),
    ({"amount": 1, "method": "card"}, "order", "missing (a Record[demo.order] is required)"),
    ({"amount": 1, "method": "card", "order": None}, "order", "is None"),
    ({"amount": "lots", "method": "card", "order": 1}, "amount",
     '"lots" is not a valid Number'),
    ({"amount": True, "method": "card", "order": 1}, "amount", "not true/false"),
    ({"amount": 1, "method": 7, "order": 1}, "method", "expected text"),
    ({"amount": 1, "method": "card", "order": 1.5}, "order", "is not the id of a record (Order)"),
])
def test_bad_data_is_refused_naming_the_field(data, field, reason) -> None:
    with pytest.raises(InvalidEventData) as caught:
        emit("payment.received", **data)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, TypeError)
    assert isinstance(error, EmitError)
    assert (error.event, error.field) == ("payment.received", field)
    assert reason in error.reason
    assert str(error).startswith(f'emit("payment.received"): {field}: ')
    assert named_events() == []


def test_a_record_of_the_wrong_model_or_unsaved_is_refused(order) -> None:
    with pytest.raises(InvalidEventData, match=r"order: expected a record of Order \(demo.order\), "
                                               r"got a demo.customer"):
        emit("payment.received", order=order.customer, amount=1, method="card")
    with pytest.raises(InvalidEventData, match="not saved yet"):
        emit("payment.received", order=Order(number="X"), amount=1, method="card")


def test_records_are_stored_as_primary_keys(order) -> None:
    by_instance = emit("payment.received", order=order, amount=Decimal("12.50"), method="card")
    by_id = emit("payment.received", order=order.pk, amount=3, method="cash")
    assert by_instance.payload == {"data": {"order": order.pk, "amount": "12.50",
                                            "method": "card"}}
    assert by_id.payload["data"]["order"] == order.pk
    assert (by_instance.target, by_instance.workflow_id) == ("payment.received", None)
    assert (by_instance.record_model, by_instance.record_pk) == ("demo.order", str(order.pk))
    assert by_instance.summary == "A payment is received: Order T-1"
    drain()  # the worker writes the search text when it dispatches the event
    by_instance.refresh_from_db()
    assert "t-1" in by_instance.search_text and "card" in by_instance.search_text


def test_a_rolled_back_transaction_leaves_no_event(order) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("payment.received", order=order, amount=10, method="card")
        assert len(named_events()) == 1
        raise RuntimeError("the change failed")
    assert named_events() == []


def test_a_declared_event_runs_its_workflow_with_typed_data(order) -> None:
    workflow = save_definition(PAYMENT_WORKFLOW, activate=True).workflow
    big = emit("payment.received", order=order, amount=Decimal("150.50"), method="card")
    small = emit("payment.received", order=order, amount=Decimal("99.99"), method="card")
    drain()
    [run] = Run.objects.filter(workflow=workflow)
    assert (run.event_id, run.status) == (big.pk, RunStatus.SUCCEEDED)
    [message] = mail.outbox
    assert message.subject == "Paid 150.50 for T-1"  # Number kept exactly, Record followed
    assert message.body == "ann@example.com paid by card"
    evaluation = WorkflowEvaluation.objects.get(event=small, workflow=workflow)
    assert evaluation.outcome == WorkflowEvaluation.Outcome.CONDITIONS_NOT_MET


def test_optional_fields_may_be_left_out() -> None:
    declare_event("test.pinged", label="Pinged",
                  data={"count": "Number", "note": {"type": "String", "required": False}})
    try:
        event = emit("test.pinged", count=2)
        assert event.payload == {"data": {"count": "2", "note": None}}
        with pytest.raises(InvalidEventData, match="count: missing"):
            emit("test.pinged", note="hi")
    finally:
        event_registry.unregister("test.pinged")


def test_the_demo_emits_payment_received_when_a_payment_is_created(order) -> None:
    payment = Payment.objects.create(order=order, amount=Decimal("42.00"), method="cash")
    [event] = named_events()
    assert event.target == "payment.received"
    assert event.payload["data"] == {"order": order.pk, "amount": "42.00", "method": "cash"}
    payment.amount = Decimal("43.00")
    payment.save()  # an update emits nothing more
    assert len(named_events()) == 1


def test_a_rolled_back_payment_emits_nothing(order) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Payment.objects.create(order=order, amount=Decimal("42.00"))
        raise RuntimeError("payment failed")
    assert named_events() == []
    assert not Event.objects.filter(target="demo.payment").exists()


def test_a_json_field_with_a_sample_has_typed_paths() -> None:
    from engine import InvalidDefinition, validate_definition
    from workflows_app.metadata import scope_metadata

    declare_event("test.shipped", label="Shipped", data={
        "parcel": {"type": "JSON", "sample": {"carrier": {"name": "DHL"}, "weight": 2.5}}})
    try:
        definition = {"schema_version": 1, "name": "Heavy parcels",
                      "trigger": {"type": "event", "event": "test.shipped"},
                      "conditions": {"ref": "data.parcel.weight", "op": "gt", "value": 2},
                      "steps": []}
        validate_definition(definition)
        paths = {entry["path"]: entry for entry in scope_metadata(definition)["paths"]}
        assert paths["data.parcel.carrier.name"]["type_label"] == "Text"
        assert paths["data.parcel.weight"]["type_label"] == "Number"
        with pytest.raises(InvalidDefinition, match="has no \"weigth\""):
            validate_definition({**definition, "conditions": {
                "ref": "data.parcel.weigth", "op": "gt", "value": 2}})
        with pytest.raises(ValueError, match="is not JSON"):
            declare_event("test.bad", data={"note": {"type": "String", "sample": {"a": 1}}})
    finally:
        event_registry.unregister("test.shipped")
