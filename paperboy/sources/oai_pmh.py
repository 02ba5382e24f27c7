"""arXiv's OAI-PMH interface: ListRecords pages in the `arXiv` and `arXivRaw` formats.

The envelope is OAI-PMH 2.0 (openarchives.org/OAI/openarchivesprotocol.html): a
<responseDate>, then <ListRecords> holding <record>s (a <header> with <identifier>
like oai:arXiv.org:2402.01234, <datestamp> and <setSpec>s, then <metadata>) and a
<resumptionToken>, empty or absent on the last page; or an <error code="..."> instead.
A header with status="deleted" carries no metadata. The element names of both arXiv
formats follow arXiv's own templates (github.com/arXiv/oaipmh, record_formats.xml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, cast
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from paperboy.domain import (
    Author,
    Deletion,
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

SOURCE = "arxiv-oai"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
METADATA_NAMESPACES = {
    "arXiv": "http://arxiv.org/OAI/arXiv/",
    "arXivRaw": "http://arxiv.org/OAI/arXivRaw/",
}
_IDENTIFIER_PREFIX = "oai:arXiv.org:"
# A first version announced more than this long after it was submitted is not news:
# its datestamp moved because arXiv touched old metadata (a bulk or bibliographic fix).
ANNOUNCEMENT_WINDOW = timedelta(days=14)
_O = f"{{{OAI_NS}}}"


class OaiProtocolError(SourceError):
    """The repository answered with an OAI-PMH <error>; `code` is its error code."""

    def __init__(self, url: str, code: str, message: str) -> None:
        super().__init__(f"{url}: OAI-PMH error {code}: {message or '(no message)'}")
        self.code = code


class MalformedResponseError(SourceError):
    """The body is not a readable OAI-PMH document; the message says where it broke."""


class BadRecordError(ValueError):
    """One record that cannot become a paper; the message names the field."""


@dataclass(frozen=True)
class ListRecordsPage:
    """One parsed ListRecords response."""

    url: str
    items: list[SourceItem]
    # The token asking for the next page; None when the list is complete.
    resumption_token: str | None
    response_date: datetime | None
    complete_list_size: int | None = None
    cursor: int | None = None


def parse_list_records(body: bytes, url: str, metadata_prefix: str) -> ListRecordsPage:
    """Parse a ListRecords page. noRecordsMatch is an empty, complete page; any other
    OAI-PMH error raises OaiProtocolError; broken XML raises MalformedResponseError."""
    if metadata_prefix not in METADATA_NAMESPACES:
        raise ValueError(
            f"metadata format {metadata_prefix!r} is not one of {', '.join(METADATA_NAMESPACES)}"
        )
    root = _parse_xml(body, url)
    response_date = _response_date(root.findtext(f"{_O}responseDate"))
    error = root.find(f"{_O}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return ListRecordsPage(url, [], None, response_date)
        raise OaiProtocolError(url, code, " ".join((error.text or "").split()))
    listing = root.find(f"{_O}ListRecords")
    if listing is None:
        raise MalformedResponseError(f"{url}: OAI-PMH response has neither <ListRecords> nor <error>")
    items = [
        _read_record(record, f"{url} record {number}", metadata_prefix)
        for number, record in enumerate(listing.findall(f"{_O}record"), start=1)
    ]
    token, size, cursor = _resumption_token(listing.find(f"{_O}resumptionToken"))
    return ListRecordsPage(url, items, token, response_date, size, cursor)


def _parse_xml(body: bytes, url: str) -> Element:
    try:
        root = fromstring(body)
    except ParseError as exc:
        # expat counts columns from 0; editors, and people, from 1.
        line, column = exc.position[0], exc.position[1] + 1
        # expat says "no element found" or "unclosed token" only when the input ends early.
        cut = " (the response looks cut short)" if _ends_early(exc) else ""
        reason = re.sub(r": line \d+, column \d+$", "", str(exc))
        raise MalformedResponseError(
            f"{url}: response is not well-formed XML at line {line}, column {column}: {reason}{cut}"
        ) from None
    except DefusedXmlException as exc:
        raise MalformedResponseError(f"{url}: response refused as unsafe XML ({exc})") from None
    if root.tag != f"{_O}OAI-PMH":
        raise MalformedResponseError(f"{url}: not an OAI-PMH response (root element is {root.tag!r})")
    return cast(Element, root)


def _ends_early(exc: ParseError) -> bool:
    return any(hint in str(exc) for hint in ("no element found", "unclosed token"))


def _response_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return naive_utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _resumption_token(element: Element | None) -> tuple[str | None, int | None, int | None]:
    if element is None:
        return None, None, None
    token = (element.text or "").strip() or None
    return token, _int(element.get("completeListSize")), _int(element.get("cursor"))


def _int(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def _read_record(record: Element, location: str, metadata_prefix: str) -> SourceItem:
    header = record.find(f"{_O}header")
    if header is None:
        return Rejection(location, "record has no <header>")
    identifier = (header.findtext(f"{_O}identifier") or "").strip()
    if identifier:
        location = f"{location} ({identifier})"
    if header.get("status") == "deleted":
        try:
            arxiv_id, _ = parse_arxiv_id(identifier.removeprefix(_IDENTIFIER_PREFIX))
        except InvalidArxivId as exc:
            return Rejection(location, f"deleted record's identifier: {exc}")
        return Deletion(arxiv_id, location)
    datestamp = _datestamp(header.findtext(f"{_O}datestamp"))
    namespace = METADATA_NAMESPACES[metadata_prefix]
    metadata = record.find(f"{_O}metadata/{{{namespace}}}{metadata_prefix}")
    if metadata is None:
        return Rejection(location, f"record has no {metadata_prefix} metadata")
    read = _paper_from_arxiv if metadata_prefix == "arXiv" else _paper_from_arxiv_raw
    try:
        paper = read(metadata, f"{{{namespace}}}", datestamp)
    except BadRecordError as exc:
        return Rejection(location, str(exc))
    return SourceRecord(paper, location, announcement_entry(paper, datestamp))


def announcement_entry(paper: Paper, datestamp: date | None) -> FeedEntry | None:
    """The feed entry of a new paper: on its datestamp, the day arXiv published its
    first version, if this record is that first version and the datestamp is near its
    submission. Replacements and metadata fixes of old papers are not news of the day."""
    if datestamp is None or paper.published is None:
        return None
    if paper.version is not None and paper.version != 1:
        return None
    if paper.version is None and paper.updated != paper.published:
        return None  # the arXiv format: an <updated> date means a later version exists
    if not timedelta(0) <= datestamp - paper.published.date() <= ANNOUNCEMENT_WINDOW:
        return None
    return FeedEntry(day=datestamp, origin="arxiv")


def _datestamp(text: str | None) -> date | None:
    # Granularity is YYYY-MM-DD at arXiv; a full UTCdatetime keeps its day.
    try:
        return date.fromisoformat(text.strip()[:10]) if text else None
    except ValueError:
        return None


def _paper_from_arxiv(meta: Element, ns: str, datestamp: date | None) -> Paper:
    """The `arXiv` format: parsed author names, created/updated dates, no versions."""
    arxiv_id = _arxiv_id(meta, ns)
    created = _iso_day(meta, ns, "created")
    updated = _iso_day(meta, ns, "updated")
    authors = []
    for author in meta.findall(f"{ns}authors/{ns}author"):
        keyname, forenames, suffix = (_child(author, ns, part) for part in ("keyname", "forenames", "suffix"))
        name = " ".join(part for part in (forenames, keyname, suffix) if part)
        authors.append(Author(name=name, keyname=keyname, forenames=forenames, suffix=suffix))
    return _paper(
        meta, ns, arxiv_id, datestamp, authors=tuple(authors), published=created, updated=updated or created
    )


def _paper_from_arxiv_raw(meta: Element, ns: str, datestamp: date | None) -> Paper:
    """The `arXivRaw` format: every version with its date, authors as one string."""
    arxiv_id = _arxiv_id(meta, ns)
    versions = []
    for element in meta.findall(f"{ns}version"):
        label = element.get("version", "")
        when = _child(element, ns, "date")
        try:
            versions.append((int(label.lstrip("v")), naive_utc(parsedate_to_datetime(when))))
        except (TypeError, ValueError):
            raise BadRecordError(f"version {label!r}: cannot read number or date {when!r}") from None
    versions.sort()
    return _paper(
        meta, ns, arxiv_id, datestamp,
        authors=split_author_string(_child(meta, ns, "authors")),
        published=versions[0][1] if versions else None,
        updated=versions[-1][1] if versions else None,
        version=versions[-1][0] if versions else None,
        versions=tuple(versions),
        submitter=_child(meta, ns, "submitter") or None,
    )  # fmt: skip


def _paper(meta: Element, ns: str, arxiv_id: str, datestamp: date | None, **known: Any) -> Paper:
    """The fields both formats share, plus what the caller read (`known`)."""
    title = _child(meta, ns, "title")
    if not title:
        raise BadRecordError("title is missing")
    return Paper(
        title=title,
        abstract=_child(meta, ns, "abstract"),
        source=SOURCE,
        arxiv_id=arxiv_id,
        categories=tuple(_child(meta, ns, "categories").split()),
        metadata_updated=datestamp,
        doi=_child(meta, ns, "doi") or None,
        journal_ref=_child(meta, ns, "journal-ref") or None,
        comments=_child(meta, ns, "comments") or None,
        report_no=_child(meta, ns, "report-no") or None,
        license=_child(meta, ns, "license") or None,
        **known,
    )


def _arxiv_id(meta: Element, ns: str) -> str:
    raw = _child(meta, ns, "id")
    if not raw:
        raise BadRecordError("record has no <id>")
    try:
        return parse_arxiv_id(raw)[0]
    except InvalidArxivId as exc:
        raise BadRecordError(f"id: {exc}") from None


def _iso_day(meta: Element, ns: str, name: str) -> datetime | None:
    text = _child(meta, ns, name)
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
    except ValueError:
        raise BadRecordError(f"<{name}> {text[:40]!r} is not a YYYY-MM-DD date") from None


def _child(element: Element, ns: str, name: str) -> str:
    return (element.findtext(f"{ns}{name}") or "").strip()


_PARENTHESES = re.compile(r"\([^()]*\)")


def split_author_string(authors: str) -> tuple[Author, ...]:
    """Split arXivRaw's "A. One, B. Two (Univ X, Lab Y) and C. Three" into authors, in
    order; affiliations in parentheses are dropped (they may hold commas too)."""
    names: list[str] = []
    current: list[str]
    depth, current = 0, []
    for char in " ".join(authors.split()):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    result = []
    for chunk in names:
        for name in re.split(r"\s+and\s+", chunk.strip()):
            name = " ".join(_PARENTHESES.sub(" ", name).split()).strip(" ,;")
            if name:
                result.append(Author(name=name))
    return tuple(result)
