"""A BibTeX entry for a paper: @article when it has a journal reference, else @misc. Pure:
the paper page's "Cite" box and the library's BibTeX export both write entries here."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from paperboy.domain.arxiv_ids import abs_page_url
from paperboy.domain.records import Author, Paper

# Characters LaTeX treats specially in running text.
_SPECIAL = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}"}  # fmt: skip
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+|\$")


def bibtex_entry(key: str, paper: Paper, cite: str | None = None, keywords: Sequence[str] = ()) -> str:
    """The entry as text, cited as `cite` (else citation_key). Titles that already hold
    LaTeX keep it; plain text is escaped. keywords: a reader's tags, in an export."""
    kind = "article" if paper.journal_ref else "misc"
    fields: list[tuple[str, str]] = [("title", escape_bibtex(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(_author(a) for a in paper.authors)))
    if paper.journal_ref:
        fields.append(("journal", escape_bibtex(paper.journal_ref)))
    if paper.published:
        fields.append(("year", str(paper.published.year)))
    if paper.arxiv_id:
        fields.append(("eprint", paper.arxiv_id))
        fields.append(("archivePrefix", "arXiv"))
        if paper.primary_category:
            fields.append(("primaryClass", paper.primary_category))
        fields.append(("url", abs_page_url(paper.arxiv_id)))
    if paper.doi:
        fields.append(("doi", escape_bibtex(paper.doi)))
    if keywords:
        fields.append(("keywords", escape_bibtex(", ".join(keywords))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{cite or citation_key(key, paper)},\n{body}\n}}"


def distinct_citation_keys(keys_and_papers: Sequence[tuple[str, Paper]]) -> list[str]:
    """citation_key of each, with a letter added to the second and later of one key
    (vaswani2017attention, vaswani2017attentiona, ...), so one file cites each entry once."""
    used: dict[str, int] = {}
    cites = []
    for key, paper in keys_and_papers:
        base = citation_key(key, paper)
        n = used.get(base, 0)
        used[base] = n + 1
        cites.append(base if n == 0 else base + _letters(n))
    return cites


def _letters(n: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa: the suffix that tells apart entries sharing a key."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


# Words a cite key skips, as Google Scholar's keys do ("attention", not "the").
_MINOR_WORDS = frozenset(
    "about above after against along among and from into onto over that their then there these "
    "this those through towards under upon what when where which while with within without".split()
)


def citation_key(key: str, paper: Paper) -> str:
    """keyname + year + first significant title word, e.g. vaswani2017attention; ASCII only.

    Stable: made from the title, first author and year alone. A paper missing the author or
    the year (one known from a saved page) gets more title words instead, e.g.
    delgadohybridmemory or hybridmemorysystems, never a lone word.
    """
    first = paper.authors[0] if paper.authors else None
    surname = (first.keyname or first.name.split()[-1]) if first and first.name.split() else ""
    surname = re.sub(r"[^a-z0-9]", "", _ascii(surname).lower())
    year = str(paper.published.year) if paper.published else ""
    words = [
        w.lower()
        for w in re.findall(r"[A-Za-z]+", _ascii(_LATEX_COMMAND.sub(" ", paper.title)))
        if len(w) > 3 and w.lower() not in _MINOR_WORDS
    ]
    wanted = 1 + (not surname) + (not year)
    cite = surname + year + "".join(words[:wanted])
    return cite or re.sub(r"[^A-Za-z0-9:.-]", "", key)[:40] or "paper"


def escape_bibtex(text: str) -> str:
    """Text safe inside a braced BibTeX field.

    Text with LaTeX in it (commands or $math$) is the author's LaTeX: kept, with only
    bare & % # escaped. Plain text has every special character escaped. Braces that do
    not balance would end the field early, so then they are escaped too.
    """
    if _LATEX_COMMAND.search(text) and _balanced(text):
        return re.sub(r"(?<!\\)([&%#])", r"\\\1", text)
    out = []
    for char in text:
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char == "\\":
            out.append(r"\textbackslash{}")
        elif char in "{}":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _author(author: Author) -> str:
    """ "Keyname, Suffix, Forenames": the comma form BibTeX reads unambiguously; a name
    given whole with a comma in it (a consortium) is braced so BibTeX keeps it one name."""
    if not author.keyname:
        name = escape_bibtex(author.name)
        return "{" + name + "}" if "," in author.name else name
    parts = (
        [author.keyname]
        + ([author.suffix] if author.suffix else [])
        + ([author.forenames] if author.forenames else [])
    )
    return ", ".join(escape_bibtex(part) for part in parts)


def _balanced(text: str) -> bool:
    depth = 0
    for i, char in enumerate(text):
        if char in "{}" and i and text[i - 1] == "\\":
            continue
        depth += 1 if char == "{" else -1 if char == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
