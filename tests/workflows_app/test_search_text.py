"""Events about a record can be found by the text of the records it points to."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from config.demo.models import Customer, Order
from workflows_app.execution.queue import drain
from workflows_app.models import Event


@pytest.mark.django_db(transaction=True)
def test_order_events_are_found_by_the_customers_email_and_name():
    with transaction.atomic():
        ada = Customer.objects.create(name="Ada Lovelace", email="ada@analytical.example")
        order = Order.objects.create(number="A-7777", customer=ada,
                                     total_amount=Decimal("12.00"))
    drain()
    event = Event.objects.get(target="demo.order", record_pk=str(order.pk))
    assert "a-7777" in event.search_text
    assert "ada@analytical.example" in event.search_text
    assert "ada lovelace" in event.search_text
    assert Event.objects.filter(search_text__contains="ada@analytical.example",
                                target="demo.order").count() == 1
