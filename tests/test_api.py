"""The JSON API: bodies validate against its own OpenAPI description; errors have one shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from community_fixtures import member
from fastapi.testclient import TestClient
from httpx import Response
from web_server import SEED_DAYS, fill_store, require_search

from paperboy.config import Settings
from paperboy.services.community.comments import add_comment
from paperboy.services.community.votes import toggle_vote
from paperboy.store import Database
from paperboy.web import create_app


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_store(db)
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def assert_matches_spec(spec: dict[str, Any], response: Response, method: str = "get") -> Any:
    """Validate the body against the schema the OpenAPI description gives for this status."""
    path = response.request.url.path
    template = next(
        t
        for t in spec["paths"]
        if re.fullmatch(re.sub(r"\\\{identifier\\\}", ".+", re.escape(t)), path)
        and (t.endswith("/similar") == path.endswith("/similar"))
    )
    responses = spec["paths"][template][method]["responses"]
    assert str(response.status_code) in responses, f"{response.status_code} not documented for {template}"
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(response.json())
    return response.json()


def assert_error_shape(response: Response, status: int, code: str, field: str | None = None) -> str:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "field"}
    assert body["error"]["status"] == status == response.status_code
    assert body["error"]["code"] == code
    assert body["error"]["field"] == field
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return str(body["error"]["message"])


def test_openapi_description_lists_every_api_route(spec: dict[str, Any]) -> None:
    assert {
        "/api/papers",
        "/api/search",
        "/api/papers/{identifier}",
        "/api/papers/{identifier}/similar",
    } <= set(spec["paths"])
    assert "ErrorOut" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # our shape replaces FastAPI's


def test_docs_is_the_api_reference_made_from_the_description_without_scripts(
    client: TestClient, spec: dict[str, Any]
) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for path, operations in spec["paths"].items():
        for method in operations:
            assert f"<code>{method.upper()} {path}</code>" in page.text
    for name in ("FeedOut", "FeedItemOut", "PaperOut", "ErrorOut"):
        assert f'id="schema-{name}"' in page.text
    assert "<code>comment_count</code>" in page.text and "<code>code_url</code>" in page.text
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", page.text)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert client.get("/redoc").status_code == 404


def test_papers_of_the_latest_day_by_default(client: TestClient, spec: dict[str, Any]) -> None:
    body = assert_matches_spec(spec, client.get("/api/papers"))
    assert body["date"] == SEED_DAYS[1].isoformat() and body["period"] == "day"
    assert body["previous_day"] == "2024-08-01" and body["next_day"] is None
    assert body["total"] == 37 and len(body["items"]) == 30 and body["pages"] == 2


def test_papers_of_a_week_with_pages(client: TestClient, spec: dict[str, Any]) -> None:
    body = assert_matches_spec(
        spec, client.get(f"/api/papers?date={SEED_DAYS[0]}&period=week&per_page=10&page=2")
    )
    assert (body["first_day"], body["last_day"]) == ("2024-07-29", "2024-08-04")
    assert body["page"] == 2 and body["per_page"] == 10 and len(body["items"]) == 10
    top = assert_matches_spec(spec, client.get(f"/api/papers?date={SEED_DAYS[0]}"))["items"][0]
    assert top["paper"]["key"] == "2407.00001" and top["upvotes"] == 500


def test_one_paper_by_any_id_form(client: TestClient, spec: dict[str, Any]) -> None:
    for form in ("2405.07518", "2405.07518v2", "arXiv:2405.07518"):
        body = assert_matches_spec(spec, client.get(f"/api/papers/{form}"))
        assert body["key"] == "2405.07518"
    body = assert_matches_spec(spec, client.get("/api/papers/2405.07518"))
    assert body["links"] == {
        "page": "/papers/2405.07518",
        "abs": "https://arxiv.org/abs/2405.07518",
        "pdf": "https://arxiv.org/pdf/2405.07518",
        "code": "https://github.com/example/moe-pim",
        "doi": "https://doi.org/10.1234/moe.2024.7",
    }
    assert body["authors"] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    old = assert_matches_spec(spec, client.get("/api/papers/hep-th/9901001"))
    assert old["arxiv_id"] == "hep-th/9901001"


@pytest.mark.parametrize(
    ("url", "status", "code", "field", "message"),
    [
        ("/api/papers/2405.99999", 404, "not_found", "id", "No paper with the id"),
        ("/api/nothing-here", 404, "not_found", None, "There is no page at /api/nothing-here"),
        ("/api/papers?date=2024-13-01", 422, "invalid_parameter", "date", "date must be a date like"),
        ("/api/papers?page=0", 422, "invalid_parameter", "page", "page must be at least 1"),
        ("/api/papers?page=abc", 422, "invalid_parameter", "page", "page must be a whole number"),
        ("/api/papers?page=1000000000", 422, "invalid_parameter", "page", "page must be at most 10,000"),
        ("/api/papers?page=50", 404, "not_found", "page", "past the last page"),
        ("/api/papers?per_page=1000", 422, "invalid_parameter", "per_page", "at most 100"),
        ("/api/papers?period=year", 422, "invalid_parameter", "period", "period must be one of"),
        ("/api/search", 422, "invalid_parameter", "q", "q: Field required"),
        ("/api/search?q=" + "x" * 10_001, 422, "invalid_parameter", "q", "the limit is 10,000"),
        ("/api/search?q=x&mode=fuzzy", 422, "invalid_parameter", "mode", "mode must be one of"),
        ("/api/search?q=x&before=soon", 422, "invalid_parameter", "before", "before must be a date"),
        # Hole 3: out-of-range dates overflowed into a 500.
        ("/api/search?q=x+before:9999-12-31", 400, "bad_request", "q", "before:9999-12-31 is out of range"),
        (
            "/api/search?q=x&before=9999-12-31",
            422,
            "invalid_parameter",
            "before",
            "from 1900-01-01 to 2199-12-31",
        ),
        (
            "/api/search?q=x&after=0001-01-01",
            422,
            "invalid_parameter",
            "after",
            "from 1900-01-01 to 2199-12-31",
        ),
        ("/api/papers?date=9999-12-31&period=week", 422, "invalid_parameter", "date", "from 1900-01-01 to"),
        (
            "/api/papers/2405.07518/similar?limit=0",
            422,
            "invalid_parameter",
            "limit",
            "limit must be at least 1",
        ),
    ],
)
def test_every_bad_request_gets_the_one_error_shape(
    client: TestClient,
    spec: dict[str, Any],
    url: str,
    status: int,
    code: str,
    field: str | None,
    message: str,
) -> None:
    response = client.get(url)
    assert message in assert_error_shape(response, status, code, field)
    if response.request.url.path != "/api/nothing-here":
        assert_matches_spec(spec, response)


def test_wrong_method_gets_the_error_shape(client: TestClient) -> None:
    response = client.post("/api/papers")
    assert "POST is not allowed" in assert_error_shape(response, 405, "method_not_allowed")


def test_an_unexpected_failure_is_a_500_in_the_error_shape(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("paperboy.web.api.feed_page", broken)
    response = client.get("/api/papers")
    message = assert_error_shape(response, 500, "internal_error")
    assert "secret internal detail" not in response.text and "Something went wrong" in message
    assert response.headers["x-content-type-options"] == "nosniff"


def test_search_results_validate_against_the_description(db: Database, settings: Settings) -> None:
    fill_store(db, with_snapshot=True)
    require_search(db, settings)
    with TestClient(create_app(settings, db)) as test_client:
        spec = test_client.get("/api/openapi.json").json()
        body = assert_matches_spec(spec, test_client.get("/api/search?q=memory+accelerator&mode=hybrid"))
        assert body["hits"] and any("<mark>" in h["title_html"] + h["snippet_html"] for h in body["hits"])
        for mode in ("keyword", "semantic"):
            assert_matches_spec(spec, test_client.get(f"/api/search?q=accelerator&mode={mode}&cat=cs.AR"))
        similar = assert_matches_spec(spec, test_client.get("/api/papers/2405.07518/similar?limit=5"))
        assert similar["key"] == "2405.07518" and len(similar["hits"]) <= 5
        bad = test_client.get("/api/search?q=graph+before:9999-12-31")
        assert_error_shape(bad, 400, "bad_request", "q")


def test_feed_items_carry_votes_comments_code_and_categories(
    db: Database, client: TestClient, spec: dict[str, Any]
) -> None:
    reader = member(db, "reader@example.org")
    add_comment(db, reader, "2405.07518", "A first comment.", "198.51.100.9")
    toggle_vote(db, reader, "2405.07518", "198.51.100.9")
    body = assert_matches_spec(spec, client.get(f"/api/papers?date={SEED_DAYS[0]}&per_page=100"))
    item = next(i for i in body["items"] if i["paper"]["key"] == "2405.07518")
    assert (item["votes"], item["upvotes"], item["comment_count"]) == (100, 100, 1)
    assert item["code_url"] == "https://github.com/example/moe-pim"
    assert item["categories"] == ["cs.AR", "cs.LG"]
    assert item["paper"]["votes"] == 100 and item["paper"]["comment_count"] == 1
    assert item["paper"]["comments"] == "14 pages, 9 figures"  # arXiv's field keeps its name
    paper = assert_matches_spec(spec, client.get("/api/papers/2405.07518"))
    assert (paper["votes"], paper["comment_count"], paper["code_url"]) == (
        100,
        1,
        "https://github.com/example/moe-pim",
    )


def test_the_feed_api_sorts_and_filters_like_the_page(client: TestClient, spec: dict[str, Any]) -> None:
    body = assert_matches_spec(spec, client.get(f"/api/papers?date={SEED_DAYS[0]}&sort=newest&cat=cs.AR"))
    assert body["sort"] == "newest" and body["category"] == "cs.AR"
    assert body["items"] and all("cs.AR" in i["categories"] for i in body["items"])
    published = [i["paper"]["published"] for i in body["items"] if i["paper"]["published"]]
    assert published == sorted(published, reverse=True)
    bad = client.get("/api/papers?sort=random")
    assert "sort must be one of" in assert_error_shape(bad, 422, "invalid_parameter", "sort")
