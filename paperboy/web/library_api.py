"""The library API: a reader's saved papers, tags, notes, imports and exports; collections;
follows. Every route acts as the signed-in reader (the session cookie) and every change
needs the X-CSRF-Token header, as votes and comments do.

Another reader's private collection answers 404, exactly as an address that never existed,
so guessing addresses learns nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from paperboy.domain import Paper
from paperboy.domain.accounts import User
from paperboy.domain.library import FollowKind
from paperboy.search.query import QuerySyntaxError
from paperboy.services.community import comments, votes
from paperboy.services.library import access, collections, exports, follows, imports, items
from paperboy.sources.library_files import MAX_FILE_BYTES, LibraryFileError
from paperboy.web.api import ERROR_RESPONSES
from paperboy.web.api_models import ErrorOut, PaperOut
from paperboy.web.community_responses import json_refusal, sign_in_first
from paperboy.web.context import AppContext, Context
from paperboy.web.errors import error_body
from paperboy.web.library_api_models import (
    CollectionDetailOut,
    CollectionIn,
    CollectionOut,
    CollectionPaperOut,
    CollectionPatch,
    FollowOut,
    ImportOut,
    LibraryItemIn,
    LibraryItemOut,
    LibraryOut,
    MoveIn,
    SavedOut,
    TagOut,
)
from paperboy.web.library_responses import LIBRARY_REFUSALS, export_response, private
from paperboy.web.params import PageNumber, SearchText

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    413: {"model": ErrorOut, "description": f"An import file over {MAX_FILE_BYTES // 1024 // 1024} MB."},
}
router = APIRouter(prefix="/api", tags=["library"], responses=_RESPONSES)

SortChoice = Annotated[
    Literal["saved", "published", "title"],
    Query(description="saved (newest save first, the default), published (newest first) or title."),
]
FormatChoice = Annotated[Literal["bibtex", "ris", "csl-json"], Query(alias="format")]


def _json(model: Any, status_code: int = 200) -> Response:
    return private(JSONResponse(model.model_dump(mode="json"), status_code=status_code))


def _paper_outs(context: AppContext, papers: Sequence[tuple[str, Paper]]) -> list[PaperOut]:
    """The papers with their votes and comment counts (three queries for the whole list)."""
    ids = items.paper_ids_of(context.db, [key for key, _ in papers])
    votes_of = votes.vote_totals(context.db, list(ids.values()))
    comments_of = comments.comment_count(context.db, list(ids.values()))
    return [
        PaperOut.of(key, paper, votes_of.get(ids.get(key, 0), 0), comments_of.get(ids.get(key, 0), 0))
        for key, paper in papers
    ]


def _item_out(context: AppContext, item: Any) -> LibraryItemOut:
    [paper] = _paper_outs(context, [(item.paper_key, item.paper)])
    return LibraryItemOut(
        paper=paper, tags=list(item.tags), note=item.note, read=item.read, saved_at=item.saved_at
    )


def _signed_in(request: Request) -> User | None:
    return getattr(request.state, "user", None)


# --- saved papers ---


@router.get("/library", response_model=LibraryOut, summary="The signed-in reader's library")
def get_library(
    context: Context,
    request: Request,
    q: SearchText = "",
    tag: Annotated[str, Query(max_length=40, description="Only papers with this tag.")] = "",
    sort: SortChoice = "saved",
    read: Annotated[bool | None, Query(description="true: read papers only; false: unread only.")] = None,
    page: PageNumber = 1,
    per_page: Annotated[int, Query(ge=1, le=500, description="Items per page, 1 to 500.")] = 100,
) -> Response:
    """Searched with the search box's syntax (words, "phrases", author:, cat:, after:, before:),
    scoped to the reader's own saved papers, their tags and notes."""
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        found = items.library_items(context.db, user, q, tag, sort, read)
    except QuerySyntaxError as exc:
        return JSONResponse(error_body(400, "bad_request", exc.message, "q"), status_code=400)
    pages = max(1, -(-len(found) // per_page))
    if page > pages:
        message = f"Page {page} is past the last page ({pages})."
        return JSONResponse(error_body(404, "not_found", message, "page"), status_code=404)
    shown = found[(page - 1) * per_page : page * per_page]
    papers = _paper_outs(context, [(i.paper_key, i.paper) for i in shown])
    out = LibraryOut(
        query=q,
        tag=tag,
        sort=sort,
        page=page,
        per_page=per_page,
        pages=pages,
        total=len(found),
        items=[
            LibraryItemOut(paper=p, tags=list(i.tags), note=i.note, read=i.read, saved_at=i.saved_at)
            for i, p in zip(shown, papers, strict=True)
        ],
        tags=[TagOut(tag=t, papers=n) for t, n in items.tags_of(context.db, user)],
    )
    return _json(out)


@router.get("/library/export", summary="The library as BibTeX, RIS or CSL-JSON", response_class=Response)
def export_library(context: Context, request: Request, file_format: FormatChoice = "bibtex") -> Response:
    """A file to download (Content-Disposition: attachment), oldest save first; tags become keywords."""
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    return export_response(exports.export_library(context.db, user, file_format), file_format)


@router.post("/library/import", response_model=ImportOut, summary="Import a BibTeX, RIS or CSL-JSON file")
async def import_library(
    context: Context,
    request: Request,
    file_format: Annotated[Literal["", "bibtex", "ris", "csl-json"], Query(alias="format")] = "",
    filename: Annotated[str, Query(max_length=200, description="The file's name (tells the format).")] = "",
) -> Response:
    """The request body is the file itself. Matched entries are saved, the rest kept for a later
    harvest; importing the same file again adds nothing. A bad entry is refused alone."""
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            message = (
                f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB, the most one import takes; "
                "split it and import each part. Nothing was imported."
            )
            return JSONResponse(error_body(413, "too_large", message), status_code=413)
        chunks.append(chunk)
    data = b"".join(chunks)
    name = filename or "the file"
    try:
        report = await to_thread.run_sync(
            lambda: imports.import_library(context.db, user, data, name, file_format or None)
        )
    except LibraryFileError as exc:
        body = error_body(400, "bad_request", f"{exc} Nothing was imported.", "file")
        return JSONResponse(body, status_code=400)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(ImportOut.model_validate(report.to_json()))


@router.get("/library/items/{key:path}", response_model=LibraryItemOut, summary="One saved paper")
def get_item(context: Context, request: Request, key: str) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    item = items.find_item(context.db, user, key)
    if item is None:
        message = f"{key[:100]!r} is not in your library."
        return JSONResponse(error_body(404, "not_found", message, "key"), status_code=404)
    return _json(_item_out(context, item))


@router.put(
    "/library/items/{key:path}", response_model=LibraryItemOut, summary="Save a paper, set tags, note, read"
)
def put_item(context: Context, request: Request, key: str, body: LibraryItemIn | None = None) -> Response:
    """Saves the paper (doing it twice changes nothing); fields given replace the saved ones."""
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    body = body or LibraryItemIn(tags=None, note=None)
    try:
        item = items.update_item(context.db, user, key, tags=body.tags, note=body.note, read=body.read)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(_item_out(context, item))


@router.delete(
    "/library/items/{key:path}", response_model=SavedOut, summary="Take a paper out of the library"
)
def delete_item(context: Context, request: Request, key: str) -> Response:
    """Its tags and note go with it. Doing it twice changes nothing."""
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        state = items.set_saved(context.db, user, key, False)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(SavedOut(paper=state.paper_key, saved=state.saved))


# --- collections ---


@router.get("/collections", response_model=list[CollectionOut], summary="The signed-in reader's collections")
def list_collections(context: Context, request: Request) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    mine = collections.my_collections(context.db, user)
    return private(JSONResponse([CollectionOut.of(c).model_dump(mode="json") for c in mine]))


@router.post("/collections", response_model=CollectionOut, status_code=201, summary="Make a collection")
def create_collection(context: Context, request: Request, body: CollectionIn) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        made = collections.create_collection(context.db, user, body.name, body.description, body.public)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(CollectionOut.of(made), 201)


@router.get("/collections/{slug}", response_model=CollectionDetailOut, summary="A collection and its papers")
def get_collection(context: Context, request: Request, slug: str) -> Response:
    """Anyone may read a public collection; a private one is found by its owner alone (404 to others)."""
    try:
        view = collections.view_collection(context.db, _signed_in(request), slug)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    papers = _paper_outs(context, [(p.paper_key, p.paper) for p in view.papers])
    out = CollectionDetailOut(
        collection=CollectionOut.of(view.collection),
        owner=view.owner_name,
        editable=view.editable,
        papers=[
            CollectionPaperOut(position=p.position, paper=out, added_at=p.added_at)
            for p, out in zip(view.papers, papers, strict=True)
        ],
    )
    response = JSONResponse(out.model_dump(mode="json"))
    return response if view.collection.public else private(response)


@router.patch("/collections/{slug}", response_model=CollectionOut, summary="Rename, describe, publish")
def patch_collection(context: Context, request: Request, slug: str, body: CollectionPatch) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        current = collections.view_collection(context.db, user, slug)
        if not current.editable:
            raise access.NotFound("There is no collection at this address (or it is private).")
        c = current.collection
        updated = collections.update_collection(
            context.db,
            user,
            slug,
            c.name if body.name is None else body.name,
            c.description if body.description is None else body.description,
            c.public if body.public is None else body.public,
        )
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(CollectionOut.of(updated))


@router.delete("/collections/{slug}", status_code=204, summary="Delete a collection", response_class=Response)
def delete_collection(context: Context, request: Request, slug: str) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        collections.delete_collection(context.db, user, slug)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return Response(status_code=204)


@router.put(
    "/collections/{slug}/papers/{key:path}",
    response_model=CollectionOut,
    summary="Add a paper to a collection",
)
def add_to_collection(context: Context, request: Request, slug: str, key: str) -> Response:
    """At the end of the owner's order; doing it twice changes nothing."""
    return _change_collection(context, request, slug, key, add=True)


@router.delete(
    "/collections/{slug}/papers/{key:path}",
    response_model=CollectionOut,
    summary="Take a paper out of a collection",
)
def remove_from_collection(context: Context, request: Request, slug: str, key: str) -> Response:
    return _change_collection(context, request, slug, key, add=False)


@router.post("/collections/{slug}/move", response_model=CollectionOut, summary="Move a paper in a collection")
def move_in_collection(context: Context, request: Request, slug: str, body: MoveIn) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        collections.move_paper(context.db, user, slug, body.paper, body.offset)
        view = collections.view_collection(context.db, user, slug)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(CollectionOut.of(view.collection))


def _change_collection(context: AppContext, request: Request, slug: str, key: str, add: bool) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        if add:
            collections.add_paper(context.db, user, slug, key)
        else:
            collections.remove_paper(context.db, user, slug, key)
        view = collections.view_collection(context.db, user, slug)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(CollectionOut.of(view.collection))


# --- follows ---


@router.get("/follows", response_model=list[FollowOut], summary="Authors and categories the reader follows")
def list_follows(context: Context, request: Request) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    found = follows.follows_of(context.db, user)
    return private(JSONResponse([FollowOut(kind=f.kind, value=f.value).model_dump() for f in found]))  # type: ignore[arg-type]


@router.put(
    "/follows/{kind}/{value:path}", response_model=FollowOut, summary="Follow an author or a category"
)
def put_follow(context: Context, request: Request, kind: FollowKind, value: str) -> Response:
    """kind is author (value: the name as papers give it) or category (cs.LG, or cs for all of it).
    Their papers are marked on every list the reader sees ("You follow ...")."""
    return _set_follow(context, request, kind, value, True)


@router.delete("/follows/{kind}/{value:path}", response_model=FollowOut, summary="Stop following")
def delete_follow(context: Context, request: Request, kind: FollowKind, value: str) -> Response:
    return _set_follow(context, request, kind, value, False)


def _set_follow(context: AppContext, request: Request, kind: str, value: str, on: bool) -> Response:
    user = _signed_in(request)
    if user is None:
        return sign_in_first(request, json=True)
    try:
        if on:
            follows.follow(context.db, user, kind, value)
        else:
            follows.unfollow(context.db, user, kind, value)
    except LIBRARY_REFUSALS as refusal:
        return json_refusal(refusal)
    return _json(FollowOut(kind=kind, value=" ".join(value.split()), following=on))  # type: ignore[arg-type]
