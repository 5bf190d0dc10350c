"""Answers the engine's `Connection[...]` questions from the `Connection` model, and
gives steps a connection's values when they run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError

from workflows_app.connections.kinds import connection_kinds
from workflows_app.models.connection import Connection, ConnectionUnusable
from workflows_app.tenancy.events import UNSET, acting_tenant, current_tenant
from workflows_app.tenancy.scoping import current_visibility, of_tenant, scope


def kind_labels(kinds: Sequence[str]) -> list[str]:
    labels = []
    for key in kinds:
        kind = connection_kinds.find(key)
        labels.append(str(kind.label) if kind is not None else key)
    return labels


def _needed(kinds: Sequence[str]) -> str:
    return " or ".join(kind_labels(kinds)) or "any kind"


class DjangoConnectionProvider:
    """`engine.types.connection.ConnectionProvider` over the `Connection` model."""

    def names(self, kinds: Sequence[str]) -> list[tuple[str, str]]:
        # With tenancy on: the connections of the tenants the person building sees.
        queryset = scope(Connection.objects.all(), current_visibility())
        if kinds:
            queryset = queryset.filter(kind__in=list(kinds))
        try:
            return [(name, name) for name in queryset.values_list("name", flat=True)]
        except (DatabaseError, RuntimeError):  # no database here (yet): nothing to list
            return []

    def problem(self, name: str, kinds: Sequence[str]) -> str | None:
        try:
            query = Connection.objects.filter(name=name)
            acting = acting_tenant()  # with tenancy on: the tenant the workflow is saved in
            if acting is not UNSET:
                query = of_tenant(query, acting)
            kind = query.values_list("kind", flat=True).first()
        except (DatabaseError, RuntimeError):
            # No database to check against here (before migrate, or code that
            # validates without one): the step checks the connection when it runs.
            return None
        if kind is None:
            return (f'there is no connection named "{name}" (add it under Workflows '
                    f"\u203a Connections: {_needed(kinds)})")
        if kinds and kind not in kinds:
            return (f'the connection "{name}" is {kind_labels([kind])[0]}; '
                    f"{_needed(kinds)} is needed here")
        return None

    def kind_labels(self, kinds: Sequence[str]) -> list[str]:
        return kind_labels(kinds)


def connection_values(name: str, kinds: Sequence[str]) -> tuple[Connection, dict[str, Any]]:
    """The connection `name` and its decrypted values, for a step that runs now;
    raises `ConnectionUnusable` naming what is wrong."""
    # With tenancy on: the connection of that name in the running workflow's tenant.
    connection = of_tenant(Connection.objects.filter(name=name), current_tenant()).first()
    if connection is None:
        raise ConnectionUnusable(f'there is no connection named "{name}" any more (deleted '
                                 "or renamed?): add it again under Workflows \u203a "
                                 f"Connections ({_needed(kinds)}) or choose another one in "
                                 "this step")
    if kinds and connection.kind not in kinds:
        raise ConnectionUnusable(f'the connection "{name}" is '
                                 f"{kind_labels([connection.kind])[0]}; {_needed(kinds)} "
                                 "is needed")
    return connection, connection.values()


def install_connection_provider() -> None:
    """Called from `AppConfig.ready()`: Connection[...] types now answer from Django."""
    from engine.types.connection import set_connection_provider

    set_connection_provider(DjangoConnectionProvider())
