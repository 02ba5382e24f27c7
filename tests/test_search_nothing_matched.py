"""When nothing matched: the same answer and suggestions on the search page, the API and the CLI,
and the honest count line when something did."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_server import fill_store

from paperboy.cli import main
from paperboy.config import Settings
from paperboy.services.finding.indexing import Indexer
from paperboy.store import Database
from paperboy.web import create_app

NONSENSE = "zzqxv wombatfrobnicate"
MODES = ("keyword", "semantic", "hybrid")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def client(db: Database, settings: Settings, embedder, cli_env: Path):  # type: ignore[no-untyped-def]
    """The seed pages, showcase papers and snapshot sample, indexed; the CLI points at the same store."""
    fill_store(db, with_snapshot=True)
    Indexer(db, settings, embedder).catch_up()
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["search", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_nonsense_and_misspellings_everywhere(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    for mode in MODES:
        page = client.get("/search", params={"q": NONSENSE, "mode": mode})
        assert page.status_code == 200
        assert "No papers matched" in text_of(page.text) and "Nothing matched." in text_of(page.text)
        assert '<ol class="papers"' not in page.text
        body = client.get("/api/search", params={"q": NONSENSE, "mode": mode}).json()
        assert (body["total"], body["hits"], body["count_text"]) == (0, [], "no papers matched")
        assert main(["search", NONSENSE, "--mode", mode]) == 0
        assert capsys.readouterr().out.startswith("nothing matched")

    # A misspelt word: the spelling the papers use, with what it would find, in all three.
    page = client.get("/search", params={"q": "transfomer", "mode": "keyword"})
    assert 'href="/search?q=transformer&amp;mode=keyword"' in page.text
    body = client.get("/api/search", params={"q": "transfomer", "mode": "keyword"}).json()
    [suggestion] = body["suggestions"]
    right = client.get("/api/search", params={"q": "transformer", "mode": "keyword"}).json()["total"]
    assert suggestion == {
        "query": "transformer",
        "reason": "spelling: transformer for transfomer",
        "total": right,
    }
    assert f"(spelling: transformer for transfomer: {right:,} papers)" in text_of(page.text)
    assert cli_json(capsys, "transfomer", "--mode", "keyword")["suggestions"] == [suggestion]
    assert main(["search", "transfomer", "--mode", "keyword"]) == 0
    assert (
        f"try: transformer  (spelling: transformer for transfomer: {right:,} papers)"
        in capsys.readouterr().out
    )


def test_a_too_narrow_form_filter_offers_the_query_without_it(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    params = {"q": "graph after:2007-01-01", "mode": "hybrid", "cat": "q-fin.TR"}
    page = client.get("/search", params=params)
    assert "No papers matched" in text_of(page.text)
    body = client.get("/api/search", params={**params, "category": "q-fin.TR"}).json()
    [suggestion] = body["suggestions"]
    assert suggestion["query"] == "graph after:2007-01-01" and suggestion["reason"] == "without cat:q-fin.tr"
    # The link runs the looser query as it is (the form's fields are in it or dropped).
    assert 'href="/search?q=graph+after%3A2007-01-01&amp;mode=hybrid"' in page.text
    looser = client.get("/api/search", params={"q": suggestion["query"], "mode": "hybrid"}).json()
    assert looser["total"] == suggestion["total"] > 0
    cli = cli_json(capsys, "graph after:2007-01-01 cat:q-fin.TR")
    assert cli["suggestions"] == [suggestion]


def test_the_count_line_says_how_many_match_and_why(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    keyword = client.get("/api/search", params={"q": "graph", "mode": "keyword"}).json()
    assert (
        keyword["count_text"] == f"{keyword['total']} papers match"
        and keyword["keyword_total"] == keyword["total"]
    )
    page = client.get("/search", params={"q": "graph", "mode": "keyword"})
    assert f"{keyword['total']} papers match ·" in text_of(page.text)
    hybrid = client.get("/api/search", params={"q": "graph", "mode": "hybrid"}).json()
    assert hybrid["keyword_total"] == keyword["total"] and hybrid["total"] >= keyword["total"]
    shown = text_of(client.get("/search", params={"q": "graph"}).text)
    assert hybrid["count_text"][:1].upper() + hybrid["count_text"][1:] in shown
    if hybrid["total"] > keyword["total"]:
        assert f"({keyword['total']} by keyword + " in hybrid["count_text"]
    # The CLI lists the arXiv id people cite, not the store's key, and the same count.
    assert (
        main(["search", "sparsity certifying graph decompositions", "--mode", "keyword", "--limit", "1"]) == 0
    )
    out = capsys.readouterr().out
    assert "arXiv:0704.0002" in out and " papers match, page 1 of " in out


def test_the_cli_shows_as_plain_text_the_snippets_the_api_marks(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    api = client.get("/api/search", params={"q": "graph decompositions", "mode": "keyword"}).json()
    cli = cli_json(capsys, "graph decompositions", "--mode", "keyword", "--limit", str(len(api["hits"])))
    assert api["hits"] and any("<mark>" in h["snippet_html"] for h in api["hits"])
    plain = {h["paper"]["key"]: html.unescape(re.sub("</?mark>", "", h["snippet_html"])) for h in api["hits"]}
    assert {r["id"]: r["snippet"] for r in cli["results"]} == plain
    assert main(["search", "graph decompositions", "--mode", "keyword", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "arXiv:0704.0002" in out and "<mark>" not in out
