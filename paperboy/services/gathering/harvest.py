"""Harvesting arXiv over OAI-PMH: incremental, polite, resumable.

Each page's records and the checkpoint naming the next page are committed in one
transaction, so a harvest stopped anywhere resumes at the first page not stored: no
gaps, no duplicates. Operator's guide: docs/harvesting.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, timedelta

from paperboy.config import Settings
from paperboy.domain import IngestReport
from paperboy.domain.clock import utcnow
from paperboy.domain.errors import InvalidRequest
from paperboy.services.gathering.ingest import ingest_batch
from paperboy.sources.errors import SourceError
from paperboy.sources.http import HttpClient
from paperboy.sources.oai_pmh import (
    METADATA_NAMESPACES,
    ListRecordsPage,
    OaiProtocolError,
    parse_list_records,
)
from paperboy.store import Database
from paperboy.store.runs import Checkpoint, finish_run, load_checkpoint, save_checkpoint, start_run

# How far back a first harvest (no --from, no earlier harvest) reaches: a week of
# announcements fills the feed without pulling years of arXiv.
FIRST_HARVEST_DAYS = 7


@dataclass(frozen=True)
class _Window:
    """The datestamp range and set a harvest asks for."""

    from_date: date | None
    until: date | None


def checkpoint_name(metadata_prefix: str, set_spec: str | None) -> str:
    """One checkpoint per format and set: harvesting cs never moves math's position."""
    return f"oai {metadata_prefix} set={set_spec or 'all'}"


def harvest_oai(
    db: Database,
    settings: Settings,
    *,
    set_spec: str | None,
    from_date: date | None,
    until: date | None,
    metadata_prefix: str = "arXivRaw",
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    http: HttpClient | None = None,
) -> IngestReport:
    """Harvest ListRecords pages into the store and record the run.

    Resumes an unfinished harvest of the same set and format from its checkpoint unless
    `restart` is set or a different --from/--until is asked for. Without `from_date` a
    new harvest starts at the previous completed harvest's response date, or
    FIRST_HARVEST_DAYS ago. A source failure ends the run with `report.error` set; the
    pages committed so far stay, and the next run picks up after them. `http` lends a
    client of the caller's (tests give one whose sleep is recorded, not slept).
    """
    if metadata_prefix not in METADATA_NAMESPACES:
        raise InvalidRequest(
            f"metadata format {metadata_prefix!r}: use one of {', '.join(METADATA_NAMESPACES)}"
        )
    report = IngestReport()
    name = checkpoint_name(metadata_prefix, set_spec)
    with db.transaction() as conn:
        previous = load_checkpoint(conn, name)
        checkpoint, token = _starting_point(name, previous, _Window(from_date, until), restart)
        save_checkpoint(conn, checkpoint, utcnow())
        detail = f"{name} from={checkpoint.from_date} until={checkpoint.until_date}"
        if token:
            detail += f" resuming after page {checkpoint.pages}"
        run_id = start_run(conn, "oai", detail, utcnow())
    client = http or HttpClient(settings)
    harvest = _Harvest(db, client, settings.oai_url, set_spec, metadata_prefix, checkpoint, report, progress)
    try:
        harvest.run(token)
    except SourceError as exc:
        report.error = (
            f"{exc}; stopped after {harvest.checkpoint.pages} page(s) of this harvest, which are kept: "
            "run the same command again to resume from the next page"
        )
    except KeyboardInterrupt:
        report.error = "interrupted; pages committed so far are kept, run again to resume"
        raise
    finally:
        if http is None:
            client.close()
        with db.transaction() as conn:
            finish_run(conn, run_id, report, utcnow())
    return report


# A progress bar per set: given the set (None: all of arXiv), a context that hands out
# the bar's advance function.
SetProgress = Callable[[str | None], AbstractContextManager[Callable[[int], None] | None]]


def harvest_sets(
    db: Database,
    settings: Settings,
    sets: Sequence[str | None],
    *,
    from_date: date | None = None,
    until: date | None = None,
    metadata_prefix: str = "arXivRaw",
    restart: bool = False,
    progress: SetProgress = lambda _set: nullcontext(None),
    http: HttpClient | None = None,
) -> Iterator[tuple[str | None, IngestReport]]:
    """Harvest each set in turn (harvest_oai), yielding its report as it ends. One HTTP
    client serves every set, so arXiv's politeness delay holds between sets too."""
    client = http or HttpClient(settings)
    try:
        for set_spec in sets:
            with progress(set_spec) as advance:
                report = harvest_oai(
                    db,
                    settings,
                    set_spec=set_spec,
                    from_date=from_date,
                    until=until,
                    metadata_prefix=metadata_prefix,
                    restart=restart,
                    progress=advance,
                    http=client,
                )
            yield set_spec, report
    finally:
        if http is None:
            client.close()


def _starting_point(
    name: str, previous: Checkpoint | None, asked: _Window, restart: bool
) -> tuple[Checkpoint, str | None]:
    """The checkpoint this run works on and the resumption token to ask for first."""
    if previous is not None and previous.in_progress and not restart and _same_window(previous, asked):
        return previous, previous.resumption_token
    start = asked.from_date
    if start is None and previous is not None:
        start = previous.next_from
    if start is None:
        start = utcnow().date() - timedelta(days=FIRST_HARVEST_DAYS)
    fresh = Checkpoint(
        name=name,
        from_date=start,
        until_date=asked.until,
        started_at=utcnow(),
        # Kept until this harvest completes, so an abandoned one loses no position.
        next_from=previous.next_from if previous else None,
    )
    return fresh, None


def _same_window(checkpoint: Checkpoint, asked: _Window) -> bool:
    """Whether a run asks for the unfinished harvest's window (or leaves it unsaid)."""
    return (asked.from_date is None or asked.from_date == checkpoint.from_date) and (
        asked.until is None or asked.until == checkpoint.until_date
    )


@dataclass
class _Harvest:
    """One harvest in progress: where it fetches, what it has committed so far."""

    db: Database
    client: HttpClient
    url: str
    set_spec: str | None
    metadata_prefix: str
    # Always the last committed state, so an error message tells the truth.
    checkpoint: Checkpoint
    report: IngestReport
    progress: Callable[[int], None] | None

    def run(self, token: str | None) -> None:
        """Fetch and store pages until the list is complete; raise SourceError on failure."""
        restarted = False
        while True:
            try:
                page = self._fetch(token)
            except OaiProtocolError as exc:
                if exc.code != "badResumptionToken" or restarted:
                    raise
                # Tokens expire; the checkpoint's window is still known, and ingest is
                # idempotent, so asking for the whole window again loses nothing.
                restarted, token = True, None
                continue
            self._store(page)
            if self.progress:
                self.progress(len(page.items))
            token = page.resumption_token
            if token is None:
                return

    def _fetch(self, token: str | None) -> ListRecordsPage:
        # resumptionToken is exclusive: the protocol forbids other arguments beside it.
        params = {"verb": "ListRecords", "resumptionToken": token} if token else self._first_page_params()
        response = self.client.get(self.url, params=params)
        return parse_list_records(response.body, response.url, self.metadata_prefix)

    def _first_page_params(self) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
        if self.checkpoint.from_date:
            params["from"] = self.checkpoint.from_date.isoformat()
        if self.checkpoint.until_date:
            params["until"] = self.checkpoint.until_date.isoformat()
        if self.set_spec:
            params["set"] = self.set_spec
        return params

    def _store(self, page: ListRecordsPage) -> None:
        """Commit the page's records together with the checkpoint that points past them."""
        done = page.resumption_token is None
        advanced = replace(
            self.checkpoint,
            pages=self.checkpoint.pages + 1,
            records=self.checkpoint.records + len(page.items),
            resumption_token=page.resumption_token,
            completed_at=utcnow() if done else None,
        )
        # Only an open-ended harvest moves the start of the next one: a backfill with
        # --until must not skip what came after its window. The response date is the
        # server's clock, where arXiv's guidance says to take the next "from".
        if done and advanced.until_date is None:
            advanced.next_from = (page.response_date or utcnow()).date()
        page_report = IngestReport()
        with self.db.transaction() as conn:
            ingest_batch(conn, page.items, page_report)
            save_checkpoint(conn, advanced, utcnow())
        # Taken only once committed, so a page that failed to store is not counted.
        self.checkpoint = advanced
        self.report.merge(page_report)
