"""App configuration for the demo domain."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Customers, orders and payments that demo workflows react to."""

    name = "config.demo"
    label = "demo"
    verbose_name = "Demo shop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workflows_app.events import declare_event, get_declared_event

        if get_declared_event("payment.received") is None:
            declare_event(
                "payment.received",
                label="A payment is received",
                description="Emitted by the demo shop when a payment is booked.",
                data={"order": "Record[demo.order]", "amount": "Number", "method": "String"},
            )
