"""Generate a synthetic arXiv metadata snapshot shaped like the real one, for benchmarks.

Usage:
    python bench/generate_snapshot.py --records 100000 [--out PATH] [--gzip] [--seed N]

Every record is recombined, with a seeded RNG, from the 200 real records in
$SNAPSHOT_SAMPLE (default ../shared/data/arxiv-snapshot-sample/...jsonl):

- layout: the same 14 keys in the same order, compact JSON with \\u escapes, null for
  missing values, authors string AND authors_parsed, versions with RFC 2822 dates;
- text: titles spliced from two real titles, abstracts from real sentences, authors
  from real author entries, comments / journal-ref / doi / report-no from real values
  with their digits redrawn; titles, authors and comments hard-wrapped with a two-space
  continuation indent, abstracts with a leading two spaces, wrapped lines and
  occasional indented paragraphs, as arXiv writes them;
- distributions: per record a real record is the template for how many authors,
  categories, versions and abstract sentences, and which fields are null; 1 in 500
  records is a large collaboration (100 to 3,000 authors), which the 2007 sample lacks
  but the full snapshot has;
- ids: unique and in snapshot order: new-style ids first (0704.0001 to 2412.xxxxx, four
  digits until 1412, five from 1501, more per month as arXiv grew), then about 16%
  old-style ids (hep-th/9901001, 1991 to 2007) sorted by archive, each with categories
  of its own archive.

Writes with a progress bar to bench/data/ (gitignored) unless --out says otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

SAMPLE = Path(
    os.environ.get(
        "SNAPSHOT_SAMPLE",
        str(
            Path(__file__).resolve().parents[1].parent
            / "shared"
            / "data"
            / "arxiv-snapshot-sample"
            / "arxiv-metadata-oai-snapshot.jsonl"
        ),
    )
)
DATA = Path(__file__).parent / "data"
KEYS = (
    "id", "submitter", "authors", "title", "comments", "journal-ref", "doi", "report-no",
    "categories", "license", "abstract", "versions", "update_date", "authors_parsed",
)  # fmt: skip
OLD_STYLE_SHARE = 0.16  # ~430k of ~2.6M papers predate April 2007
COLLABORATION_SHARE = 0.002
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z$\\(])")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def default_path(records: int, compressed: bool) -> Path:
    return DATA / f"arxiv-snapshot-{records}.jsonl{'.gz' if compressed else ''}"


@dataclass
class Pools:
    """What the real sample offers to recombine."""

    templates: list[dict[str, Any]]
    titles: list[list[str]]
    title_words: list[str]
    sentences: list[str]
    authors: list[list[str]]


def load_pools(sample: Path = SAMPLE) -> Pools:
    templates = [json.loads(line) for line in sample.open(encoding="utf-8") if line.strip()]
    sentences = []
    for record in templates:
        for paragraph in _paragraphs(record["abstract"]):
            sentences.extend(s for s in _SENTENCE_END.split(paragraph) if s)
    return Pools(
        templates=templates,
        titles=[r["title"].split() for r in templates],
        title_words=[w for r in templates for w in r["title"].split()],
        sentences=sentences,
        authors=[list(a) for r in templates for a in r["authors_parsed"]],
    )


def _paragraphs(abstract: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n(?=  )", abstract.strip("\n")) if p.strip()]


# ---------------------------------------------------------------- ids in snapshot order
def _months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    year, month = first
    out = []
    while (year, month) <= last:
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _spread(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Split total over buckets in proportion to weights (multinomial, seeded)."""
    counts = [0] * len(weights)
    for index in rng.choices(range(len(weights)), weights=weights, k=total):
        counts[index] += 1
    return counts


def new_style_ids(rng: random.Random, count: int) -> Iterator[tuple[str, int, int]]:
    """(id, year, month) from 0704 to 2412; monthly submissions grow ~5k to ~24k."""
    months = _months((2007, 4), (2024, 12))
    submitted = [5_000 + 19_000 * i / (len(months) - 1) for i in range(len(months))]
    for (year, month), n, size in zip(months, _spread(rng, count, submitted), submitted, strict=False):
        width = 4 if year < 2015 else 5
        top = min(int(size), 10**width - 1)
        for number in sorted(rng.sample(range(1, top + 1), min(n, top))):
            yield f"{year % 100:02d}{month:02d}.{number:0{width}d}", year, month


def old_style_ids(rng: random.Random, archives: list[str], count: int) -> Iterator[tuple[str, int, int, str]]:
    """(id, year, month, archive) from 9108 to 0703, sorted by archive as the snapshot is."""
    months = _months((1991, 8), (2007, 3))
    submitted = [200 + 4_300 * i / (len(months) - 1) for i in range(len(months))]
    seen: set[str] = set()
    rows = []
    for (year, month), n in zip(months, _spread(rng, count, submitted), strict=False):
        for _ in range(n):
            while True:
                archive = rng.choice(archives)
                old_id = f"{archive}/{year % 100:02d}{month:02d}{rng.randint(1, 999):03d}"
                if old_id not in seen:
                    break
            seen.add(old_id)
            rows.append((old_id, year, month, archive))
    rows.sort()
    yield from rows


def _archive(category: str) -> str:
    return category.split(".")[0]


# ---------------------------------------------------------------- one record
def _wrap(text: str, width: int, indent: str = "  ") -> str:
    return (
        "\n".join(
            textwrap.wrap(
                text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
            )
        )
        or text
    )


def _redraw_digits(rng: random.Random, text: str) -> str:
    return re.sub(r"\d", lambda _: str(rng.randint(0, 9)), text)


def _rfc2822(when: datetime) -> str:
    return f"{_DAYS[when.weekday()]}, {when.day} {_MONTHS[when.month - 1]} {when.year} {when:%H:%M:%S} GMT"


def _author_count(rng: random.Random, template: dict[str, Any]) -> int:
    if rng.random() < COLLABORATION_SHARE:
        return int(10 ** rng.uniform(2, 3.5))
    return len(template["authors_parsed"])


def make_record(
    rng: random.Random, pools: Pools, arxiv_id: str, year: int, month: int, archive: str | None
) -> dict[str, Any]:
    template = rng.choice(pools.templates)
    if archive is not None:
        same = [t for t in pools.templates if _archive(t["categories"].split()[0]) == archive]
        template = rng.choice(same) if same else template

    # Title: the head of one real title and the tail of another.
    first, second = rng.choice(pools.titles), rng.choice(pools.titles)
    cut = rng.randint(1, max(1, len(first) - 1))
    words = first[:cut] + second[min(cut, len(second) - 1) :]
    # Then two words swapped for any real title word: a 200-title sample spliced alone
    # repeats a third of its titles, where the real snapshot repeats well under 1%.
    for _ in range(2):
        words[rng.randrange(len(words))] = rng.choice(pools.title_words)
    title = " ".join(words)

    # Abstract: as many real sentences as the template has, in its paragraph shape.
    paragraphs = []
    for paragraph in _paragraphs(template["abstract"]):
        n = max(1, len(_SENTENCE_END.split(paragraph)))
        paragraphs.append(" ".join(rng.choice(pools.sentences) for _ in range(n)))
    abstract = "".join(
        "\n".join(textwrap.wrap("  " + p, 80, break_long_words=False, break_on_hyphens=False)) + "\n"
        for p in paragraphs
    )

    parsed = [list(rng.choice(pools.authors)) for _ in range(_author_count(rng, template))]
    names = [" ".join(x for x in (a[1], a[0], a[2]) if x) for a in parsed]
    if len(names) > 1 and rng.random() < 0.4:
        authors = ", ".join(names[:-1]) + " and " + names[-1]
    else:
        authors = ", ".join(names)
    submitter = rng.choice(names) if rng.random() < 0.85 else rng.choice(pools.templates)["submitter"]

    categories = template["categories"].split()
    if archive is not None and _archive(categories[0]) != archive:
        categories = [archive]

    created = datetime(year, month, 1) + timedelta(seconds=rng.randrange(27 * 86_400))
    versions = []
    for number in range(1, len(template["versions"]) + 1):
        versions.append({"version": f"v{number}", "created": _rfc2822(created)})
        created += timedelta(seconds=int(rng.expovariate(1 / (60 * 86_400))) + 3_600)
    update_date = min(created + timedelta(days=rng.randrange(400)), datetime(2024, 12, 31))

    def redrawn(field: str) -> str | None:
        value = template[field]
        return None if value is None else _redraw_digits(rng, value)

    comments = redrawn("comments")
    record = {
        "id": arxiv_id,
        "submitter": submitter,
        "authors": _wrap(authors, 72),
        "title": _wrap(title, 72),
        "comments": None if comments is None else _wrap(comments, 72),
        "journal-ref": redrawn("journal-ref"),
        "doi": redrawn("doi"),
        "report-no": redrawn("report-no"),
        "categories": " ".join(categories),
        "license": template["license"],
        "abstract": abstract,
        "versions": versions,
        "update_date": f"{update_date:%Y-%m-%d}",
        "authors_parsed": parsed,
    }
    return {key: record[key] for key in KEYS}


def generate(records: int, seed: int = 0, pools: Pools | None = None) -> Iterator[dict[str, Any]]:
    """Yield records in snapshot order: new-style ids, then old-style ids by archive."""
    pools = pools or load_pools()
    rng = random.Random(seed)
    old = round(records * OLD_STYLE_SHARE)
    for arxiv_id, year, month in new_style_ids(rng, records - old):
        yield make_record(rng, pools, arxiv_id, year, month, None)
    archives = sorted({_archive(t["categories"].split()[0]) for t in pools.templates})
    for arxiv_id, year, month, archive in old_style_ids(rng, archives, old):
        yield make_record(rng, pools, arxiv_id, year, month, archive)


def write_snapshot(path: Path, records: int, seed: int = 0, compressed: bool = False) -> Path:
    """Write the snapshot atomically (a half-written file never looks finished)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    handle: IO[bytes] = gzip.open(partial, "wb", compresslevel=6) if compressed else partial.open("wb")
    with handle, tqdm(total=records, unit="rec", desc=f"writing {path.name}", file=sys.stderr) as bar:
        lines = []
        for record in generate(records, seed):
            lines.append(json.dumps(record, separators=(",", ":")))
            if len(lines) == 1_000:
                handle.write(("\n".join(lines) + "\n").encode("ascii"))
                bar.update(len(lines))
                lines = []
        if lines:
            handle.write(("\n".join(lines) + "\n").encode("ascii"))
            bar.update(len(lines))
    partial.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--out", type=Path, help="default: bench/data/arxiv-snapshot-N.jsonl[.gz]")
    parser.add_argument("--gzip", action="store_true", help="gzip the output")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = args.out or default_path(args.records, args.gzip)
    write_snapshot(out, args.records, args.seed, args.gzip)
    print(f"{out}: {args.records:,} records, {out.stat().st_size / 1e6:,.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
