"""Saved "Daily Papers" pages, as text: a header, a date line, then papers.

Layout (see ../shared/seeds/*.txt beside the checkout):

    new / Get trending papers in your email inbox! / Subscribe / Daily Papers /
    byAK and the research community          <- header lines, each its own paragraph
    Jul 30                                   <- the day; the year is not on the page
    <title paragraph>                        <- a short single line
    <abstract paragraph>                     <- long prose
    ...

Paragraphs are separated by blank lines. A title is told from an abstract by shape,
never by position alone, so a page cut off after a title, or missing an abstract in
the middle, gives a rejection naming that title instead of a paper with someone
else's abstract.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from paperboy.domain import FeedEntry, Paper, Rejection, SourceItem, SourceRecord
from paperboy.sources.errors import SourceError

SOURCE = "page"
HEADER_LINES = frozenset(
    {"new", "get trending papers in your email inbox!", "subscribe", "daily papers",
     "byak and the research community"}
)  # fmt: skip
_MONTH_NAMES = ["january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december"]  # fmt: skip
# "Jul", "July", "Sept": whole names or their abbreviations, so a title like "Mayo 2"
# is never taken for a date.
_MONTHS = {
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_DATE_LINE = re.compile(r"^(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?$")
# An abstract is prose: this long, or several sentences. Real titles stay well under it.
MIN_ABSTRACT_CHARS = 200
MAX_TITLE_CHARS = 300
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


@dataclass
class _Paragraph:
    text: str
    line: int
    lines: int


def read_daily_pages(path: Path, year: int | None = None, today: date | None = None) -> Iterator[SourceItem]:
    """Yield a SourceRecord (title, abstract, FeedEntry on the page's day) per paper,
    located "path:line" at its title, and a Rejection for whatever cannot be a paper.

    The day's year is year if given, else the latest year putting that day not after
    today. Raises SourceError only when the file cannot be opened at all.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory; give saved page .txt files") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield Rejection(f"{path}:{line}", f"invalid UTF-8 at byte {exc.start}; save the page as UTF-8 text")
        return
    if not text.strip():
        yield Rejection(f"{path}:1", "file is empty; nothing to import")
        return
    paragraphs = list(_paragraphs(text))
    if not any(_date_of(p) for p in paragraphs):
        yield Rejection(
            f"{path}:1",
            "no date line (like 'Jul 30') found; is this a saved Daily Papers page?",
        )
        return
    yield from _papers(path, paragraphs, year, today or date.today())


def _papers(path: Path, paragraphs: list[_Paragraph], year: int | None, today: date) -> Iterator[SourceItem]:
    started = False  # whether a date line has been seen: before it is page chrome
    day: date | None = None  # None after a date line that names no real day
    pending: _Paragraph | None = None  # a title still waiting for its abstract

    def orphan(title: _Paragraph, why: str) -> Rejection:
        return Rejection(f"{path}:{title.line}", f"title {title.text[:120]!r} has no abstract ({why})")

    for paragraph in paragraphs:
        month_day = _date_of(paragraph)
        if month_day is not None:
            if pending:
                yield orphan(pending, "a date line follows it")
                pending = None
            started = True
            try:
                day = _resolve_day(*month_day, year=year, today=today)
            except ValueError as exc:
                yield Rejection(f"{path}:{paragraph.line}", str(exc))
                day = None
            continue
        if not started or paragraph.text.lower() in HEADER_LINES:
            continue
        title, abstract = _split_title_abstract(paragraph)
        if title is not None and abstract is not None:
            # A title and its abstract with no blank line between them.
            if pending:
                yield orphan(pending, "another title follows it")
            pending = None
            yield _record(path, title, abstract, day)
        elif title is not None:
            if pending:
                yield orphan(pending, "another title follows it")
            pending = title
        elif abstract is not None:
            if pending is None:
                yield Rejection(
                    f"{path}:{abstract.line}",
                    f"abstract {abstract.text[:60]!r}... has no title before it",
                )
            else:
                yield _record(path, pending, abstract, day)
                pending = None
    if pending:
        yield orphan(pending, "the page ends after it; was it cut off?")


def _record(path: Path, title: _Paragraph, abstract: _Paragraph, day: date | None) -> SourceItem:
    if day is None:
        # Its date line was reported already; each paper under it is counted too.
        return Rejection(f"{path}:{title.line}", f"{title.text[:120]!r} is under an unusable date line")
    paper = Paper(title=title.text, abstract=abstract.text, source=SOURCE)
    return SourceRecord(paper, f"{path}:{title.line}", FeedEntry(day=day, origin="page"))


def _split_title_abstract(p: _Paragraph) -> tuple[_Paragraph | None, _Paragraph | None]:
    """(title, abstract) of a paragraph: either, both (title line glued to its abstract)
    or, for text that is neither, the paragraph as a title so it is reported, not lost."""
    if _looks_like_abstract(p.text):
        first, _, rest = p.text.partition("\n")
        if p.lines > 1 and _looks_like_title(first) and _looks_like_abstract(rest):
            return _Paragraph(first, p.line, 1), _Paragraph(rest, p.line + 1, p.lines - 1)
        return None, p
    return _Paragraph(" ".join(p.text.split()), p.line, p.lines), None


def _looks_like_abstract(text: str) -> bool:
    flat = " ".join(text.split())
    if len(flat) >= MIN_ABSTRACT_CHARS or len(_SENTENCE_BREAK.findall(flat)) >= 2:
        return True
    # A short abstract is still a sentence; titles almost never end with a full stop.
    return flat.endswith(".") and len(flat.split()) >= 12


def _looks_like_title(text: str) -> bool:
    flat = " ".join(text.split())
    return 0 < len(flat) <= MAX_TITLE_CHARS and not _looks_like_abstract(flat)


def _paragraphs(text: str) -> Iterator[_Paragraph]:
    """Runs of non-blank lines, with the 1-based number of their first line."""
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line.strip())
        elif lines:
            yield _Paragraph("\n".join(lines), start, len(lines))
            lines = []
    if lines:
        yield _Paragraph("\n".join(lines), start, len(lines))


def _date_of(p: _Paragraph) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) when the paragraph is a date line like "Jul 30"."""
    if p.lines != 1:
        return None
    match = _DATE_LINE.match(p.text)
    if not match or match.group("month").lower() not in _MONTHS:
        return None
    year = match.group("year")
    return _MONTHS[match.group("month").lower()], int(match.group("day")), int(year) if year else None


def _resolve_day(month: int, day: int, page_year: int | None, *, year: int | None, today: date) -> date:
    """The date of a "Mon D" line: an explicit year wins, else the latest not after today."""
    chosen = year or page_year
    if chosen is not None:
        try:
            return date(chosen, month, day)
        except ValueError:
            raise ValueError(f"date line {month:02d}-{day:02d} does not exist in {chosen}") from None
    # Feb 29 needs a leap year; eight years back always holds one.
    for candidate in range(today.year, today.year - 9, -1):
        try:
            resolved = date(candidate, month, day)
        except ValueError:
            continue
        if resolved <= today:
            return resolved
    raise ValueError(f"date line {month:02d}-{day:02d} is not a day of any recent year")
