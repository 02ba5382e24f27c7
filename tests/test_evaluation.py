"""`paperboy eval`'s evaluation: every query runs, failures are reported, deep runs page on."""

from __future__ import annotations

import json
from pathlib import Path

from paperboy.config import Settings
from paperboy.services.finding.evaluation import evaluate_dataset


def write_dataset(folder: Path, documents: dict[str, str], queries: dict[str, str], qrels: list[str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": i, "title": t, "text": t}) + "\n" for i, t in documents.items())
    )
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": t}) + "\n" for i, t in queries.items())
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{r}\n" for r in qrels)
    )
    return folder


def test_a_refused_query_is_reported_and_the_others_run_to_their_depth(
    tmp_path: Path, settings: Settings, embedder
) -> None:  # type: ignore[no-untyped-def]
    documents = {f"d{n}": f"Lattice reduction note number {n}" for n in range(130)}
    documents["target"] = "Sparse attention kernels for long context transformers"
    folder = write_dataset(
        tmp_path / "tiny",
        documents,
        {"long": "lattice " * 2_000, "attention": "sparse attention kernels", "lattice": "lattice reduction"},
        ["long\ttarget\t1", "attention\ttarget\t1", "lattice\td7\t1"],
    )
    result = evaluate_dataset(folder, settings, embedder=embedder, cache=False, depth=150)
    # The 16,000-character query is over the limit: refused in each mode, scored zero, reported.
    assert set(result.failures) == {"long (keyword)", "long (semantic)", "long (hybrid)"}
    assert all("the limit is 10000" in reason for reason in result.failures.values())
    assert result.queries == 3
    for mode in ("keyword", "semantic", "hybrid"):
        assert result.runs[mode]["attention"][0] == "target"
    # 130 papers have "lattice": the run reads past the first page of 100, up to the depth.
    assert len(result.runs["keyword"]["lattice"]) == 130
    assert result.scores["hybrid"]["recall@100"] < 1.0  # the refused query counts as a miss
