"""Exporting a library as BibTeX, RIS or CSL-JSON.

The BibTeX builder is here rather than shared with web/bibtex.py: services cannot import
the web layer, and the library's entries carry more (tags as keywords, unique citation
keys across one file, a DOI-only paper).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import orjson

from paperboy.domain.accounts import User
from paperboy.domain.arxiv_ids import abs_page_url
from paperboy.domain.errors import InvalidRequest
from paperboy.domain.library import LibraryItem
from paperboy.domain.records import Author, Paper
from paperboy.services.library.items import library_items
from paperboy.store import Database

EXPORT_FORMATS = ("bibtex", "ris", "csl-json")
MEDIA_TYPES = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
_SPECIAL = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}", "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}",
            "$": r"\$"}  # fmt: skip


def export_library(db: Database, user: User, file_format: str) -> str:
    """The user's whole library in the format, oldest save first."""
    items = list(reversed(library_items(db, user)))
    return export_items(items, file_format)


def export_items(items: Sequence[LibraryItem], file_format: str) -> str:
    if file_format == "bibtex":
        return to_bibtex(items)
    if file_format == "ris":
        return to_ris(items)
    if file_format == "csl-json":
        return to_csl_json(items)
    raise InvalidRequest(f"unknown export format {file_format!r}; use one of {', '.join(EXPORT_FORMATS)}")


# --- BibTeX ---


def escape_bibtex(text: str) -> str:
    """Plain text safe inside a braced BibTeX field: every special character escaped."""
    return "".join(_SPECIAL.get(c, c) for c in " ".join(text.split()))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _cite_base(key: str, paper: Paper) -> str:
    first = paper.authors[0] if paper.authors else None
    surname = (first.keyname or first.name.split()[-1]) if first and first.name.split() else ""
    words = [w for w in re.findall(r"[A-Za-z]+", _ascii(paper.title)) if len(w) > 3]
    year = str(paper.published.year) if paper.published else ""
    cite = re.sub(r"[^a-z0-9]", "", _ascii(surname).lower()) + year + (words[0].lower() if words else "")
    return cite or re.sub(r"[^A-Za-z0-9]", "", key)[:40] or "paper"


def _bib_author(author: Author) -> str:
    if not author.keyname:
        return "{" + escape_bibtex(author.name) + "}" if "," in author.name else escape_bibtex(author.name)
    parts = (
        [author.keyname]
        + ([author.suffix] if author.suffix else [])
        + ([author.forenames] if author.forenames else [])
    )
    return ", ".join(escape_bibtex(p) for p in parts)


def to_bibtex(items: Sequence[LibraryItem]) -> str:
    used: dict[str, int] = {}
    blocks = []
    for item in items:
        paper = item.paper
        base = _cite_base(item.paper_key, paper)
        n = used.get(base, 0)
        used[base] = n + 1
        cite = base if n == 0 else f"{base}{_suffix(n)}"
        fields: list[tuple[str, str]] = [("title", escape_bibtex(paper.title))]
        if paper.authors:
            fields.append(("author", " and ".join(_bib_author(a) for a in paper.authors)))
        if paper.journal_ref:
            fields.append(("journal", escape_bibtex(paper.journal_ref)))
        if paper.published:
            fields.append(("year", str(paper.published.year)))
        if paper.arxiv_id:
            fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
            if paper.primary_category:
                fields.append(("primaryClass", paper.primary_category))
            fields.append(("url", abs_page_url(paper.arxiv_id)))
        if paper.doi:
            fields.append(("doi", escape_bibtex(paper.doi)))
        if item.tags:
            fields.append(("keywords", escape_bibtex(", ".join(item.tags))))
        kind = "article" if paper.journal_ref else "misc"
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        blocks.append(f"@{kind}{{{cite},\n{body}\n}}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _suffix(n: int) -> str:
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


# --- RIS ---


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def to_ris(items: Sequence[LibraryItem]) -> str:
    lines: list[str] = []
    for item in items:
        paper = item.paper
        lines.append(_ris_line("TY", "JOUR" if paper.journal_ref else "GEN"))
        lines.append(_ris_line("TI", paper.title))
        for author in paper.authors:
            name = f"{author.keyname}, {author.forenames}".strip(", ") if author.keyname else author.name
            lines.append(_ris_line("AU", name))
        if paper.published:
            lines.append(_ris_line("PY", str(paper.published.year)))
            lines.append(_ris_line("DA", paper.published.strftime("%Y/%m/%d")))
        if paper.abstract:
            lines.append(_ris_line("AB", paper.abstract))
        if paper.journal_ref:
            lines.append(_ris_line("JO", paper.journal_ref))
        if paper.doi:
            lines.append(_ris_line("DO", paper.doi))
        if paper.arxiv_id:
            lines.append(_ris_line("UR", abs_page_url(paper.arxiv_id)))
            lines.append(_ris_line("M1", f"arXiv:{paper.arxiv_id}"))
        for tag in item.tags:
            lines.append(_ris_line("KW", tag))
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


# --- CSL-JSON ---


def to_csl_json(items: Sequence[LibraryItem]) -> str:
    records = []
    for item in items:
        paper = item.paper
        record: dict[str, object] = {
            "id": item.paper_key,
            "type": "article-journal" if paper.journal_ref else "article",
            "title": paper.title,
        }
        if paper.authors:
            record["author"] = [
                {"family": a.keyname, "given": a.forenames} if a.keyname else {"literal": a.name}
                for a in paper.authors
            ]
        if paper.published:
            p = paper.published
            record["issued"] = {"date-parts": [[p.year, p.month, p.day]]}
        if paper.abstract:
            record["abstract"] = paper.abstract
        if paper.journal_ref:
            record["container-title"] = paper.journal_ref
        if paper.doi:
            record["DOI"] = paper.doi
        if paper.arxiv_id:
            record["URL"] = abs_page_url(paper.arxiv_id)
            record["number"] = f"arXiv:{paper.arxiv_id}"
            record["publisher"] = "arXiv"
        if item.tags:
            record["keyword"] = ", ".join(item.tags)
        records.append(record)
    return orjson.dumps(records, option=orjson.OPT_INDENT_2).decode() + "\n"
