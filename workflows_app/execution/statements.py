"""Pre-built SQL statements for the hot paths of recording, dispatch and execution.

The ORM compiles every query anew: for a one-row INSERT that is several times the
database's own work. The few statements run once (or more) per event or per
step are built here once per model and database vendor, from the model's own
table and column names, and every value is adapted by its field as the ORM
adapts it (`get_db_prep_save`; for plain values of Django's own field classes,
the same without the preparation that leaves them unchanged), so JSON, dates and
times are stored exactly as `save()` stores them. Statements run through
Django's cursor (query logging, execute wrappers, `ATOMIC_REQUESTS` and
savepoints all apply); on PostgreSQL with psycopg 3 the values are sent apart
from the statement, which uses PostgreSQL's own placeholders (see `_cursor`).
`executemany` is used for many rows: psycopg sends them in one pipeline, SQLite
runs them in process.

The SQL is plain enough for the databases the app supports: `INSERT ... ON
CONFLICT ... DO UPDATE` (PostgreSQL; SQLite 3.24+, below Django 5.2's minimum)
and `RETURNING` where the database has it (otherwise the cursor's last row id).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
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


#: Django's own field classes whose `get_prep_value` returns a value of these
#: types unchanged and that store `None` as NULL: for such a value the
#: preparation before the backend's adaptation is skipped
#: (`get_db_prep_value(..., prepared=True)`), which is most of the cost of a row.
_TEXT = (str,)
_PLAIN_TYPES: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: _TEXT, models.TextField: _TEXT, models.SlugField: _TEXT,
    models.EmailField: _TEXT, models.URLField: _TEXT,
    models.BooleanField: (bool,),
    models.JSONField: (dict, list, str, int, float, bool),
    models.DateTimeField: (datetime,),
    **{kind: (int,) for kind in (
        models.IntegerField, models.SmallIntegerField, models.BigIntegerField,
        models.PositiveIntegerField, models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField, models.AutoField, models.BigAutoField,
        models.SmallAutoField)},
}


@dataclass(frozen=True)
class _Column:
    """How a field's value goes into a statement."""

    field: models.Field
    attname: str
    #: The field computes its value when saved (`auto_now`, files): call `pre_save`.
    computes: bool
    #: Types taken as they are (see `_PLAIN_TYPES`); others go the ORM's way.
    plain: tuple[type, ...]

    @classmethod
    def of(cls, field: models.Field) -> _Column:
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        plain = _PLAIN_TYPES.get(type(target), ()) if type(field) in (
            *_PLAIN_TYPES, models.ForeignKey) else ()
        computes = type(field).pre_save is not models.Field.pre_save
        return cls(field, field.attname, computes, plain)

    def value(self, instance: models.Model, connection: BaseDatabaseWrapper) -> Any:
        field = self.field
        value = (field.pre_save(instance, instance._state.adding) if self.computes
                 else getattr(instance, self.attname))
        if value is None and self.plain:
            return None
        kind = type(value)
        if kind in self.plain and (kind is not datetime or value.tzinfo is not None):
            return field.get_db_prep_value(value, connection, prepared=True)
        return field.get_db_prep_save(value, connection)


_columns: dict[tuple[models.Field, ...], tuple[_Column, ...]] = {}


def _params(instance: models.Model, fields: Sequence[models.Field],
            connection: BaseDatabaseWrapper) -> list[Any]:
    """The values of `fields` of `instance`, as `save()` would send them."""
    key = tuple(fields)
    columns = _columns.get(key)
    if columns is None:
        columns = _columns[key] = tuple(_Column.of(field) for field in fields)
    return [column.value(instance, connection) for column in columns]


def _raw_cursor_class(connection: BaseDatabaseWrapper) -> type | None:
    """psycopg 3's cursor taking PostgreSQL's own `$1` placeholders (None: not
    PostgreSQL with psycopg 3.2+)."""
    if connection.vendor != "postgresql":
        return None
    try:
        from psycopg import RawCursor
    except ImportError:  # psycopg2, or psycopg before 3.2
        return None
    return RawCursor


@functools.lru_cache(maxsize=128)
def _numbered(sql: str) -> str:
    """`sql` with its `%s` placeholders written `$1, $2, ...`."""
    parts = sql.split("%s")
    return "".join(f"{part}${index}" for index, part in enumerate(parts[:-1], 1)) + parts[-1]


@contextlib.contextmanager
def _cursor(connection: BaseDatabaseWrapper, sql: str) -> Iterator[tuple[Any, str]]:
    """A cursor for the statements here and the text of `sql` to give it.

    On PostgreSQL with psycopg 3, a cursor that sends the values apart from the
    statement, with PostgreSQL's own placeholders (`$1`): Django's default
    cursor binds them on the client, turning every value into SQL text, and
    psycopg parses a statement with more than 50 placeholders again on every
    call to find them; for a batch of rows that was most of the driver's cost.
    No prepared statements are made, so connection poolers see nothing new.
    Elsewhere (or for SQL with a `%` of its own), Django's cursor as it is."""
    factory = _raw_cursor_class(connection)
    if factory is None or "%" in sql.replace("%s", ""):
        with connection.cursor() as cursor:
            yield cursor, sql
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        connection.validate_thread_sharing()
        raw = factory(connection.connection)
        cursor = (connection.make_debug_cursor(raw) if connection.queries_logged
                  else connection.make_cursor(raw))
    with cursor:
        yield cursor, _numbered(sql)


def insert(instance: models.Model) -> None:
    """INSERT `instance` (a new row) and set its primary key, like `save()` would,
    without sending model signals. Fields left unset take their defaults;
    `auto_now_add` fields are filled in."""
    alias, connection = _connection(type(instance))
    statement = _statement("insert", type(instance), connection)
    params = _params(instance, statement.fields, connection)
    with _cursor(connection, statement.sql) as (cursor, sql):
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0] if statement.returns_pk else \
            connection.ops.last_insert_id(cursor, instance._meta.db_table,
                                          instance._meta.pk.column)
    instance._state.adding = False
    instance._state.db = alias


def insert_many(instances: Sequence[models.Model], *, returning: bool = False) -> None:
    """INSERT new rows in one round trip (multi-row statements). With `returning`,
    their primary keys are read back and set (as `bulk_create` sets them), where
    the database returns rows from a multi-row INSERT; elsewhere the rows are
    inserted one by one."""
    if not instances:
        return
    model = type(instances[0])
    _alias, connection = _connection(model)
    statement = _statement("insert", model, connection)
    if returning and not (statement.returns_pk
                          and connection.features.can_return_rows_from_bulk_insert):
        for instance in instances:
            insert(instance)
        return
    quote = connection.ops.quote_name
    suffix = f" RETURNING {quote(model._meta.pk.column)}"
    sql = statement.sql.removesuffix(suffix)
    pks = _execute_rows(instances, connection, _Statement(
        sql, statement.fields, returns_pk=False, head=statement.head,
        tail=suffix if returning else ""), returning=returning)
    for index, instance in enumerate(instances):
        if returning:
            instance.pk = pks[index]
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
    statement = _statement("update", model, connection, update=tuple(fields))
    if len(instances) > 1 and _raw_cursor_class(connection) is not None:
        joined = _joined_update(model, connection, tuple(fields))
        pks = {instance.pk for instance in instances}
        if joined is not None and len(pks) == len(instances):
            _update_joined(instances, connection, statement, joined)
            return
    _execute_rows(instances, connection, statement)


@dataclass(frozen=True)
class _JoinedUpdate:
    """`UPDATE t SET ... FROM (VALUES (...), ...) v WHERE t.pk = v.pk`: many rows'
    updates in one statement (PostgreSQL)."""

    head: str
    row: str
    tail: str

    def many(self, count: int) -> str:
        return f"{self.head}{', '.join([self.row] * count)}{self.tail}"


_joined: dict[tuple[type[models.Model], tuple[str, ...]], _JoinedUpdate | None] = {}


def _joined_update(model: type[models.Model], connection: BaseDatabaseWrapper,
                   fields: tuple[str, ...]) -> _JoinedUpdate | None:
    key = (model, fields)
    if key not in _joined:
        _joined[key] = _build_joined_update(model, connection, fields)
    return _joined[key]


def _build_joined_update(model: type[models.Model], connection: BaseDatabaseWrapper,
                         fields: tuple[str, ...]) -> _JoinedUpdate | None:
    quote = connection.ops.quote_name
    meta = model._meta
    columns = (*(meta.get_field(name) for name in fields), meta.pk)
    # Cast to the type without its modifiers (varchar, not varchar(16): a cast
    # would cut a value that is too long, where the assignment refuses it).
    types = [re.sub(r"\([^)]*\)", "", field.cast_db_type(connection) or "").strip()
             for field in columns]
    if any(not kind for kind in types):
        return None
    table = quote(meta.db_table)
    names = [quote(field.column) for field in columns]
    assignments = ", ".join(f"{name} = v.{name}" for name in names[:-1])
    row = f"({', '.join(f'%s::{kind}' for kind in types)})"
    head = f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
    tail = f") AS v ({', '.join(names)}) WHERE {table}.{names[-1]} = v.{names[-1]}"
    return _JoinedUpdate(head, row, tail)


def _update_joined(instances: Sequence[models.Model], connection: BaseDatabaseWrapper,
                   statement: _Statement, joined: _JoinedUpdate) -> None:
    """Run the updates of `instances` (distinct rows) as joined multi-row UPDATEs:
    one statement instead of one per row (psycopg's cost per statement was most
    of a batch's)."""
    rows = [_params(instance, statement.fields, connection) for instance in instances]
    per = max(1, min(MAX_ROWS_PER_STATEMENT,
                     DEFAULT_MAX_PARAMS // max(1, len(statement.fields))))
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        with _cursor(connection, joined.many(len(chunk))) as (cursor, sql):
            cursor.execute(sql, [value for row in chunk for value in row])


#: Parameters per multi-row statement (SQLite's limit is 32,766 since 3.32).
MAX_PARAMS = {"sqlite": 900}
DEFAULT_MAX_PARAMS = 20000
#: psycopg parses the placeholders of each statement text once and caches the
#: result for texts up to 4 KiB (and 50 placeholders, since psycopg 3.3); longer
#: statements are parsed on every call.
MAX_CACHED_SQL = 4096
#: Rows per multi-row statement at most (the texts are kept, see `_numbered`).
MAX_ROWS_PER_STATEMENT = 250


def _execute_rows(instances: Sequence[models.Model], connection: BaseDatabaseWrapper,
                  statement: _Statement, *, returning: bool = False) -> list[Any]:
    """Run `statement` for each instance: INSERTs as multi-row statements (one
    statement for many rows costs the driver far less than many statements),
    others with `executemany`. With `returning` (an INSERT whose tail returns
    the primary key), the primary keys of the rows, in order."""
    rows = [_params(instance, statement.fields, connection) for instance in instances]
    returned: list[Any] = []
    if statement.head and (returning or len(rows) > 1):
        per = _rows_per_statement(statement, connection)
        for start in range(0, len(rows), per):
            chunk = rows[start:start + per]
            with _cursor(connection, statement.many(len(chunk))) as (cursor, sql):
                cursor.execute(sql, [value for row in chunk for value in row])
                if returning:
                    returned += [row[0] for row in cursor.fetchall()]
    elif len(rows) == 1:
        with _cursor(connection, statement.sql) as (cursor, sql):
            cursor.execute(sql, rows[0])
    else:
        with _cursor(connection, statement.sql) as (cursor, sql):
            cursor.executemany(sql, rows)
    if returning and len(returned) != len(rows):
        raise RuntimeError(f"{len(rows)} rows inserted, {len(returned)} keys returned")
    return returned


def _rows_per_statement(statement: _Statement, connection: BaseDatabaseWrapper) -> int:
    """How many rows one multi-row statement takes: within the database's limit of
    parameters and, where the driver parses statement texts (client-side
    binding), within the length it keeps them parsed for."""
    per = min(MAX_PARAMS.get(connection.vendor, DEFAULT_MAX_PARAMS) // len(statement.fields),
              MAX_ROWS_PER_STATEMENT)
    if _raw_cursor_class(connection) is None:
        empty, one = len(statement.many(0)), len(statement.many(1))
        per = min(per, (MAX_CACHED_SQL - empty) // (one - empty))
    return max(1, per)


def update_returning(model: type[models.Model], values: dict[str, Any],
                     pks: Sequence[Any], where: dict[str, Any]) -> set[Any] | None:
    """`UPDATE ... SET <values> WHERE pk = ANY(pks) AND <where> RETURNING pk` (each
    `where` field equal to its value): the primary keys of the rows updated, in
    one statement built once. None where this is not PostgreSQL with psycopg 3
    (the caller uses the ORM)."""
    _alias, connection = _connection(model)
    if _raw_cursor_class(connection) is None:
        return None
    meta = model._meta
    key = (model, tuple(values), tuple(where))
    built = _returning.get(key)
    if built is None:
        quote = connection.ops.quote_name
        fields = tuple(meta.get_field(name) for name in (*values, *where))
        pk_type = re.sub(r"\([^)]*\)", "", meta.pk.cast_db_type(connection) or "bigint")
        assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s"
                                for name in values)
        conditions = "".join(f" AND {quote(meta.get_field(name).column)} = %s"
                             for name in where)
        sql = (f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
               f"WHERE {quote(meta.pk.column)} = ANY(%s::{pk_type}[]){conditions} "
               f"RETURNING {quote(meta.pk.column)}")
        built = _returning[key] = (sql, fields)
    sql, fields = built
    given = [*values.values(), *where.values()]
    params = [field.get_db_prep_save(value, connection) for field, value in zip(
        fields, given, strict=True)]
    params.insert(len(values), list(pks))
    with _cursor(connection, sql) as (cursor, text):
        cursor.execute(text, params)
        return {row[0] for row in cursor.fetchall()}


_returning: dict[tuple[type[models.Model], tuple[str, ...], tuple[str, ...]],
                 tuple[str, tuple[models.Field, ...]]] = {}
