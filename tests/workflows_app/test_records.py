"""Registered models become typed scope; records expose only registered fields."""

from __future__ import annotations

import pytest
from django.test import override_settings

from engine.types import Bool, Choice, DateTime, Email, Number, Phone, Record, String, User
from workflows_app.records import (
    ModelRecord,
    engine_type_for,
    get_registration,
    register_model,
    trigger_model_choices,
    unregister_model,
)


def field_types(label):
    return {name: field.type for name, field in get_registration(label).scope_fields.items()}


def test_demo_models_map_to_engine_types():
    order = field_types("demo.order")
    assert isinstance(order["number"], String)
    assert isinstance(order["total_amount"], Number)
    assert isinstance(order["created_at"], DateTime)
    assert isinstance(order["status"], Choice)
    assert [value for value, _ in order["status"].options()] == [
        "new", "submitted", "confirmed", "paid", "shipped", "cancelled"]
    assert order["customer"] == Record("demo.customer")
    customer = field_types("demo.customer")
    assert isinstance(customer["email"], Email)
    assert isinstance(customer["phone"], Phone)  # "types" override in settings


def test_foreign_keys_are_followed_in_scope():
    from engine import ScopeField, ScopeSchema

    schema = ScopeSchema([ScopeField("record", Record("demo.payment"))])
    assert isinstance(schema.lookup("record.order.customer.email").type, Email)


def test_user_model_is_the_user_type():
    from django.contrib.auth import get_user_model

    model_field = get_user_model()._meta.get_field("is_staff")
    assert isinstance(engine_type_for(model_field), Bool)
    assert get_registration("auth.user") is not None
    assert isinstance(User().child("email").type, Email)


@override_settings(WORKFLOWS={"MODELS": {"demo.order": {"fields": ["number", "status"]}}})
def test_only_listed_fields_are_exposed():
    assert set(field_types("demo.order")) == {"id", "number", "status"}
    assert get_registration("demo.customer") is None
    assert [label for label, _ in trigger_model_choices()] == ["demo.order"]


@pytest.mark.django_db
def test_model_record_reaches_only_registered_fields(demo_data):
    from config.demo.models import Order

    with override_settings(WORKFLOWS={"MODELS": {"demo.order": {"fields": ["number",
                                                                            "customer"]},
                                                 "demo.customer": {"fields": ["name"]}}}):
        record = ModelRecord.wrap(Order.objects.get(number="A-1001"))
        assert record.scope_child("number") == "A-1001"
        assert record.scope_child("total_amount") is None  # not registered
        assert record.scope_child("save") is None
        customer = record.scope_child("customer")
        assert isinstance(customer, ModelRecord)
        assert customer.scope_child("name") == Order.objects.get(number="A-1001").customer.name
        assert customer.scope_child("email") is None


def test_register_model_in_one_call():
    from django.contrib.auth.models import Group

    register_model(Group, fields=["name"])
    try:
        assert set(field_types("auth.group")) == {"id", "name"}
        with pytest.raises(Exception, match="already registered"):
            register_model(Group)
    finally:
        unregister_model(Group)
    assert get_registration("auth.group") is None
