"""Atom 1.0 documents (RFC 4287), built with ElementTree so every value is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class AtomEntry:
    id: str
    title: str
    link: str
    updated: datetime
    summary: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


def atom_document(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alternate_url: str,
    updated: datetime,
    entries: list[AtomEntry],
    subtitle: str = "",
) -> bytes:
    """The feed as UTF-8 XML bytes."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    if subtitle:
        _text(feed, "subtitle", subtitle)
    _text(feed, "updated", _timestamp(updated))
    _link(feed, self_url, "self", "application/atom+xml")
    _link(feed, alternate_url, "alternate", "text/html")
    _text(feed, "generator", "Paperboy")
    author = ET.SubElement(feed, f"{{{ATOM_NS}}}author")
    _text(author, "name", "Paperboy")
    for entry in entries:
        element = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        _text(element, "id", entry.id)
        _text(element, "title", entry.title)
        _text(element, "updated", _timestamp(entry.updated))
        _link(element, entry.link, "alternate", "text/html")
        for url in entry.related:
            _link(element, url, "related", None)
        for name in entry.authors:
            person = ET.SubElement(element, f"{{{ATOM_NS}}}author")
            _text(person, "name", name)
        for term in entry.categories:
            ET.SubElement(element, f"{{{ATOM_NS}}}category", {"term": _clean(term)})
        _text(element, "summary", entry.summary).set("type", "text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    element.text = _clean(value)
    return element


def _link(parent: ET.Element, href: str, rel: str, kind: str | None) -> None:
    attributes = {"href": _clean(href), "rel": rel}
    if kind:
        attributes["type"] = kind
    ET.SubElement(parent, f"{{{ATOM_NS}}}link", attributes)


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC; our datetimes are naive UTC."""
    return moment.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
