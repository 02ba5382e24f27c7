"""How far the count-min sketch of phrase document frequencies (paperboy/index/phrase_counts.py)
is from exact counts, on real papers, and what that does to the key phrases chosen.

Usage:
    python bench/phrase_counts.py [--records 20000] [--widths 20,21,22] [--sample 500]

Reads the first --records papers of ../shared/data/arxiv-2025-2026/ (title and abstract),
counts every candidate phrase's document frequency exactly (a Counter) and in sketches of
depth 2 and width 2^w, with conservative update (what Paperboy uses) and with plain update
(for comparison). For each: how many phrases are counted exactly, the mean and the 99th
percentile excess, the excess of the rare phrases (true count 1 or 2, most of them and the
ones idf favours), and how many of a sample's five key phrases are the same as with exact
counts. Also the number of distinct phrases, which is what an exact table would hold.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np

from paperboy.domain.keyphrases import key_phrases, paper_candidates
from paperboy.index.phrase_counts import PhraseCounts, _cells, phrase_hashes, text_hash

SHARED = Path(__file__).resolve().parents[2] / "shared"
SNAPSHOT = SHARED / "data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz"


def read_papers(path: Path, n: int) -> list[tuple[str, str]]:
    papers = []
    with gzip.open(path, "rt") as f:
        for line in itertools.islice(f, n):
            record = json.loads(line)
            papers.append((" ".join(record["title"].split()), " ".join(record["abstract"].split())))
    return papers


def plain_sketch(batches: list[Counter[str]], width: int) -> PhraseCounts:
    """The same cells, each phrase added in full to both (the textbook count-min update)."""
    sketch = PhraseCounts(width=width)
    for batch in batches:
        phrases = list(batch)
        rows = _cells(phrase_hashes(phrases), width)
        k = np.fromiter(batch.values(), dtype=np.uint32, count=len(phrases))
        for row, cells in enumerate(rows):
            np.add.at(sketch.table[row], cells, k)
    return sketch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--widths", default="20,21,22", help="log2 of the widths to try")
    parser.add_argument("--sample", type=int, default=500, help="papers whose key phrases are compared")
    parser.add_argument("--step", type=int, default=1000, help="papers per sketch update (indexer step)")
    args = parser.parse_args()
    papers = read_papers(args.snapshot, args.records)
    started, cpu = time.perf_counter(), time.process_time()
    sets = [set(paper_candidates(t, a)) for t, a in papers]
    print(f"{len(papers):,} papers; candidates in {time.perf_counter() - started:.1f} s "
          f"({time.process_time() - cpu:.1f} s CPU)")  # fmt: skip
    exact: Counter[str] = Counter()
    for s in sets:
        exact.update(s)
    occurrences = sum(exact.values())
    print(f"{len(exact):,} distinct phrases, {occurrences:,} (paper, phrase) pairs")
    phrases = list(exact)
    truth = np.fromiter(exact.values(), dtype=np.int64, count=len(phrases))
    rare = truth <= 2
    batches = []
    for start in range(0, len(sets), args.step):
        batch: Counter[str] = Counter()
        for s in sets[start : start + args.step]:
            batch.update(s)
        batches.append(batch)
    sample = random.Random(15).sample(range(len(papers)), min(args.sample, len(papers)))
    chosen_exact = {i: key_phrases(*papers[i], exact.__getitem__, len(papers)) for i in sample}
    print(
        f"{'sketch':28} {'MiB':>4} {'exact':>6} {'mean+':>6} {'p99+':>5} {'rare mean+':>10} "
        f"{'rare p99+':>9} {'same top-5':>10} {'ms/paper CPU':>12}"
    )
    for log_width in (int(w) for w in args.widths.split(",")):
        width = 1 << log_width
        for kind in ("conservative", "plain"):
            started, cpu = time.perf_counter(), time.process_time()
            if kind == "plain":
                sketch = plain_sketch(batches, width)
            else:
                sketch = PhraseCounts(width=width)
                for start in range(0, len(sets), args.step):
                    step = range(start, min(start + args.step, len(sets)))
                    sketch.add((i, text_hash(*papers[i]), sets[i]) for i in step)
            spent = (time.process_time() - cpu) / len(papers) * 1000
            found = sketch.counts(phrases)
            estimate = np.fromiter(found.values(), dtype=np.int64, count=len(phrases))
            excess = estimate - truth
            assert (excess >= 0).all(), "a count-min sketch never counts below the truth"
            same = 0
            for i in sample:
                mine = key_phrases(*papers[i], found.__getitem__, len(papers))
                same += len(set(mine) & set(chosen_exact[i]))
            total_chosen = sum(len(c) for c in chosen_exact.values()) or 1
            mib = sketch.table.nbytes / 2**20
            print(
                f"{f'2x2^{log_width} {kind}':28} {mib:>4.0f} {np.mean(excess == 0):>6.3f} "
                f"{excess.mean():>6.2f} {np.percentile(excess, 99):>5.0f} {excess[rare].mean():>10.2f} "
                f"{np.percentile(excess[rare], 99):>9.0f} {same / total_chosen:>10.3f} {spent:>12.3f}"
            )


if __name__ == "__main__":
    main()
