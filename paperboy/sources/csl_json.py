"""CSL-JSON library files (Zotero's "CSL JSON" export, citeproc): a JSON array of items."""

from __future__ import annotations

from typing import Any

import orjson

from paperboy.domain.library import LibraryEntry, ParsedLibraryFile
from paperboy.domain.records import Rejection
from paperboy.sources.library_files import LibraryFileError, build_entry, decode, too_many


def parse_csl_json(data: bytes, name: str = "library.json") -> ParsedLibraryFile:
    """Entries of a CSL-JSON file, a Rejection (with its item number) for each item that cannot be read."""
    text, warnings = decode(data, name)
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise LibraryFileError(f"{name} is not valid JSON: {exc}") from None
    if isinstance(items, dict) and isinstance(items.get("items"), list):
        items = items["items"]
    if not isinstance(items, list):
        raise LibraryFileError(f"{name} is not CSL-JSON: expected a JSON array of items")
    too_many(len(items), name)
    entries: list[LibraryEntry] = []
    rejections: list[Rejection] = []
    for number, item in enumerate(items, start=1):
        location = f"{name}:item {number}"
        if not isinstance(item, dict):
            rejections.append(Rejection(location, "the item is not a JSON object"))
            continue
        entry = _entry(location, item)
        (rejections if isinstance(entry, Rejection) else entries).append(entry)  # type: ignore[arg-type]
    return ParsedLibraryFile(tuple(entries), tuple(rejections), tuple(warnings))


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _name(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    if _text(person.get("literal")):
        return _text(person["literal"])
    return " ".join(p for p in (_text(person.get("given")), _text(person.get("family"))) if p)


def _year(item: dict[str, Any]) -> str:
    for key in ("issued", "published-print", "published-online"):
        issued = item.get(key)
        if isinstance(issued, dict):
            parts = issued.get("date-parts")
            if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
                return _text(parts[0][0])
            if _text(issued.get("raw")):
                return _text(issued["raw"])
    return ""


def _entry(location: str, item: dict[str, Any]) -> LibraryEntry | Rejection:
    fields = {str(k)[:100]: _text(v) for k, v in item.items() if _text(v)}
    authors = item.get("author")
    names = tuple(n for n in (_name(p) for p in authors) if n) if isinstance(authors, list) else ()
    # Oversized lists are fields too: count their text against the field limit.
    if isinstance(authors, list):
        fields["author"] = "; ".join(names)
    keywords = _text(item.get("keyword"))
    return build_entry(
        location,
        fields,
        title=_text(item.get("title")),
        authors=names,
        year_text=_year(item),
        doi_text=_text(item.get("DOI")),
        arxiv_texts=(
            _text(item.get("number")),
            _text(item.get("URL")),
            _text(item.get("DOI")),
            _text(item.get("note")),
            _text(item.get("archive_location")),
        ),
        url=_text(item.get("URL")),
        tags=tuple(t.strip() for t in keywords.replace(";", ",").split(",") if t.strip()),
        note=_text(item.get("note")),
    )
