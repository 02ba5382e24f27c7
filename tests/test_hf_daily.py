"""Hugging Face daily papers, against recorded JSON served on loopback."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from api_responses import HF_DAY, hf_body, hf_item
from recorded_server import RecordedServer, Reply, Step

from paperboy.cli.main import main
from paperboy.config import Settings
from paperboy.domain import FeedEntry, Rejection, SourceRecord
from paperboy.services.catalogue import find_paper
from paperboy.services.gathering.hf_daily_import import ingest_hf_day
from paperboy.sources.errors import SourceError
from paperboy.sources.hf_daily import read_daily_papers
from paperboy.store import Database

DAY = date(2024, 5, 1)


def serving(days: dict[str, Any]) -> Any:
    """A responder for /api/daily_papers?date=...: the recorded list of that day, else []."""

    def respond(path: str, query: dict[str, str]) -> Step:
        if path != "/api/daily_papers":
            return Reply("not here", status=404, content_type="text/plain")
        body = days.get(query.get("date", ""), [])
        return Reply(
            body if isinstance(body, (str, bytes)) else hf_body(body), content_type="application/json"
        )

    return respond


def hf_settings(settings: Settings, server: RecordedServer) -> Settings:
    return replace(settings, hf_daily_url=server.url + "/api/daily_papers")


def test_a_day_is_imported_with_submitter_upvotes_and_code(db: Database, settings: Settings) -> None:
    with RecordedServer(serving({"2024-05-01": HF_DAY})) as server:
        report = ingest_hf_day(db, hf_settings(settings, server), DAY)
    assert server.requests[0].query == {"date": "2024-05-01"}
    assert (report.added, report.rejected, report.entries_added, report.error) == (2, 0, 2, None)
    kan = find_paper(db, "2404.19756")
    assert kan is not None
    assert kan.paper.title == "KAN: Kolmogorov-Arnold Networks"
    assert [a.name for a in kan.paper.authors] == ["Ada Lovelace", "Charles Babbage"]
    assert kan.paper.code_url == "https://github.com/KindXiaoming/pykan"
    assert kan.entries == (FeedEntry(day=DAY, origin="hf", submitted_by="akhaliq", upvotes=87),)
    other = find_paper(db, "2404.19737")
    assert other is not None and other.paper.code_url is None
    assert other.entries[0].upvotes == 41 and other.entries[0].submitted_by == "someone"


def test_importing_the_same_day_twice_changes_nothing(db: Database, settings: Settings) -> None:
    with RecordedServer(serving({"2024-05-01": HF_DAY})) as server:
        config = hf_settings(settings, server)
        ingest_hf_day(db, config, DAY)
        again = ingest_hf_day(db, config, DAY)
    assert (again.added, again.updated, again.unchanged, again.entries_added) == (0, 0, 2, 0)


def test_a_malformed_item_is_rejected_by_index_and_the_rest_kept(db: Database, settings: Settings) -> None:
    no_id = hf_item("2404.00001", "No Id", upvotes=1, submitter="x")
    del no_id["paper"]["id"]
    bad_id = hf_item("not an arxiv id", "Bad Id", upvotes=1, submitter="x")
    negative = hf_item("2404.00003", "Negative Votes", upvotes=-4, submitter="x")
    items = [HF_DAY[0], no_id, "a string", bad_id, negative, {"title": "no paper"}]
    with RecordedServer(serving({"2024-05-01": items})) as server:
        report = ingest_hf_day(db, hf_settings(settings, server), DAY)
    assert report.added == 1 and report.rejected == 5
    where = {r.location.rsplit(" ", 1)[-1]: r.reason for r in report.rejections}
    assert where == {
        "1": "paper.id is missing",
        "2": "expected an object, got str",
        "3": where["3"],
        "4": "paper.upvotes -4 is not a count",
        "5": "paper is missing or not an object",
    }
    assert "is not an arXiv id" in where["3"]
    assert all(r.location.startswith(server.url + "/api/daily_papers") for r in report.rejections)


@pytest.mark.parametrize(
    ("body", "message"),
    [("<html>rate limited</html>", "is not JSON"), ('{"error": "Invalid date"}', "expected a JSON list")],
)
def test_a_body_that_is_not_a_json_list_is_an_error_naming_the_url(
    db: Database, settings: Settings, body: str, message: str
) -> None:
    with RecordedServer(serving({"2024-05-01": body})) as server:
        report = ingest_hf_day(db, hf_settings(settings, server), DAY)
    assert report.error is not None
    assert message in report.error and "/api/daily_papers?date=2024-05-01" in report.error
    assert report.added == 0


def test_http_failure_sets_the_error(db: Database, settings: Settings) -> None:
    with RecordedServer(lambda path, query: Reply("no", status=403, content_type="text/plain")) as server:
        report = ingest_hf_day(db, hf_settings(settings, server), DAY)
    assert report.error is not None and "HTTP 403" in report.error


def test_older_responses_with_the_submitter_on_the_paper_are_read() -> None:
    item = hf_item("2404.19756", "KAN", upvotes=3, submitter="x")
    del item["submittedBy"]
    item["paper"]["submittedOnDailyBy"] = {"_id": "u", "fullname": "A K", "user": "akhaliq"}
    (record,) = read_daily_papers(json.dumps([item]).encode(), "http://hf", DAY)
    assert isinstance(record, SourceRecord) and record.entry is not None
    assert record.entry.submitted_by == "akhaliq"


def test_an_empty_day_yields_nothing_and_garbage_raises() -> None:
    assert list(read_daily_papers(b"[]", "http://hf", DAY)) == []
    with pytest.raises(SourceError, match="http://hf"):
        list(read_daily_papers(b"\xff\xfe", "http://hf", DAY))
    (rejection,) = read_daily_papers(b"[null]", "http://hf", DAY)
    assert isinstance(rejection, Rejection) and rejection.location == "http://hf item 0"


def test_cli_ingest_hf_prints_one_json_object(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordedServer(serving({"2024-05-01": HF_DAY})) as server:
        monkeypatch.setenv("PAPERBOY_HF_DAILY_URL", server.url + "/api/daily_papers")
        code = main(["ingest", "hf", "--date", "2024-05-01", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: out[k] for k in ("added", "updated", "unchanged", "rejected")} == {
        "added": 2, "updated": 0, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    assert all(type(out[k]) is int for k in ("added", "updated", "unchanged", "rejected"))
