"""paperboy ingest snapshot|arxiv|hf|pages|ids."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_ingest_report, progress_bar
from paperboy.cli.search_commands import update_indexes
from paperboy.domain.categories import is_category


def register(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="bring papers into the store")
    sources = ingest.add_subparsers(dest="source", metavar="SOURCE", required=True)

    snapshot = sources.add_parser(
        "snapshot", help="import arXiv's metadata snapshot (JSON lines, plain or gzip)"
    )
    snapshot.add_argument("path", type=Path, help="arxiv-metadata-oai-snapshot.json[l][.gz]")
    snapshot.add_argument(
        "--feed",
        action="store_true",
        help="put each paper on the feed on its announcement day (first version's date, else update_date)",
    )
    window = snapshot.add_mutually_exclusive_group()
    window.add_argument("--since", type=_date, help="only papers announced on or after this day, YYYY-MM-DD")
    window.add_argument(
        "--last-days",
        type=_positive,
        metavar="N",
        help="only papers of the newest N listing days in the file (found in a first pass over dates)",
    )
    snapshot.add_argument(
        "--category",
        dest="categories",
        action="append",
        type=_category,
        default=[],
        metavar="CAT",
        help="only papers listed in this archive (cs) or category (cs.LG); repeatable",
    )
    snapshot.set_defaults(handler=run_snapshot)

    arxiv = sources.add_parser("arxiv", help="harvest new and changed papers from arXiv (OAI-PMH)")
    arxiv.add_argument(
        "--set",
        dest="set_spec",
        help="OAI set, e.g. cs, math, physics:hep-th (default: the arxiv_sets setting)",
    )
    arxiv.add_argument(
        "--from",
        dest="from_date",
        type=_date,
        help="first datestamp, YYYY-MM-DD (default: where the last harvest ended)",
    )
    arxiv.add_argument("--until", type=_date, help="last datestamp, YYYY-MM-DD")
    arxiv.add_argument(
        "--format",
        dest="metadata_prefix",
        choices=["arXiv", "arXivRaw"],
        default="arXivRaw",
        help="metadata format; arXivRaw carries every version (default)",
    )
    arxiv.add_argument("--restart", action="store_true", help="ignore an unfinished harvest's checkpoint")
    arxiv.set_defaults(handler=run_arxiv)

    hf = sources.add_parser("hf", help="import a day of Hugging Face daily papers")
    hf.add_argument("--date", dest="day", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    hf.set_defaults(handler=run_hf)

    pages = sources.add_parser("pages", help="import saved Daily Papers pages (text)")
    pages.add_argument("paths", type=Path, nargs="+")
    pages.add_argument(
        "--year", type=int, help="year of the pages' dates (default: the latest not in the future)"
    )
    pages.set_defaults(handler=run_pages)

    ids = sources.add_parser("ids", help="fetch papers by arXiv id or URL through the arXiv API")
    ids.add_argument("ids", nargs="+", metavar="ID")
    ids.set_defaults(handler=run_ids)

    for parser in (snapshot, arxiv, hf, pages, ids):
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="leave the search indexes for a later `paperboy index update`",
        )


def _finish(args: argparse.Namespace, db: Any, config: Any, report: Any) -> None:
    """Print the summary, then bring the search indexes up to date (unless --no-index)."""
    print_ingest_report(report, args.json)
    if not args.no_index:
        update_indexes(db, config)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-05-31") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days, 1 or more")
    return value


def _category(text: str) -> str:
    if not is_category(text):
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not an arXiv archive or category (like cs, math, hep-th or cs.LG)"
        )
    return text


def run_snapshot(args: argparse.Namespace) -> int:
    from paperboy.services.gathering import snapshot_import
    from paperboy.sources.snapshot import SnapshotSlice

    config = context.settings()
    snapshot_import.check_snapshot(args.path)  # fail fast on a missing, empty or wrong path
    categories = tuple(dict.fromkeys(args.categories))
    wanted = SnapshotSlice(since=args.since, categories=categories)
    if args.last_days:
        _say(args, f"finding the newest {args.last_days} listing days in {args.path.name}")
        newest = snapshot_import.newest_listing_days(args.path, args.last_days, categories)
        wanted = newest.wanted
        if newest.days:
            _say(
                args,
                f"{len(newest.days)} listing days, {newest.days[0]} to {newest.days[-1]}: "
                f"{newest.records:,} records",
            )
        else:
            _say(args, "no record has a date; nothing to import")
    db = context.database(config)
    with progress_bar(f"importing {args.path.name}") as advance:
        report = snapshot_import.import_snapshot(
            db,
            args.path,
            on_feed=args.feed,
            wanted=wanted,
            batch_size=config.batch_size,
            progress=advance,
        )
    _finish(args, db, config, report)
    if snapshot_import.every_record_rejected(report):
        print(
            f"error: {args.path}: every record was rejected; is this an arXiv metadata snapshot?",
            file=sys.stderr,
        )
        return 1
    return 0 if report.error is None else 1


def _say(args: argparse.Namespace, message: str) -> None:
    """A progress line; on stderr with --json, so stdout stays one JSON object."""
    print(message, file=sys.stderr if args.json else sys.stdout, flush=True)


def run_arxiv(args: argparse.Namespace) -> int:
    from paperboy.services.gathering.harvest import harvest_sets

    config = context.settings()
    db = context.database(config)
    sets: list[str | None] = [args.set_spec] if args.set_spec else list(config.arxiv_sets) or [None]
    failed = False
    for _set, report in harvest_sets(
        db,
        config,
        sets,
        from_date=args.from_date,
        until=args.until,
        metadata_prefix=args.metadata_prefix,
        restart=args.restart,
        progress=lambda set_spec: progress_bar(f"harvesting {set_spec or 'all of arXiv'}"),
    ):
        print_ingest_report(report, args.json)
        failed = failed or report.error is not None
    if not args.no_index:
        update_indexes(db, config)
    return 1 if failed else 0


def run_hf(args: argparse.Namespace) -> int:
    from paperboy.services.gathering.hf_daily_import import ingest_hf_day

    config = context.settings()
    db = context.database(config)
    report = ingest_hf_day(db, config, args.day or date.today())
    _finish(args, db, config, report)
    return 0 if report.error is None else 1


def run_pages(args: argparse.Namespace) -> int:
    from paperboy.services.gathering.pages_import import import_pages

    config = context.settings()
    db = context.database(config)
    with progress_bar("importing pages") as advance:
        report = import_pages(db, config, args.paths, year=args.year, progress=advance)
    _finish(args, db, config, report)
    return 0 if report.error is None else 1


def run_ids(args: argparse.Namespace) -> int:
    from paperboy.services.gathering.arxiv_lookup import ingest_arxiv_ids

    config = context.settings()
    db = context.database(config)
    report = ingest_arxiv_ids(db, config, args.ids)
    _finish(args, db, config, report)
    return 0 if report.error is None else 1
