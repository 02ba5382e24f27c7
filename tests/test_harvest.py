"""Harvesting over OAI-PMH against a loopback stand-in for arXiv."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from oai_responses import RawRecord, deleted_record, list_records, oai_error, raw_record
from recorded_server import Drop, RecordedServer, Reply, Script, SleepRecorder, Step
from sqlalchemy import select

from paperboy.cli import main
from paperboy.config import Settings
from paperboy.domain import FeedEntry, IngestReport
from paperboy.domain.clock import utcnow
from paperboy.services.gathering.harvest import checkpoint_name, harvest_oai, harvest_sets
from paperboy.sources.http import HttpClient
from paperboy.store import Database
from paperboy.store.papers import get_stored_paper
from paperboy.store.runs import Checkpoint, load_checkpoint, recent_runs, save_checkpoint
from paperboy.store.schema import paper

FROM = date(2024, 1, 1)
NAME = checkpoint_name("arXivRaw", "cs")


def ids(first: int, last: int) -> list[str]:
    return [f"2401.{n:05d}" for n in range(first, last + 1)]


def page(numbers: list[str], token: str | None, cursor: int = 0) -> Reply:
    records = [raw_record(RawRecord(i, f"Study number {i} of learning")) for i in numbers]
    return Reply(list_records(records, token, cursor=cursor, complete_size=9))


PAGE_1, PAGE_2, PAGE_3 = page(ids(1, 3), "t2", 0), page(ids(4, 6), "t3", 3), page(ids(7, 9), None, 6)


def arxiv(first: list[Step], by_token: dict[str, list[Step]] | None = None) -> RecordedServer:
    """A server answering the first request (no token) and each token's request in turn.
    Like arXiv, it refuses a resumptionToken sent with other arguments."""
    script = Script({"first": first, **(by_token or {})})

    def respond(path: str, query: dict[str, str]) -> Step:
        if path != "/oai" or query.get("verb") != "ListRecords":
            return Reply("not found", status=404, content_type="text/plain")
        if "resumptionToken" in query:
            if set(query) != {"verb", "resumptionToken"}:
                return Reply(oai_error("badArgument", "resumptionToken is an exclusive argument"))
            return script.take(query["resumptionToken"])
        return script.take("first")

    return RecordedServer(respond)


def three_pages() -> RecordedServer:
    return arxiv([PAGE_1], {"t2": [PAGE_2], "t3": [PAGE_3]})


def harvest(db: Database, settings: Settings, server: RecordedServer, sleep: SleepRecorder | None = None,
            **options: object) -> IngestReport:  # fmt: skip
    config = replace(settings, oai_url=f"{server.url}/oai")
    with HttpClient(config, sleep=sleep or SleepRecorder()) as http:
        arguments: dict = {"set_spec": "cs", "from_date": FROM, "until": None, **options}
        return harvest_oai(db, config, http=http, **arguments)


def stored_ids(db: Database) -> list[str]:
    with db.connect() as conn:
        return sorted(conn.execute(select(paper.c.arxiv_id)).scalars())


def checkpoint(db: Database, name: str = NAME) -> Checkpoint:
    with db.connect() as conn:
        found = load_checkpoint(conn, name)
    assert found is not None
    return found


def test_three_page_harvest_imports_every_record_once(db: Database, settings: Settings) -> None:
    pages: list[int] = []
    with three_pages() as server:
        report = harvest(db, settings, server, progress=pages.append)
    assert report.error is None and pages == [3, 3, 3]
    assert (report.added, report.updated, report.rejected) == (9, 0, 0)
    assert stored_ids(db) == ids(1, 9)
    first, second, third = (r.query for r in server.requests)
    assert first == {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "set": "cs", "from": "2024-01-01"}
    assert (second, third) == ({"verb": "ListRecords", "resumptionToken": "t2"},
                               {"verb": "ListRecords", "resumptionToken": "t3"})  # fmt: skip
    done = checkpoint(db)
    assert not done.in_progress and done.resumption_token is None
    assert (done.pages, done.records) == (3, 9)
    assert done.next_from == date(2024, 1, 3)  # the responseDate's day


def test_rerunning_the_same_harvest_changes_nothing(db: Database, settings: Settings) -> None:
    with three_pages() as server:
        harvest(db, settings, server)
        again = harvest(db, settings, server)
    assert (again.added, again.updated, again.unchanged, again.entries_added) == (0, 0, 9, 0)
    assert again.error is None
    assert stored_ids(db) == ids(1, 9)


def test_new_papers_get_one_feed_entry_on_their_datestamp(db: Database, settings: Settings) -> None:
    new = RawRecord("2401.00001", "A new study", datestamp="2024-01-02")
    two_versions = [("v1", "Fri, 1 Dec 2023 09:00:00 GMT"), ("v2", "Mon, 1 Jan 2024 09:00:00 GMT")]
    replaced = RawRecord("2312.00002", "A replaced study", datestamp="2024-01-02", versions=two_versions)
    body = list_records([raw_record(new), raw_record(replaced)])
    with arxiv([Reply(body)]) as server:
        report = harvest(db, settings, server)
        assert harvest(db, settings, server).entries_added == 0
    assert report.entries_added == 1
    with db.connect() as conn:
        assert get_stored_paper(conn, "2401.00001").entries == (FeedEntry(date(2024, 1, 2), "arxiv"),)  # type: ignore[union-attr]
        assert get_stored_paper(conn, "2312.00002").entries == ()  # type: ignore[union-attr]


def test_deleted_records_mark_papers_withdrawn(db: Database, settings: Settings) -> None:
    with three_pages() as server:
        harvest(db, settings, server)
    with arxiv([Reply(list_records([deleted_record("2401.00005")]))]) as server:
        report = harvest(db, settings, server)
    assert report.deleted == 1
    with db.connect() as conn:
        assert get_stored_paper(conn, "2401.00005").withdrawn  # type: ignore[union-attr]
        assert not get_stored_paper(conn, "2401.00004").withdrawn  # type: ignore[union-attr]


def test_no_records_match_is_a_normal_empty_harvest(db: Database, settings: Settings) -> None:
    empty = oai_error("noRecordsMatch", "No records.", response_date="2024-02-01T03:00:00Z")
    with arxiv([Reply(empty)]) as server:
        report = harvest(db, settings, server)
    assert report.error is None and (report.added, report.rejected) == (0, 0)
    assert checkpoint(db).next_from == date(2024, 2, 1)


class ManualClock:
    """A monotonic clock that moves only when the client sleeps: waits are checked exactly,
    with no wall time spent and no scheduling jitter to allow for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def harvest_on(db: Database, settings: Settings, server: RecordedServer, clock: ManualClock) -> IngestReport:
    config = replace(settings, oai_url=f"{server.url}/oai")
    with HttpClient(config, sleep=clock.sleep, clock=clock) as http:
        return harvest_oai(db, config, http=http, set_spec="cs", from_date=FROM, until=None)


def test_503_retry_after_is_honoured(db: Database, settings: Settings) -> None:
    busy = Reply("busy", status=503, headers={"Retry-After": "1"}, content_type="text/plain")
    clock = ManualClock()
    with arxiv([PAGE_1], {"t2": [busy, PAGE_2], "t3": [PAGE_3]}) as server:
        report = harvest_on(db, replace(settings, request_delay=0.0), server, clock)
    assert report.error is None and report.added == 9
    assert len([r for r in server.requests if r.query.get("resumptionToken") == "t2"]) == 2
    assert clock.slept == [1.0]  # the one second the server asked for, before asking again


def test_retry_after_longer_than_allowed_stops_with_a_clear_error(db: Database, settings: Settings) -> None:
    busy = Reply("busy", status=503, headers={"Retry-After": "3600"}, content_type="text/plain")
    with arxiv([busy]) as server:
        report = harvest(db, settings, server)
    assert report.error is not None
    assert "HTTP 503 asks to retry after 3600s, more than max_retry_after (5s)" in report.error


def test_politeness_delay_spaces_requests(db: Database, settings: Settings) -> None:
    clock = ManualClock()
    with three_pages() as server:
        harvest_on(db, replace(settings, request_delay=0.3), server, clock)
    assert len(server.requests) == 3
    # The clock moves only by sleeping, so each request after the first waited the whole delay.
    assert clock.slept == [0.3, 0.3]


def test_harvesting_several_sets_keeps_the_politeness_delay_between_them(
    db: Database, settings: Settings
) -> None:
    clock = ManualClock()
    with arxiv([page(ids(1, 3), None), page(ids(4, 6), None)]) as server:
        config = replace(settings, oai_url=f"{server.url}/oai", request_delay=0.3)
        with HttpClient(config, sleep=clock.sleep, clock=clock) as http:
            reports = list(harvest_sets(db, config, ["cs", "math"], from_date=FROM, http=http))
    assert [(set_spec, r.added, r.error) for set_spec, r in reports] == [("cs", 3, None), ("math", 3, None)]
    assert [r.query.get("set") for r in server.requests] == ["cs", "math"]
    assert clock.slept == [0.3]  # the second set's first request waited as a next page would


@pytest.mark.parametrize(
    "failure",
    [Drop(), Reply(PAGE_2.body, cut_at=200), Reply(PAGE_2.body, delay=1.3)],
    ids=["dropped connection", "truncated body", "timeout"],
)
def test_a_failed_request_is_retried(db: Database, settings: Settings, failure: Step) -> None:
    sleep = SleepRecorder()
    with arxiv([PAGE_1], {"t2": [failure, PAGE_2], "t3": [PAGE_3]}) as server:
        report = harvest(db, settings, server, sleep)
    assert report.error is None and report.added == 9
    assert [r.query.get("resumptionToken") for r in server.requests] == [None, "t2", "t2", "t3"]
    assert sleep.calls == [1.0]  # one backoff before the retry


def test_malformed_page_stops_with_line_and_column_and_resumes(db: Database, settings: Settings) -> None:
    broken = Reply(str(PAGE_2.body).replace("</title>", "</tilte>", 1))
    with arxiv([PAGE_1], {"t2": [broken]}) as server:
        report = harvest(db, settings, server)
    assert report.error is not None
    where = f"{server.url}/oai?verb=ListRecords&resumptionToken=t2"
    assert f"{where}: response is not well-formed XML at line" in report.error
    assert "column" in report.error and "mismatched tag" in report.error
    assert stored_ids(db) == ids(1, 3)
    assert checkpoint(db).resumption_token == "t2"
    with three_pages() as server:
        resumed = harvest(db, settings, server)
    assert resumed.added == 6 and stored_ids(db) == ids(1, 9)


def test_harvest_cut_off_mid_way_resumes_from_its_checkpoint(db: Database, settings: Settings) -> None:
    with arxiv([PAGE_1], {"t2": [Drop()]}) as server:
        cut = harvest(db, settings, server)
    assert cut.error is not None and "gave up after 3 attempts" in cut.error
    assert "stopped after 1 page(s)" in cut.error
    assert cut.added == 3 and stored_ids(db) == ids(1, 3)
    stopped = checkpoint(db)
    assert stopped.in_progress and stopped.resumption_token == "t2" and stopped.pages == 1
    with db.connect() as conn:
        assert recent_runs(conn, 1)[0]["error"] == cut.error

    with three_pages() as server:
        resumed = harvest(db, settings, server)
    # It asks for the page after the last stored one; nothing is fetched twice.
    assert [r.query.get("resumptionToken") for r in server.requests] == ["t2", "t3"]
    assert resumed.error is None
    assert (resumed.added, resumed.updated, resumed.unchanged) == (6, 0, 0)
    assert cut.added + resumed.added == 9 and stored_ids(db) == ids(1, 9)
    assert not checkpoint(db).in_progress


def test_restart_ignores_an_unfinished_harvest(db: Database, settings: Settings) -> None:
    with arxiv([PAGE_1], {"t2": [Drop()]}) as server:
        harvest(db, settings, server)
    with three_pages() as server:
        report = harvest(db, settings, server, restart=True)
    assert server.requests[0].query["from"] == "2024-01-01"
    assert (report.added, report.unchanged) == (6, 3) and stored_ids(db) == ids(1, 9)


def test_expired_token_on_resume_restarts_from_the_window(db: Database, settings: Settings) -> None:
    with db.transaction() as conn:
        save_checkpoint(conn, Checkpoint(NAME, from_date=date(2023, 12, 30), resumption_token="stale",
                                         pages=4, started_at=utcnow()), utcnow())  # fmt: skip
    expired = Reply(oai_error("badResumptionToken", "The value of the resumptionToken argument is expired."))
    with arxiv([PAGE_1], {"stale": [expired], "t2": [PAGE_2], "t3": [PAGE_3]}) as server:
        report = harvest(db, settings, server, from_date=None)
    assert report.error is None and stored_ids(db) == ids(1, 9)
    assert server.requests[0].query == {"verb": "ListRecords", "resumptionToken": "stale"}
    assert server.requests[1].query["from"] == "2023-12-30"


def test_without_from_a_harvest_starts_where_the_last_one_ended(db: Database, settings: Settings) -> None:
    with three_pages() as server:
        harvest(db, settings, server, from_date=None)
        harvest(db, settings, server, from_date=None)
    first_from = server.requests[0].query["from"]
    assert first_from == (utcnow().date() - timedelta(days=7)).isoformat()
    assert server.requests[3].query["from"] == "2024-01-03"


def test_a_backfill_with_until_does_not_move_the_next_start(db: Database, settings: Settings) -> None:
    with three_pages() as server:
        harvest(db, settings, server)
        harvest(db, settings, server, from_date=date(2020, 1, 1), until=date(2020, 12, 31))
    assert server.requests[3].query["until"] == "2020-12-31"
    assert checkpoint(db).next_from == date(2024, 1, 3)


def test_other_protocol_errors_end_the_harvest_with_the_code(db: Database, settings: Settings) -> None:
    with arxiv([Reply(oai_error("badArgument", "Illegal date 2024-13-01"))]) as server:
        report = harvest(db, settings, server)
    assert report.error is not None and "OAI-PMH error badArgument: Illegal date 2024-13-01" in report.error


def test_cli_ingest_arxiv_prints_one_json_object(
    cli_env: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with three_pages() as server:
        monkeypatch.setenv("PAPERBOY_OAI_URL", f"{server.url}/oai")
        code = main(["ingest", "arxiv", "--set", "cs", "--from", "2024-01-01", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    summary = json.loads(out)
    assert {k: summary[k] for k in ("added", "updated", "unchanged", "rejected")} == {
        "added": 9, "updated": 0, "unchanged": 0, "rejected": 0,
    }  # fmt: skip
    assert server.requests[0].query["set"] == "cs"
