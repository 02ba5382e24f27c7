"""The app factory: routes, middleware, error pages and the shared context."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from paperboy import __version__
from paperboy.config import Settings, load_settings
from paperboy.store import Database, open_database
from paperboy.web import api, auth, feeds, health, pages
from paperboy.web.access_log import AccessLog
from paperboy.web.context import AppContext
from paperboy.web.csrf import CsrfProtection, resolve_secret_key
from paperboy.web.errors import ServerErrorPage, install_error_handlers
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
        context.close()
        if owns_database:
            database.close()

    app = FastAPI(
        title="Paperboy API",
        version=__version__,
        description=API_DESCRIPTION,
        # The interactive docs UIs load scripts from a CDN, which the CSP forbids anyway.
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
    app.include_router(feeds.router)
    app.include_router(auth.router)
    app.include_router(pages.router)
    # The subscribe button appears once a /subscribe page exists (digests come later).
    app.state.subscribe_url = next(
        (route.path for route in app.routes if getattr(route, "path", None) == "/subscribe"), None
    )
    install_error_handlers(app)
    # Added innermost first: CSRF checks, the signed-in user, errors become pages, then
    # every response gets headers, then is logged.
    app.add_middleware(
        CsrfProtection,
        secret=resolve_secret_key(settings),
        secure_cookie=settings.base_url.lower().startswith("https://"),
    )
    app.add_middleware(auth.CurrentUser, db=database)
    app.add_middleware(ServerErrorPage)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
