"""The count-min sketch of phrase document frequencies against exact counts on real papers:
never below the truth, almost always equal on a small corpus, stable across processes,
saved and loaded whole, and each paper's text counted once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from conftest import SNAPSHOT_SAMPLE

from paperboy.domain.keyphrases import document_frequencies, paper_candidates
from paperboy.index.phrase_counts import COUNTS_FILE, DEPTH, WIDTH, PhraseCounts, text_hash
from paperboy.sources.snapshot import read_snapshot


def sample_papers() -> list[tuple[str, str]]:
    return [(r.paper.title, r.paper.abstract) for r in read_snapshot(SNAPSHOT_SAMPLE)]


def counted(papers: list[tuple[str, str]], width: int = WIDTH, step: int = 50) -> PhraseCounts:
    counts = PhraseCounts(width=width)
    for start in range(0, len(papers), step):
        counts.add(
            (i, text_hash(*papers[i]), paper_candidates(*papers[i]))
            for i in range(start, min(start + step, len(papers)))
        )
    return counts


def test_the_sketch_equals_exact_counts_on_a_small_corpus_and_is_never_below() -> None:
    papers = sample_papers()
    exact = document_frequencies(papers)
    counts = counted(papers)
    found = counts.counts(list(exact))
    assert counts.total == len(papers) == 200
    assert all(found[p] >= n for p, n in exact.items())
    assert sum(found[p] == n for p, n in exact.items()) / len(exact) > 0.999
    assert counts.counts(["a phrase no paper of the sample has"]) == {
        "a phrase no paper of the sample has": 0
    }


def test_a_narrow_sketch_overcounts_but_never_undercounts() -> None:
    papers = sample_papers()
    exact = document_frequencies(papers)
    counts = counted(papers, width=1 << 10)  # far too narrow: ~10 phrases per cell
    found = counts.counts(list(exact))
    assert all(found[p] >= n for p, n in exact.items())
    assert any(found[p] > n for p, n in exact.items())


def test_a_paper_is_counted_once_per_text() -> None:
    counts = PhraseCounts()
    title, abstract = "Graph neural networks for molecules", "Graph neural networks predict toxicity."
    same = (7, text_hash(title, abstract), paper_candidates(title, abstract))
    assert counts.add([same]) == 1
    assert counts.add([same]) == 0  # indexed again, unchanged: not counted again
    assert counts.counts(["graph neural networks"]) == {"graph neural networks": 1}
    changed = "Graph neural networks predict solubility."
    assert counts.add([(7, text_hash(title, changed), paper_candidates(title, changed))]) == 1
    # A changed text is counted again: its old phrases are not taken back.
    assert counts.counts(["graph neural networks", "solubility"]) == {
        "graph neural networks": 2,
        "solubility": 1,
    }
    assert counts.total == 1


def test_saved_counts_load_whole_and_damaged_ones_read_as_none(tmp_path: Path) -> None:
    papers = sample_papers()[:40]
    counts = counted(papers)
    counts.save(tmp_path, watermark=12)
    loaded = PhraseCounts.load(tmp_path)
    assert loaded is not None and loaded.watermark == 12 and loaded.counted == counts.counted
    assert np.array_equal(loaded.table, counts.table) and loaded.table.shape == (DEPTH, WIDTH)
    assert not (tmp_path / (COUNTS_FILE + ".tmp")).exists()
    full = PhraseCounts()  # a large corpus fills most cells: saved whole, not cell by cell
    full.table[:, ::3] = 7
    full.table[:, 1::3] = 1
    full.save(tmp_path, watermark=13)
    again = PhraseCounts.load(tmp_path)
    assert again is not None and np.array_equal(again.table, full.table) and again.watermark == 13
    (tmp_path / COUNTS_FILE).write_bytes(b"not a numpy file")
    assert PhraseCounts.load(tmp_path) is None
    PhraseCounts(width=1 << 10).save(tmp_path, watermark=1)  # another shape: counted again
    assert PhraseCounts.load(tmp_path) is None
    PhraseCounts.remove(tmp_path)
    assert PhraseCounts.load(tmp_path) is None


def test_hashes_are_the_same_in_another_process() -> None:
    """Python's hash() of a string changes per process; the sketch's cells must not."""
    code = (
        "from paperboy.index.phrase_counts import PhraseCounts, text_hash\n"
        "c = PhraseCounts(); c.add([(1, text_hash('t', 'a'), ['graph neural networks'])])\n"
        "print(sorted(map(int, c.table.nonzero()[1])))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    here = PhraseCounts()
    here.add([(1, text_hash("t", "a"), ["graph neural networks"])])
    assert runs == {f"{sorted(map(int, here.table.nonzero()[1]))}\n"}


def test_counts_of_repeated_phrases_in_one_paper_count_the_paper_once() -> None:
    counts = PhraseCounts()
    phrases = Counter({"lora": 5, "lora adapters": 2})  # a paper's candidate counts
    counts.add([(1, 1, phrases), (2, 2, ["lora"])])
    assert counts.counts(["lora", "lora adapters"]) == {"lora": 2, "lora adapters": 1}
