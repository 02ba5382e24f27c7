"""Importing one day of Hugging Face daily papers, with who submitted each and its upvotes."""

from __future__ import annotations

from datetime import date

from paperboy.config import Settings
from paperboy.domain import IngestReport
from paperboy.domain.clock import utcnow
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.errors import SourceError
from paperboy.sources.hf_daily import read_daily_papers
from paperboy.sources.http import HttpClient
from paperboy.store import Database, runs

KIND = "hf"


def ingest_hf_day(db: Database, settings: Settings, day: date) -> IngestReport:
    """Fetch the daily papers of day and store them, each with an "hf" entry on day.

    HTTP failures and bodies that are not a JSON list set report.error (no traceback).
    Running it twice adds nothing the second time; upvotes are those of the first run.
    """
    url = settings.hf_daily_url
    detail = f"{url}?date={day.isoformat()}"
    try:
        with HttpClient(settings) as client:
            response = client.get(url, params={"date": day.isoformat()})
        # Parse it all before storing, so a body that is not a list stores nothing.
        items = list(read_daily_papers(response.body, response.url, day))
    except SourceError as exc:
        report = IngestReport(error=str(exc))
        with db.transaction() as conn:
            run_id = runs.start_run(conn, KIND, detail, utcnow())
            runs.finish_run(conn, run_id, report, utcnow())
        return report
    return ingest_items(db, items, kind=KIND, detail=detail, batch_size=settings.batch_size)
