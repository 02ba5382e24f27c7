"""/healthz: the process answers. /readyz: the store is reachable and migrated."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from paperboy.store.database import newest_schema_revision
from paperboy.web.context import Context

router = APIRouter(tags=["health"])


def _index_progress(context: Context) -> dict[str, Any]:
    """How far each search index is behind the store: after a first import the
    embeddings may still be computed in the background while pages and keyword search
    already work. Informational: being behind does not make the site "not ready"."""
    from paperboy.services.finding.indexing import index_status

    try:
        status = index_status(context.db, context.settings)
    except Exception as exc:  # an unreadable index is reported, not raised
        return {"error": f"cannot read the indexes: {type(exc).__name__}"}
    return {
        "papers": status.papers,
        "keyword_documents": status.keyword_documents,
        "keyword_behind": status.keyword_behind,
        "vectors": status.vectors,
        "vector_behind": status.vector_behind,
        "up_to_date": status.up_to_date,
    }


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
    body["indexes"] = _index_progress(context)
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)
