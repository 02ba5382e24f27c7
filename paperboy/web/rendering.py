"""The Jinja2 environment: autoescaped templates with the presenters as globals."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from paperboy import __version__
from paperboy.config import Settings
from paperboy.mail import outbox_dir
from paperboy.web import presenters
from paperboy.web.cards import CardCache, card_view, keyword_search_url, keywords_html
from paperboy.web.highlighting import marked
from paperboy.web.mathml import render_math
from paperboy.web.reader_library import follow_target, reader_library

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def static_version() -> str:
    """A digest of the static files, so browsers refetch them after an upgrade."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.autoescape = True  # Jinja2Templates enables it for .html; be explicit for every file.
    env.trim_blocks = True
    env.lstrip_blocks = True
    version = static_version()
    env.globals.update(
        static=lambda name: f"/static/{name}?v={version}",
        paperboy_version=__version__,
        paper_path=presenters.paper_path,
        arxiv_abs_url=presenters.arxiv_abs_url,
        arxiv_pdf_url=presenters.arxiv_pdf_url,
        doi_url=presenters.doi_url,
        long_date=presenters.long_date,
        short_date=presenters.short_date,
        period_label=presenters.period_label,
        feed_path=presenters.feed_path,
        map_url=presenters.map_url,
        with_page=presenters.with_page,
        author_links=presenters.author_links,
        author_page_url=presenters.author_page_url,
        author_search_url=presenters.author_search_url,
        category_search_url=presenters.category_search_url,
        keyword_search_url=keyword_search_url,
        period_heading=presenters.period_heading,
        sort_labels=presenters.SORT_LABELS,
        sort_orders=presenters.SORT_ORDERS,
        authors_on_page=presenters.AUTHORS_ON_PAGE,
        math=render_math,
        marked=marked,
        card_view=card_view,
        keywords_html=keywords_html,
        follow_target=follow_target,
    )
    parts = env.get_template("_card_parts.html").module
    env.globals.update(
        card_head=parts.head,  # type: ignore[attr-defined]
        card_meta=parts.meta,  # type: ignore[attr-defined]
        card_parts=CardCache(lambda view, compact: (parts.head(view, compact), parts.meta(view, compact))),  # type: ignore[attr-defined]
    )
    return templates


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page; every page gets the header's search text and the subscribe link if any."""
    context.setdefault("query", "")
    context.setdefault("subscribe_url", request.app.state.subscribe_url)
    context.setdefault("library", reader_library(request))
    context.setdefault("layout", presenters.layout_of(request.cookies.get(presenters.LAYOUT_COOKIE)))
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response


def outbox_shown(settings: Settings) -> str | None:
    """The outbox folder while no SMTP server is set (the "check your inbox" pages say so)."""
    return None if settings.smtp_url else str(outbox_dir(settings))
