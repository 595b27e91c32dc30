"""Bulk writes straight to the driver: COPY on PostgreSQL, executemany on SQLite.

Measured on 20,000 actions: SQLAlchemy's insertmanyvalues spent 6.7 s of 12 s parsing statements
in psycopg and ran one statement per row on SQLite (RETURNING in order). Values still go through
each column type's bind processor, so they are stored exactly as the ORM would store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Text, any_, bindparam, cast, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session


def insert_with_ids(session: Session, table: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk INSERT of rows given ids taken up front, so the caller knows them without RETURNING."""
    ids = next_ids(session, table, len(rows))
    for row, id_ in zip(rows, ids, strict=True):
        row["id"] = id_
    bulk_insert(session, table, rows)
    return ids


def next_ids(session: Session, table: Any, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        stmt = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        return list(session.execute(stmt, {"t": table.name, "n": count}).scalars())
    # SQLite: a writer that slipped in between makes our INSERT fail, and the import with it.
    top = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(top + 1, top + 1 + count))


def _identity(value: Any) -> Any:
    return value


def _converter(type_: Any, dialect: Any) -> Callable[[Any], Any]:
    """The column type's bind processor, remembering results: dates, timestamps and JSON
    defaults repeat across a batch, and processing each of 100k timestamps cost seconds."""
    process = type_._cached_bind_processor(dialect)
    if process is None:
        return _identity
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if isinstance(value, dict):  # a JSON document: unhashable, and rarely repeated
            return process(value)
        key = tuple(value) if isinstance(value, list) else value
        try:
            return memo[key]
        except TypeError:  # a list holding dicts (attachments): not worth remembering
            return process(value)
        except KeyError:
            memo[key] = process(value)
            return memo[key]

    return convert


def _row_builder(
    table: Any, columns: list[str], dialect: Any
) -> Callable[[dict[str, Any]], Sequence[Any]]:
    """dict → driver values; only the columns whose type processes values pay for it."""
    pick = itemgetter(*columns)
    converters = [(i, _converter(table.c[c].type, dialect)) for i, c in enumerate(columns)]
    processed = [(i, f) for i, f in converters if f is not _identity]

    def build(row: dict[str, Any]) -> Sequence[Any]:
        values = list(pick(row))
        for index, convert in processed:
            values[index] = convert(values[index])
        return values

    return build


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Rows straight to the driver, in the session's transaction."""
    if not rows:
        return
    dialect = session.connection().dialect
    columns = list(rows[0])
    bulk_insert_values(session, table, columns, map(_row_builder(table, columns, dialect), rows))


def bulk_insert_values(
    session: Session, table: Any, columns: Sequence[str], values: Iterable[Sequence[Any]]
) -> None:
    """Tuples already in the driver's terms (no type processing) straight to the driver."""
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    if connection.dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join("?" for _ in columns)
    raw.cursor().executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)


def among(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` as one bound value, however many values: an array on PostgreSQL, a
    JSON list on SQLite (whose statements take at most 32,766 parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        # One text split by the server: psycopg dumping a list element by element cost a third
        # of a 5,000-key lookup. Values holding the separator go as a real array.
        joined = "\n".join(map(str, values))
        if joined.count("\n") == max(len(values) - 1, 0):
            split = func.string_to_array(bindparam(None, joined, type_=Text), "\n")
            return column == any_(cast(split, ARRAY(column.type)))
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    listed = select(text("value")).select_from(func.json_each(json.dumps(list(values))))
    return column.in_(listed.scalar_subquery())
