"""The library in process: saving from cards, tags, notes, read state, search and sort, export,
import, collections (public page and feed), follows, and the API under /api."""

from __future__ import annotations

import json
import re
from typing import Any

import feedparser
import jsonschema
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from test_community_web import app, csrf, post, sign_in  # noqa: F401  (app is a fixture)
from web_server import SEED_DAYS

from paperboy.config import Settings
from paperboy.store import Database
from paperboy.web import library_pages

PAPER = "2405.07518"  # "Sparse Mixture-of-Experts Accelerators ...": Lovelace, Turing, Hopper; cs.AR, cs.LG
OLD = "hep-th/9901001"  # "Strings on a Brane", Witten, 1999
DAY = f"/papers/{SEED_DAYS[0].isoformat()}"
BIBTEX = b"""
@article{moe, title={Sparse Mixture-of-Experts Accelerators}, eprint={2405.07518}, keywords={hardware, moe}}
@misc{brane, title={Strings on a Brane: An Old-Style Identifier}, year={1999}}
@misc{later, title={A Paper Nobody Has Harvested Yet}, doi={10.9999/later.1}}
@misc{broken, title={Unclosed
"""


@pytest.fixture
def ada(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "ada@example.org", "Ada")


@pytest.fixture
def bob(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "bob@example.org", "Bob")


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:  # noqa: F811
    return TestClient(app).get("/api/openapi.json").json()


def save_form(html: str, key: str) -> str:
    found = re.search(
        rf'<form class="save-form" method="post" action="/papers/{re.escape(key)}/save">.*?</form>',
        html,
        re.S,
    )
    assert found, f"no save form for {key}"
    return found.group(0)


def api(client: TestClient, method: str, path: str, **kwargs: Any) -> Response:
    headers = {"X-CSRF-Token": csrf(client), "Accept": "application/json", **kwargs.pop("headers", {})}
    return client.request(method, path, headers=headers, **kwargs)


def matches_spec(spec: dict[str, Any], response: Response) -> Any:
    """Validate the body against the schema the OpenAPI description gives for this route and status."""
    path, method = response.request.url.path, response.request.method.lower()
    templates = [
        t for t in spec["paths"]
        if method in spec["paths"][t] and re.fullmatch(re.sub(r"\\\{[^}]+\\\}", ".+", re.escape(t)), path)
    ]  # fmt: skip
    template = max(templates, key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)))
    responses = spec["paths"][template][method]["responses"]
    assert str(response.status_code) in responses, f"{response.status_code} not documented for {template}"
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": spec["components"]}).validate(response.json())
    return response.json()


def error_of(response: Response, status: int, code: str) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == status and set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def collection_slug(response: Response) -> str:
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


# --- saving, tags, notes, read state ---


def test_a_card_saves_and_unsaves_and_the_form_comes_back(ada: TestClient) -> None:
    assert 'aria-pressed="false"' in save_form(ada.get(DAY).text, PAPER)
    saved = post(ada, f"/papers/{PAPER}/save", next=DAY)
    assert saved.status_code == 303 and saved.headers["location"] == DAY
    assert 'aria-pressed="true"' in save_form(ada.get(DAY).text, PAPER)
    assert 'aria-pressed="true"' in save_form(ada.get(f"/papers/{PAPER}").text, PAPER)
    assert "Sparse Mixture-of-Experts" in ada.get("/library").text
    post(ada, f"/papers/{PAPER}/save", next="https://evil.example/")
    assert 'aria-pressed="false"' in save_form(ada.get(DAY).text, PAPER)
    assert "Sparse Mixture-of-Experts" not in ada.get("/library").text


def test_a_script_saves_with_json_and_signed_out_visitors_are_sent_to_sign_in(ada: TestClient) -> None:
    response = api(ada, "POST", f"/papers/{PAPER}v2/save")
    assert response.json() == {"paper": PAPER, "saved": True}
    assert api(ada, "POST", f"/papers/{PAPER}/save").json() == {"paper": PAPER, "saved": False}
    error_of(api(ada, "POST", "/papers/9999.99999/save"), 404, "not_found")
    visitor = TestClient(ada.app)
    assert "save-form" not in visitor.get(DAY).text
    assert (
        visitor.post(
            f"/papers/{PAPER}/save", data={"csrf_token": csrf(visitor)}, follow_redirects=False
        ).headers["location"]
        == "/sign-in"
    )
    assert visitor.get("/library", follow_redirects=False).headers["location"] == "/sign-in"


def test_tags_a_note_and_read_state_are_kept_searched_and_filtered(ada: TestClient) -> None:
    post(ada, f"/papers/{PAPER}/save")
    post(ada, f"/papers/{OLD}/save")
    edited = post(
        ada,
        f"/library/items/{PAPER}",
        tags="Hardware,  MoE ,hardware",
        note="Read §3 twice.\nThen 4.",
        next="/library",
    )
    assert edited.status_code == 303 and edited.headers["location"].startswith("/library#item-")
    post(ada, f"/library/items/{OLD}", read="read")
    on_paper = ada.get(f"/papers/{PAPER}").text
    assert "Read §3 twice.\nThen 4." in on_paper and 'href="/library?tag=hardware">hardware</a>' in on_paper
    assert "Read §3 twice" not in TestClient(ada.app).get(f"/papers/{PAPER}").text
    page = ada.get("/library").text
    assert ">hardware (1)<" in page and ">moe (1)<" in page and "Read §3 twice.\nThen 4." in page
    assert page.index("Strings on a Brane") < page.index("Sparse Mixture")  # newest save first
    by_title = ada.get("/library?sort=title").text
    assert by_title.index("Sparse Mixture") < by_title.index("Strings on a Brane")
    by_published = ada.get("/library?sort=published").text
    assert by_published.index("Sparse Mixture") < by_published.index("Strings on a Brane")  # 2024 before 1999
    assert "Strings on a Brane" not in ada.get("/library?tag=hardware").text
    assert "Strings on a Brane" not in ada.get("/library?q=twice").text  # the note is searched
    assert "Sparse Mixture" not in ada.get("/library?q=author:witten").text
    assert "Sparse Mixture" not in ada.get("/library?read=read").text
    assert "Strings on a Brane" not in ada.get("/library?q=cat:cs.AR").text
    bad = ada.get("/library?q=after:2024-13-45")
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    too_long = post(ada, f"/library/items/{PAPER}", tags="x" * 41)
    assert too_long.status_code == 400 and "longer than 40" in too_long.text
    assert ada.get("/library").headers["cache-control"] == "private, no-store"


def test_the_library_downloads_as_bibtex_ris_and_csl_json(ada: TestClient) -> None:
    post(ada, f"/papers/{PAPER}/save")
    post(ada, f"/library/items/{PAPER}", tags="moe")
    bib = ada.get("/library/export?format=bibtex")
    assert bib.headers["content-disposition"] == 'attachment; filename="paperboy-library.bib"'
    assert "eprint = {2405.07518}" in bib.text and "keywords = {moe}" in bib.text
    ris = ada.get("/library/export?format=ris")
    assert (
        ris.text.startswith("TY  - JOUR")
        and "KW  - moe" in ris.text
        and ris.headers["content-type"].startswith("application/x-research-info-systems")
    )
    [record] = json.loads(ada.get("/library/export?format=csl-json").text)
    assert record["id"] == PAPER and record["keyword"] == "moe"
    assert ada.get("/library/export?format=docx").status_code == 400


# --- import ---


def upload(client: TestClient, data: bytes, name: str = "mine.bib", fmt: str = "") -> Response:
    return client.post(
        "/library/import",
        data={"csrf_token": csrf(client), "format": fmt},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_an_imported_bibtex_file_reports_each_entry_and_a_second_import_adds_nothing(ada: TestClient) -> None:
    first = upload(ada, BIBTEX)
    assert first.status_code == 200
    text = first.text
    assert re.search(r'class="n-saved">2<', text) and re.search(r'class="n-unmatched">1<', text)
    assert re.search(r'class="n-rejected">1<', text) and "A Paper Nobody Has Harvested Yet" in text
    assert "broken" in text  # the refused entry, by its key
    library = ada.get("/library").text
    assert "Sparse Mixture" in library and "Strings on a Brane" in library and ">hardware (1)<" in library
    assert "1 entry waiting for a match" in library
    again = upload(ada, BIBTEX).text
    assert re.search(r'class="n-saved">0<', again) and re.search(r'class="n-already">2<', again)
    assert ada.get("/library/import").text.count("A Paper Nobody Has Harvested Yet") == 1


def test_a_file_too_large_or_not_text_is_refused_with_the_reason_and_nothing_changes(ada: TestClient) -> None:
    big = upload(ada, b"@misc{a, title={x}}\n" + b" " * (20 * 1024 * 1024))
    assert big.status_code == 413 and "20 MB" in big.text and "Nothing was imported" in big.text
    binary = upload(ada, "@misc{a, title={UTF-16}}".encode("utf-16"), name="library.bib")
    assert binary.status_code == 400 and "not a text file" in binary.text
    unknown = upload(ada, b"hello", name="notes.txt")
    assert unknown.status_code == 400 and "cannot tell the format" in unknown.text
    huge = ada.post(
        "/library/import",
        data={"csrf_token": csrf(ada)},
        files={"file": ("x.bib", b" " * (21 * 1024 * 1024), "text/plain")},
    )
    assert huge.status_code == 413 and "larger than 20 MB" in huge.text
    assert "Nothing saved yet" in ada.get("/library").text


# --- collections ---


def test_a_public_collection_is_read_signed_out_and_its_feed_parses(ada: TestClient) -> None:
    slug = collection_slug(
        post(ada, "/collections", name="Hardware reading", description="Accelerators.\nAnd PIM.", public="1")
    )
    for key in (PAPER, OLD):
        post(ada, f"/collections/{slug}/papers", paper=key, action="add")
    post(ada, f"/collections/{slug}/papers", paper=OLD, action="up")
    visitor = TestClient(ada.app)
    page = visitor.get(f"/collections/{slug}")
    assert (
        page.status_code == 200 and "Hardware reading" in page.text and "a collection by Ada" not in page.text
    )
    assert "a public collection by Ada" in page.text
    assert page.text.index("Strings on a Brane") < page.text.index("Sparse Mixture")  # moved up
    assert "Delete this collection" not in page.text and "Move up" not in page.text
    feed = visitor.get(f"/collections/{slug}/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.feed.title == "Hardware reading — a collection by Ada"
    assert {e.link.rsplit("/papers/", 1)[1] for e in parsed.entries} == {PAPER, OLD}
    # Made private, it is gone for everyone but its owner: page, feed and API.
    post(ada, f"/collections/{slug}", name="Hardware reading", description="")
    assert visitor.get(f"/collections/{slug}").status_code == 404
    assert visitor.get(f"/collections/{slug}/feed.atom").status_code == 404
    assert visitor.get(f"/api/collections/{slug}").status_code == 404
    assert ada.get(f"/collections/{slug}").status_code == 200
    post(ada, f"/collections/{slug}/delete")
    assert ada.get(f"/collections/{slug}").status_code == 404


def test_collect_from_a_card_into_a_new_or_existing_collection(ada: TestClient) -> None:
    day = ada.get(DAY).text
    assert f'href="/collections/add?paper={PAPER}"' in day
    choose = ada.get(f"/collections/add?paper={PAPER}")
    assert choose.status_code == 200 and "Or a new collection with this paper" in choose.text
    slug = collection_slug(post(ada, "/collections", name="To read", paper=PAPER))
    assert "Sparse Mixture" in ada.get(f"/collections/{slug}").text
    assert "Add to To read" in ada.get(f"/collections/add?paper={OLD}").text
    post(ada, f"/collections/{slug}/papers", paper=OLD, action="add")
    post(ada, f"/collections/{slug}/papers", paper=PAPER, action="remove")
    page = ada.get(f"/collections/{slug}").text
    assert "Strings on a Brane" in page and "Sparse Mixture" not in page
    nameless = post(ada, "/collections", name="   ")
    assert nameless.status_code == 400 and "Give the collection a name" in nameless.text
    assert ada.get("/collections/add?paper=9999.99999").status_code == 404


# --- follows ---


def test_followed_authors_and_categories_are_marked_on_the_feed(ada: TestClient) -> None:
    paper_page = ada.get(f"/papers/{PAPER}").text
    assert 'name="value" value="Grace Hopper"' in paper_page and 'name="value" value="cs.AR"' in paper_page
    followed = post(ada, "/follows", kind="author", value="Grace  Hopper", next=f"/papers/{PAPER}")
    assert followed.status_code == 303 and followed.headers["location"] == f"/papers/{PAPER}"
    day = ada.get(DAY).text
    assert "You follow Grace Hopper" in day and day.count('class="followed"') == 1
    listed = ada.get(f"/api/papers?date={SEED_DAYS[0].isoformat()}&per_page=100").json()["items"]
    assert {i["paper"]["key"]: i["followed"] for i in listed if i["followed"]} == {PAPER: ["Grace Hopper"]}
    post(ada, "/follows", kind="category", value="hep-th")
    assert "You follow hep-th" in ada.get(f"/papers/{SEED_DAYS[1].isoformat()}").text
    search = ada.get('/search?q=author:"Edward Witten"&mode=keyword')
    assert 'name="value" value="Edward Witten"' in search.text
    assert "Following Grace Hopper" in ada.get("/library").text
    post(ada, "/follows", kind="author", value="grace hopper", action="unfollow")
    assert "You follow" not in ada.get(DAY).text
    bad = post(ada, "/follows", kind="category", value="not a category!")
    assert bad.status_code == 400 and "is not a category" in bad.text
    assert "You follow" not in TestClient(ada.app).get(DAY).text


# --- the API ---


def test_the_api_saves_tags_searches_and_exports(ada: TestClient, spec: dict[str, Any]) -> None:
    paths = {
        "/api/library", "/api/library/items/{key}", "/api/library/import", "/api/library/export",
        "/api/collections", "/api/collections/{slug}", "/api/collections/{slug}/papers/{key}",
        "/api/collections/{slug}/move", "/api/follows", "/api/follows/{kind}/{value}",
    }  # fmt: skip
    assert paths <= set(spec["paths"])
    item = matches_spec(
        spec, api(ada, "PUT", f"/api/library/items/{PAPER}", json={"tags": ["MoE"], "note": "n"})
    )
    assert item["paper"]["key"] == PAPER and item["tags"] == ["moe"] and item["read"] is False
    again = matches_spec(spec, api(ada, "PUT", f"/api/library/items/{PAPER}", json={"read": True}))
    assert again["tags"] == ["moe"] and again["note"] == "n" and again["read"] is True
    matches_spec(spec, api(ada, "PUT", f"/api/library/items/{OLD}"))
    listed = matches_spec(spec, ada.get("/api/library?sort=title&q=moe"))
    assert [i["paper"]["key"] for i in listed["items"]] == [PAPER] and listed["tags"] == [
        {"tag": "moe", "papers": 1}
    ]
    assert matches_spec(spec, ada.get(f"/api/library/items/{OLD}"))["paper"]["key"] == OLD
    first = matches_spec(spec, ada.get("/api/library?sort=title&per_page=1"))
    assert (first["total"], first["pages"], first["items"][0]["paper"]["key"]) == (2, 2, PAPER)
    second = matches_spec(spec, ada.get("/api/library?sort=title&per_page=1&page=2"))
    assert second["items"][0]["paper"]["key"] == OLD
    error_of(ada.get("/api/library?per_page=1&page=3"), 404, "not_found")
    error_of(api(ada, "PUT", f"/api/library/items/{PAPER}", json={"tags": ["x" * 41]}), 400, "bad_request")
    error_of(api(ada, "PUT", f"/api/library/items/{PAPER}", json={"read": "maybe"}), 422, "invalid_parameter")
    error_of(ada.get("/api/library?q=after:2024-13-45"), 400, "bad_request")
    assert matches_spec(spec, api(ada, "DELETE", f"/api/library/items/{OLD}")) == {
        "paper": OLD,
        "saved": False,
    }
    error_of(ada.get(f"/api/library/items/{OLD}"), 404, "not_found")
    assert "eprint = {2405.07518}" in ada.get("/api/library/export?format=bibtex").text
    report = matches_spec(spec, api(ada, "POST", "/api/library/import?filename=mine.bib", content=BIBTEX))
    assert (report["saved"], report["already_saved"], report["unmatched"], report["rejected"]) == (1, 1, 1, 1)
    error_of(
        api(ada, "POST", "/api/library/import?filename=x.bib", content="@misc{a}".encode("utf-16")),
        400,
        "bad_request",
    )
    too_big = api(ada, "POST", "/api/library/import?filename=x.bib", content=b" " * (20 * 1024 * 1024 + 1))
    error_of(too_big, 413, "too_large")
    error_of(TestClient(ada.app).get("/api/library"), 401, "sign_in_required")


def test_the_api_makes_collections_and_follows(
    ada: TestClient, bob: TestClient, spec: dict[str, Any]
) -> None:
    made = matches_spec(spec, api(ada, "POST", "/api/collections", json={"name": "Mine", "public": True}))
    slug = made["slug"]
    assert made["feed"] == f"/collections/{slug}/feed.atom" and made["papers"] == 0
    for key in (PAPER, OLD):
        matches_spec(spec, api(ada, "PUT", f"/api/collections/{slug}/papers/{key}"))
    matches_spec(spec, api(ada, "POST", f"/api/collections/{slug}/move", json={"paper": OLD, "offset": -1}))
    seen = matches_spec(spec, TestClient(ada.app).get(f"/api/collections/{slug}"))
    assert [p["paper"]["key"] for p in seen["papers"]] == [OLD, PAPER] and seen["editable"] is False
    patched = matches_spec(spec, api(ada, "PATCH", f"/api/collections/{slug}", json={"name": "Renamed"}))
    assert patched["name"] == "Renamed" and patched["public"] is True
    assert [c["slug"] for c in matches_spec(spec, ada.get("/api/collections"))] == [slug]
    # Someone else's collection, public or not, cannot be changed: 404, as if it were not there.
    error_of(api(bob, "PUT", f"/api/collections/{slug}/papers/{PAPER}"), 404, "not_found")
    error_of(api(bob, "PATCH", f"/api/collections/{slug}", json={"name": "Mine now"}), 404, "not_found")
    error_of(api(bob, "DELETE", f"/api/collections/{slug}"), 404, "not_found")
    matches_spec(spec, api(ada, "DELETE", f"/api/collections/{slug}/papers/{PAPER}"))
    assert api(ada, "DELETE", f"/api/collections/{slug}").status_code == 204
    error_of(ada.get(f"/api/collections/{slug}"), 404, "not_found")
    followed = matches_spec(spec, api(ada, "PUT", "/api/follows/author/Grace Hopper"))
    assert followed == {"kind": "author", "value": "Grace Hopper", "following": True}
    matches_spec(spec, api(ada, "PUT", "/api/follows/category/cs.AR"))
    assert [f["value"] for f in matches_spec(spec, ada.get("/api/follows"))] == ["Grace Hopper", "cs.AR"]
    matches_spec(spec, api(ada, "DELETE", "/api/follows/category/cs.AR"))
    error_of(api(ada, "PUT", "/api/follows/category/no such"), 400, "bad_request")
    assert api(ada, "PUT", "/api/follows/planet/Mars").status_code == 422


def test_a_long_library_is_split_into_pages_and_a_page_past_the_end_shows_the_last(
    ada: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(library_pages, "LIBRARY_PER_PAGE", 1)
    post(ada, f"/papers/{PAPER}/save")
    post(ada, f"/papers/{OLD}/save")
    first = ada.get("/library?sort=title").text
    assert "2 papers · page 1 of 2" in first and "Strings on a Brane" not in first
    assert 'href="/library?sort=title&amp;page=2"' in first
    second = ada.get("/library?sort=title&page=2").text
    assert "Strings on a Brane" in second and "Sparse Mixture" not in second
    # Removing the last paper of the last page comes back to the page before, not to an error.
    removed = post(ada, f"/papers/{OLD}/save", next="/library?sort=title&page=2")
    after = ada.get(removed.headers["location"])
    assert after.status_code == 200 and "Sparse Mixture" in after.text


def test_saved_and_followed_marks_cost_the_same_queries_whatever_the_length_of_the_day(
    db: Database, settings: Settings
) -> None:
    from feed_fixtures import DAY as REALISTIC_DAY
    from feed_fixtures import realistic_papers
    from test_list_pages import _queries

    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.web import create_app
    from paperboy.web.pages import DAY_PART

    path = f"/papers/{REALISTIC_DAY.isoformat()}"
    ingest_items(db, realistic_papers(REALISTIC_DAY, 5), kind="test")
    reader = sign_in(create_app(settings, db), db, settings, "reader@example.org", "Reader")
    first = f"{REALISTIC_DAY:%y%m}.10000"
    post(reader, f"/papers/{first}/save")
    post(reader, "/follows", kind="category", value="cs")
    short = _queries(db, reader, path)
    ingest_items(db, realistic_papers(REALISTIC_DAY, DAY_PART - 1), kind="test")
    long = _queries(db, reader, path)
    page = reader.get(path).text
    assert page.count("<article") == DAY_PART - 1 and page.count("You follow cs") > DAY_PART // 2
    assert 'aria-pressed="true"' in save_form(page, first)
    assert long == short, (short, long)
