"""Exporting a library as BibTeX (entries written by domain/bibtex.py, as the paper page's),
RIS or CSL-JSON."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from paperboy.domain.accounts import User
from paperboy.domain.arxiv_ids import abs_page_url
from paperboy.domain.bibtex import bibtex_entry, distinct_citation_keys
from paperboy.domain.errors import InvalidRequest
from paperboy.domain.library import LibraryItem
from paperboy.services.library.items import library_items
from paperboy.store import Database

EXPORT_FORMATS = ("bibtex", "ris", "csl-json")
MEDIA_TYPES = {
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl-json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


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


def to_bibtex(items: Sequence[LibraryItem]) -> str:
    """Every item an entry (its tags as keywords), each cited by a key of its own."""
    cites = distinct_citation_keys([(item.paper_key, item.paper) for item in items])
    blocks = [
        bibtex_entry(item.paper_key, item.paper, cite=cite, keywords=item.tags)
        for item, cite in zip(items, cites, strict=True)
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


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
