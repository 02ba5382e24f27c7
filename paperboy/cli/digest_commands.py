"""paperboy digest: preview an edition, or create and send the due ones."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json, progress_bar
from paperboy.config import LOCAL_SITE
from paperboy.domain.errors import InvalidRequest
from paperboy.domain.subscriptions import KINDS


def register(commands: Any) -> None:
    digest = commands.add_parser("digest", help="preview or send email digests and alerts")
    actions = digest.add_subparsers(dest="digest_command", metavar="ACTION", required=True)

    preview = actions.add_parser("preview", help="print a digest as it would be mailed, sending nothing")
    preview.add_argument("--kind", choices=("daily", "weekly", "search"), default="daily",
                         help="daily or weekly trending, or a saved search (needs --query)")  # fmt: skip
    preview.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD", help="edition day (today)")
    preview.add_argument("--query", default=None, help="the saved search, for --kind search")
    preview.add_argument("--format", choices=("text", "html"), default="text", help="which part to print")
    preview.set_defaults(handler=run_preview)

    send = actions.add_parser("send", help="create the day's editions and send every due delivery")
    send.add_argument(
        "--kind", choices=("trending", "search", "for_you"), default=None, help="only this kind"
    )
    send.add_argument("--frequency", choices=("daily", "weekly"), default=None,
                      help="only this frequency (default: daily, and weekly on its day)")  # fmt: skip
    send.add_argument("--date", type=_day, default=None, metavar="YYYY-MM-DD",
                      help="edition day (default today, UTC)")  # fmt: skip
    send.add_argument("--json", action="store_true", help="print the summary as JSON")
    send.set_defaults(handler=run_send)


def _day(text: str) -> date:
    from paperboy.domain.clock import DAY_RANGE, day_in_range

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-20"
        ) from None
    if not day_in_range(day):
        raise argparse.ArgumentTypeError(f"{text} is out of range; use a date from {DAY_RANGE}")
    return day


def run_preview(args: argparse.Namespace) -> int:
    from paperboy.domain.clock import utcnow
    from paperboy.services.digests.schedule import preview

    settings = context.settings()
    db = context.database(settings)
    day = args.date or utcnow().date()
    if args.kind == "search" and not args.query:
        raise InvalidRequest("--kind search needs --query, the saved search to preview")
    text = preview(db, settings, args.kind, day, query=args.query, fmt=args.format)
    if not settings.base_url:
        print(
            f"note: PAPERBOY_BASE_URL is not set: links below use {LOCAL_SITE} as a placeholder",
            file=sys.stderr,
        )
    if text is None:
        print(f"nothing new for a {args.kind} digest on {day}: no mail would be sent")
        return 0
    print(text, end="" if text.endswith("\n") else "\n")
    return 0


def run_send(args: argparse.Namespace) -> int:
    from paperboy.domain.clock import utcnow
    from paperboy.services.digests import editions
    from paperboy.services.digests import schedule as digests

    settings = context.settings()
    note = digests.check_mail_base_url(settings)
    if note:
        print(note, file=sys.stderr)
    db = context.database(settings)
    now = utcnow()
    day = args.date or now.date()
    kinds = [args.kind] if args.kind else list(KINDS)
    if args.frequency:
        frequencies = [args.frequency]
    else:
        frequencies = ["daily"] + (["weekly"] if day.weekday() == editions.weekly_day(settings) else [])
    when = now if day == now.date() else datetime.combine(day, datetime.min.time())
    made = digests.create_editions(db, settings, day, kinds=kinds, frequencies=frequencies, now=when)
    with progress_bar("sending", total=digests.pending_count(db, kinds), unit="mail") as advance:
        totals = digests.send_due(db, settings, kinds=kinds, progress=advance)
    summary = {
        "editions": [e.name for e in made],
        **{
            name: totals.total(name)
            for name in ("sent", "empty", "failed", "permanent", "paused", "remaining")
        },
        "errors": totals.errors,
    }
    if args.json:
        print_json(summary)
    else:
        print(f"editions: {', '.join(e.name for e in made) or 'none'}")
        print(
            f"sent {summary['sent']}, empty {summary['empty']}, failed {summary['failed']} (will retry), "
            f"permanent {summary['permanent']}, paused {summary['paused']}, "
            f"still to send {summary['remaining']}"
        )
        for error in totals.errors:
            print(f"error: {error}")
    return 1 if totals.errors else 0
