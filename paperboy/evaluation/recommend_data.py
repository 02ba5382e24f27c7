"""The "for you" evaluation's data: arXiv records, and readers made from their authors.

Protocol (docs/recommendations.md): pick a cut date. A reader is an author name (exact
string) with at least MIN_LIBRARY papers listed before the cut and at least MIN_RELEVANT in
the WINDOW_DAYS days from the cut. Their library is their papers before the cut; the
candidates are every paper of the window; their own window papers are the relevant ones.
Authors are used only here, to build readers: rankers get RankerPaper, which has no authors.
"""

from __future__ import annotations

import gzip
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from paperboy.domain.errors import UserFacingError
from paperboy.rank.for_you import RankerPaper

SNAPSHOT_NAME = "arxiv-metadata-oai-snapshot.jsonl.gz"
MIN_LIBRARY = 5
MIN_RELEVANT = 2
WINDOW_DAYS = 30


class RecommendDataError(UserFacingError, ValueError):
    """The records file is missing or has a bad line; the message says where."""


@dataclass(frozen=True, slots=True)
class Record:
    """One arXiv record as the evaluation reads it: the ranker's view plus its authors."""

    paper: RankerPaper
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reader:
    """An author standing in for a reader: what they had (library) and what they wrote next."""

    name: str
    library: tuple[str, ...]  # paper ids, oldest listing first
    relevant: frozenset[str]


@dataclass(frozen=True)
class EvaluationSet:
    cut: date
    papers: dict[str, RankerPaper]
    candidates: tuple[str, ...]  # every paper of the window, by id
    readers: tuple[Reader, ...]
    eligible_readers: int  # before sampling down to max_readers


def snapshot_file(path: Path) -> Path:
    """The records file: PATH itself, or the snapshot inside the folder PATH."""
    path = Path(path)
    if path.is_dir():
        for name in (SNAPSHOT_NAME, SNAPSHOT_NAME.removesuffix(".gz")):
            if (path / name).is_file():
                return path / name
        raise RecommendDataError(f"{path}: no {SNAPSHOT_NAME} in this folder")
    if not path.is_file():
        raise RecommendDataError(f"{path}: file not found")
    return path


def _author_names(row: dict[str, Any]) -> tuple[str, ...]:
    parsed = row.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for part in parsed:
            if isinstance(part, list) and part:
                last, rest = str(part[0]), str(part[1]) if len(part) > 1 else ""
                names.append(f"{rest} {last}".strip())
        return tuple(n for n in names if n)
    authors = row.get("authors")
    if isinstance(authors, str):
        return tuple(n.strip() for n in authors.split(",") if n.strip())
    return ()


def read_records(path: Path) -> Iterator[Record]:
    """Every record of a metadata-snapshot file (JSON lines, optionally gzip), in file order."""
    source = snapshot_file(path)
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                day = date.fromisoformat(row["update_date"])
                paper = RankerPaper(
                    id=str(row["id"]),
                    title=" ".join(str(row["title"]).split()),
                    abstract=" ".join(str(row.get("abstract") or "").split()),
                    categories=tuple(str(row.get("categories") or "").split()),
                    day=day,
                )
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise RecommendDataError(f"{source}:{number}: not a usable record ({exc})") from None
            yield Record(paper, _author_names(row))


def build_evaluation_set(
    records: Sequence[Record], cut: date, max_readers: int | None = 500, seed: int = 13
) -> EvaluationSet:
    """Readers, libraries and candidates for one cut; readers sampled with a fixed seed."""
    window_end = cut + timedelta(days=WINDOW_DAYS)
    before: dict[str, list[RankerPaper]] = defaultdict(list)
    after: dict[str, set[str]] = defaultdict(set)
    candidates: list[str] = []
    papers: dict[str, RankerPaper] = {}
    for record in records:
        day = record.paper.day
        if day < cut:
            for name in set(record.authors):
                before[name].append(record.paper)
        elif day < window_end:
            candidates.append(record.paper.id)
            papers[record.paper.id] = record.paper
            for name in set(record.authors):
                after[name].add(record.paper.id)
    eligible = sorted(
        name
        for name, later in after.items()
        if len(later) >= MIN_RELEVANT and len(before.get(name, ())) >= MIN_LIBRARY
    )
    chosen = eligible
    if max_readers is not None and len(eligible) > max_readers:
        chosen = sorted(random.Random(seed).sample(eligible, max_readers))
    readers = []
    for name in chosen:
        library = sorted(before[name], key=lambda p: (p.day, p.id))
        for p in library:
            papers[p.id] = p
        readers.append(Reader(name, tuple(p.id for p in library), frozenset(after[name])))
    return EvaluationSet(cut, papers, tuple(sorted(candidates)), tuple(readers), len(eligible))
