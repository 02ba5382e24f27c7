"""Printing results for people and for scripts, and progress bars on long work."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from paperboy.domain import IngestReport


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


@contextmanager
def progress_bar(
    description: str, total: int | None = None, unit: str = "rec"
) -> Iterator[Callable[[int], None]]:
    """A tqdm bar on stderr when it is a terminal; silent otherwise."""
    from tqdm import tqdm

    with tqdm(
        total=total, desc=description, unit=unit, file=sys.stderr, disable=None, dynamic_ncols=True
    ) as bar:
        yield bar.update


def print_ingest_report(report: IngestReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    print(
        f"added {report.added:,}, updated {report.updated:,}, unchanged {report.unchanged:,}, "
        f"rejected {report.rejected:,}"
        + (f", withdrawn {report.deleted:,}" if report.deleted else "")
        + (f"; {report.entries_added:,} feed entries added" if report.entries_added else "")
    )
    if report.rejections:
        shown = report.rejections[:10]
        print(
            f"first {len(shown)} of {report.rejected:,} rejected:"
            if report.rejected > len(shown)
            else "rejected:"
        )
        for rejection in shown:
            print(f"  {rejection}")
    if report.error:
        print(f"stopped early: {report.error}", file=sys.stderr)
