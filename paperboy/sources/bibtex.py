"""BibTeX library files (as Zotero, Mendeley, JabRef or Google Scholar export them).

bibtexparser 2.x splits the file into blocks and reports a block it cannot parse
(unclosed brace, missing comma) as a failed block with its line, without losing the
blocks after it (measured: a 10 MB field parses in about 1 s). A failed block becomes a
Rejection at its line; an entry with an oversized field is refused alone.
"""

from __future__ import annotations

import re

from bibtexparser import model
from bibtexparser.entrypoint import parse_string
from pylatexenc.latex2text import LatexNodes2Text

from paperboy.domain.library import ParsedLibraryFile
from paperboy.domain.records import Rejection
from paperboy.sources.library_files import build_entry, decode, field_too_long, too_many

_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=False)
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def latex_to_text(value: str) -> str:
    """Braces and accents (Schr{\\"o}dinger) as plain text; text that is not valid LaTeX stays as it is."""
    if "\\" not in value and "{" not in value and "$" not in value:
        return value
    try:
        return str(_LATEX.latex_to_text(value))
    except Exception:  # pylatexenc is lenient, but any failure must not lose the entry
        return value.replace("{", "").replace("}", "")


def parse_bibtex(data: bytes, name: str = "library.bib") -> ParsedLibraryFile:
    """Entries of a BibTeX file, a Rejection (with its line) for each entry that cannot be read."""
    text, warnings = decode(data, name)
    library = parse_string(text)
    rejections: list[Rejection] = []
    blocks: list[model.Entry] = list(library.entries)
    for failed in library.failed_blocks:
        kept = getattr(failed, "ignore_error_block", None)
        if isinstance(failed, model.DuplicateBlockKeyBlock) and isinstance(kept, model.Entry):
            blocks.append(kept)  # a repeated citation key is common in exports; the entry is fine
            continue
        line = (failed.start_line or 0) + 1
        # bibtexparser's message counts lines from 0; its last line says what is wrong.
        said = [t.strip() for t in str(getattr(failed, "error", "")).splitlines() if t.strip()]
        reason = (said[-1] if said else "the block cannot be parsed")[:300]
        rejections.append(Rejection(f"{name}:{line}", f"broken BibTeX: {reason}"))
    too_many(len(blocks), name)
    entries = []
    for block in sorted(blocks, key=lambda b: b.start_line or 0):
        location = f"{name}:{(block.start_line or 0) + 1}"
        fields = {f.key.lower(): f.value if isinstance(f.value, str) else str(f.value) for f in block.fields}
        problem = field_too_long(fields)
        if problem:
            rejections.append(Rejection(location, problem))
            continue
        entry = _entry(location, block.key, fields)
        if isinstance(entry, Rejection):
            rejections.append(entry)
        else:
            entries.append(entry)
    rejections.sort(key=lambda r: _line(r.location))
    return ParsedLibraryFile(tuple(entries), tuple(rejections), tuple(warnings))


def _line(location: str) -> int:
    tail = location.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _entry(location: str, key: str, fields: dict[str, str]):  # type: ignore[no-untyped-def]
    title = latex_to_text(fields.get("title", ""))
    authors = tuple(
        " ".join(latex_to_text(a).split()) for a in _AND.split(fields.get("author", "")) if a.strip()
    )
    archive = fields.get("archiveprefix", fields.get("eprinttype", "")).lower()
    eprint = fields.get("eprint", "")
    arxiv_texts = (
        eprint if archive in ("arxiv", "") else "",
        fields.get("arxivid", ""),
        fields.get("url", ""),
        fields.get("doi", ""),
        fields.get("note", ""),
        fields.get("journal", ""),
        fields.get("howpublished", ""),
    )
    tags = tuple(t.strip() for t in re.split(r"[,;]", fields.get("keywords", "")) if t.strip())
    kept = {"citation_key": key, **fields}
    return build_entry(
        location,
        kept,
        title=title,
        authors=authors,
        year_text=fields.get("year", fields.get("date", "")),
        doi_text=fields.get("doi", ""),
        arxiv_texts=arxiv_texts,
        url=fields.get("url", ""),
        tags=tags,
        note=fields.get("annote", fields.get("annotation", "")),
    )
