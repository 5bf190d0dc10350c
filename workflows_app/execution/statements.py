"""Pre-built SQL statements for the hot paths of recording, dispatch and execution.

The ORM compiles every query anew: for a one-row INSERT that is several times the
database's own work. The few statements run once (or more) per event or per
step are built here once per model and database vendor, from the model's own
table and column names, and every value still goes through its field's
`get_db_prep_save`, so JSON, dates and times are adapted exactly as the ORM
adapts them. Statements run through Django's cursor (query logging, execute
wrappers, `ATOMIC_REQUESTS` and savepoints all apply). `executemany` is used for
many rows: psycopg sends them in one pipeline, SQLite runs them in process.

The SQL is plain enough for the databases the app supports: `INSERT ... ON
CONFLICT ... DO UPDATE` (PostgreSQL; SQLite 3.24+, below Django 5.2's minimum)
and `RETURNING` where the database has it (otherwise the cursor's last row id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class _Statement:
    sql: str
    fields: tuple[models.Field, ...]
    returns_pk: bool
    #: For INSERTs: the SQL around the `VALUES (...)` row, so that many rows can
    #: go in one statement (`head VALUES (...), (...) tail`).
    head: str = ""
    tail: str = ""

    def many(self, count: int) -> str:
        row = f"({', '.join(['%s'] * len(self.fields))})"
        return f"{self.head} VALUES {', '.join([row] * count)}{self.tail}"


_cache: dict[tuple[str, type[models.Model], str, tuple[str, ...], tuple[str, ...], str],
             _Statement] = {}


def _connection(model: type[models.Model]) -> tuple[str, BaseDatabaseWrapper]:
    alias = router.db_for_write(model)
    return alias, connections[alias]


def _insert_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


def _build_insert(model: type[models.Model], connection: BaseDatabaseWrapper,
                  conflict: tuple[str, ...], update: tuple[str, ...],
                  keep_newer: str = "") -> _Statement:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    head = (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)})")
    sql = f"{head} VALUES ({', '.join(['%s'] * len(fields))})"
    if not connection.features.can_return_columns_from_insert:
        return _Statement(sql, fields, returns_pk=False, head=head)
    return _Statement(f"{sql} RETURNING {quote(model._meta.pk.column)}", fields, returns_pk=True,
                      head=head)


def _build_upsert(model: type[models.Model], connection: BaseDatabaseWrapper,
                  conflict: tuple[str, ...], update: tuple[str, ...],
                  keep_newer: str = "") -> _Statement:
    quote = connection.ops.quote_name
    insert = _build_insert(model, connection, (), ())
    sql = insert.sql.removesuffix(f" RETURNING {quote(model._meta.pk.column)}")
    columns = [quote(model._meta.get_field(name).column) for name in update]
    targets = ", ".join(quote(model._meta.get_field(name).column) for name in conflict)
    assignments = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns)
    tail = f" ON CONFLICT ({targets}) DO UPDATE SET {assignments}"
    if keep_newer:
        column = quote(model._meta.get_field(keep_newer).column)
        tail += f" WHERE {quote(model._meta.db_table)}.{column} <= EXCLUDED.{column}"
    return _Statement(sql + tail, insert.fields, returns_pk=False, head=insert.head, tail=tail)


def _build_update(model: type[models.Model], connection: BaseDatabaseWrapper,
                  conflict: tuple[str, ...], update: tuple[str, ...],
                  keep_newer: str = "") -> _Statement:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = (*(meta.get_field(name) for name in update), meta.pk)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields[:-1])
    sql = (f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
           f"WHERE {quote(meta.pk.column)} = %s")
    return _Statement(sql, fields, returns_pk=False)


_BUILDERS = {"insert": _build_insert, "upsert": _build_upsert, "update": _build_update}


def _statement(kind: str, model: type[models.Model], connection: BaseDatabaseWrapper,
               conflict: tuple[str, ...] = (), update: tuple[str, ...] = (),
               keep_newer: str = "") -> _Statement:
    key = (connection.vendor, model, kind, conflict, update, keep_newer)
    if key not in _cache:
        _cache[key] = _BUILDERS[kind](model, connection, conflict, update, keep_newer)
    return _cache[key]


def _params(instance: models.Model, fields: Sequence[models.Field],
            connection: BaseDatabaseWrapper) -> list[Any]:
    return [field.get_db_prep_save(field.pre_save(instance, instance._state.adding),
                                   connection) for field in fields]


def insert(instance: models.Model) -> None:
    """INSERT `instance` (a new row) and set its primary key, like `save()` would,
    without sending model signals. Fields left unset take their defaults;
    `auto_now_add` fields are filled in."""
    alias, connection = _connection(type(instance))
    statement = _statement("insert", type(instance), connection)
    params = _params(instance, statement.fields, connection)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        instance.pk = cursor.fetchone()[0] if statement.returns_pk else \
            connection.ops.last_insert_id(cursor, instance._meta.db_table,
                                          instance._meta.pk.column)
    instance._state.adding = False
    instance._state.db = alias


def insert_many(instances: Sequence[models.Model]) -> None:
    """INSERT new rows in one round trip (`executemany`, pipelined with psycopg).
    Their primary keys are not read back."""
    if not instances:
        return
    model = type(instances[0])
    _alias, connection = _connection(model)
    statement = _statement("insert", model, connection)
    quote = connection.ops.quote_name
    sql = statement.sql.removesuffix(f" RETURNING {quote(model._meta.pk.column)}")
    _execute_rows(instances, connection, _Statement(sql, statement.fields, returns_pk=False,
                                                    head=statement.head))
    for instance in instances:
        instance._state.adding = False
        instance._state.db = _alias


def upsert(instances: Sequence[models.Model], *, conflict: Sequence[str],
           update: Sequence[str], keep_newer: str = "") -> None:
    """INSERT the rows, or UPDATE the `update` fields of the existing row with the
    same `conflict` fields (which must carry a unique constraint). With
    `keep_newer` (a field name), an existing row whose value of that field is
    greater is left alone. Primary keys of new rows are not read back."""
    if not instances:
        return
    model = type(instances[0])
    _alias, connection = _connection(model)
    _execute_rows(instances, connection,
                  _statement("upsert", model, connection, tuple(conflict), tuple(update),
                             keep_newer))


def update(instances: Sequence[models.Model], fields: Sequence[str]) -> None:
    """UPDATE `fields` of each (saved) instance to its current values, by primary
    key; one statement run for every row (`bulk_update` would build a CASE
    expression per field and row instead)."""
    if not instances:
        return
    model = type(instances[0])
    _alias, connection = _connection(model)
    _execute_rows(instances, connection,
                  _statement("update", model, connection, update=tuple(fields)))


#: Parameters per multi-row statement (SQLite's limit is 32,766 since 3.32).
MAX_PARAMS = {"sqlite": 900}
DEFAULT_MAX_PARAMS = 20000
#: psycopg parses the placeholders of each statement text once and caches the
#: result for texts up to 4 KiB; longer statements are parsed on every call.
MAX_CACHED_SQL = 4096


def _execute_rows(instances: Sequence[models.Model], connection: BaseDatabaseWrapper,
                  statement: _Statement) -> None:
    """Run `statement` for each instance: INSERTs as multi-row statements (one
    statement for many rows costs the driver far less than many statements),
    others with `executemany`."""
    rows = [_params(instance, statement.fields, connection) for instance in instances]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(statement.sql, rows[0])
        elif statement.head:
            per = max(1, min(
                MAX_PARAMS.get(connection.vendor, DEFAULT_MAX_PARAMS) // len(statement.fields),
                (MAX_CACHED_SQL - len(statement.many(0))) // (len(statement.many(1))
                                                              - len(statement.many(0)))))
            for start in range(0, len(rows), per):
                chunk = rows[start:start + per]
                cursor.execute(statement.many(len(chunk)),
                               [value for row in chunk for value in row])
        else:
            cursor.executemany(statement.sql, rows)
