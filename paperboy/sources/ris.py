"""RIS library files (EndNote, Zotero, Mendeley, most publishers' "export citation").

Read by a small parser here rather than rispy: rispy reports no line numbers and, given an
entry without its closing ER line, silently folds it into the next one (measured with
rispy 0.10: of "TY..ER, TY (no ER), TY..ER" it returned two entries and lost the third).
Here every entry keeps the line it starts on, and a missing ER refuses only that entry.
"""

from __future__ import annotations

import re

from paperboy.domain.library import LibraryEntry, ParsedLibraryFile
from paperboy.domain.records import Rejection
from paperboy.sources.library_files import build_entry, decode, too_many

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_REPEATED = {"AU", "A1", "A2", "A3", "A4", "KW", "UR", "N1", "L1", "L2"}


def parse_ris(data: bytes, name: str = "library.ris") -> ParsedLibraryFile:
    """Entries of an RIS file, a Rejection (with its line) for each entry that cannot be read."""
    text, warnings = decode(data, name)
    entries: list[LibraryEntry] = []
    rejections: list[Rejection] = []
    current: dict[str, list[str]] | None = None
    start = 0
    last_tag = ""
    count = 0
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip()
        if not line.strip():
            continue
        match = _TAG_LINE.match(line.lstrip("\ufeff"))
        if match is None:
            if current is not None and last_tag:
                current[last_tag][-1] += " " + line.strip()  # a wrapped value continues
            else:
                rejections.append(
                    Rejection(f"{name}:{number}", "not an RIS line (expected e.g. 'TI  - Title')")
                )
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if current is not None:
                rejections.append(
                    Rejection(
                        f"{name}:{start}", "the entry has no closing 'ER  -' line before the next 'TY  -'"
                    )
                )
            current, start, last_tag = {"TY": [value]}, number, ""
            count += 1
            too_many(count, name)
            continue
        if current is None:
            rejections.append(Rejection(f"{name}:{number}", f"'{tag}  -' before any 'TY  -' line"))
            continue
        if tag == "ER":
            entry = _entry(f"{name}:{start}", current)
            (rejections if isinstance(entry, Rejection) else entries).append(entry)  # type: ignore[arg-type]
            current, last_tag = None, ""
            continue
        current.setdefault(tag, []).append(value)
        last_tag = tag
    if current is not None:
        rejections.append(Rejection(f"{name}:{start}", "the file ends inside this entry (no 'ER  -' line)"))
    return ParsedLibraryFile(tuple(entries), tuple(rejections), tuple(warnings))


def _first(fields: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        if fields.get(tag):
            return fields[tag][0]
    return ""


def _entry(location: str, fields: dict[str, list[str]]) -> LibraryEntry | Rejection:
    flat = {tag: ("; ".join(values) if tag in _REPEATED else values[0]) for tag, values in fields.items()}
    urls = tuple(fields.get("UR", []) + fields.get("L1", []) + fields.get("L2", []))
    return build_entry(
        location,
        flat,
        title=_first(fields, "TI", "T1", "CT", "BT"),
        authors=tuple(fields.get("AU", []) + fields.get("A1", [])),
        year_text=_first(fields, "PY", "Y1", "DA"),
        doi_text=_first(fields, "DO"),
        arxiv_texts=(*urls, _first(fields, "DO"), *fields.get("N1", []), _first(fields, "M1", "M3", "AN")),
        url=urls[0] if urls else "",
        tags=tuple(fields.get("KW", [])),
        note="\n".join(fields.get("N1", [])),
    )
