"""paperboy worker: harvest after arXiv's announcement, catch the indexes up, send digests on time."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from typing import Any

from paperboy.cli import context


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="run the background loop: daily harvest, index catch-up, digest editions"
    )
    worker.add_argument("--once", action="store_true", help="do what is due now, then exit")
    worker.add_argument(
        "--now", type=_moment, default=None, metavar="ISO",
        help="act as if it were this UTC moment (e.g. 2026-11-20T07:00); implies --once",
    )  # fmt: skip
    worker.add_argument(
        "--no-harvest", action="store_true", help="leave harvesting and indexing to another process"
    )
    worker.add_argument("--no-index", action="store_true", help="harvest but do not catch the indexes up")
    worker.add_argument(
        "--poll", type=float, default=60.0, metavar="SECONDS", help="seconds between ticks (60)"
    )
    worker.add_argument(
        "--id", default=None, help="this worker's name in leases and claims (default host:pid)"
    )
    worker.set_defaults(handler=run_worker)


def _moment(text: str) -> datetime:
    from paperboy.domain.clock import DAY_RANGE, day_in_range

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date and time like 2026-11-20T07:00") from None
    if not day_in_range(moment.date()):
        raise argparse.ArgumentTypeError(f"{text} is out of range; use a date from {DAY_RANGE}")
    return moment


def run_worker(args: argparse.Namespace) -> int:
    from paperboy.services.digests.schedule import check_mail_base_url
    from paperboy.services.worker import Worker

    settings = context.settings()
    note = check_mail_base_url(settings)
    if note:
        print(note, file=sys.stderr)
    db = context.database(settings)
    worker = Worker(db, settings, worker_id=args.id, harvest=not args.no_harvest, index=not args.no_index)
    if args.once or args.now:
        report = worker.tick(args.now, fixed_clock=args.now is not None)
        print(report.summary())
        return 1 if report.totals and report.totals.errors else 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"worker {worker.worker_id} running; Ctrl-C to stop", file=sys.stderr)
    worker.run(stop, args.poll, on_tick=lambda r: print(r.summary(), flush=True))
    return 0
