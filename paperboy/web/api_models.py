"""The JSON API's response bodies; FastAPI turns them into the OpenAPI description."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from paperboy.domain import Paper
from paperboy.web import presenters
from paperboy.web.highlighting import marked

if TYPE_CHECKING:
    from paperboy.services.finding.search import SearchHit


class PaperLinks(BaseModel):
    page: str = Field(description="This paper's page on this site.")
    abs: str | None = Field(None, description="arXiv abstract page.")
    pdf: str | None = None
    code: str | None = None
    doi: str | None = None


class PaperOut(BaseModel):
    key: str = Field(description="arXiv id without version, or the store's key for other papers.")
    arxiv_id: str | None
    title: str = Field(description="As the source gives it; LaTeX ($...$) kept as written.")
    abstract: str = Field(description="As the source gives it; LaTeX ($...$) kept as written.")
    authors: list[str]
    categories: list[str] = Field(description="Primary category first.")
    primary_category: str | None
    published: datetime | None
    updated: datetime | None
    version: int | None
    doi: str | None
    journal_ref: str | None
    comments: str | None = Field(description="arXiv's comments field (pages, figures, venue).")
    code_url: str | None = Field(description="A link to the paper's code (also links.code).")
    keywords: list[str] = Field(
        description="Key phrases of the title and abstract, best first, as shown on the paper's chips; "
        'each finds its papers with the query kw:"phrase". Empty until the keyword index has seen the paper.'
    )
    votes: int = Field(description="Upvotes: community votes plus the most a source gave it.")
    comment_count: int = Field(description="Visible comments in this site's discussion of the paper.")
    links: PaperLinks

    @classmethod
    def of(cls, key: str, paper: Paper, votes: int, comment_count: int) -> PaperOut:
        return cls(
            key=key,
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            abstract=paper.abstract,
            authors=[a.name for a in paper.authors],
            categories=list(paper.categories),
            primary_category=paper.primary_category,
            published=paper.published,
            updated=paper.updated,
            version=paper.version,
            doi=paper.doi,
            journal_ref=paper.journal_ref,
            comments=paper.comments,
            code_url=paper.code_url,
            keywords=list(paper.keywords),
            votes=votes,
            comment_count=comment_count,
            links=PaperLinks(
                page=presenters.paper_path(key),
                abs=presenters.arxiv_abs_url(paper),
                pdf=presenters.arxiv_pdf_url(paper),
                code=paper.code_url,
                doi=presenters.doi_url(paper),
            ),
        )


class FeedItemOut(BaseModel):
    paper: PaperOut
    upvotes: int = Field(description="The same as votes (kept for older clients).")
    votes: int = Field(description="Upvotes: community votes plus the most a source gave it.")
    comment_count: int = Field(description="Visible comments in this site's discussion.")
    code_url: str | None = Field(description="A link to the paper's code, if known.")
    categories: list[str] = Field(description="Primary category first.")
    keywords: list[str] = Field(description="The paper's key phrases, best first (as paper.keywords).")
    submitted_by: str | None
    first_day: date = Field(description="The first day in the period the paper was on the feed.")
    origins: list[str] = Field(description="Who put it on the feed: arxiv, hf, page or user.")
    followed: list[str] = Field(
        default_factory=list,
        description="The signed-in reader's follows this paper matches (authors, then categories).",
    )


class FeedOut(BaseModel):
    date: dt.date
    period: str
    sort: str = Field(description="trending, newest or discussed.")
    category: str | None = Field(description="The category (or archive) the list is limited to.")
    first_day: dt.date
    last_day: dt.date
    page: int
    per_page: int
    total: int
    pages: int
    previous_day: dt.date | None = Field(description="Nearest earlier day with papers.")
    next_day: dt.date | None = Field(description="Nearest later day with papers.")
    items: list[FeedItemOut]


class SearchHitOut(BaseModel):
    paper: PaperOut
    score: float
    title_html: str = Field(description="Escaped HTML; matched terms in <mark>.")
    snippet_html: str = Field(description="Escaped HTML; matched terms in <mark>.")

    @classmethod
    def of(cls, hit: SearchHit, votes: int, comment_count: int) -> SearchHitOut:
        return cls(
            paper=PaperOut.of(hit.key, hit.paper, votes, comment_count),
            score=hit.score,
            title_html=marked(hit.title),
            snippet_html=marked(hit.snippet),
        )


class SuggestionOut(BaseModel):
    query: str = Field(description="A whole query to run instead, filters included, in the search syntax.")
    reason: str = Field(description='Why: "spelling: transformer for transfomer", "without cat:cs.ar".')
    total: int = Field(description="How many papers that query matches in the same mode.")


class SearchOut(BaseModel):
    query: str
    mode: str
    page: int
    per_page: int
    total: int = Field(description="Papers that match the words or (semantic, hybrid) are close in meaning.")
    total_is_lower_bound: bool = Field(description="True when `total` is only a lower bound (at least).")
    keyword_total: int = Field(description="Of `total`, the papers that match the words.")
    count_text: str = Field(description='The count for people: "37 papers match", "no papers matched".')
    suggestions: list[SuggestionOut] = Field(
        description="When nothing matched: respelt words and looser filters that would find papers."
    )
    pages: int
    took_ms: float
    hits: list[SearchHitOut]


class SimilarOut(BaseModel):
    key: str
    hits: list[SearchHitOut]


class ErrorDetail(BaseModel):
    status: int
    code: str = Field(description="e.g. not_found, bad_request, invalid_parameter, internal_error")
    message: str = Field(description="What went wrong and what to do, for people.")
    field: str | None = Field(description="The parameter at fault, when one is.")


class ErrorOut(BaseModel):
    error: ErrorDetail


class VoteOut(BaseModel):
    paper: str = Field(description="The paper's key.")
    voted: bool = Field(description="Whether the signed-in user now upvotes the paper.")
    votes: int = Field(description="The paper's upvotes: community votes plus the most a source gave it.")


class CommentIn(BaseModel):
    body: str = Field(description="Markdown; shown sanitised (no HTML, links http/https/mailto only).")
    parent_id: int | None = Field(default=None, description="The comment this one replies to.")


class CommentOut(BaseModel):
    id: int
    paper: str
    author: str
    body: str = Field(description="The Markdown as written.")
    html: str = Field(description="The body rendered and sanitised, as the page shows it.")
    created_at: datetime
    edited_at: datetime | None
    parent_id: int | None
