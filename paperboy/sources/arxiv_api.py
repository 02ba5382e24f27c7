"""arXiv's query API: Atom feeds of papers, fetched by id in batches.

Element names follow arXiv's API User's Manual (info.arxiv.org/help/api/user-manual),
sections 3.3 "Outline of an Atom feed" and 3.4 "Errors":

- each paper is an Atom <entry> with <id> (http://arxiv.org/abs/2402.01234v2, version
  included), <title>, <summary>, <published> (v1), <updated> (this version), one
  <author><name> per author in order, <category term> for every category and <link>s;
- arXiv's own elements (namespace http://arxiv.org/schemas/atom): <arxiv:primary_category
  term>, <arxiv:comment>, <arxiv:journal_ref>, <arxiv:doi>;
- a refused request is a feed with one entry whose <id> starts with
  http://arxiv.org/api/errors# and whose <title> is "Error"; <summary> says why;
- an id arXiv does not know is simply absent from the feed, and entries come back in
  no particular order, so results are matched to requests by id, never by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from paperboy.config import Settings
from paperboy.domain import Author, InvalidArxivId, Paper, Rejection, SourceRecord, parse_arxiv_id
from paperboy.domain.clock import naive_utc
from paperboy.sources.errors import SourceError
from paperboy.sources.http import HttpClient

SOURCE = "arxiv-api"
# arXiv's manual asks for modest result pages; 50 ids keep a request URL short too.
BATCH_SIZE = 50

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ERROR_ID_PREFIX = "http://arxiv.org/api/errors"


@dataclass
class AtomFeed:
    """One parsed API response: the papers in it and the entries it refused or failed."""

    records: list[SourceRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    # Messages of the API's own error entries (the request as a whole was refused).
    errors: list[str] = field(default_factory=list)
    total_results: int | None = None


@dataclass
class LookupResult:
    """Papers fetched for a list of ids, and a rejection for every id that gave none."""

    records: list[SourceRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def parse_atom_feed(body: bytes, location: str) -> AtomFeed:
    """Parse an API response; raise SourceError (naming location) if it is not an Atom feed."""
    try:
        root = fromstring(body)
    except ParseError as exc:
        raise SourceError(f"{location}: response is not well-formed XML ({exc})") from None
    except DefusedXmlException as exc:
        raise SourceError(f"{location}: response uses forbidden XML features ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise SourceError(f"{location}: expected an Atom <feed>, got <{root.tag}>")
    feed = AtomFeed(total_results=_int(root.findtext(f"{OPENSEARCH}totalResults")))
    for number, entry in enumerate(root.iter(f"{ATOM}entry"), start=1):
        where = f"{location} entry {number}"
        entry_id = _text(entry, f"{ATOM}id")
        if entry_id.startswith(_ERROR_ID_PREFIX):
            message = _text(entry, f"{ATOM}summary") or entry_id
            feed.errors.append(message)
            feed.rejections.append(Rejection(where, f"arXiv API error: {message}"))
            continue
        try:
            feed.records.append(SourceRecord(paper_from_entry(entry), f"{where} ({entry_id})"))
        except ValueError as exc:
            feed.rejections.append(Rejection(where, str(exc)))
    return feed


def paper_from_entry(entry: Element) -> Paper:
    """Turn one Atom <entry> into a Paper; raise ValueError naming the bad element."""
    entry_id = _text(entry, f"{ATOM}id")
    if not entry_id:
        raise ValueError("entry has no <id>")
    try:
        arxiv_id, version = parse_arxiv_id(entry_id)
    except InvalidArxivId:
        raise ValueError(f"<id> {entry_id[:80]!r} is not an arXiv abstract URL") from None
    title = _text(entry, f"{ATOM}title")
    if not title:
        # The old API answered an unknown id with an entry holding only its id.
        raise ValueError(f"entry for {arxiv_id} has no <title> (arXiv may not know this id)")
    primary = entry.find(f"{ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.findall(f"{ATOM}category")]
    return Paper(
        title=title,
        # Left raw: validation's clean_abstract joins the feed's hard wraps but keeps
        # the abstract's own paragraph breaks.
        abstract=(entry.findtext(f"{ATOM}summary") or "").strip(),
        source=SOURCE,
        arxiv_id=arxiv_id,
        authors=tuple(
            Author(name=" ".join(name.split()))
            for author in entry.findall(f"{ATOM}author")
            if (name := author.findtext(f"{ATOM}name") or "").strip()
        ),
        categories=tuple(dict.fromkeys(c for c in categories if c)),
        published=_datetime(entry, "published"),
        updated=_datetime(entry, "updated"),
        version=version,
        doi=_text(entry, f"{ARXIV}doi") or None,
        journal_ref=_text(entry, f"{ARXIV}journal_ref") or None,
        comments=_text(entry, f"{ARXIV}comment") or None,
    )


def fetch_arxiv_ids(settings: Settings, ids: Sequence[str], client: HttpClient | None = None) -> LookupResult:
    """Fetch papers for already-parsed ids (without version), BATCH_SIZE per request.

    Ids missing from arXiv's answer become "not found on arXiv" rejections. Raises
    SourceError when the API cannot be reached or answers with something not Atom.
    """
    wanted = list(dict.fromkeys(ids))
    result = LookupResult()
    own_client = client is None
    http = client or HttpClient(settings)
    try:
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            response = http.get(
                settings.arxiv_api_url,
                params={"id_list": ",".join(batch), "max_results": str(len(batch))},
            )
            feed = parse_atom_feed(response.body, settings.arxiv_api_url)
            _match_batch(batch, feed, result)
    finally:
        if own_client:
            http.close()
    return result


def _match_batch(batch: list[str], feed: AtomFeed, result: LookupResult) -> None:
    """Keep the records that answer a requested id; reject the ids left unanswered."""
    result.rejections.extend(feed.rejections)
    found: set[str] = set()
    for record in feed.records:
        arxiv_id = record.paper.arxiv_id or ""
        if arxiv_id in batch and arxiv_id not in found:
            found.add(arxiv_id)
            result.records.append(record)
    for arxiv_id in batch:
        if arxiv_id in found:
            continue
        if feed.errors:
            # A refused request says nothing about whether the id exists.
            reason = f"not looked up: arXiv refused the request ({feed.errors[0]})"
        else:
            reason = "not found on arXiv"
        result.rejections.append(Rejection(arxiv_id, reason))


def _text(element: Element, tag: str) -> str:
    """The element's text with the feed's line wrapping collapsed; "" when absent."""
    return " ".join((element.findtext(tag) or "").split())


def _datetime(entry: Element, name: str) -> datetime | None:
    value = _text(entry, f"{ATOM}{name}")
    if not value:
        return None
    try:
        return naive_utc(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"<{name}> {value[:40]!r} is not an ISO 8601 date-time") from None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
