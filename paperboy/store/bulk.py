"""Writing many papers at once: the store's bulk path.

SQLAlchemy's insert() builds and processes parameters per row, which cost more than
SQLite's own writing. Here rows go to the driver ready-made: one prepared INSERT run by
executemany on SQLite, COPY on PostgreSQL, each value converted by the same SQLAlchemy
type processors the ordinary path uses, so what is stored (and read back) is identical.

Into an empty store, the two plain secondary indexes of paper (normalised title,
revision) can be dropped for the load and built once at the end: building an index
from sorted data is cheaper than growing it a row at a time. The unique indexes (key,
arXiv id) stay: they are what keeps a paper once. If a load dies half-way, the next
ingest (or `paperboy init`) builds the missing indexes (restore_paper_indexes).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, func, inspect, select

from paperboy.store.schema import paper

# Every column but the id, in table order.
COLUMNS = tuple(c.name for c in paper.columns if c.name != "id")
_SECONDARY = tuple(i for i in paper.indexes if not i.unique)
_Encoder = Callable[[Sequence[dict[str, Any]]], list[tuple[Any, ...]]]
_encoders: dict[str, _Encoder] = {}


def insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert paper rows (dicts with every column but id) in the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, rows)
    else:
        placeholders = ", ".join("?" * len(COLUMNS))
        conn.exec_driver_sql(
            f"INSERT INTO paper ({', '.join(COLUMNS)}) VALUES ({placeholders})", _encoder(conn)(rows)
        )


def _copy(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY paper ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        write = copy.write_row
        for values in _encoder(conn)(rows):
            write(values)


def _encoder(conn: Connection) -> _Encoder:
    """Rows to tuples in COLUMNS order, values as the driver takes them: SQLAlchemy's
    bind processors on SQLite (dates as its text format, JSON as text); on PostgreSQL
    psycopg adapts dates itself and JSON goes as text."""
    dialect = conn.dialect
    known = _encoders.get(dialect.name)
    if known is not None:
        return known
    pick = operator.itemgetter(*COLUMNS)
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(COLUMNS):
        kind = paper.c[name].type
        if isinstance(kind, JSON):
            converters.append((index, _dump_json))
        elif dialect.name != "postgresql":
            processor = kind.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                converters.append((index, processor))

    def encode(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        out = []
        for row in rows:
            values = list(pick(row))
            for index, convert in converters:
                value = values[index]
                if value is not None:
                    values[index] = convert(value)
            out.append(tuple(values))
        return out

    _encoders[dialect.name] = encode
    return encode


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def paper_table_is_empty(conn: Connection) -> bool:
    return (
        conn.execute(select(func.count()).select_from(select(paper.c.id).limit(1).subquery())).scalar() == 0
    )


def drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop paper's plain indexes (before a first bulk load); return their names."""
    present = _index_names(conn)
    dropped = []
    for index in _SECONDARY:
        if index.name in present:
            index.drop(conn)
            dropped.append(str(index.name))
    return dropped


def restore_paper_indexes(conn: Connection) -> list[str]:
    """Build any of paper's plain indexes that are missing; return their names."""
    present = _index_names(conn)
    built = []
    for index in _SECONDARY:
        if index.name not in present:
            index.create(conn)
            built.append(str(index.name))
    return built


def _index_names(conn: Connection) -> set[str]:
    return {str(i["name"]) for i in inspect(conn).get_indexes("paper")}
