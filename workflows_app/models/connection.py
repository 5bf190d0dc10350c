"""Connections: named credentials and settings for steps that talk to other systems."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows_app.tenancy.fields import TenantKeyField


class ConnectionUnusable(Exception):
    """A connection cannot be used: unknown, of another kind, or its secret unreadable."""


class Connection(models.Model):
    """A named connection of one kind (`workflows_app.connections.kinds`).

    `settings` holds the kind's public settings as JSON; `secrets` holds each
    secret setting encrypted with Fernet (never in clear in the database), and
    `secrets_changed` when each was last replaced. Steps read the decrypted values
    with `values()` when they run; nothing else shows them.
    """

    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What workflows call it, e.g. \u201cShop SMS\u201d."))
    kind = models.CharField(_("kind"), max_length=50)
    description = models.TextField(_("description"), blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    secrets = models.JSONField(_("encrypted secrets"), default=dict, blank=True,
                               editable=False)
    secrets_changed = models.JSONField(_("secrets last changed"), default=dict, blank=True,
                                       editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    tenant_id = TenantKeyField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            # Names are unique per tenant (one namespace when tenancy is off).
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(tenant_id__isnull=True),
                name="connection_name_unique",
                violation_error_message=_("A connection with this name already exists.")),
            models.UniqueConstraint(
                fields=["tenant_id", "name"], condition=models.Q(tenant_id__isnull=False),
                name="connection_tenant_name_unique",
                violation_error_message=_("A connection with this name already exists.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_class(self) -> Any:
        from workflows_app.connections.kinds import connection_kinds

        return connection_kinds.find(self.kind)

    @property
    def kind_label(self) -> str:
        kind = self.kind_class
        return str(kind.label) if kind is not None else self.kind

    # -- secrets ---------------------------------------------------------------

    def set_secret(self, name: str, value: Any) -> None:
        """Encrypt and keep `value` (None or "" removes it); saved with `save()`."""
        from workflows_app.connections.crypto import encrypt

        if value in (None, ""):
            self.secrets.pop(name, None)
            self.secrets_changed.pop(name, None)
            return
        self.secrets[name] = encrypt(json.dumps(value))
        self.secrets_changed[name] = timezone.now().isoformat()

    def has_secret(self, name: str) -> bool:
        return bool(self.secrets.get(name))

    def secret_changed_at(self, name: str) -> Any:
        from django.utils.dateparse import parse_datetime

        stamp = self.secrets_changed.get(name)
        return parse_datetime(stamp) if stamp else None

    def secret(self, name: str) -> Any:
        """The decrypted value of secret setting `name` (raises `ConnectionUnusable`)."""
        from workflows_app.connections.crypto import CannotDecrypt, KeyProblem, decrypt

        token = self.secrets.get(name)
        if not token:
            return None
        try:
            return json.loads(decrypt(token))
        except (CannotDecrypt, KeyProblem) as exc:
            raise ConnectionUnusable(f'connection "{self.name}": {exc}') from None

    def values(self) -> dict[str, Any]:
        """Every setting of the kind, secrets decrypted, defaults filled in (for steps)."""
        kind = self.kind_class
        if kind is None:
            raise ConnectionUnusable(f'connection "{self.name}" is of an unknown kind '
                                  f'"{self.kind}"')
        values: dict[str, Any] = {}
        for setting in kind.settings:
            value = self.secret(setting.name) if setting.secret else self.settings.get(
                setting.name)
            if value in (None, ""):
                value = setting.default
            if value in (None, "") and setting.required:
                raise ConnectionUnusable(f'connection "{self.name}" has no '
                                      f'{setting.display_label.lower()}; set it under '
                                      "Workflows \u203a Connections")
            values[setting.name] = value
        return values
