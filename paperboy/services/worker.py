"""The worker: harvest after arXiv's announcement, catch the indexes up, send each edition at its hour.

Each tick does what is due at that moment. Harvesting (and indexing after it) is guarded
by a lease per day in the worker_lease table, so of several workers one harvests; sending
needs no lease, because the delivery ledger hands each mail to exactly one worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from paperboy.config import ConfigError, Settings
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.services.digests import editions
from paperboy.services.digests import schedule as digests
from paperboy.services.digests.delivery_run import default_worker_id
from paperboy.services.digests.schedule import DigestTotals
from paperboy.store import Database
from paperboy.store import deliveries as ledger

log = logging.getLogger("paperboy.worker")

# How long a harvest may run before another worker may assume this one died and take over.
HARVEST_LEASE = timedelta(hours=2)
# After a failed harvest, wait this long before any worker tries again (be kind to arXiv).
HARVEST_RETRY = timedelta(minutes=15)
# A finished day's harvest lease is kept "held" until far in the future: it marks the day done.
_DONE = datetime(9999, 1, 1)


def harvest_time(settings: Settings) -> time:
    """harvest_time as a time of day; ConfigError naming the setting if it is not HH:MM."""
    text = settings.harvest_time.strip()
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"harvest_time {settings.harvest_time!r} is not a UTC time like 01:30") from None


@dataclass
class TickReport:
    """What one tick did."""

    at: datetime
    harvested: bool = False
    harvest_error: str | None = None
    editions: list[str] = field(default_factory=list)
    totals: DigestTotals | None = None

    def summary(self) -> str:
        parts = [self.at.isoformat(timespec="minutes")]
        if self.harvested:
            parts.append("harvested" + (f" (error: {self.harvest_error})" if self.harvest_error else ""))
        if self.totals is not None:
            parts.append(
                f"sent {self.totals.total('sent')}, empty {self.totals.total('empty')}, "
                f"failed {self.totals.total('failed')}, permanent {self.totals.total('permanent')}"
            )
            parts += [f"error: {e}" for e in self.totals.errors]
        return "; ".join(parts)


class Worker:
    """One worker process's loop. harvest=False / index=False leave those steps to someone else."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        worker_id: str | None = None,
        harvest: bool = True,
        index: bool = True,
        harvest_step: Callable[[], str | None] | None = None,
    ) -> None:
        editions.check_digest_settings(settings)
        self.db = db
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.harvest = harvest
        self.index = index
        self._harvest_time = harvest_time(settings)
        # The harvest itself, replaceable so tests can stand in for arXiv; returns an error or None.
        self._harvest_step = harvest_step or self._harvest_and_index

    def tick(self, now: datetime | None = None, fixed_clock: bool = False) -> TickReport:
        """Do what is due at now: the day's harvest, then due editions and retries.

        fixed_clock=True uses now for every decision inside the tick (tests, --now);
        otherwise sending reads the real clock as it goes.
        """
        now = naive_utc(now or utcnow())
        report = TickReport(now)
        if self.harvest and now.time() >= self._harvest_time:
            self._harvest_once(now, report)
        if editions.due_frequencies(self.settings, now):
            report.editions = [e.name for e in digests.create_due_editions(self.db, self.settings, now)]
        report.totals = digests.send_due(
            self.db, self.settings, now=now if fixed_clock else None, worker_id=self.worker_id
        )
        return report

    def run(
        self,
        stop: threading.Event,
        poll_seconds: float = 60.0,
        on_tick: Callable[[TickReport], None] | None = None,
    ) -> None:
        """Tick every poll_seconds until stop is set."""
        while not stop.is_set():
            try:
                report = self.tick()
            except Exception:  # a bad tick must not end the worker; the next one tries again
                log.exception("worker tick failed")
            else:
                if on_tick:
                    on_tick(report)
            stop.wait(poll_seconds)

    def _harvest_once(self, now: datetime, report: TickReport) -> None:
        name = f"harvest:{now.date().isoformat()}"
        with self.db.transaction() as conn:
            mine = ledger.acquire_lease(conn, name, self.worker_id, now, now + HARVEST_LEASE)
        if not mine:
            return  # done already today, or another worker is at it
        report.harvested = True
        error = None
        try:
            error = self._harvest_step()
        except Exception as exc:  # recorded and retried later, never the end of the worker
            error = f"{type(exc).__name__}: {exc}"
        report.harvest_error = error
        with self.db.transaction() as conn:
            until = now + HARVEST_RETRY if error else _DONE
            ledger.acquire_lease(conn, name, self.worker_id, now, until)

    def _harvest_and_index(self) -> str | None:
        from paperboy.services.finding.indexing import Indexer
        from paperboy.services.gathering.harvest import harvest_sets
        from paperboy.services.library.imports import rematch_unmatched

        errors = [
            f"{set_spec}: {result.error}"
            for set_spec, result in harvest_sets(self.db, self.settings, self.settings.arxiv_sets)
            if result.error
        ]
        # Entries of readers' imported files that named papers not here yet: today's papers
        # may be them (by arXiv id, DOI or title), and they join those readers' libraries.
        rematch_unmatched(self.db)
        if self.index:
            Indexer(self.db, self.settings).catch_up()
        return "; ".join(errors) or None
