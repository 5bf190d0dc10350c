"""``manage.py demo_load_data``: fill the demo shop with customers, orders and payments.

Idempotent: rows are looked up by natural keys (customer email, order number,
payment order/method/amount) and only missing ones are created, so running it
twice creates nothing new. Also ensures a superuser ``admin`` / ``admin`` exists (in
the staff groups the channel samples use), and sample connections.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from config.demo.models import Customer, Order, Payment
from workflows_app.models import Connection

SUPERUSER_USERNAME = "admin"
SUPERUSER_PASSWORD = "admin"  # a local demo account, printed on purpose

CUSTOMERS: list[tuple[str, str, str]] = [
    ("Acme Corporation", "purchasing@acme.example.com", "+1 202 555 0101"),
    ("Globex Ltd", "orders@globex.example.com", "+44 20 7946 0102"),
    ("Initech GmbH", "einkauf@initech.example.de", "+49 30 901820103"),
    ("Ada Lovelace", "ada@example.org", "+44 161 496 0104"),
    ("Grace Hopper", "grace@example.net", ""),
]

#: Groups the channel samples give tasks and notifications to.
STAFF_GROUPS = ["Account managers", "Sales managers"]

#: (name, kind, settings, secrets): stand-ins on 127.0.0.1:8025; the demo prints instead.
STAND_IN = "http://127.0.0.1:8025"
CONNECTIONS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("Shop SMS", "twilio_sms",
     {"account_sid": "AC00000000000000000000000000000000", "from_number": "+15017122661",
      "api_url": STAND_IN},
     {"auth_token": "demo-auth-token"}),
    ("Sales Slack", "slack", {"default_channel": "#sales"},
     {"webhook_url": f"{STAND_IN}/slack/services/T000/B000/demo"}),
    ("On-call PagerDuty", "pagerduty", {"events_url": f"{STAND_IN}/pagerduty/v2/enqueue"},
     {"routing_key": "demo0000000000000000000000000000"}),
]

# (number, customer index, status, total, currency, age in days)
ORDERS: list[tuple[str, int, str, str, str, int]] = [
    ("A-1001", 0, "new", "120.00", "USD", 0),
    ("A-1002", 1, "submitted", "12500.00", "GBP", 1),
    ("A-1003", 2, "confirmed", "980.50", "EUR", 2),
    ("A-1004", 3, "paid", "45.99", "USD", 3),
    ("A-1005", 4, "shipped", "310.00", "USD", 5),
    ("A-1006", 0, "cancelled", "15000.00", "USD", 6),
    ("A-1007", 1, "new", "10000.00", "EUR", 7),
    ("A-1008", 2, "submitted", "2300.00", "EUR", 8),
    ("A-1009", 3, "paid", "75.25", "GBP", 10),
    ("A-1010", 4, "confirmed", "499.00", "USD", 12),
    ("A-1011", 0, "shipped", "18250.75", "USD", 14),
    ("A-1012", 1, "new", "60.00", "GBP", 15),
    ("A-1013", 2, "paid", "3400.00", "EUR", 18),
    ("A-1014", 3, "submitted", "9999.99", "USD", 20),
    ("A-1015", 4, "cancelled", "150.00", "USD", 21),
    ("A-1016", 0, "confirmed", "42000.00", "USD", 25),
    ("A-1017", 1, "shipped", "820.00", "GBP", 28),
    ("A-1018", 2, "new", "5.00", "EUR", 30),
    ("A-1019", 3, "submitted", "1275.40", "USD", 35),
    ("A-1020", 4, "paid", "11000.00", "USD", 40),
]

#: Where each customer's orders go (city, country), for the orders' delivery details.
ADDRESSES: list[tuple[str, str]] = [
    ("Springfield", "US"), ("London", "GB"), ("Berlin", "DE"), ("Manchester", "GB"),
    ("Arlington", "US"),
]
CARRIERS = ["DHL", "UPS", "FedEx"]


def delivery_details(index: int, customer_index: int, total: str) -> dict[str, Any]:
    """The JSON the demo checkout stores in an order's delivery details."""
    city, country = ADDRESSES[customer_index]
    return {"carrier": CARRIERS[index % len(CARRIERS)],
            "express": Decimal(total) >= 10000 or index % 4 == 0,
            "weight_kg": round(1.5 + index * 0.75, 2),
            "address": {"city": city, "country": country}}


# (order number, amount, method)
PAYMENTS: list[tuple[str, str, str]] = [
    ("A-1004", "45.99", "card"),
    ("A-1005", "310.00", "card"),
    ("A-1009", "75.25", "cash"),
    ("A-1011", "18250.75", "bank_transfer"),
    ("A-1013", "1400.00", "card"),
    ("A-1013", "2000.00", "bank_transfer"),
    ("A-1017", "820.00", "card"),
    ("A-1020", "11000.00", "bank_transfer"),
]


class Command(BaseCommand):
    """Load the demo data set (idempotent) and ensure the demo superuser exists."""

    help = "Create demo customers, orders and payments, and an admin/admin superuser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-superuser",
            action="store_true",
            help=f"Do not create the {SUPERUSER_USERNAME!r} superuser.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            customers = self._load_customers()
            orders = self._load_orders(customers)
            self._load_payments(orders)
            self._load_staff_groups()
            self._load_connections()
        if not options["no_superuser"]:
            self._ensure_superuser()

    def _report(self, label: str, created: int, total: int) -> None:
        self.stdout.write(f"{label}: {created} created, {total - created} already present")

    def _load_customers(self) -> list[Customer]:
        customers, created = [], 0
        for name, email, phone in CUSTOMERS:
            customer, was_created = Customer.objects.get_or_create(
                email=email, defaults={"name": name, "phone": phone}
            )
            customers.append(customer)
            created += was_created
        self._report("Customers", created, len(CUSTOMERS))
        return customers

    def _load_orders(self, customers: list[Customer]) -> dict[str, Order]:
        orders, created = {}, 0
        now = timezone.now()
        for index, (number, customer_index, status, total, currency, age_days) in enumerate(
                ORDERS):
            order, was_created = Order.objects.get_or_create(
                number=number,
                defaults={
                    "customer": customers[customer_index],
                    "status": status,
                    "total_amount": Decimal(total),
                    "currency": currency,
                    "delivery": delivery_details(index, customer_index, total),
                },
            )
            if was_created:
                # Spread creation dates so date filters have something to show.
                backdated = now - timedelta(days=age_days, hours=customer_index)
                Order.objects.filter(pk=order.pk).update(created_at=backdated)
                created += 1
            orders[number] = order
        self._report("Orders", created, len(ORDERS))
        return orders

    def _load_payments(self, orders: dict[str, Order]) -> None:
        created = 0
        for number, amount, method in PAYMENTS:
            _, was_created = Payment.objects.get_or_create(
                order=orders[number], amount=Decimal(amount), method=method
            )
            created += was_created
        self._report("Payments", created, len(PAYMENTS))

    def _load_staff_groups(self) -> None:
        created = sum(Group.objects.get_or_create(name=name)[1] for name in STAFF_GROUPS)
        self._report("Staff groups", created, len(STAFF_GROUPS))

    def _load_connections(self) -> None:
        """Sample connections for the channel steps. The demo delivers to the console
        (scripts/demo sets WORKFLOWS_CHANNEL_BACKEND=console): nothing is sent, and
        the addresses point at a local stand-in (docs/channels.md)."""
        created = 0
        for name, kind, settings, secrets in CONNECTIONS:
            if Connection.objects.filter(name=name).exists():
                continue
            connection = Connection(name=name, kind=kind, settings=settings,
                                    description="Demo connection (a local stand-in).")
            for key, value in secrets.items():
                connection.set_secret(key, value)
            connection.save()
            created += 1
        self._report("Connections", created, len(CONNECTIONS))

    def _ensure_superuser(self) -> None:
        user_model = get_user_model()
        if user_model._default_manager.filter(username=SUPERUSER_USERNAME).exists():
            self.stdout.write(
                f"Superuser {SUPERUSER_USERNAME!r} already present (password unchanged)."
            )
            return
        admin = user_model._default_manager.create_superuser(
            username=SUPERUSER_USERNAME,
            email="admin@example.com",
            password=SUPERUSER_PASSWORD,
        )
        # The demo's admin is the account and sales manager: tasks and notifications
        # of the channel samples land in their "My tasks" and inbox.
        admin.groups.set(Group.objects.filter(name__in=STAFF_GROUPS))
        self.stdout.write(
            self.style.SUCCESS(
                f"Superuser created: username {SUPERUSER_USERNAME!r}, "
                f"password {SUPERUSER_PASSWORD!r}."
            )
        )
