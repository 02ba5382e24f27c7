"""Recorded arXiv API (Atom) and Hugging Face daily papers (JSON) responses.

The Atom feeds follow arXiv's API User's Manual (info.arxiv.org/help/api/user-manual):
section 3.3 for the feed and entry elements, 3.4 for the error feed, whose single entry
has an <id> under http://arxiv.org/api/errors# and the title "Error". Unknown ids are
simply left out of the feed, as the live API does.

The daily papers JSON follows the field names of Hugging Face's OpenAPI-generated
client types for GET /api/daily_papers (see docs/sources.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FEED_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
    '  <link href="http://arxiv.org/api/query?id_list=" rel="self" type="application/atom+xml"/>\n'
    '  <title type="html">ArXiv Query: id_list</title>\n'
    "  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>\n"
    "  <updated>2024-05-02T00:00:00-04:00</updated>\n"
)


@dataclass
class ApiEntry:
    """What one API entry says; rendered by `entry`."""

    arxiv_id: str
    version: int
    title: str
    summary: str = "  We study a problem and solve it.\nThe solution is fast and it is\nsimple too.\n"
    authors: tuple[str, ...] = ("Ada Lovelace", "Charles Babbage")
    published: str = "2024-02-02T18:59:59Z"
    updated: str = "2024-02-20T09:00:00Z"
    primary: str = "cs.LG"
    categories: tuple[str, ...] = ("cs.LG", "cs.AR")
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    extra: list[str] = field(default_factory=list)


def entry(e: ApiEntry) -> str:
    url = f"http://arxiv.org/abs/{e.arxiv_id}v{e.version}"
    parts = [
        "  <entry>",
        f"    <id>{url}</id>",
        f"    <updated>{e.updated}</updated>",
        f"    <published>{e.published}</published>",
        # The API wraps long titles over lines, indented.
        f"    <title>{escape(e.title)}</title>",
        f"    <summary>{escape(e.summary)}</summary>",
        *(f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in e.authors),
    ]
    if e.doi:
        parts.append(f"    <arxiv:doi>{escape(e.doi)}</arxiv:doi>")
        parts.append(f'    <link title="doi" href="http://dx.doi.org/{escape(e.doi)}" rel="related"/>')
    if e.comment:
        parts.append(f"    <arxiv:comment>{escape(e.comment)}</arxiv:comment>")
    if e.journal_ref:
        parts.append(f"    <arxiv:journal_ref>{escape(e.journal_ref)}</arxiv:journal_ref>")
    parts += [
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="http://arxiv.org/pdf/{e.arxiv_id}v{e.version}" rel="related"'
        ' type="application/pdf"/>',
        f'    <arxiv:primary_category term="{e.primary}" scheme="http://arxiv.org/schemas/atom"/>',
        *(f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in e.categories),
        *e.extra,
        "  </entry>",
    ]
    return "\n".join(parts)


def feed(entries: list[ApiEntry], total: int | None = None) -> str:
    """A feed holding entries; total defaults to their number."""
    count = len(entries) if total is None else total
    return (
        FEED_OPEN
        + f"  <opensearch:totalResults>{count}</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + f"  <opensearch:itemsPerPage>{count}</opensearch:itemsPerPage>\n"
        + "\n".join(entry(e) for e in entries)
        + "\n</feed>\n"
    )


def error_feed(message: str) -> str:
    """The API's answer to a request it refuses (manual section 3.4)."""
    anchor = message.replace(" ", "_")
    return (
        FEED_OPEN
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <entry>\n"
        + f"    <id>http://arxiv.org/api/errors#{anchor}</id>\n"
        + "    <title>Error</title>\n"
        + f"    <summary>{escape(message)}</summary>\n"
        + "    <updated>2024-05-02T00:00:00-04:00</updated>\n"
        + f'    <link href="http://arxiv.org/api/errors#{anchor}" rel="alternate" type="text/html"/>\n'
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        + "  </entry>\n</feed>\n"
    )


SAMBANOVA = ApiEntry(
    arxiv_id="2405.07518",
    version=1,
    # Same paper as on both seed pages, with the API's line wrapping.
    title="SambaNova SN40L: Scaling the AI Memory Wall with Dataflow and\n  Composition of Experts",
    summary="  Monolithic large language models (LLMs) like GPT-4 have paved the way for\nmodern "
    "generative AI applications. We describe Samba-CoE, a CoE system with 150\nexperts.\n",
    authors=("Raghu Prabhakar", "Ram Sivaramakrishnan", "Darshan Gandhi"),
    published="2024-05-13T07:32:45Z",
    updated="2024-05-13T07:32:45Z",
    primary="cs.AR",
    categories=("cs.AR", "cs.AI"),
)
NEW_STYLE = ApiEntry(
    arxiv_id="2402.01234",
    version=2,
    title="A Paper With Two Versions",
    comment="12 pages, 3 figures",
    journal_ref="Proc. Imaginary Conf. 2024",
    doi="10.1000/example.2024.1",
    primary="cs.LG",
    categories=("stat.ML", "cs.LG"),
)
OLD_STYLE = ApiEntry(
    arxiv_id="hep-th/9901001",
    version=1,
    title="An Old-Style Identifier",
    published="1999-01-01T00:00:00Z",
    updated="1999-01-01T00:00:00Z",
    primary="hep-th",
    categories=("hep-th",),
)


# --- Hugging Face daily papers ------------------------------------------------------


def hf_user(name: str, fullname: str) -> dict[str, Any]:
    return {"_id": f"id-{name}", "avatarUrl": f"/avatars/{name}.svg", "fullname": fullname,
            "name": name, "type": "user", "isPro": False, "isHf": False, "isMod": False}  # fmt: skip


def hf_item(
    arxiv_id: str,
    title: str,
    *,
    upvotes: int,
    submitter: str,
    github: str | None = None,
    summary: str = "We study a problem and solve it.",
) -> dict[str, Any]:
    """One list item: the paper object, plus the daily-papers copies of its fields."""
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": "a1", "name": "Ada Lovelace", "hidden": False},
            {"_id": "a2", "name": "Charles Babbage", "hidden": False,
             "user": hf_user("cbabbage", "Charles Babbage")},
        ],
        "publishedAt": "2024-04-30T17:59:01.000Z",
        "submittedOnDailyAt": "2024-05-01T01:02:03.000Z",
        "title": title,
        "summary": summary,
        "upvotes": upvotes,
        "discussionId": f"d-{arxiv_id}",
        "ai_summary": "A short machine-written summary.",
        "ai_keywords": ["problems", "solutions"],
    }  # fmt: skip
    if github:
        paper["githubRepo"] = github
    return {
        "paper": paper,
        "publishedAt": "2024-05-01T01:02:03.000Z",
        "title": title,
        "summary": summary,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": 2,
        "submittedBy": hf_user(submitter, submitter.title()),
        "isAuthorParticipating": False,
    }


HF_DAY = [
    hf_item("2404.19756", "KAN: Kolmogorov-Arnold Networks", upvotes=87, submitter="akhaliq",
            github="https://github.com/KindXiaoming/pykan"),
    hf_item("2404.19737", "Better & Faster Large Language Models via Multi-token Prediction",
            upvotes=41, submitter="someone"),
]  # fmt: skip


def hf_body(items: list[Any]) -> str:
    return json.dumps(items)
