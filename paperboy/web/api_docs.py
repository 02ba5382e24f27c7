"""/docs: the JSON API's reference, rendered on the server from the app's own OpenAPI
description, so it can never drift from the API and needs no script (the usual docs UIs
load theirs from a CDN, which the CSP forbids)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from paperboy.web.rendering import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

_METHODS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: list[Field] = field(default_factory=list)
    body: str | None = None
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # status, description, type


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    fields: list[Field]


@router.get("/docs")
def api_reference(request: Request) -> HTMLResponse:
    """Every endpoint with its parameters and responses, then every body's fields."""
    spec = request.app.openapi()
    endpoints = [
        _endpoint(path, method, operation)
        for path, operations in spec.get("paths", {}).items()
        for method, operation in operations.items()
        if method in _METHODS
    ]
    schemas = [
        Schema(name, schema.get("description", ""), _fields(schema))
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return render(
        request,
        "api_docs.html",
        info=spec.get("info", {}),
        endpoints=endpoints,
        schemas=schemas,
        schema_names={s.name for s in schemas},
        openapi_url=request.app.openapi_url,
    )


def _endpoint(path: str, method: str, operation: dict[str, Any]) -> Endpoint:
    parameters = [
        Field(
            p["name"] + ("" if p.get("in") == "query" else f" ({p.get('in')})"),
            type_name(p.get("schema", {})),
            bool(p.get("required")),
            p.get("description") or p.get("schema", {}).get("description", ""),
        )
        for p in operation.get("parameters", [])
    ]
    body = None
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = type_name(content["application/json"].get("schema", {}))
    responses = []
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        responses.append((status, response.get("description", ""), type_name(schema) if schema else ""))
    anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")
    return Endpoint(
        method.upper(),
        path,
        operation.get("summary", ""),
        operation.get("description", ""),
        anchor,
        parameters,
        body,
        responses,
    )


def _fields(schema: dict[str, Any]) -> list[Field]:
    required = set(schema.get("required", []))
    return [
        Field(name, type_name(prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def type_name(schema: dict[str, Any]) -> str:
    """A JSON schema as a short type: "FeedOut", "list of string", "integer or null"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for combined in ("anyOf", "oneOf"):
        if combined in schema:
            return " or ".join(dict.fromkeys(type_name(s) for s in schema[combined]))
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        return "list of " + type_name(schema.get("items", {}))
    if kind == "string" and schema.get("format"):
        return f"string ({schema['format']})"
    return str(kind or "any")
