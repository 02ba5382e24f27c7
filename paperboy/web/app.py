"""The app factory: routes, middleware, error pages and the shared context."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import NoMatchFound

from paperboy import __version__
from paperboy.config import Settings, load_settings
from paperboy.secret_key import resolve_secret_key
from paperboy.store import Database, open_database
from paperboy.web import (
    api,
    api_docs,
    atom_feeds,
    auth,
    authors,
    collection_pages,
    community,
    for_you,
    health,
    library_api,
    library_pages,
    pages,
    subscriptions,
    topics,
)
from paperboy.web.access_log import AccessLog
from paperboy.web.client_address import ClientAddress, trusted_networks
from paperboy.web.context import AppContext
from paperboy.web.csrf import CsrfProtection
from paperboy.web.errors import ServerErrorPage, install_error_handlers
from paperboy.web.page_cache import PageCacheInvalidation
from paperboy.web.rendering import STATIC, build_templates
from paperboy.web.security import SecurityHeaders

log = logging.getLogger("paperboy.web")

API_DESCRIPTION = """Papers on feed days, search, single papers and similar papers.

Every error has one shape: `{"error": {"status", "code", "message", "field"}}`."""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """The web app over the store in settings (or the given, already migrated database)."""
    settings = settings or load_settings()
    owns_database = database is None
    if database is None:
        database = open_database(settings.effective_database_url)
        database.migrate()
    context = AppContext(database, settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_database:
            database.close()

    app = FastAPI(
        title="Paperboy API",
        version=__version__,
        description=API_DESCRIPTION,
        # The interactive docs UIs load scripts from a CDN, which the CSP forbids anyway;
        # /docs is our own page (web/api_docs.py), rendered from the same description.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.templates = build_templates()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(library_api.router)
    app.include_router(api_docs.router)
    app.include_router(atom_feeds.router)
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(authors.router)
    app.include_router(topics.router)
    app.include_router(subscriptions.router)
    app.include_router(community.router)
    app.include_router(library_pages.router)
    app.include_router(collection_pages.router)
    app.include_router(for_you.router)
    # The subscribe strip appears only where a /subscribe page exists.
    app.state.subscribe_url = _path_or_none(app, "subscribe_form")
    install_error_handlers(app)
    # Added innermost first: a change made drops the kept pages, CSRF checks, the signed-in
    # user, errors become pages, then every response gets headers, then is logged, after the
    # client address is resolved.
    app.add_middleware(PageCacheInvalidation, cache=context.page_cache)
    app.add_middleware(
        CsrfProtection,
        secret=resolve_secret_key(settings),
        secure_cookie=settings.secure_cookies,
        session_cookie=auth.session_cookie_name(settings),
    )
    app.add_middleware(auth.CurrentUser, db=database, session_cookie=auth.session_cookie_name(settings))
    app.add_middleware(ServerErrorPage)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    # Outermost: the access log and every per-IP limit see the resolved client address.
    app.add_middleware(ClientAddress, trusted=trusted_networks(settings))
    return app


def _path_or_none(app: FastAPI, route_name: str) -> str | None:
    # Looked up by name: FastAPI wraps included routers, so app.routes does not list their paths.
    try:
        return app.url_path_for(route_name)
    except NoMatchFound:
        return None
