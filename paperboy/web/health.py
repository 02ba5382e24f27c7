"""/healthz: the process answers. /readyz: the store is reachable and migrated."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from paperboy.store.database import MIGRATIONS
from paperboy.web.context import Context

router = APIRouter(tags=["health"])


@lru_cache(maxsize=1)
def newest_schema_revision() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store is reachable and migrated; search status")
def readyz(context: Context) -> JSONResponse:
    body: dict[str, Any] = {"store": {"backend": context.db.dialect}}
    try:
        revision = context.db.schema_revision()
    except Exception as exc:  # any failure to reach the store means not ready
        revision = None
        body["store"]["error"] = f"cannot reach the store: {type(exc).__name__}"
    newest = newest_schema_revision()
    body["store"].update(schema=revision, newest_schema=newest)
    ready = revision is not None and revision == newest
    body["search"] = context.search_status()
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)
