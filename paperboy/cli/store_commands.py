"""init, config, stats and show."""

from __future__ import annotations

import argparse
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json


def register(commands: Any) -> None:
    init = commands.add_parser("init", help="create the data folder and the store (or migrate it)")
    init.add_argument("--json", action="store_true", help="print the result as JSON")
    init.set_defaults(handler=run_init)

    config = commands.add_parser("config", help="print the effective settings, secrets masked")
    config.add_argument("--json", action="store_true", help="print the settings as JSON")
    config.set_defaults(handler=run_config)

    stats = commands.add_parser("stats", help="count papers, entries and recent ingest runs")
    stats.add_argument("--json", action="store_true", help="print the counts as JSON")
    stats.set_defaults(handler=run_stats)

    show = commands.add_parser("show", help="print one paper by arXiv id (any form) or key")
    show.add_argument("id", help="e.g. 2402.01234, arXiv:2402.01234v2 or an arxiv.org URL")
    show.add_argument("--json", action="store_true", help="print the paper as JSON")
    show.set_defaults(handler=run_show)


def run_init(args: argparse.Namespace) -> int:
    config = context.settings()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    db = context.database(config)
    result = {
        "data_dir": str(config.data_dir.resolve()),
        "database": db.engine.url.render_as_string(hide_password=True),
        "schema_revision": db.schema_revision(),
    }
    if args.json:
        print_json(result)
    else:
        print(f"store ready at {result['database']} (schema {result['schema_revision']})")
    return 0


def run_config(args: argparse.Namespace) -> int:
    rows = context.settings().describe()
    if args.json:
        print_json({name: value for name, value, _ in rows})
        return 0
    width = max(len(name) for name, _, _ in rows)
    for name, value, help_text in rows:
        print(f"{name.ljust(width)}  {value}")
        print(f"{''.ljust(width)}  # {help_text} (PAPERBOY_{name.upper()})")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from paperboy.services.catalogue import store_statistics

    stats = store_statistics(context.database())
    if args.json:
        print_json(stats)
        return 0
    counts = f"{stats['withdrawn']:,} withdrawn, {stats['with_arxiv_id']:,} with an arXiv id"
    print(f"papers      {stats['papers']:,} ({counts})")
    days = f"{stats['first_day'] or '-'} to {stats['last_day'] or '-'}"
    print(f"feed days   {days} ({stats['entries']:,} entries)")
    print(f"newest      {stats['newest_published'] or '-'}")
    if stats["by_source"]:
        print("by source   " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats["by_source"].items())))
    if stats["top_categories"]:
        print("categories  " + ", ".join(f"{c} {n:,}" for c, n in stats["top_categories"]))
    for run in stats["recent_runs"]:
        state = "done" if run["finished"] else "unfinished"
        print(
            f"run         {run['started_at'][:19]} {run['kind']} ({state}): +{run['added']} "
            f"~{run['updated']} ={run['unchanged']} !{run['rejected']}"
            + (f" error: {run['error']}" if run["error"] else "")
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from paperboy.services.catalogue import find_paper

    stored = find_paper(context.database(), args.id)
    if stored is None:
        print(f"no paper {args.id!r} in the store (try `paperboy ingest ids {args.id}`)")
        return 1
    p = stored.paper
    record = {
        "key": stored.key,
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "authors": [a.name for a in p.authors],
        "categories": list(p.categories),
        "published": p.published,
        "updated": p.updated,
        "version": p.version,
        "doi": p.doi,
        "journal_ref": p.journal_ref,
        "comments": p.comments,
        "code_url": p.code_url,
        "abstract": p.abstract,
        "withdrawn": stored.withdrawn,
        "source": p.source,
        "first_seen": stored.first_seen,
        "entries": [
            {"day": e.day, "origin": e.origin, "submitted_by": e.submitted_by, "upvotes": e.upvotes}
            for e in stored.entries
        ],
    }
    if args.json:
        print_json(record)
        return 0
    print(p.title)
    print(", ".join(a.name for a in p.authors) or "(no authors)")
    version = f"v{p.version}" if p.version else ""
    dates = f"published {_day(p.published)}  updated {_day(p.updated)}"
    print(f"{stored.key}{version}  {' '.join(p.categories)}  {dates}")
    for label in ("doi", "journal_ref", "comments", "code_url"):
        if record[label]:
            print(f"{label}: {record[label]}")
    if stored.withdrawn:
        print("WITHDRAWN from arXiv")
    print()
    print(p.abstract)
    for e in stored.entries:
        who = f" by {e.submitted_by}" if e.submitted_by else ""
        print(
            f"\non {e.day.isoformat()} via {e.origin}{who}" + (f", {e.upvotes} upvotes" if e.upvotes else "")
        )
    return 0


def _day(value: Any) -> str:
    return value.date().isoformat() if value else "-"
