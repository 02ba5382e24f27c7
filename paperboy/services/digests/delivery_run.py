"""Sending an edition through the ledger: claim a batch, mark it sending, send, record.

Any number of workers may run this on one edition at once: each batch is claimed by one
conditional UPDATE, so no delivery is ever in two workers' hands. Each distinct digest is
rendered once per run; a recipient's message only adds their own links.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from paperboy.config import Settings
from paperboy.digest.compose import DigestContent, PreparedDigest, digest_bytes, prepare_digest, render_digest
from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.subscriptions import Subscription
from paperboy.mail import (
    MailHeaderError,
    MailSetupError,
    PermanentMailError,
    SmtpSession,
    TransientMailError,
)
from paperboy.services.digests import editions
from paperboy.services.digests.for_you import ForYouDigests
from paperboy.services.digests.subscriptions import manage_url, unsubscribe_url
from paperboy.services.finding.search import SearchService
from paperboy.store import Database
from paperboy.store import deliveries as ledger
from paperboy.store import subscriptions as subscription_store
from paperboy.store.deliveries import ClaimedDelivery, Edition

# Waits before the 2nd, 3rd, ... try of a mail that failed for now.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# Permanent refusals in a row before a subscription is paused as "bouncing".
PAUSE_AFTER_BOUNCES = 3
# A worker's hold on a claimed batch; past it (the worker died) others may take the rows.
CLAIM_LIFETIME = timedelta(minutes=10)
BATCH_SIZE = 100


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    """The wait after the attempts-th failed try (1 min, 5 min, 30 min, then 2 h)."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


@dataclass
class SendReport:
    """What one run did to one edition."""

    edition: str
    sent: int = 0
    empty: int = 0
    failed: int = 0
    permanent: int = 0
    paused: int = 0
    # Left for later: pending rows not reached, and failed ones waiting for their retry.
    remaining: int = 0
    complete: bool = False
    error: str | None = None
    composed: int = 0
    compose_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def add(self, other: SendReport) -> None:
        for name in ("sent", "empty", "failed", "permanent", "paused", "composed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class _Outcome:
    values: dict[str, Any]
    subscription_id: int
    # "sent", "empty", "failed", "permanent" (counts as a bounce) or "failed-final" (no bounce).
    kind: str
    watermark: datetime | None = None
    delivery_id: int = 0


class EditionSender:
    """Sends one edition's due deliveries; one per run, holding its rendered digests."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        edition: Edition,
        *,
        worker_id: str,
        session: SmtpSession,
        search: SearchService | None = None,
        now: datetime | None = None,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.edition = edition
        self.worker_id = worker_id
        self.session = session
        self._search = search
        self._fixed_now = naive_utc(now) if now else None
        self.batch_size = batch_size
        self.progress = progress
        self._rendered: dict[Any, PreparedDigest | Exception | None] = {}
        self._cut_offs: dict[str, datetime] = {}
        # For-you digests differ per reader: composed a batch at a time (see _send_batch).
        self._for_you = ForYouDigests(db, settings, edition) if edition.kind == "for_you" else None
        self._for_you_batch: dict[int, DigestContent | None] | Exception = {}
        self.report = SendReport(edition.name)

    def now(self) -> datetime:
        return self._fixed_now or utcnow()

    def run(self) -> SendReport:
        """Send until nothing due is left (or the mail server cannot be used); report what happened."""
        while True:
            now = self.now()
            claim_id = f"{self.worker_id}:{uuid.uuid4().hex[:8]}"
            with self.db.transaction() as conn:
                batch = ledger.claim(
                    conn, self.edition.id, claim_id, now, now + CLAIM_LIFETIME, self.batch_size
                )
            if not batch:
                break
            if not self._send_batch(batch, claim_id):
                break
        with self.db.transaction() as conn:
            self.report.complete = ledger.complete_if_done(conn, self.edition.id, self.now())
            left = ledger.counts(conn, self.edition.id)
        self.report.remaining = left.get("pending", 0) + left.get("failed", 0)
        return self.report

    def _send_batch(self, batch: list[ClaimedDelivery], claim_id: str) -> bool:
        """Send one claimed batch; False if the mail server is unusable (the rest is given back).

        Whatever stops it, what was done is recorded and the rows not tried go back to
        pending; only a row in hand when something unexpected stopped the run stays
        "sending" (its mail may have gone: given up later, never resent)."""
        with self.db.transaction() as conn:
            ledger.mark_sending(conn, [d.id for d in batch], claim_id)
            subscribers = subscription_store.by_ids(conn, [d.subscription_id for d in batch])
        if self._for_you is not None:
            self._compose_for_you([s for s in subscribers.values() if s.status == "active"])
        outcomes: list[_Outcome] = []
        in_hand: int | None = None
        try:
            for position, item in enumerate(batch):
                in_hand = position
                try:
                    outcome = self._deliver(item, subscribers.get(item.subscription_id))
                except MailSetupError as exc:
                    self.report.error = str(exc)
                    in_hand = None  # nothing reached the server: this row goes back too
                    break
                outcome.delivery_id = item.id
                outcomes.append(outcome)
                in_hand = None
                if self.progress:
                    self.progress(1)
        finally:
            self._record(outcomes)
            untried = [d.id for d in batch[len(outcomes) + (1 if in_hand is not None else 0) :]]
            if untried:
                with self.db.transaction() as conn:
                    ledger.release(conn, untried, claim_id)
        return self.report.error is None

    def _deliver(self, item: ClaimedDelivery, sub: Subscription | None) -> _Outcome:
        """One delivery's outcome. Raises only MailSetupError (the server is unusable): anything
        wrong with this one reader's digest or mail fails this delivery alone."""
        now = self.now()
        if sub is None or sub.status != "active":
            why = "the subscription was deleted" if sub is None else f"the subscription is {sub.status}"
            return _Outcome(
                {"status": "empty", "last_error": f"not sent: {why}"}, item.subscription_id, "empty"
            )
        try:
            rendered, watermark = self._digest_for(sub)
            if rendered is not None:
                data, message_id = digest_bytes(
                    rendered,
                    sub.email,
                    unsubscribe_url(self.settings, sub),
                    manage_url(self.settings, sub),
                )
        except editions.UnusableAlert as exc:
            # The same every time: not retried, not a bounce; the watermark stays.
            return _Outcome(
                {"status": "permanent", "last_error": f"not sent: {exc}"[:1000]}, sub.id, "failed-final"
            )
        except MailHeaderError as exc:
            return _Outcome({"status": "permanent", "last_error": str(exc)[:1000]}, sub.id, "permanent")
        except MailSetupError:
            raise
        except Exception as exc:  # nothing was sent yet; one reader never stops the rest
            return self._failed_for_now(
                item, sub, f"could not prepare this mail: {type(exc).__name__}: {exc}"
            )
        if rendered is None:
            return _Outcome({"status": "empty", "sent_at": now}, sub.id, "empty", watermark)
        try:
            self.session.connect()
            self.session.send_bytes(rendered.sender, sub.email, data)
        except (PermanentMailError, MailHeaderError) as exc:
            return _Outcome({"status": "permanent", "last_error": str(exc)[:1000]}, sub.id, "permanent")
        except TransientMailError as exc:
            return self._failed_for_now(item, sub, str(exc))
        except MailSetupError:
            raise
        except Exception as exc:  # whatever it was, this reader alone
            # It may have reached the server: recorded, never resent (at most once), and the
            # connection is started afresh for the next reader.
            self._abandon_session()
            error = f"failed while sending, not resent (to never send twice): {type(exc).__name__}: {exc}"
            return _Outcome({"status": "permanent", "last_error": error[:1000]}, sub.id, "failed-final")
        values = {"status": "sent", "sent_at": self.now(), "message_id": message_id, "last_error": None}
        return _Outcome(values, sub.id, "sent", watermark)

    def _failed_for_now(self, item: ClaimedDelivery, sub: Subscription, error: str) -> _Outcome:
        """A failure worth trying again later, until digest_max_attempts tries."""
        attempts = item.attempts + 1
        if attempts >= self.settings.digest_max_attempts:
            final = f"gave up after {attempts} tries: {error}"[:1000]
            return _Outcome({"status": "permanent", "last_error": final}, sub.id, "failed-final")
        retry = {
            "status": "failed",
            "last_error": error[:1000],
            "next_attempt_at": self.now() + backoff(attempts),
        }
        return _Outcome(retry, sub.id, "failed")

    def _abandon_session(self) -> None:
        try:
            self.session.close()
        except Exception:  # a broken connection is being dropped anyway
            pass

    def _compose_for_you(self, subscribers: list[Subscription]) -> None:
        """The batch's for-you digests, one per reader, ranked together (shared features)."""
        assert self._for_you is not None
        started = time.perf_counter()
        try:
            if editions.already_covered(self.db, self.edition):
                self._for_you_batch = {s.id: None for s in subscribers}
            else:
                self._for_you_batch = self._for_you.contents(subscribers)
        except Exception as exc:  # each reader of the batch fails for now, and is retried
            self._for_you_batch = exc
        self.report.compose_seconds += time.perf_counter() - started

    def _digest_for(self, sub: Subscription) -> tuple[PreparedDigest | None, datetime | None]:
        """The rendered digest this subscriber gets (None: nothing new), and the watermark it moves to.

        Raises what choosing or rendering raised (remembered, so readers sharing the digest
        fail alike without redoing the work)."""
        if self.edition.kind == "for_you":
            if isinstance(self._for_you_batch, Exception):
                raise self._for_you_batch
            own = self._for_you_batch.get(sub.id)
            self.report.composed += 1
            return (prepare_digest(self.settings, render_digest(own)) if own else None), None
        if self.edition.kind == "trending":
            key: Any = "trending"
            watermark = None
        else:
            key = editions.alert_query(sub)
            watermark = self._alert_cut_off(editions.alert_mode(key))
        if key not in self._rendered:
            started = time.perf_counter()
            try:
                content = self._content(key)
                self._rendered[key] = (
                    prepare_digest(self.settings, render_digest(content)) if content else None
                )
            except Exception as exc:
                self._rendered[key] = exc
            self.report.composed += 1
            self.report.compose_seconds += time.perf_counter() - started
        rendered = self._rendered[key]
        if isinstance(rendered, Exception):
            raise rendered
        return rendered, watermark

    def _alert_cut_off(self, mode: str) -> datetime:
        """This run's cut-off for saved-search alerts of a mode (see editions.alert_cut_off),
        fixed for the run so that every reader of one digest moves to the same watermark."""
        if mode not in self._cut_offs:
            now = self.now()
            self._cut_offs[mode] = editions.alert_cut_off(self.db, self.settings, self.edition, now, mode)
        return self._cut_offs[mode]

    def _content(self, key: Any) -> DigestContent | None:
        if key == "trending":
            return editions.trending_content(self.db, self.settings, self.edition)
        if self._search is None:
            self._search = SearchService(self.db, self.settings)
        return editions.alert_content(
            self.db,
            self.settings,
            self._search,
            self.edition,
            key,
            until=self._alert_cut_off(editions.alert_mode(key)),
        )

    def _record(self, outcomes: list[_Outcome]) -> None:
        if not outcomes:
            return
        with self.db.transaction() as conn:
            ledger.record(conn, [{"id": o.delivery_id, **o.values} for o in outcomes])
            for outcome in outcomes:
                if outcome.kind in ("sent", "empty") and outcome.values.get("last_error") is None:
                    subscription_store.record_success(conn, outcome.subscription_id, outcome.watermark)
                elif outcome.kind == "permanent":
                    if subscription_store.record_bounce(conn, outcome.subscription_id, PAUSE_AFTER_BOUNCES):
                        self.report.paused += 1
        for outcome in outcomes:
            status = outcome.values["status"]
            setattr(self.report, status, getattr(self.report, status) + 1)
