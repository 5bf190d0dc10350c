"""The executor's pre-built statements store exactly what `save()` stores, and on
PostgreSQL with psycopg 3 send their values apart from the statement, which uses
PostgreSQL's own placeholders (Django binds on the client by default: every value
turned into SQL text, and a statement of more than 50 values parsed again on
every call)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction

from config.demo.models import Customer, Order
from workflows_app.execution import statements
from workflows_app.models import Event

pytestmark = pytest.mark.django_db

FIELDS = ["trigger_type", "target", "status", "payload", "summary", "search_text",
          "record_model", "record_pk", "fingerprint", "dedupe_key", "chain", "occurred_at",
          "dispatched_at", "dispatch_attempts", "error"]
WHEN = dt.datetime(2026, 11, 30, 12, 0, 1, 123456, tzinfo=dt.UTC)


def event(number: int, **values: object) -> Event:
    defaults: dict[str, object] = {
        "trigger_type": "event", "target": f"t{number}", "payload": {
            "text": "naïve \u00e9 \\ ' \"", "n": 1.5, "list": [1, None, True], "nested": {"a": []}},
        "summary": "it's", "record_pk": "", "chain": [3, 4],
        "occurred_at": WHEN - dt.timedelta(days=number),
        "dispatched_at": None, "dedupe_key": None}
    defaults.update(values)
    return Event(**defaults)


def stored(pk: int) -> dict[str, object]:
    return Event.objects.values(*FIELDS).get(pk=pk)


def test_an_inserted_event_is_stored_as_save_stores_it():
    for number, values in enumerate([{}, {"payload": "a string"}, {"payload": [1, 2]},
                                     {"dedupe_key": "webhook:1", "dispatch_attempts": 2},
                                     {"dispatched_at": WHEN}]):
        by_orm = event(number, **values)
        by_orm.save()
        expected = stored(by_orm.pk)
        by_orm.delete()  # (a delivery id is unique)
        by_statement = event(number, **values)
        statements.insert(by_statement)
        assert by_statement.pk is not None and by_statement.pk != by_orm.pk
        assert stored(by_statement.pk) == expected


def test_rows_updated_in_a_batch_are_stored_as_save_stores_them():
    customer = Customer.objects.create(name="Ada", email="ada@example.org")
    orders = [Order.objects.create(number=f"S-{index}", customer=customer,
                                   total_amount=Decimal("1.00")) for index in range(60)]
    for index, order in enumerate(orders):
        order.status = "confirmed" if index % 2 else "cancelled"
        order.total_amount = Decimal("2.50") + index
    statements.update(orders, ["status", "total_amount", "updated_at"])
    for order in orders:
        order.refresh_from_db()
    assert {order.status for order in orders} == {"confirmed", "cancelled"}
    assert [order.total_amount for order in orders] == [Decimal("2.50") + index
                                                        for index in range(60)]


def test_on_postgresql_the_statements_send_values_apart():
    if connection.vendor != "postgresql":
        pytest.skip("binding on the server is a PostgreSQL (psycopg 3) matter")
    import psycopg

    cursors: list[type] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        cursors.append(type(context["cursor"].cursor))
        return execute(sql, params, many, context)

    events = [event(number) for number in range(30)]  # 30 rows x 15 values: > 50
    with connection.execute_wrapper(spy):
        statements.insert_many(events)
        statements.insert(event(99))
    assert Event.objects.count() == 31
    assert cursors and all(issubclass(kind, psycopg.RawCursor) for kind in cursors)


def test_rows_inserted_together_get_their_own_keys_in_order():
    events = [event(number, target=f"many-{number}") for number in range(7)]
    statements.insert_many(events, returning=True)
    assert all(item.pk is not None for item in events)
    assert len({item.pk for item in events}) == 7
    for item in events:
        assert Event.objects.get(pk=item.pk).target == item.target
        assert not item._state.adding


def test_rows_updated_together_refuse_a_value_too_long_as_save_does():
    customer = Customer.objects.create(name="Ada", email="ada@example.org")
    orders = [Order.objects.create(number=f"L-{index}", customer=customer,
                                   total_amount=Decimal("1.00")) for index in range(3)]
    limit = Order._meta.get_field("number").max_length
    orders[1].number = "x" * (limit + 5)
    if connection.vendor != "postgresql":
        pytest.skip("SQLite does not enforce lengths")
    with pytest.raises(DataError), transaction.atomic():
        statements.update(orders, ["number"])
    assert Order.objects.get(pk=orders[1].pk).number == "L-1"
