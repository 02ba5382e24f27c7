"""arXiv's metadata snapshot: JSON lines, plain or gzip, read in constant memory.

Layout (arxiv-metadata-oai-snapshot.json): one object per line with id, submitter,
authors, title, comments, journal-ref, doi, report-no, categories, license, abstract,
versions [{version, created}], update_date and authors_parsed [[keyname, forenames,
suffix], ...].
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

from paperboy.domain import (
    Author,
    InvalidArxivId,
    Paper,
    Rejection,
    SourceItem,
    SourceRecord,
    parse_arxiv_id,
)
from paperboy.domain.clock import naive_utc
from paperboy.sources.errors import SourceError

SOURCE = "arxiv-snapshot"
_GZIP_MAGIC = b"\x1f\x8b"


class BadRecord(ValueError):
    """A snapshot line that cannot become a paper; the message names the field."""


def open_snapshot(path: Path) -> IO[bytes]:
    """Open a snapshot file, gzip or not (told by its first bytes, not its name)."""
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; give a .jsonl or .jsonl.gz snapshot file")
    try:
        handle: IO[bytes] = path.open("rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    start = handle.read(2)
    handle.seek(0)
    if not start:
        handle.close()
        raise SourceError(f"{path}: file is empty (0 bytes); nothing to import")
    if start == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def read_snapshot(path: Path) -> Iterator[SourceItem]:
    """Yield a SourceRecord per good line and a Rejection (path:line) per bad one."""
    with open_snapshot(path) as stream:
        line_number = 0
        try:
            for line_number, raw in enumerate(stream, start=1):
                yield _read_line(raw, f"{path}:{line_number}")
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield Rejection(f"{path}:{line_number + 1}", f"compressed stream is damaged or cut short ({exc})")


def _read_line(raw: bytes, location: str) -> SourceItem:
    if not raw.strip():
        return Rejection(location, "blank line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(location, f"invalid UTF-8 at byte {exc.start} of the line")
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (line cut short?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        return Rejection(location, f"invalid JSON at column {exc.colno}: {exc.msg}{hint}")
    if not isinstance(record, dict):
        return Rejection(location, f"expected a JSON object, got {type(record).__name__}")
    try:
        return SourceRecord(paper_from_snapshot(record), location)
    except BadRecord as exc:
        return Rejection(location, str(exc))


def paper_from_snapshot(record: dict[str, Any]) -> Paper:
    """Turn one snapshot object into a Paper; raise BadRecord naming the bad field."""
    raw_id = record.get("id")
    if not raw_id or not isinstance(raw_id, str):
        raise BadRecord("record has no id")
    try:
        arxiv_id, _ = parse_arxiv_id(raw_id)
    except InvalidArxivId as exc:
        raise BadRecord(f"id: {exc}") from None
    versions = _versions(record.get("versions"))
    return Paper(
        title=_text(record, "title", required=True),
        abstract=_text(record, "abstract", required=True),
        source=SOURCE,
        arxiv_id=arxiv_id,
        authors=_authors(record),
        categories=tuple(_text(record, "categories").split()),
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        version=versions[-1][0] if versions else None,
        versions=versions,
        metadata_updated=_date(record.get("update_date")),
        doi=_optional(record, "doi"),
        journal_ref=_optional(record, "journal-ref"),
        comments=_optional(record, "comments"),
        report_no=_optional(record, "report-no"),
        license=_optional(record, "license"),
        submitter=_optional(record, "submitter"),
    )


def _text(record: dict[str, Any], field: str, required: bool = False) -> str:
    value = record.get(field)
    if value is None:
        if required:
            raise BadRecord(f"{field} is missing")
        return ""
    if not isinstance(value, str):
        raise BadRecord(f"{field} should be a string, got {type(value).__name__}")
    return value


def _optional(record: dict[str, Any], field: str) -> str | None:
    return _text(record, field) or None


def _authors(record: dict[str, Any]) -> tuple[Author, ...]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        authors = []
        for part in parsed:
            try:
                keyname, forenames, suffix = (part + ["", ""])[:3] if len(part) < 3 else part[:3]
                name = f"{forenames} {keyname} {suffix}".split()
            except (TypeError, AttributeError, ValueError):
                raise BadRecord("authors_parsed should be a list of [keyname, forenames, suffix]") from None
            if not part or not all(type(p) is str for p in part):
                raise BadRecord("authors_parsed should be a list of [keyname, forenames, suffix]")
            authors.append(Author(" ".join(name), keyname, forenames, suffix))
        return tuple(authors)
    names = _text(record, "authors").replace(" and ", ", ")
    return tuple(Author(name=" ".join(n.split())) for n in names.split(",") if n.strip())


def _versions(value: Any) -> tuple[tuple[int, datetime], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRecord("versions should be a list")
    versions = []
    for item in value:
        try:
            label = item["version"]
            number = int(label.lstrip("v"))
            created = _created(item["created"])
        except (TypeError, KeyError, ValueError, AttributeError):
            raise BadRecord(f"versions: cannot read {str(item)[:80]}") from None
        versions.append((number, created))
    versions.sort()
    return tuple(versions)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _created(text: str) -> datetime:
    """arXiv writes "Mon, 2 Apr 2007 19:18:42 GMT"; read that directly (4x faster than
    email.utils), and anything else the general way."""
    parts = text.split()
    if len(parts) == 6 and parts[5] == "GMT" and parts[2] in _MONTHS:
        clock = parts[4].split(":")
        if len(clock) == 3:
            return datetime(
                int(parts[3]), _MONTHS[parts[2]], int(parts[1]), int(clock[0]), int(clock[1]), int(clock[2])
            )
    return naive_utc(parsedate_to_datetime(text))


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRecord(f"update_date {str(value)[:40]!r} is not a YYYY-MM-DD date") from None
