"""Errors for people: one JSON shape under /api, a clear HTML page everywhere else.

No traceback ever reaches a response; unexpected errors are logged and answered 500.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("paperboy.web")

_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 422: "invalid_parameter",
          500: "internal_error", 503: "unavailable"}  # fmt: skip


class WebError(Exception):
    """An error to show the person who asked: status, a machine code, a message, the field."""

    def __init__(self, status: int, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code or _CODES.get(status, "error")


def not_found(message: str, field: str | None = None) -> WebError:
    return WebError(404, message, field)


def bad_request(message: str, field: str | None = None) -> WebError:
    return WebError(400, message, field)


def unavailable(message: str) -> WebError:
    return WebError(503, message)


def error_body(status: int, code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "field": field}}


def error_response(request: Request, error: WebError) -> Response:
    """The API's JSON shape under /api, the HTML error page elsewhere."""
    if request.url.path.startswith("/api"):
        return JSONResponse(
            error_body(error.status, error.code, error.message, error.field), status_code=error.status
        )
    templates: Jinja2Templates = request.app.state.templates
    title = HTTPStatus(error.status).phrase if error.status in HTTPStatus._value2member_map_ else "Error"
    return templates.TemplateResponse(
        request, "error.html", {"error": error, "title": title}, status_code=error.status
    )


async def _on_web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    return error_response(request, exc)


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        message = f"There is no page at {request.url.path}."
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    else:
        message = str(exc.detail)
    response = error_response(request, WebError(exc.status_code, message))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    field, message = describe_validation_error(exc.errors())
    status = 422 if request.url.path.startswith("/api") else 400
    return error_response(request, WebError(status, message, field))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(WebError, _on_web_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)


class ServerErrorPage:
    """ASGI middleware: an unexpected exception becomes a logged 500, never a traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                return  # Too late for an error page; the client sees a cut-off response.
            request = Request(scope)
            response = error_response(
                request,
                WebError(
                    500,
                    "Something went wrong on our side. The error has been logged; please try again later.",
                ),
            )
            await response(scope, receive, send)


def describe_validation_error(errors: Sequence[Any]) -> tuple[str | None, str]:
    """(field, message) for the first problem FastAPI found in a request."""
    if not errors:
        return None, "The request is not valid."
    first = errors[0]
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    field = location[-1] if location else None
    kind = first.get("type", "")
    context = first.get("ctx") or {}
    given = first.get("input")
    name = field or "a parameter"
    if kind == "int_parsing":
        message = f"{name} must be a whole number, not {str(given)[:40]!r}."
    elif kind == "greater_than_equal":
        message = f"{name} must be at least {context.get('ge')}; got {given}."
    elif kind == "less_than_equal":
        message = f"{name} must be at most {context.get('le'):,}; got {str(given)[:40]}."
    elif kind.startswith("date"):
        message = f"{name} must be a date like 2024-05-31, not {str(given)[:40]!r}."
    elif kind == "string_too_long":
        message = (
            f"{name} is {len(str(given)):,} characters long; the limit is "
            f"{context.get('max_length'):,}. Shorten it and try again."
        )
    elif kind == "literal_error":
        message = f"{name} must be one of {context.get('expected')}; got {str(given)[:40]!r}."
    elif kind == "value_error":
        message = f"{name} {context.get('error')}."
    else:
        message = f"{name}: {first.get('msg', 'invalid value')}."
    return field, message
