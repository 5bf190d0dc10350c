"""``manage.py demo_load_data`` is idempotent and creates a varied data set."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from config.demo.models import Customer, Order, Payment

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("demo_load_data", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Customer.objects.count(),
        Order.objects.count(),
        Payment.objects.count(),
        get_user_model().objects.count(),
    )


def test_running_twice_creates_nothing_new() -> None:
    first = load()
    after_first = counts()
    assert after_first == (5, 20, 8, 1)
    assert "Orders: 20 created" in first
    assert "password 'admin'" in first

    second = load()
    assert counts() == after_first
    assert "Orders: 0 created, 20 already present" in second
    assert "Superuser 'admin' already present" in second


def test_superuser_can_log_in_with_demo_password() -> None:
    load()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password("admin")


def test_no_superuser_option() -> None:
    load("--no-superuser")
    assert not get_user_model().objects.exists()
    assert Order.objects.count() == 20


def test_data_is_varied() -> None:
    load("--no-superuser")
    orders = Order.objects.all()
    assert {o.status for o in orders} == {s.value for s in Order.Status}
    assert {o.currency for o in orders} >= {"USD", "EUR", "GBP"}
    assert any(o.total_amount >= 10000 for o in orders)
    assert any(o.total_amount < 10000 for o in orders)
    assert Order.objects.filter(number="A-1001").exists()
    assert Order.objects.filter(number="A-1020").exists()
    assert len({o.created_at.date() for o in orders}) > 10
    assert Customer.objects.filter(orders__isnull=False).distinct().count() == 5
