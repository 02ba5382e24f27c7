"""Security: escaping, headers and a CSP that inline script or style would break."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from web_server import SEED_DAYS, fill_store

from paperboy.config import Settings
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.security import CONTENT_SECURITY_POLICY

PAGES = [
    "/",
    f"/papers/{SEED_DAYS[0]}",
    f"/papers/{SEED_DAYS[0]}?period=week",
    "/papers/2407.00001",
    "/papers/2405.07518",
    "/search",
    "/search?q=attention",
    "/papers/2405.99999",
    "/papers/2024-13-99",
    "/trending",
    f"/papers/{SEED_DAYS[0]}?sort=discussed&cat=cs.CL",
    "/docs",
]


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_store(db)
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False
        self.script_sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script":
            self._in_script = True
            src = dict(attrs).get("src")
            if not src:
                self.problems.append("inline <script>")
            else:
                self.script_sources.append(src)
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        self.problems.extend(f"{name} handler on <{tag}>" for name in names if name.startswith("on"))
        for name, value in attrs:
            if (
                name in ("href", "src", "action")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.problems.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script body")


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_style_or_handlers(client: TestClient, path: str) -> None:
    parser = _InlineCode()
    parser.feed(client.get(path).text)
    assert parser.problems == []
    assert all(src.startswith("/static/") for src in parser.script_sources)


@pytest.mark.parametrize(
    "path", PAGES + ["/api/papers", "/api/nope", "/feeds/papers.atom", "/static/style.css", "/healthz"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_csp_forbids_inline_script_and_framing() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["default-src"] == "'self'" and directives["form-action"] == "'self'"


def test_markup_in_titles_abstracts_authors_and_submitters_is_escaped(client: TestClient) -> None:
    for path in (f"/papers/{SEED_DAYS[0]}", "/papers/2407.00001"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page and "<svg onload" not in page
        assert "<b>bold</b>" not in page and "<i>Mallory</i>" not in page
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page
        # Formulas become MathML; their TeX source stays, escaped, for copying.
        assert '<annotation encoding="application/x-tex">O(n^2)</annotation>' in page
    assert "&lt;svg onload=alert(2)&gt;" in client.get(f"/papers/{SEED_DAYS[0]}").text
    api = client.get("/api/papers/2407.00001").json()
    assert api["title"].startswith('<script>alert("title")')  # JSON carries the text as it is


def test_an_unexpected_error_shows_a_page_without_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("paperboy.web.pages.find_paper", broken)
    page = client.get("/papers/2405.07518")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.text
    assert "secret internal detail" not in page.text and "Traceback" not in page.text
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["store"]["schema"] == body["store"]["newest_schema"]
    assert "search" in body
    # How far each index is behind the store (scripts/run embeds in the background).
    assert set(body["indexes"]) == {
        "papers",
        "keyword_documents",
        "keyword_behind",
        "vectors",
        "vector_behind",
        "up_to_date",
    }
    assert body["indexes"]["up_to_date"] == (
        body["indexes"]["keyword_behind"] == body["indexes"]["vector_behind"] == 0
    )


def test_requests_are_logged_with_client_method_path_status_and_duration(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="paperboy.web.access"):
        client.get("/papers/2405.99999")
    line = next(r.getMessage() for r in caplog.records if r.name == "paperboy.web.access")
    assert line.startswith("testclient GET /papers/2405.99999 404 ") and line.endswith("ms")
