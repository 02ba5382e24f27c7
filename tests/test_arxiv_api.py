"""The arXiv API source and id lookup, against recorded Atom feeds served on loopback."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from api_responses import NEW_STYLE, OLD_STYLE, SAMBANOVA, ApiEntry, entry, error_feed, feed
from recorded_server import RecordedServer, Reply, Script, Step

from paperboy.cli.main import main
from paperboy.config import Settings
from paperboy.domain import FeedEntry
from paperboy.services.catalogue import find_paper
from paperboy.services.gathering.arxiv_lookup import ingest_arxiv_ids, lookup_arxiv_papers
from paperboy.sources.arxiv_api import parse_atom_feed
from paperboy.sources.errors import SourceError
from paperboy.store import Database

KNOWN = {e.arxiv_id: e for e in (NEW_STYLE, OLD_STYLE, SAMBANOVA)}


def arxiv_like(path: str, query: dict[str, str]) -> Step:
    """Answer like the API: the known papers among id_list, newest first, unknown ones left out."""
    if path != "/api/query":
        return Reply("not here", status=404, content_type="text/plain")
    wanted = [i for i in query.get("id_list", "").split(",") if i]
    found = [KNOWN[i] for i in wanted if i in KNOWN]
    found.sort(key=lambda e: e.published, reverse=True)  # not the order asked
    return Reply(feed(found, total=len(wanted)), content_type="application/atom+xml; charset=utf-8")


def api_settings(settings: Settings, server: RecordedServer) -> Settings:
    return replace(settings, arxiv_api_url=server.url + "/api/query")


def test_ids_in_every_usual_form_are_fetched_in_one_request(db: Database, settings: Settings) -> None:
    ids = [
        "2402.01234v1",
        "arXiv:hep-th/9901001",
        "https://arxiv.org/abs/2405.07518v1",
        "https://arxiv.org/pdf/2402.01234.pdf",  # the same paper again
        "0000.00001",  # well-formed, unknown to arXiv
        "not-an-id",
    ]
    with RecordedServer(arxiv_like) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ids)
    assert len(server.requests) == 1
    assert server.requests[0].query == {
        "id_list": "2402.01234,hep-th/9901001,2405.07518,0000.00001",
        "max_results": "4",
    }
    assert (report.added, report.updated, report.unchanged, report.rejected) == (3, 0, 0, 2)
    reasons = {r.location: r.reason for r in report.rejections}
    assert reasons["0000.00001"] == "not found on arXiv"
    assert "is not an arXiv id" in reasons["not-an-id"]
    assert report.error is None


def test_api_entry_fields_become_the_paper(db: Database, settings: Settings) -> None:
    with RecordedServer(arxiv_like) as server:
        ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234", "hep-th/9901001"])
    stored = find_paper(db, "2402.01234v2")
    assert stored is not None
    paper = stored.paper
    assert paper.title == "A Paper With Two Versions"
    assert paper.abstract == "We study a problem and solve it. The solution is fast and it is simple too."
    assert [a.name for a in paper.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert paper.version == 2
    # The primary category first, then the others, without repeats.
    assert paper.categories == ("cs.LG", "stat.ML")
    assert paper.published == datetime(2024, 2, 2, 18, 59, 59)
    assert paper.updated == datetime(2024, 2, 20, 9, 0, 0)
    assert (paper.comments, paper.journal_ref, paper.doi) == (
        "12 pages, 3 figures", "Proc. Imaginary Conf. 2024", "10.1000/example.2024.1",
    )  # fmt: skip
    assert paper.source == "arxiv-api"
    old = find_paper(db, "hep-th/9901001")
    assert old is not None and old.paper.primary_category == "hep-th"


def test_looking_up_again_changes_nothing(db: Database, settings: Settings) -> None:
    with RecordedServer(arxiv_like) as server:
        config = api_settings(settings, server)
        ingest_arxiv_ids(db, config, ["2402.01234", "2405.07518"])
        again = ingest_arxiv_ids(db, config, ["2402.01234", "2405.07518"])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_lookup_without_storing_returns_the_papers(settings: Settings) -> None:
    with RecordedServer(arxiv_like) as server:
        result = lookup_arxiv_papers(api_settings(settings, server), ["arXiv:2405.07518v1", "1234.5"])
    assert [r.paper.title for r in result.records] == [
        "SambaNova SN40L: Scaling the AI Memory Wall with Dataflow and Composition of Experts"
    ]
    assert [r.location for r in result.rejections] == ["1234.5"]


def test_a_submission_puts_the_paper_on_its_feed_day(db: Database, settings: Settings) -> None:
    submitted = FeedEntry(day=date(2024, 5, 2), origin="user", submitted_by="ada")
    with RecordedServer(arxiv_like) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234"], entry=submitted)
    assert report.entries_added == 1
    stored = find_paper(db, "2402.01234")
    assert stored is not None and stored.entries == (submitted,)


def test_api_error_entry_is_reported_and_ids_are_not_called_unknown(db: Database, settings: Settings) -> None:
    refused = Reply(error_feed("incorrect id format for 2402.01234"), content_type="application/atom+xml")
    with RecordedServer(lambda path, query: refused) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234"])
    assert report.added == 0 and report.rejected == 2
    reasons = [r.reason for r in report.rejections]
    assert "arXiv API error: incorrect id format for 2402.01234" in reasons
    assert any(r.startswith("not looked up: arXiv refused the request") for r in reasons)
    assert report.error is None


def test_busy_api_is_retried_after_the_time_it_asks(db: Database, settings: Settings) -> None:
    body = feed([NEW_STYLE])
    script = Script({"q": [Reply("busy", status=503, headers={"Retry-After": "1"}, content_type="text/plain"),
                           Reply(body, content_type="application/atom+xml")]})  # fmt: skip
    with RecordedServer(lambda path, query: script.take("q")) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234"])
    assert report.added == 1 and report.error is None
    assert len(server.requests) == 2
    assert server.requests[1].at - server.requests[0].at >= 0.9


def test_malformed_xml_sets_the_error_and_stores_nothing(db: Database, settings: Settings) -> None:
    cut = feed([NEW_STYLE])[:300]
    with RecordedServer(lambda path, query: Reply(cut)) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234", "bogus"])
    assert report.error is not None
    assert "not well-formed XML" in report.error and server.url in report.error
    assert report.added == 0 and report.rejected == 1  # the bogus id is still named
    assert find_paper(db, "2402.01234") is None


def test_unreachable_api_is_an_error_not_a_traceback(db: Database, settings: Settings) -> None:
    with RecordedServer(lambda path, query: Reply("gone", status=404, content_type="text/plain")) as server:
        report = ingest_arxiv_ids(db, api_settings(settings, server), ["2402.01234"])
    assert report.error is not None and "HTTP 404" in report.error


def test_entry_without_title_or_with_a_foreign_id_is_rejected() -> None:
    no_title = entry(ApiEntry(arxiv_id="2402.00001", version=1, title=""))
    foreign = entry(ApiEntry(arxiv_id="2402.00002", version=1, title="Fine")).replace(
        "http://arxiv.org/abs/2402.00002v1</id>", "urn:something:else</id>"
    )
    body = feed([]).replace("</feed>", no_title + "\n" + foreign + "\n</feed>")
    parsed = parse_atom_feed(body.encode(), "http://api")
    assert parsed.records == []
    assert [r.location for r in parsed.rejections] == ["http://api entry 1", "http://api entry 2"]
    assert "no <title>" in parsed.rejections[0].reason
    assert "not an arXiv abstract URL" in parsed.rejections[1].reason


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"<html><body>Oops</body></html>", "expected an Atom <feed>"),
     (b"", "not well-formed XML"),
     (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "forbidden XML")],
)  # fmt: skip
def test_a_body_that_is_not_an_atom_feed_is_a_source_error(body: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        parse_atom_feed(body, "http://api")


def test_cli_ingest_ids_prints_one_json_object(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordedServer(arxiv_like) as server:
        monkeypatch.setenv("PAPERBOY_ARXIV_API_URL", server.url + "/api/query")
        code = main(["ingest", "ids", "2402.01234", "arXiv:hep-th/9901001", "0000.00001", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: out[k] for k in ("added", "updated", "unchanged", "rejected")} == {
        "added": 2, "updated": 0, "unchanged": 0, "rejected": 1,
    }  # fmt: skip
    assert all(type(out[k]) is int for k in ("added", "updated", "unchanged", "rejected"))
