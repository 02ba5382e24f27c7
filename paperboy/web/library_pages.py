"""The reader's library pages: save from any card, tags, a note, read or unread, search and
sort, export, import, and following authors and categories.

Every route acts on the signed-in reader's own library; the services take the reader and
read only their rows, so nothing here can show one reader another's.
"""

from __future__ import annotations

from typing import Annotated, Literal

from anyio import to_thread
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from paperboy.domain.accounts import User
from paperboy.search.query import QuerySyntaxError
from paperboy.services.library import exports, follows, imports, items
from paperboy.sources.library_files import FORMATS, MAX_FILE_BYTES, LibraryFileError
from paperboy.web.auth import SignedInUser
from paperboy.web.community_responses import error_page, safe_next, sign_in_first, wants_json
from paperboy.web.context import AppContext, Context
from paperboy.web.library_responses import LIBRARY_REFUSALS, export_response, private
from paperboy.web.params import PageNumber, SearchText
from paperboy.web.presenters import paper_path
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

SortChoice = Annotated[
    Literal["saved", "published", "title"], Query(description="saved, published or title.")
]
ReadChoice = Annotated[Literal["", "read", "unread"], Query(description="read, unread, or empty for both.")]
FormatChoice = Annotated[Literal["bibtex", "ris", "csl-json"], Query(alias="format")]
SORT_NAMES = {"saved": "Date saved", "published": "Date published", "title": "Title"}
# A library can hold thousands of papers; each shown with its forms is about 2 KB of HTML.
LIBRARY_PER_PAGE = 100


@router.post("/papers/{key:path}/save")
def save(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    """Save the paper to the reader's library, or take it out; a form goes back where it came from."""
    if user is None:
        return sign_in_first(request)
    try:
        state = items.toggle_saved(context.db, user, key)
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    if wants_json(request):
        return JSONResponse({"paper": state.paper_key, "saved": state.saved})
    return RedirectResponse(safe_next(next, paper_path(state.paper_key)), status_code=303)


@router.get("/library")
def library(
    context: Context,
    request: Request,
    user: SignedInUser,
    q: SearchText = "",
    tag: Annotated[str, Query(max_length=40)] = "",
    sort: SortChoice = "saved",
    read: ReadChoice = "",
    page: PageNumber = 1,
) -> Response:
    """The reader's saved papers: searched with the search box's syntax, by tag, read or not, sorted."""
    if user is None:
        return sign_in_first(request)
    form = {"q": q, "tag": tag, "sort": sort, "read": read}
    wanted_read = {"read": True, "unread": False}.get(read)
    problem = None
    try:
        found = items.library_items(context.db, user, q, tag, sort, wanted_read)
    except QuerySyntaxError as exc:
        found, problem = [], exc.message
    pages = max(1, -(-len(found) // LIBRARY_PER_PAGE))
    # Past the last page (after removing its last paper, say): the last page, not an error.
    page = min(page, pages)
    shown = found[(page - 1) * LIBRARY_PER_PAGE : page * LIBRARY_PER_PAGE]
    html = render(
        request,
        "library.html",
        status_code=400 if problem else 200,
        form=form,
        items=shown,
        total=len(found),
        page=page,
        pages=pages,
        problem=problem,
        tags=items.tags_of(context.db, user),
        following=follows.follows_of(context.db, user),
        waiting=len(imports.unmatched_entries(context.db, user)),
        sort_names=SORT_NAMES,
        formats=exports.EXPORT_FORMATS,
    )
    return private(html)


@router.post("/library/items/{key:path}")
def update_item(
    context: Context,
    request: Request,
    user: SignedInUser,
    key: str,
    tags: Annotated[str | None, Form(max_length=2_000)] = None,
    note: Annotated[str | None, Form(max_length=20_000)] = None,
    read: Annotated[Literal["read", "unread"] | None, Form()] = None,
    next: Annotated[str, Form()] = "",  # noqa: A002
) -> Response:
    """Change the tags, note or read state of a saved paper (fields left out stay as they are)."""
    if user is None:
        return sign_in_first(request)
    try:
        item = items.update_item(
            context.db, user, key, tags=tags, note=note, read=None if read is None else read == "read"
        )
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    if wants_json(request):
        return JSONResponse(
            {"paper": item.paper_key, "tags": list(item.tags), "note": item.note, "read": item.read}
        )
    return RedirectResponse(safe_next(next, "/library") + f"#item-{item.paper_id}", status_code=303)


@router.get("/library/export")
def export(
    context: Context, request: Request, user: SignedInUser, file_format: FormatChoice = "bibtex"
) -> Response:
    """The whole library as a file to download: BibTeX, RIS or CSL-JSON."""
    if user is None:
        return sign_in_first(request)
    return export_response(exports.export_library(context.db, user, file_format), file_format)


@router.get("/library/import")
def import_form(context: Context, request: Request, user: SignedInUser) -> Response:
    if user is None:
        return sign_in_first(request)
    return private(_import_page(request, context, user))


@router.post("/library/import")
async def import_file(context: Context, request: Request, user: SignedInUser) -> Response:
    """Read an uploaded BibTeX, RIS or CSL-JSON file into the library; the page says what became of each."""
    if user is None:
        return sign_in_first(request)
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        chosen = str(form.get("format") or "")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _import_page(request, context, user, 400, problem="Choose a file to import.")
        data = await upload.read(MAX_FILE_BYTES + 1)
        name = upload.filename[:200]
    if chosen and chosen not in FORMATS:
        return _import_page(request, context, user, 400, problem=f"Unknown format {chosen[:20]!r}.")
    if len(data) > MAX_FILE_BYTES:
        message = (
            f"{name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB, the most one import takes. "
            "Split it into smaller files and import each. Nothing was imported."
        )
        return _import_page(request, context, user, 413, problem=message)
    try:
        # Parsing and matching take seconds for a large file: off the event loop.
        report = await to_thread.run_sync(
            lambda: imports.import_library(context.db, user, data, name, chosen or None)
        )
    except LibraryFileError as exc:
        return _import_page(request, context, user, 400, problem=f"{exc} Nothing was imported.")
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    return private(_import_page(request, context, user, report=report, name=name))


def _import_page(
    request: Request, context: AppContext, user: User, status_code: int = 200, **extra: object
) -> HTMLResponse:
    return render(
        request,
        "library_import.html",
        status_code=status_code,
        waiting=imports.unmatched_entries(context.db, user),
        formats=FORMATS,
        limit_mb=MAX_FILE_BYTES // 1024 // 1024,
        **extra,
    )


@router.post("/follows")
def change_follow(
    context: Context,
    request: Request,
    user: SignedInUser,
    kind: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    action: Annotated[Literal["follow", "unfollow"], Form()] = "follow",
    next: Annotated[str, Form()] = "",  # noqa: A002
) -> Response:
    """Follow an author (by name) or a category, or stop; their papers are marked on every list."""
    if user is None:
        return sign_in_first(request)
    try:
        if action == "follow":
            follows.follow(context.db, user, kind, value)
        else:
            follows.unfollow(context.db, user, kind, value)
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    if wants_json(request):
        return JSONResponse({"kind": kind, "value": " ".join(value.split()), "following": action == "follow"})
    return RedirectResponse(safe_next(next, "/library#following"), status_code=303)
