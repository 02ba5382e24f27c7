"""Writing many papers at once: the store's bulk path.

SQLAlchemy's insert() builds and processes parameters per row, which cost more than
SQLite's own writing. Here rows go to the driver ready-made: one prepared INSERT run by
executemany on SQLite, COPY on PostgreSQL, each value converted by the same SQLAlchemy
type processors the ordinary path uses, so what is stored (and read back) is identical.

A row travels as two tuples: its content (CONTENT, every column a source sets, already
in the driver's form, so it can be made in the process that reads the file and sent
cheaply) and, for a new paper, the columns the store sets when it first writes it.
Re-imports compare the content tuple with the stored values read raw (JSON as its
text, SQLite dates as their text): equal tuples mean nothing changed, without decoding
a row. Anything else takes the ordinary, decoded comparison.

Into an empty store, the two plain secondary indexes of paper (normalised title,
revision) can be dropped for the load and built once at the end: building an index
from sorted data is cheaper than growing it a row at a time. The unique indexes (key,
arXiv id) stay: they are what keeps a paper once. If a load dies half-way, the next
ingest (or `paperboy init`) builds the missing indexes (restore_paper_indexes).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, func, inspect, select
from sqlalchemy.engine import Dialect

from paperboy.domain import Paper, normalise_title
from paperboy.store.papers import PaperUpdate, _paper_to_row, _row_to_paper, paper_key
from paperboy.store.schema import paper

# What the keyword indexer derives from a paper; an ingest never writes it.
DERIVED = ("keywords",)
# Every column but the id and the derived ones, in table order: the content a source sets,
# then what the store sets on a paper's first write.
COLUMNS = tuple(c.name for c in paper.columns if c.name != "id" and c.name not in DERIVED)
FIRST_WRITE = ("withdrawn", "first_seen", "changed_at", "revision")
CONTENT = tuple(c for c in COLUMNS if c not in FIRST_WRITE)
assert COLUMNS == CONTENT + FIRST_WRITE, "paper's first-write columns must come last"
# Columns compared to tell an update from a no-op: everything a source can change.
_COMPARED = (
    "key", "arxiv_id", "title", "title_norm", "abstract", "authors", "categories",
    "primary_category", "published", "updated", "version", "versions", "metadata_updated",
    "doi", "journal_ref", "comments", "report_no", "license", "submitter", "code_url",
    "withdrawn",
)  # fmt: skip
_SECONDARY = tuple(i for i in paper.indexes if not i.unique)
_KEY = CONTENT.index("key")
_Encoder = Callable[[dict[str, Any]], tuple[Any, ...]]
_Decoder = Callable[[Sequence[Any]], dict[str, Any]]
_encoders: dict[tuple[str, tuple[str, ...]], _Encoder] = {}
_decoders: dict[str, _Decoder] = {}


def content_encoder(dialect: Dialect) -> _Encoder:
    """A function from a row dict (store/papers.py:_paper_to_row's) to its CONTENT tuple as stored."""
    return _encoder(dialect, CONTENT)


def paper_encoder(dialect: Dialect) -> Callable[[Paper, str], tuple[Any, ...]]:
    """A function from a Paper and its normalised title to its CONTENT tuple as stored:
    what content_encoder(dialect)(_paper_to_row(paper, norm)) gives, built in one step
    (no row dict, no column-by-column conversion), for the bulk path, where every record
    of a file takes it. tests/test_bulk_import.py holds the two equal on every field."""
    known = _paper_encoders.get(dialect.name)
    if known is not None:
        return known
    assert CONTENT == _PAPER_CONTENT, "paper_encoder must build CONTENT's columns in order"
    moment = _bind(dialect, "published")
    day = _bind(dialect, "metadata_updated")
    dumps = orjson.dumps

    def encode(p: Paper, norm: str) -> tuple[Any, ...]:
        published, updated, metadata_updated = p.published, p.updated, p.metadata_updated
        categories = p.categories
        return (
            paper_key(p, norm),
            p.arxiv_id,
            p.title,
            norm,
            p.abstract,
            dumps(
                [{"name": a.name, "keyname": a.keyname, "forenames": a.forenames, "suffix": a.suffix}
                 for a in p.authors]
            ).decode(),
            " ".join(categories),
            categories[0] if categories else None,
            None if published is None else moment(published),
            None if updated is None else moment(updated),
            p.version,
            dumps([[number, when.isoformat()] for number, when in p.versions]).decode(),
            None if metadata_updated is None else day(metadata_updated),
            p.doi,
            p.journal_ref,
            p.comments,
            p.report_no,
            p.license,
            p.submitter,
            p.code_url,
            p.source,
        )  # fmt: skip

    _paper_encoders[dialect.name] = encode
    return encode


_PAPER_CONTENT = (
    "key", "arxiv_id", "title", "title_norm", "abstract", "authors", "categories", "primary_category",
    "published", "updated", "version", "versions", "metadata_updated", "doi", "journal_ref", "comments",
    "report_no", "license", "submitter", "code_url", "source",
)  # fmt: skip
_paper_encoders: dict[str, Callable[[Paper, str], tuple[Any, ...]]] = {}


def _bind(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """The column's value as the driver takes it: SQLAlchemy's bind processor on SQLite
    (dates as text); on PostgreSQL psycopg adapts dates itself.

    SQLAlchemy's SQLite processors format through a dict, about 1 µs a value; the same
    text comes from isoformat in a tenth of that. The faster one is taken only when it
    gives the processor's text on a sample, and only for the type it was checked on."""
    if dialect.name == "postgresql":
        return _same
    processor = paper.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return _same
    moments = (datetime(2001, 2, 3, 4, 5, 6, 7), datetime(987, 10, 11, 12, 13, 14))
    if all(processor(m) == m.isoformat(" ", "microseconds") for m in moments):

        def moment(value: Any) -> Any:
            # Exactly a naive datetime; a subclass or a time zone takes the processor.
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return processor(value)

        return moment
    days = (date(2001, 2, 3), date(987, 10, 11))
    if all(processor(d) == d.isoformat() for d in days):

        def day(value: Any) -> Any:
            return value.isoformat() if type(value) is date else processor(value)

        return day
    return processor


def _same(value: Any) -> Any:
    return value


def encode_first_write(dialect: Dialect, values: dict[str, Any]) -> tuple[Any, ...]:
    """The FIRST_WRITE columns of a new paper, as stored."""
    return _encoder(dialect, FIRST_WRITE)(values)


def decode_content(dialect: Dialect, stored: Sequence[Any]) -> dict[str, Any]:
    """A CONTENT tuple back to the row dict it was made from (as a stored row reads)."""
    known = _decoders.get(dialect.name)
    if known is None:
        converters: list[tuple[int, Callable[[Any], Any]]] = []
        for index, name in enumerate(CONTENT):
            kind = paper.c[name].type
            if isinstance(kind, JSON):
                converters.append((index, orjson.loads))
            elif dialect.name != "postgresql":
                processor = kind.dialect_impl(dialect).result_processor(dialect, None)
                if processor is not None:
                    converters.append((index, processor))

        def known(stored: Sequence[Any]) -> dict[str, Any]:
            values = list(stored)
            for index, convert in converters:
                if values[index] is not None:
                    values[index] = convert(values[index])
            return dict(zip(CONTENT, values, strict=True))

        _decoders[dialect.name] = known
    return known(stored)


def papers_to_merge(dialect: Dialect, stored: Any, content: Sequence[Any]) -> tuple[Paper, Paper] | None:
    """The stored paper (a row of rows_by_key or rows_by_title_norm) and the incoming one
    (a CONTENT tuple), for the caller to merge; None when the incoming content is what is
    stored, compared field by field before any Paper is built (it would merge to itself)."""
    values = decode_content(dialect, content)
    values["withdrawn"] = stored.withdrawn
    if _same_content(values, stored):
        return None
    return _row_to_paper(stored), _row_to_paper(values)


def paper_update(stored: Any, merged: Paper) -> PaperUpdate | None:
    """What writing the merged paper over the stored row changes (for update_papers);
    None when the stored content is that already."""
    values = _paper_to_row(merged, normalise_title(merged.title))
    values["withdrawn"] = stored.withdrawn
    if _same_content(values, stored):
        return None
    return PaperUpdate(stored.id, stored.key, values)


def _same_content(values: dict[str, Any], stored: Any) -> bool:
    return all(values[column] == getattr(stored, column) for column in _COMPARED)


def insert_rows(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert paper rows (tuples in COLUMNS order, as stored) in the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, rows)
    else:
        placeholders = ", ".join("?" * len(COLUMNS))
        conn.exec_driver_sql(f"INSERT INTO paper ({', '.join(COLUMNS)}) VALUES ({placeholders})", list(rows))


def _copy(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY paper ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        write = copy.write_row
        for values in rows:
            write(values)


def stored_content(conn: Connection, keys: Iterable[str]) -> dict[str, tuple[int, Any, tuple[Any, ...]]]:
    """(id, withdrawn, CONTENT tuple as stored) of the stored papers with these keys,
    read raw: no value decoded, so a re-import compares tuples."""
    keys = list(set(keys))
    postgres = conn.dialect.name == "postgresql"
    columns = ", ".join(
        f"{name}::text" if postgres and isinstance(paper.c[name].type, JSON) else name for name in CONTENT
    )
    found: dict[str, tuple[int, Any, tuple[Any, ...]]] = {}
    mark = "%s" if postgres else "?"
    # Straight from the driver's cursor, all rows at once: SQLAlchemy's result wraps and
    # fetches each row by itself, which costs as much as the query on a re-import.
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join([mark] * len(chunk))
            cursor.execute(f"SELECT id, withdrawn, {columns} FROM paper WHERE key IN ({marks})", tuple(chunk))
            for row in cursor.fetchall():
                found[row[2 + _KEY]] = (row[0], row[1], tuple(row[2:]))
    finally:
        cursor.close()
    return found


def _encoder(dialect: Dialect, columns: tuple[str, ...]) -> _Encoder:
    """Row dicts to tuples of these columns, values as the driver takes them:
    SQLAlchemy's bind processors on SQLite (dates as its text format, JSON as text);
    on PostgreSQL psycopg adapts dates itself and JSON goes as text."""
    known = _encoders.get((dialect.name, columns))
    if known is not None:
        return known
    pick = operator.itemgetter(*columns)
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(columns):
        kind = paper.c[name].type
        if isinstance(kind, JSON):
            converters.append((index, _dump_json))
        elif dialect.name != "postgresql":
            processor = kind.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                converters.append((index, processor))

    def encode(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(pick(row))
        for index, convert in converters:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return tuple(values)

    _encoders[(dialect.name, columns)] = encode
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
