"""Models of the demo shop."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone


class Customer(models.Model):
    """Someone who places orders."""

    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """An order placed by a customer, moving through a small status lifecycle."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        SUBMITTED = "submitted", "Submitted"
        CONFIRMED = "confirmed", "Confirmed"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    delivery = models.JSONField(
        "delivery details", default=dict, blank=True,
        help_text="How the order is shipped, as the shop's checkout records it: carrier, "
                  "express or not, the address.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Order {self.number}"


class Payment(models.Model):
    """Money received for an order."""

    class Method(models.TextChoices):
        CARD = "card", "Card"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CASH = "cash", "Cash"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.CARD)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Payment of {self.amount} for {self.order}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a new payment also emits the declared `payment.received` event, in the
        same transaction (a rolled-back payment leaves no event)."""
        adding = self._state.adding
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if adding:
                from workflows_app.events import emit

                emit("payment.received", order=self.order, amount=self.amount,
                     method=self.method)
