"""Organisations are the tenants; a user belongs to organisations through
memberships; tickets belong to an organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Organisation(models.Model):
    """A customer of the SaaS: the tenant."""

    name = models.CharField(max_length=100)

    class Meta:
        app_label = "tenant_app"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user working in an organisation."""

    # No database constraint towards the user table (here and on Ticket.assignee):
    # the tables of this tests-only app are created by the tenancy tests, and the
    # flush after a transactional test truncates the user table without knowing
    # them, which PostgreSQL refuses while a constraint points at it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships", db_constraint=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="memberships")

    class Meta:
        app_label = "tenant_app"


class Ticket(models.Model):
    """A support ticket of one organisation."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ESCALATED = "escalated", "Escalated"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="tickets")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 db_constraint=False)

    class Meta:
        app_label = "tenant_app"

    def __str__(self) -> str:
        return self.title
