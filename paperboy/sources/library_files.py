"""What the BibTeX, RIS and CSL-JSON readers share: size limits, decoding, building entries.

A whole file over MAX_FILE_BYTES, or one that is not text in any encoding we try, is a
LibraryFileError (nothing is read from it). A field over MAX_FIELD_CHARS refuses only its
entry, with the entry's location.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from paperboy.domain.library import LibraryEntry, arxiv_id_in, doi_in
from paperboy.domain.records import Rejection
from paperboy.sources.errors import SourceError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FIELD_CHARS = 100_000
MAX_ENTRIES = 20_000
MAX_TITLE_CHARS = 1_000
# Fields kept for a later match are cut here, so an unmatched row stays small.
KEPT_FIELD_CHARS = 2_000

FORMATS = ("bibtex", "ris", "csl-json")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d|2100)\b")


class LibraryFileError(SourceError):
    """A library file cannot be read at all; the message says why and what to do."""


def check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise LibraryFileError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB. "
            "Split it into smaller files and import each."
        )


def decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The file's text and warnings: UTF-8 (with or without a BOM), else Latin-1 with a warning."""
    check_size(data, name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        position = exc.start
    if b"\x00" in data[:4096]:
        raise LibraryFileError(
            f"{name} is not a text file (it has NUL bytes; UTF-16 is not supported). "
            "Export it again as UTF-8."
        )
    line = data[:position].count(b"\n") + 1
    warning = (
        f"{name} is not UTF-8 (first bad byte on line {line}); read as Latin-1. "
        "Check accented names, or export the file again as UTF-8."
    )
    return data.decode("latin-1"), [warning]


def field_too_long(fields: Mapping[str, str]) -> str | None:
    for key, value in fields.items():
        if len(value) > MAX_FIELD_CHARS:
            return (
                f"the field {key!r} is {len(value):,} characters long; the limit is {MAX_FIELD_CHARS:,}, "
                "so this entry was skipped"
            )
    return None


def too_many(count: int, name: str) -> None:
    if count > MAX_ENTRIES:
        raise LibraryFileError(
            f"{name} has more than {MAX_ENTRIES:,} entries; split it and import each part."
        )


def build_entry(
    location: str,
    fields: Mapping[str, str],
    title: str,
    authors: tuple[str, ...],
    year_text: str,
    doi_text: str,
    arxiv_texts: tuple[str, ...],
    url: str,
    tags: tuple[str, ...],
    note: str,
) -> LibraryEntry | Rejection:
    """An entry from the fields a format named, or why it cannot be one."""
    problem = field_too_long(fields)
    if problem:
        return Rejection(location, problem)
    if any(c in title for c in "\x00"):
        title = title.replace("\x00", "")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_CHARS:
        return Rejection(
            location, f"the title is {len(title):,} characters long; the limit is {MAX_TITLE_CHARS:,}"
        )
    arxiv_id = None
    for text in arxiv_texts:
        arxiv_id = arxiv_id_in(text)
        if arxiv_id:
            break
    doi = doi_in(doi_text)
    if doi and doi.lower().startswith("10.48550/arxiv."):
        arxiv_id = arxiv_id or arxiv_id_in(doi)
        doi = None
    if not (title or arxiv_id or doi):
        return Rejection(
            location, "the entry has no title, arXiv id or DOI, so it cannot be matched to a paper"
        )
    year_found = _YEAR.search(year_text or "")
    kept = {k: v[:KEPT_FIELD_CHARS] for k, v in fields.items() if v}
    return LibraryEntry(
        location=location,
        title=title,
        authors=authors,
        year=int(year_found.group(1)) if year_found else None,
        doi=doi,
        arxiv_id=arxiv_id,
        url=url or None,
        tags=tags,
        note=note,
        raw=kept,
    )
