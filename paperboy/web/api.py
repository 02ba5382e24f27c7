"""The JSON API under /api: a day's papers, search, one paper, similar papers; votes and comments.

Votes and comments act as the signed-in user (the session cookie) and, like every
state-changing request, need the X-CSRF-Token header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from paperboy.domain import Paper, StoredPaper
from paperboy.search.query import QuerySyntaxError
from paperboy.services.catalogue import find_paper
from paperboy.services.community import comments, votes
from paperboy.services.feed import MAX_PER_PAGE, feed_page, latest_feed_day
from paperboy.services.finding.search import SearchHit
from paperboy.services.library.follows import follow_matcher
from paperboy.web.api_models import (
    CommentIn,
    CommentOut,
    ErrorOut,
    FeedItemOut,
    FeedOut,
    PaperOut,
    SearchHitOut,
    SearchOut,
    SimilarOut,
    SuggestionOut,
    VoteOut,
)
from paperboy.web.client_address import client_ip
from paperboy.web.community_responses import REFUSALS, json_refusal, sign_in_first
from paperboy.web.context import AppContext, Context, SearchUnavailableError
from paperboy.web.errors import bad_request, not_found, unavailable
from paperboy.web.markdown import render_markdown
from paperboy.web.params import (
    CategoryParam,
    DayParam,
    ModeParam,
    PageNumber,
    PeriodParam,
    SearchText,
    SortParam,
)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "The query cannot be understood."),
        (401, "Sign in first (votes and comments)."),
        (403, "Not allowed: a missing CSRF token, or not yours to change."),
        (404, "Nothing at this address, or a page past the last."),
        (405, "Method not allowed."),
        (422, "A parameter is invalid."),
        (429, "Too many votes or comments; the Retry-After header says when to try again."),
        (500, "Unexpected server error."),
        (503, "Search is not available."),
    )
}
router = APIRouter(prefix="/api", tags=["papers"], responses=ERROR_RESPONSES)
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page, 1 to {MAX_PER_PAGE}.")]


@router.get("/papers", response_model=FeedOut, summary="Papers on a feed day, week or month")
def list_papers(
    context: Context,
    request: Request,
    date: DayParam = None,
    period: PeriodParam = "day",
    page: PageNumber = 1,
    per_page: PerPage = 30,
    sort: SortParam = "trending",
    category: CategoryParam = None,
) -> Response:
    """Trending (most upvoted, recent votes counting most) first, or `sort=newest|discussed`;
    `cat` keeps one category or archive. Without `date`, the latest day that has papers."""

    def answer() -> Response:
        listing = _feed_out(context, request, date, period, page, per_page, sort, category)
        return Response(listing.model_dump_json(), media_type="application/json")

    # Kept for callers without a session, as the pages are (web/page_cache.py).
    return context.kept(request, answer)


def _feed_out(
    context: AppContext,
    request: Request,
    date: DayParam,
    period: PeriodParam,
    page: int,
    per_page: int,
    sort: str,
    category: str | None,
) -> FeedOut:
    day = date or latest_feed_day(context.db)
    if day is None:
        raise not_found("There are no papers on any feed day yet; ingest some first.", "date")
    listing = feed_page(context.db, day, period, page, per_page, sort=sort, category=category)
    if page > listing.pages:
        raise not_found(f"Page {page} is past the last page ({listing.pages}).", "page")
    viewer = getattr(request.state, "user", None)
    matcher = follow_matcher(context.db, viewer) if viewer else None

    def followed(key: str, paper: Paper) -> list[str]:
        mark = matcher.mark(key, [a.name for a in paper.authors], paper.categories) if matcher else None
        return list(mark.authors + mark.categories) if mark else []

    return FeedOut(
        date=day,
        period=period,
        sort=listing.sort,
        category=listing.category,
        first_day=listing.first_day,
        last_day=listing.last_day,
        page=page,
        per_page=per_page,
        total=listing.total,
        pages=listing.pages,
        previous_day=listing.previous_day,
        next_day=listing.next_day,
        items=[
            FeedItemOut(
                paper=PaperOut.of(i.key, i.paper, i.votes, i.comments),
                upvotes=i.upvotes,
                votes=i.votes,
                comment_count=i.comments,
                code_url=i.paper.code_url,
                categories=list(i.paper.categories),
                keywords=list(i.paper.keywords),
                submitted_by=i.submitted_by,
                first_day=i.first_day,
                origins=list(i.origins),
                followed=followed(i.key, i.paper),
            )
            for i in listing.items
        ],
    )


@router.get("/search", response_model=SearchOut, summary="Search papers by meaning and by words")
def search_papers(
    context: Context,
    q: SearchText,
    mode: ModeParam = "hybrid",
    category: CategoryParam = None,
    after: DayParam = None,
    before: DayParam = None,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> SearchOut:
    if not q.strip():
        raise bad_request("The query is empty; type some words to search for.", "q")
    try:
        results = context.search().search(
            q, mode=mode, page=page, per_page=per_page, category=category, after=after, before=before
        )
    except QuerySyntaxError as exc:
        raise bad_request(exc.message, "q") from None
    except SearchUnavailableError as exc:
        raise unavailable(str(exc)) from None
    if page > 1 and page > results.pages:
        raise not_found(f"Page {page} is past the last page of results ({results.pages}).", "page")
    return SearchOut(
        query=results.query,
        mode=results.mode,
        page=results.page,
        per_page=results.per_page,
        total=results.total,
        total_is_lower_bound=results.total_is_lower_bound,
        keyword_total=results.keyword_total,
        count_text=results.count_text,
        suggestions=[
            SuggestionOut(query=s.query, reason=s.reason, total=s.total) for s in results.suggestions
        ],
        pages=results.pages,
        took_ms=results.took_ms,
        hits=_hits_out(context, results.hits),
    )


@router.get(
    "/papers/{identifier:path}/similar", response_model=SimilarOut, summary="Papers similar to one paper"
)
def similar_papers(
    context: Context, identifier: str, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> SimilarOut:
    stored = _find(context, identifier)
    try:
        hits = context.search().similar(stored, limit=limit)
    except SearchUnavailableError as exc:
        raise unavailable(str(exc)) from None
    return SimilarOut(key=stored.key, hits=_hits_out(context, hits))


@router.get("/papers/{identifier:path}", response_model=PaperOut, summary="One paper by arXiv id or key")
def get_paper(context: Context, identifier: str) -> PaperOut:
    """Any arXiv id form works: 2405.07518, 2405.07518v2, arXiv:2405.07518, hep-th/9901001."""
    stored = _find(context, identifier)
    votes_of = votes.vote_totals(context.db, [stored.id])
    comments_of = comments.comment_count(context.db, [stored.id])
    return PaperOut.of(stored.key, stored.paper, votes_of[stored.id], comments_of[stored.id])


@router.put("/papers/{key:path}/vote", response_model=VoteOut, summary="Upvote a paper", tags=["community"])
def put_vote(context: Context, request: Request, key: str) -> Response:
    """Doing it twice changes nothing."""
    return _set_vote(context, request, key, True)


@router.delete(
    "/papers/{key:path}/vote", response_model=VoteOut, summary="Take back an upvote", tags=["community"]
)
def delete_vote(context: Context, request: Request, key: str) -> Response:
    return _set_vote(context, request, key, False)


@router.post(
    "/papers/{key:path}/comments",
    response_model=CommentOut,
    status_code=201,
    summary="Comment on a paper",
    tags=["community"],
)
def post_comment(context: Context, request: Request, key: str, comment: CommentIn) -> Response:
    user = request.state.user
    if user is None:
        return sign_in_first(request, json=True)
    try:
        added = comments.add_comment(
            context.db, user, key, comment.body, client_ip(request), comment.parent_id
        )
    except REFUSALS as refusal:
        return json_refusal(refusal)
    out = CommentOut(
        id=added.id,
        paper=added.paper_key,
        author=added.author,
        body=added.body,
        html=str(render_markdown(added.body)),
        created_at=added.created_at,
        edited_at=added.edited_at,
        parent_id=added.parent_id,
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


def _set_vote(context: AppContext, request: Request, key: str, voted: bool) -> Response:
    user = request.state.user
    if user is None:
        return sign_in_first(request, json=True)
    try:
        state = votes.set_vote(context.db, user, key, voted, client_ip(request))
    except REFUSALS as refusal:
        return json_refusal(refusal)
    return JSONResponse(VoteOut(paper=state.paper_key, voted=state.voted, votes=state.votes).model_dump())


def _hits_out(context: AppContext, hits: Sequence[SearchHit]) -> list[SearchHitOut]:
    """Search hits with their votes and comment counts (two queries for the whole page)."""
    ids = [hit.paper_id for hit in hits]
    votes_of = votes.vote_totals(context.db, ids)
    comments_of = comments.comment_count(context.db, ids)
    return [SearchHitOut.of(hit, votes_of[hit.paper_id], comments_of[hit.paper_id]) for hit in hits]


def _find(context: AppContext, identifier: str) -> StoredPaper:
    stored = find_paper(context.db, identifier)
    if stored is None:
        raise not_found(f"No paper with the id {identifier[:100]!r} is in this library.", "id")
    return stored
