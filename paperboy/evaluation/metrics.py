"""Ranking metrics with the BEIR / pytrec_eval definitions, and a BEIR-layout loader.

Each metric takes ``run`` (query id -> doc ids, best first) and ``qrels`` (query id ->
{doc id: relevance grade}) and returns the mean over the queries in ``qrels`` that have
at least one relevant document. A judged query missing from ``run`` scores 0, as in
pytrec_eval; queries in ``run`` without judgments are ignored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from paperboy.domain.errors import UserFacingError

Run = Mapping[str, Sequence[str]]
Qrels = Mapping[str, Mapping[str, int]]


def _judged_queries(qrels: Qrels) -> list[str]:
    return [q for q, docs in qrels.items() if any(g > 0 for g in docs.values())]


def _top_k_unique(ranked: Sequence[str], k: int) -> list[str]:
    # A document listed twice counts once, at its best rank (pytrec_eval keeps one score per doc).
    seen: set[str] = set()
    top: list[str] = []
    for doc in ranked:
        if doc not in seen:
            seen.add(doc)
            top.append(doc)
            if len(top) == k:
                break
    return top


def ndcg_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean nDCG@k: gain = grade, discount log2(rank + 1), ideal ranking from the qrels."""
    queries = _judged_queries(qrels)
    if not queries:
        return 0.0
    total = 0.0
    for q in queries:
        grades = qrels[q]
        dcg = sum(
            grades.get(doc, 0) / math.log2(rank + 2)
            for rank, doc in enumerate(_top_k_unique(run.get(q, ()), k))
        )
        ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
        idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
        total += dcg / idcg
    return total / len(queries)


def recall_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean share of each query's relevant documents (grade > 0) found in its top k."""
    queries = _judged_queries(qrels)
    if not queries:
        return 0.0
    total = 0.0
    for q in queries:
        relevant = {d for d, g in qrels[q].items() if g > 0}
        total += len(relevant.intersection(_top_k_unique(run.get(q, ()), k))) / len(relevant)
    return total / len(queries)


def mrr_at_k(run: Run, qrels: Qrels, k: int) -> float:
    """Mean reciprocal rank of the first relevant document in the top k (0 if none)."""
    queries = _judged_queries(qrels)
    if not queries:
        return 0.0
    total = 0.0
    for q in queries:
        grades = qrels[q]
        for rank, doc in enumerate(_top_k_unique(run.get(q, ()), k)):
            if grades.get(doc, 0) > 0:
                total += 1.0 / (rank + 1)
                break
    return total / len(queries)


class DatasetError(UserFacingError, ValueError):
    """A dataset file is missing or has a bad line; the message gives file:line."""


@dataclass(frozen=True)
class Document:
    """One corpus entry. ``title`` may be empty."""

    id: str
    title: str
    text: str

    def title_and_text(self) -> str:
        """The text to embed or index: title, a space, then the body (BEIR's convention)."""
        return f"{self.title} {self.text}".strip()


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR-layout dataset split: corpus, the judged queries' texts, and their judgments."""

    corpus: list[Document]
    queries: dict[str, str]  # only queries with judgments in the split
    qrels: dict[str, dict[str, int]]


def _read_jsonl(path: Path, fields: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise DatasetError(f"{path}:{number}: expected a JSON object")
            for name in fields:
                value = row.get(name, "" if name == "title" else None)
                if not isinstance(value, (str, int)):
                    raise DatasetError(f"{path}:{number}: field {name!r} missing or not a string")
                row[name] = str(value)
            rows.append(row)
    return rows


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if number == 1 or not line.strip():
                continue  # BEIR's header line: query-id corpus-id score
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise DatasetError(f"{path}:{number}: expected 3 tab-separated fields, got {len(parts)}")
            query_id, doc_id, score = parts
            try:
                qrels.setdefault(query_id, {})[doc_id] = int(score)
            except ValueError:
                raise DatasetError(f"{path}:{number}: score {score!r} is not an integer") from None
    return qrels


def load_beir_dataset(folder: Path, split: str = "test") -> BeirDataset:
    """Load ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` from ``folder``.

    Raises DatasetError naming file and line for a bad line, or a judged query or
    document that is not in the files.
    """
    folder = Path(folder)
    corpus = [
        Document(r["_id"], r["title"], r["text"])
        for r in _read_jsonl(folder / "corpus.jsonl", ("_id", "title", "text"))
    ]
    all_queries = {r["_id"]: r["text"] for r in _read_jsonl(folder / "queries.jsonl", ("_id", "text"))}
    qrels_path = folder / "qrels" / f"{split}.tsv"
    qrels = _read_qrels(qrels_path)
    missing_queries = sorted(set(qrels) - set(all_queries))
    if missing_queries:
        raise DatasetError(f"{qrels_path}: judged queries not in queries.jsonl: {missing_queries[:5]}")
    doc_ids = {d.id for d in corpus}
    missing_docs = sorted({d for docs in qrels.values() for d in docs} - doc_ids)
    if missing_docs:
        raise DatasetError(f"{qrels_path}: judged documents not in corpus.jsonl: {missing_docs[:5]}")
    return BeirDataset(corpus, {q: all_queries[q] for q in qrels}, qrels)
