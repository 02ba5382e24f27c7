"""Importing what readers already have: BibTeX, RIS and CSL-JSON files into their library.

Each entry is matched to a stored paper by arXiv id, then DOI, then normalised title.
A match is saved (once: saving twice is one row); an entry nothing matches is kept with
the reason, once per reader and identity, so a later harvest can match it
(`rematch_unmatched`). Importing the same file again therefore adds nothing. A file
that cannot be read at all (too large, not text, not JSON) raises LibraryFileError
before anything is written; a bad entry is refused alone, with its location.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import Connection

from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow
from paperboy.domain.library import (
    ImportReport,
    LibraryEntry,
    LibraryInputError,
    ParsedLibraryFile,
    clean_tags,
)
from paperboy.services.library.access import library_owner
from paperboy.sources.bibtex import parse_bibtex
from paperboy.sources.csl_json import parse_csl_json
from paperboy.sources.library_files import FORMATS, LibraryFileError
from paperboy.sources.ris import parse_ris
from paperboy.store import Database
from paperboy.store import library as store

BATCH = 500
Progress = Callable[[int], None]

_PARSERS = {"bibtex": parse_bibtex, "ris": parse_ris, "csl-json": parse_csl_json}
_EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".ris": "ris",
    ".json": "csl-json",
    ".csljson": "csl-json",
}


def detect_format(name: str, data: bytes) -> str:
    """The file's format from its name, else from its first characters; LibraryFileError if neither says."""
    by_name = _EXTENSIONS.get(PurePath(name or "").suffix.lower())
    if by_name:
        return by_name
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith((b"[", b"{")):
        return "csl-json"
    if start.startswith(b"TY  -"):
        return "ris"
    if start.startswith(b"@") or b"\n@" in data[:65536]:
        return "bibtex"
    raise LibraryFileError(
        f"cannot tell the format of {name or 'the file'}: name it .bib, .ris or .json, or give the format "
        f"({', '.join(FORMATS)})"
    )


def parse_library_file(
    data: bytes, name: str, file_format: str | None = None
) -> tuple[str, ParsedLibraryFile]:
    fmt = file_format or detect_format(name, data)
    if fmt not in _PARSERS:
        raise LibraryFileError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt, _PARSERS[fmt](data, name)


def import_library(
    db: Database,
    user: User,
    data: bytes,
    name: str,
    file_format: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
    on_total: Progress | None = None,
) -> ImportReport:
    """Import the file's entries into the user's library; the report says what happened to each.

    progress, if given, is called with the number of entries just handled, batch by batch;
    on_total, once the file is read, with how many entries it has (for a progress bar).
    """
    fmt, parsed = parse_library_file(data, name, file_format)
    report = ImportReport(format=fmt, entries=len(parsed.entries) + len(parsed.rejections))
    if on_total:
        on_total(report.entries)
    report.warnings.extend(parsed.warnings)
    for rejection in parsed.rejections:
        report.rejected += 1
        if len(report.rejections) < report.KEEP:
            report.rejections.append(rejection)
    if progress and parsed.rejections:
        progress(len(parsed.rejections))
    moment = now or utcnow()
    entries = list(parsed.entries)
    for start in range(0, len(entries), BATCH):
        batch = entries[start : start + BATCH]
        with db.transaction() as conn:
            owner = library_owner(conn, user)
            _import_batch(conn, owner.id, fmt, batch, report, moment)
        if progress:
            progress(len(batch))
    return report


def _import_batch(
    conn: Connection,
    user_id: int,
    fmt: str,
    batch: Sequence[LibraryEntry],
    report: ImportReport,
    now: datetime,
) -> None:
    matches = _match(conn, batch)
    already = store.saved_among(conn, user_id, [p for p, _ in matches.values() if p is not None])
    kept = store.kept_identities(conn, user_id, [e.identity()[:1100] for e in batch])
    new_items: dict[int, tuple[int, tuple[str, ...], str]] = {}
    new_unmatched: dict[str, dict[str, object]] = {}
    for entry in batch:
        paper_id, reason = matches[id(entry)]
        if paper_id is not None:
            if paper_id in already or paper_id in new_items:
                report.already_saved += 1
                continue
            try:
                tags = clean_tags(entry.tags)
            except LibraryInputError:
                tags = ()  # a file's keywords are a bonus; tags that do not fit are left out
            new_items[paper_id] = (paper_id, tags, entry.note[:10_000])
            report.saved += 1
            continue
        report.unmatched += 1
        if len(report.unmatched_entries) < report.KEEP:
            report.unmatched_entries.append((entry.location, entry.title[:300], reason))
        identity = entry.identity()[:1100]
        if identity in kept or identity in new_unmatched:
            continue
        fields = {**entry.raw, "_location": entry.location}
        if entry.arxiv_id:
            fields["_arxiv_id"] = entry.arxiv_id
        if entry.doi:
            fields["_doi"] = entry.doi
        new_unmatched[identity] = {
            "identity": identity, "title": entry.title[:1000], "fields": fields, "format": fmt,
            "reason": reason,
        }  # fmt: skip
    store.save_items(conn, user_id, list(new_items.values()), now)
    store.keep_unmatched_many(conn, user_id, list(new_unmatched.values()), now)


def _match(conn: Connection, batch: Sequence[LibraryEntry]) -> dict[int, tuple[int | None, str]]:
    """For each entry (by id()), the matching paper id, or None and why nothing matched."""
    by_arxiv = store.paper_ids_by_arxiv_id(conn, [e.arxiv_id for e in batch if e.arxiv_id])
    by_doi = store.paper_ids_by_doi(conn, [e.doi for e in batch if e.doi])
    by_title = store.paper_ids_by_title_norm(conn, [e.title_norm for e in batch if e.title_norm])
    found: dict[int, tuple[int | None, str]] = {}
    for entry in batch:
        paper_id = (
            (by_arxiv.get(entry.arxiv_id) if entry.arxiv_id else None)
            or (by_doi.get(entry.doi.lower()) if entry.doi else None)
            or (by_title.get(entry.title_norm) if entry.title_norm else None)
        )
        if paper_id is not None:
            found[id(entry)] = (paper_id, "")
            continue
        tried = []
        if entry.arxiv_id:
            tried.append(f"arXiv id {entry.arxiv_id}")
        if entry.doi:
            tried.append(f"DOI {entry.doi[:100]}")
        if entry.title_norm:
            tried.append("this title")
        found[id(entry)] = (
            None,
            f"no paper here has {' or '.join(tried)} (yet); kept, to match after a harvest",
        )
    return found


def rematch_unmatched(db: Database, now: datetime | None = None) -> int:
    """Match kept entries against papers harvested since; each match is saved. Returns how many matched."""
    moment = now or utcnow()
    matched = 0
    after = 0
    while True:
        with db.transaction() as conn:
            pending = store.pending_unmatched(conn, after, BATCH)
            if not pending:
                return matched
            after = pending[-1][1].id
            entries = [
                LibraryEntry(
                    location=str(e.id),
                    title=e.title,
                    arxiv_id=e.fields.get("_arxiv_id"),
                    doi=e.fields.get("_doi"),
                )
                for _, e in pending
            ]
            found = _match(conn, entries)
            for (user_id, kept), entry in zip(pending, entries, strict=True):
                paper_id, _ = found[id(entry)]
                if paper_id is None:
                    continue
                store.save_item(conn, user_id, paper_id, moment)
                store.mark_matched(conn, kept.id, paper_id, moment)
                matched += 1


def unmatched_entries(db: Database, user: User) -> list:  # type: ignore[type-arg]
    """The reader's imported entries still waiting for a paper."""
    with db.connect() as conn:
        return store.unmatched_of(conn, user.id)
