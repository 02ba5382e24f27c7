"""Collections: named, ordered reading lists; the owner edits, anyone reads a public one.

A private collection is, to everyone but its owner, not there: its page, its feed and
every form aimed at it answer 404, the same as an address that never existed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperboy.services.catalogue import find_paper
from paperboy.services.library import collections
from paperboy.web.atom import AtomEntry, atom_document
from paperboy.web.atom_feeds import ATOM
from paperboy.web.auth import SignedInUser
from paperboy.web.community_responses import error_page, safe_next, sign_in_first
from paperboy.web.context import Context
from paperboy.web.errors import not_found
from paperboy.web.library_responses import LIBRARY_REFUSALS, private
from paperboy.web.presenters import arxiv_abs_url, arxiv_pdf_url, paper_path
from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
NameField = Annotated[str, Form(max_length=1_000)]
DescriptionField = Annotated[str, Form(max_length=20_000)]


def collection_path(slug: str) -> str:
    return f"/collections/{slug}"


@router.get("/collections")
def my_collections(context: Context, request: Request, user: SignedInUser) -> Response:
    if user is None:
        return sign_in_first(request)
    mine = collections.my_collections(context.db, user)
    return private(render(request, "collections.html", collections=mine, form={}))


@router.post("/collections")
def create(
    context: Context,
    request: Request,
    user: SignedInUser,
    name: NameField = "",
    description: DescriptionField = "",
    public: Annotated[str, Form()] = "",
    paper: Annotated[str, Form(max_length=1_000)] = "",
) -> Response:
    """A new collection; with paper, that paper goes in it at once (the Collect page's form)."""
    if user is None:
        return sign_in_first(request)
    try:
        made = collections.create_collection(context.db, user, name, description, public == "1")
        if paper:
            collections.add_paper(context.db, user, made.slug, paper)
    except LIBRARY_REFUSALS as refusal:
        if getattr(refusal, "field", None) in ("name", "description"):
            form = {"name": name[:200], "description": description[:5_000], "public": public == "1"}
            mine = collections.my_collections(context.db, user)
            page = render(request, "collections.html", 400, collections=mine, form=form, problem=str(refusal))
            return private(page)
        return error_page(request, refusal)
    return RedirectResponse(collection_path(made.slug), status_code=303)


@router.get("/collections/add")
def choose_collection(
    context: Context,
    request: Request,
    user: SignedInUser,
    paper: Annotated[str, Query(max_length=1_000)] = "",
) -> Response:
    """The Collect link of a card: which of the reader's collections gets the paper (or a new one)."""
    if user is None:
        return sign_in_first(request)
    stored = find_paper(context.db, paper) if paper else None
    if stored is None:
        raise not_found(f"No paper with the id {paper[:100]!r} is here.", "paper")
    mine = collections.my_collections(context.db, user)
    return private(render(request, "collection_add.html", stored=stored, collections=mine))


@router.get("/collections/{slug}")
def show(context: Context, request: Request, slug: str) -> Response:
    try:
        view = collections.view_collection(context.db, request.state.user, slug)
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    page = render(request, "collection.html", view=view, feed_url=collection_path(slug) + "/feed.atom")
    # A private collection is its owner's alone; a public one may be cached like any page.
    return page if view.collection.public else private(page)


@router.post("/collections/{slug}")
def edit(
    context: Context,
    request: Request,
    user: SignedInUser,
    slug: str,
    name: NameField = "",
    description: DescriptionField = "",
    public: Annotated[str, Form()] = "",
) -> Response:
    if user is None:
        return sign_in_first(request)
    try:
        collections.update_collection(context.db, user, slug, name, description, public == "1")
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse(collection_path(slug), status_code=303)


@router.post("/collections/{slug}/delete")
def delete(context: Context, request: Request, user: SignedInUser, slug: str) -> Response:
    if user is None:
        return sign_in_first(request)
    try:
        collections.delete_collection(context.db, user, slug)
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/{slug}/papers")
def change_papers(
    context: Context,
    request: Request,
    user: SignedInUser,
    slug: str,
    paper: Annotated[str, Form(max_length=1_000)] = "",
    action: Annotated[Literal["add", "remove", "up", "down"], Form()] = "add",
    next: Annotated[str, Form()] = "",  # noqa: A002  (the form field's name)
) -> Response:
    """Add a paper to the owner's collection, take it out, or move it one place up or down."""
    if user is None:
        return sign_in_first(request)
    try:
        if action == "add":
            collections.add_paper(context.db, user, slug, paper)
        elif action == "remove":
            collections.remove_paper(context.db, user, slug, paper)
        else:
            collections.move_paper(context.db, user, slug, paper, -1 if action == "up" else 1)
    except LIBRARY_REFUSALS as refusal:
        return error_page(request, refusal)
    return RedirectResponse(safe_next(next, collection_path(slug)), status_code=303)


@router.get("/collections/{slug}/feed.atom")
def collection_feed(context: Context, slug: str) -> Response:
    """A public collection's papers as an Atom feed, the most recently added first."""
    try:
        view = collections.view_collection(context.db, None, slug)
    except LIBRARY_REFUSALS:
        raise not_found("There is no public collection at this address.", "slug") from None
    base = context.settings.effective_base_url
    entries = [
        AtomEntry(
            id=base + paper_path(item.paper_key),
            title=item.paper.title,
            link=base + paper_path(item.paper_key),
            updated=item.added_at,
            summary=item.paper.abstract,
            authors=tuple(a.name for a in item.paper.authors),
            categories=item.paper.categories,
            related=tuple(u for u in (arxiv_abs_url(item.paper), arxiv_pdf_url(item.paper)) if u),
        )
        for item in sorted(view.papers, key=lambda p: p.added_at, reverse=True)
    ]
    collection = view.collection
    document = atom_document(
        feed_id=f"{base}{collection_path(collection.slug)}/feed.atom",
        title=f"{collection.name} — a collection by {view.owner_name}",
        subtitle=collection.description[:500],
        self_url=f"{base}{collection_path(collection.slug)}/feed.atom",
        alternate_url=base + collection_path(collection.slug),
        updated=max([collection.updated_at, *(e.updated for e in entries)], default=datetime(1970, 1, 1)),
        entries=entries,
    )
    return Response(document, media_type=ATOM)
