"""The demo shop's models."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.demo.models import Customer, Order, Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(name="Ada Lovelace", email="ada@example.org")


def test_order_defaults_and_str(customer: Customer) -> None:
    order = Order.objects.create(number="A-1001", customer=customer, total_amount=Decimal("12"))
    order.refresh_from_db()
    assert str(order) == "Order A-1001"
    assert order.currency == "USD"
    assert order.status == Order.Status.NEW == "new"
    assert order.created_at is not None
    assert order.updated_at >= order.created_at


def test_order_number_is_unique(customer: Customer) -> None:
    Order.objects.create(number="A-1001", customer=customer, total_amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.create(number="A-1001", customer=customer, total_amount=2)


def test_status_choices() -> None:
    assert [value for value, _ in Order.Status.choices] == [
        "new", "submitted", "confirmed", "paid", "shipped", "cancelled",
    ]
    assert [value for value, _ in Payment.Method.choices] == ["card", "bank_transfer", "cash"]


def test_payment_defaults_and_str(customer: Customer) -> None:
    order = Order.objects.create(number="A-1002", customer=customer, total_amount=10)
    before = timezone.now()
    payment = Payment.objects.create(order=order, amount=Decimal("10.00"))
    assert payment.method == "card"
    assert before <= payment.received_at <= timezone.now()
    assert str(payment) == "Payment of 10.00 for Order A-1002"
    assert str(customer) == "Ada Lovelace"
    assert list(order.payments.all()) == [payment]
