"""arXiv's metadata snapshot: JSON lines, plain or gzip, read in bounded memory.

Layout (arxiv-metadata-oai-snapshot.json): one object per line with id, submitter,
authors, title, comments, journal-ref, doi, report-no, categories, license, abstract,
versions [{version, created}], update_date and authors_parsed [[keyname, forenames,
suffix], ...].

What the reader refuses, and why (see docs/security.md): anything but a regular file
(/dev/zero, a pipe), a file that is neither gzip nor JSON lines (told by its first bytes),
and a file named .gz that is not gzip. Within a file, one line costs at most
MAX_LINE_BYTES of memory: a longer line is rejected with its number and skipped to the
next newline. JSON is parsed by orjson, which refuses integers beyond 64 bits and
nesting deeper than 1,024, so such a record is a rejection, never an abort.
"""

from __future__ import annotations

import gzip
import re
import stat
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

import orjson

from paperboy.domain import (
    Author,
    FeedEntry,
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
# Feed entries of snapshot papers say "arxiv": they are arXiv's announcements.
FEED_ORIGIN = "arxiv"
# The longest line read. A real record is a few KB; the largest collaborations (3,000
# authors, listed twice) stay under 1 MB.
MAX_LINE_BYTES = 16 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096
_SKIP_CHUNK = 1 << 20
_TOO_LONG = "line is longer than the limit of {:,} bytes; skipped to the next line"


class BadRecord(ValueError):
    """A snapshot line that cannot become a paper; the message names the field."""


def open_snapshot(path: Path) -> IO[bytes]:
    """Open a snapshot file, gzip or not (told by its first bytes, not its name).

    Raise SourceError for anything that is not a regular file holding gzip or JSON lines.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceError(f"{path}: is a directory; give a .jsonl or .jsonl.gz snapshot file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(
            f"{path}: not a regular file (a device, pipe or socket); give a .jsonl or .jsonl.gz snapshot file"
        )
    if info.st_size == 0:
        raise SourceError(f"{path}: file is empty (0 bytes); nothing to import")
    try:
        handle: IO[bytes] = path.open("rb")
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    try:
        return _sniffed(path, handle)
    except BaseException:
        handle.close()
        raise


def _sniffed(path: Path, handle: IO[bytes]) -> IO[bytes]:
    start = handle.read(_SNIFF_BYTES)
    handle.seek(0)
    if not start.startswith(_GZIP_MAGIC):
        if path.name.lower().endswith((".gz", ".gzip")):
            raise SourceError(
                f"{path}: not gzip (it is named .gz but starts with bytes {_hex(start)}, not gzip's 1f 8b)"
            )
        _check_json_lines(path, start, "")
        return handle
    stream = gzip.GzipFile(fileobj=handle, mode="rb")
    try:
        head = stream.read(_SNIFF_BYTES)
        stream.seek(0)
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise SourceError(f"{path}: not gzip, or damaged at its start ({exc})") from None
    if not head:
        raise SourceError(f"{path}: decompresses to nothing; nothing to import")
    _check_json_lines(path, head, "the decompressed text is ")
    return stream  # type: ignore[return-value]


def _check_json_lines(path: Path, start: bytes, what: str) -> None:
    """The first thing in a JSON lines file is an object's "{" (after blank lines)."""
    text = start.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"{"):
        return
    if not text and len(start) < _SNIFF_BYTES:
        raise SourceError(f"{path}: {what or ''}only blank lines; nothing to import")
    if text.startswith(b"["):
        raise SourceError(f"{path}: {what}a JSON array, not JSON lines; give one JSON object per line")
    if what:
        raise SourceError(f"{path}: {what}not JSON lines (it starts with bytes {_hex(start)})")
    raise SourceError(
        f"{path}: not JSON lines or gzip (it starts with bytes {_hex(start)}); "
        "give an arXiv metadata snapshot, .jsonl or .jsonl.gz"
    )


def _hex(data: bytes) -> str:
    return data[:8].hex(" ") + (" ..." if len(data) > 8 else "")


@dataclass(frozen=True)
class SnapshotSlice:
    """The part of a snapshot to import: papers announced on or after since, listed in
    any of categories (an archive such as "cs" or "math", or a category such as "cs.LG").

    The announcement day is the first version's date when the record has versions,
    else its update_date (see announcement_day)."""

    since: date | None = None
    categories: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.since is not None or bool(self.categories)

    def holds(self, paper: Paper) -> bool:
        """Whether the paper is in the slice (exact)."""
        if self.categories and not _listed_in(paper.categories, self.categories):
            return False
        if self.since is not None:
            day = announcement_day(paper)
            return day is not None and day >= self.since
        return True

    def may_hold(self, raw: bytes) -> bool:
        """From the line's bytes, without parsing it: False only when the record is
        certainly outside the slice (then it is never parsed), else True."""
        if self.categories:
            categories = _quick_categories(raw)
            if categories is not None and not _listed_in(categories, self.categories):
                return False
        if self.since is not None:
            day = _quick_day(raw)
            if day is not None and day < self.since.isoformat().encode():
                return False
        return True


def _listed_in(categories: Any, wanted: tuple[str, ...]) -> bool:
    for category in categories:
        for w in wanted:
            if category == w or (category.startswith(w) and category[len(w) : len(w) + 1] == "."):
                return True
    return False


# Keys as they appear in a line. Inside a JSON string a quote is escaped (\"), so these
# never match text within a title or abstract; a key given twice is not trusted (the
# parser keeps the last), and escaped values are left to the parser.
_CATEGORIES_FIELD = re.compile(rb'"categories"\s*:\s*"([A-Za-z0-9.\- ]*)"')
_UPDATE_DATE_FIELD = re.compile(rb'"update_date"\s*:\s*"(\d{4}-\d\d-\d\d)"')
_NO_VERSIONS_FIELD = re.compile(rb'"versions"\s*:\s*(?:null|\[\s*\])')
_VERSIONS_KEY = re.compile(rb'"versions"\s*:')


def _quick_categories(raw: bytes) -> list[str] | None:
    """A record's categories from its line, or None where the line is not plain."""
    found = _CATEGORIES_FIELD.findall(raw)
    return found[0].decode("ascii").split() if len(found) == 1 else None


def _quick_day(raw: bytes) -> bytes | None:
    """A record's announcement day as ISO bytes, when its line says it plainly: no
    versions, one update_date. None means "parse the record to know"."""
    if len(_VERSIONS_KEY.findall(raw)) > 1 or not _NO_VERSIONS_FIELD.search(raw):
        return None
    found = _UPDATE_DATE_FIELD.findall(raw)
    return found[0] if len(found) == 1 else None


def announcement_day(paper: Paper) -> date | None:
    """The day a paper was announced: its first version's date, else the snapshot's
    update_date (which, where versions are missing, is the day it was listed)."""
    if paper.published is not None:
        return paper.published.date()
    return paper.metadata_updated


def read_snapshot(
    path: Path, *, on_feed: bool = False, wanted: SnapshotSlice | None = None
) -> Iterator[SourceItem]:
    """Yield a SourceRecord per good line and a Rejection (path:line) per bad one.

    on_feed gives each record a FeedEntry on its announcement day. wanted keeps only
    that slice; lines outside it are skipped, most without being parsed.
    """
    with open_snapshot(path) as stream:
        number = 0
        try:
            for number, raw in _numbered_lines(stream):
                if raw is None:
                    yield Rejection(f"{path}:{number}", _TOO_LONG.format(MAX_LINE_BYTES))
                    continue
                if wanted and not wanted.may_hold(raw):
                    continue
                item = _read_line(raw, path, number)
                if isinstance(item, SourceRecord):
                    if wanted and not wanted.holds(item.paper):
                        continue
                    if on_feed:
                        day = announcement_day(item.paper)
                        if day is not None:
                            item.entry = FeedEntry(day=day, origin=FEED_ORIGIN)
                yield item
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield Rejection(f"{path}:{number + 1}", f"compressed stream is damaged or cut short ({exc})")


def listing_days(path: Path, categories: tuple[str, ...] = ()) -> Counter[date]:
    """How many records of the file (listed in categories, if given) each announcement
    day has. A pass over dates only: most lines are not parsed at all. Bad lines are
    left for the import to report."""
    days: Counter[date] = Counter()
    quick: Counter[bytes] = Counter()
    with open_snapshot(path) as stream:
        try:
            for _, raw in _numbered_lines(stream):
                if raw is None:
                    continue
                listed = _quick_categories(raw) if categories else []
                if listed is not None and categories and not _listed_in(listed, categories):
                    continue
                day = _quick_day(raw) if listed is not None else None
                if day is not None:
                    quick[day] += 1
                    continue
                try:
                    paper = paper_from_snapshot(orjson.loads(raw))
                except (orjson.JSONDecodeError, BadRecord, AttributeError):
                    continue
                if categories and not _listed_in(paper.categories, categories):
                    continue
                found = announcement_day(paper)
                if found is not None:
                    days[found] += 1
        except (EOFError, zlib.error, gzip.BadGzipFile):
            pass  # the import reports where the stream breaks
    for text, count in quick.items():
        try:
            days[date.fromisoformat(text.decode())] += count
        except ValueError:
            continue
    return days


def _numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) with at most MAX_LINE_BYTES held; None for a longer line,
    whose rest is read and dropped in chunks."""
    limit = MAX_LINE_BYTES
    readline = stream.readline
    number = 0
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:
                rest = readline(_SKIP_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


def _read_line(raw: bytes, path: Path, number: int) -> SourceItem:
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return Rejection(f"{path}:{number}", _json_problem(raw, exc))
    if type(record) is not dict:
        return Rejection(f"{path}:{number}", f"expected a JSON object, got {type(record).__name__}")
    try:
        return SourceRecord(paper_from_snapshot(record), f"{path}:{number}")
    except BadRecord as exc:
        return Rejection(f"{path}:{number}", str(exc))


def _json_problem(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    if not raw.strip():
        return "blank line"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"invalid UTF-8 at byte {bad.start} of the line"
    hint = " (line cut short?)" if exc.pos >= len(text.rstrip()) - 1 else ""
    return f"invalid JSON at column {exc.colno}: {exc.msg}{hint}"


_PLAIN_NEW_ID = re.compile(r"\d{4}\.\d{4,5}")


def paper_from_snapshot(record: dict[str, Any]) -> Paper:
    """Turn one snapshot object into a Paper; raise BadRecord naming the bad field."""
    get = record.get
    raw_id = get("id")
    if not raw_id or type(raw_id) is not str:
        raise BadRecord("record has no id")
    if _PLAIN_NEW_ID.fullmatch(raw_id):
        arxiv_id = raw_id  # the common case, already without a version
    else:
        try:
            arxiv_id, _ = parse_arxiv_id(raw_id)
        except InvalidArxivId as exc:
            raise BadRecord(f"id: {exc}") from None
    title = get("title")
    if type(title) is not str:
        raise BadRecord("title is missing" if title is None else _wrong_type("title", title))
    abstract = get("abstract")
    if type(abstract) is not str:
        raise BadRecord("abstract is missing" if abstract is None else _wrong_type("abstract", abstract))
    categories = get("categories")
    if categories is None:
        categories = ""
    elif type(categories) is not str:
        raise BadRecord(_wrong_type("categories", categories))
    versions = _versions(get("versions"))
    return Paper(
        title=title,
        abstract=abstract,
        source=SOURCE,
        arxiv_id=arxiv_id,
        authors=_authors(record),
        categories=tuple(categories.split()),
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        version=versions[-1][0] if versions else None,
        versions=versions,
        metadata_updated=_date(get("update_date")),
        doi=_optional(get, "doi"),
        journal_ref=_optional(get, "journal-ref"),
        comments=_optional(get, "comments"),
        report_no=_optional(get, "report-no"),
        license=_optional(get, "license"),
        submitter=_optional(get, "submitter"),
    )


def _wrong_type(field: str, value: Any) -> str:
    return f"{field} should be a string, got {type(value).__name__}"


def _optional(get: Any, field: str) -> str | None:
    value = get(field)
    if not value:
        if value is None or value == "":
            return None
        raise BadRecord(_wrong_type(field, value))
    if type(value) is not str:
        raise BadRecord(_wrong_type(field, value))
    return value


_BAD_AUTHORS = "authors_parsed should be a list of [keyname, forenames, suffix]"


def _authors(record: dict[str, Any]) -> tuple[Author, ...]:
    parsed = record.get("authors_parsed")
    if type(parsed) is list and parsed:
        authors = []
        for part in parsed:
            if type(part) is not list or not part:
                raise BadRecord(_BAD_AUTHORS)
            for piece in part:
                if type(piece) is not str:
                    raise BadRecord(_BAD_AUTHORS)
            keyname = part[0]
            forenames = part[1] if len(part) > 1 else ""
            suffix = part[2] if len(part) > 2 else ""
            name = f"{forenames} {keyname}" if forenames else keyname
            if suffix:
                name = f"{name} {suffix}"
            # " ".join(name.split()) only where it changes something (it rarely does).
            if not name.isprintable() or "  " in name or name[:1] == " " or name[-1:] == " ":
                name = " ".join(name.split())
            authors.append(Author(name, keyname, forenames, suffix))
        return tuple(authors)
    names = record.get("authors")
    if names is None:
        return ()
    if type(names) is not str:
        raise BadRecord(_wrong_type("authors", names))
    names = names.replace(" and ", ", ")
    return tuple(Author(name=" ".join(n.split())) for n in names.split(",") if n.strip())


def _versions(value: Any) -> tuple[tuple[int, datetime], ...]:
    if value is None:
        return ()
    if type(value) is not list:
        raise BadRecord("versions should be a list")
    versions = []
    for item in value:
        try:
            label = item["version"]
            number = int(label.lstrip("v"))
            created = _created(item["created"])
        except (TypeError, KeyError, ValueError, AttributeError, OverflowError):
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
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRecord(f"update_date {str(value)[:40]!r} is not a YYYY-MM-DD date") from None
