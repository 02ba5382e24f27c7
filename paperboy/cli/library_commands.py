"""paperboy library: import a reader's BibTeX, RIS or CSL-JSON file; export a library; rematch."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from paperboy.cli import context
from paperboy.cli.output import print_json

FORMATS = ("bibtex", "ris", "csl-json")


def register(commands: Any) -> None:
    library = commands.add_parser("library", help="import and export readers' libraries")
    actions = library.add_subparsers(dest="library_command", metavar="ACTION", required=True)

    imports = actions.add_parser(
        "import", help="import FILE (BibTeX, RIS or CSL-JSON) into a reader's library"
    )
    imports.add_argument("file", type=Path, help="the file (.bib, .ris or .json)")
    imports.add_argument("--user", required=True, metavar="EMAIL", help="the reader's sign-in address")
    imports.add_argument("--format", choices=FORMATS, help="the file's format (default: from its name)")
    imports.add_argument("--json", action="store_true", help="print the report as JSON")
    imports.set_defaults(handler=run_import)

    export = actions.add_parser("export", help="print a reader's library as BibTeX, RIS or CSL-JSON")
    export.add_argument("--user", required=True, metavar="EMAIL", help="the reader's sign-in address")
    export.add_argument("--format", required=True, choices=FORMATS, help="the format to write")
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="write to FILE instead of standard output"
    )
    export.set_defaults(handler=run_export)

    rematch = actions.add_parser(
        "rematch", help="match kept unmatched entries against papers harvested since"
    )
    rematch.add_argument("--json", action="store_true", help="print the count as JSON")
    rematch.set_defaults(handler=run_rematch)


def _reader(db: Any, email: str) -> Any:
    from paperboy.services.library.access import user_by_email

    with db.connect() as conn:
        return user_by_email(conn, email)


def run_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from paperboy.services.library.imports import import_library
    from paperboy.sources.library_files import MAX_FILE_BYTES, LibraryFileError

    size = args.file.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LibraryFileError(
            f"{args.file} is {size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB"
        )
    data = args.file.read_bytes()
    db = context.database()
    reader = _reader(db, args.user)
    with tqdm(desc=f"importing {args.file.name}", unit="entry", file=sys.stderr, disable=None) as bar:

        def set_total(total: int) -> None:
            bar.total = total
            bar.refresh()

        report = import_library(
            db, reader, data, args.file.name, args.format, progress=bar.update, on_total=set_total
        )
    if args.json:
        print_json(report.to_json())
        return 0
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"{report.entries:,} entries: {report.saved:,} saved, "
        f"{report.already_saved:,} already in the library, "
        f"{report.unmatched:,} not matched (kept), {report.rejected:,} refused"
    )
    if report.unmatched_entries:
        print("not matched (kept; `paperboy library rematch` tries again after a harvest):")
        for location, title, reason in report.unmatched_entries[:20]:
            print(f"  {location}: {title[:80]!r}: {reason}")
    if report.rejections:
        print("refused:")
        for rejection in report.rejections[:20]:
            print(f"  {rejection}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from paperboy.services.library.exports import export_library

    db = context.database()
    text = export_library(db, _reader(db, args.user), args.format)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_rematch(args: argparse.Namespace) -> int:
    from paperboy.services.library.imports import rematch_unmatched

    matched = rematch_unmatched(context.database())
    if args.json:
        print_json({"matched": matched})
    else:
        print(f"{matched:,} kept entries matched a paper and were saved")
    return 0
