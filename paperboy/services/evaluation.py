"""Judging search on a BEIR-layout dataset, in a scratch store the user's never sees."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

from paperboy.config import Settings
from paperboy.domain import Paper, SourceRecord
from paperboy.embed import Embedder
from paperboy.evaluation.metrics import BeirDataset, load_beir_dataset, mrr_at_k, ndcg_at_k, recall_at_k
from paperboy.search.query import MAX_QUERY_CHARS
from paperboy.services.indexing import Indexer, embedder_for
from paperboy.services.ingest import ingest_items
from paperboy.services.search import MODES, SearchService
from paperboy.store import open_database

Progress = Callable[[int], None]
# Makes a progress bar: (label, total) -> a context giving the advance function.
ProgressBars = Callable[[str, int], AbstractContextManager[Progress]]
RESULTS_PER_QUERY = 100


def evaluate_dataset(
    folder: Path,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: ProgressBars | None = None,
) -> dict[str, dict[str, float]]:
    """nDCG@10, recall@100 and MRR@10 of each search mode on the dataset's test split."""
    data = load_beir_dataset(folder)
    embedder = embedder or embedder_for(settings)
    with tempfile.TemporaryDirectory(prefix="paperboy-eval-") as scratch:
        scratch_settings = replace(settings, data_dir=Path(scratch), database_url="")
        db = open_database(scratch_settings.effective_database_url)
        try:
            db.migrate()
            with _bar(progress, "storing corpus", len(data.corpus)) as advance:
                report = ingest_items(
                    db, _corpus_records(data), kind="eval", batch_size=2000, progress=advance
                )
            if report.rejected:
                raise ValueError(
                    f"{report.rejected} corpus documents were rejected, first: {report.rejections[0]}"
                )
            indexer = Indexer(db, scratch_settings, embedder)
            with _bar(progress, "keyword index", len(data.corpus)) as keyword_advance:
                indexer.catch_up_keyword(keyword_advance)
            with _bar(progress, "embedding corpus", len(data.corpus)) as vector_advance:
                indexer.catch_up_vectors(vector_advance)
            service = SearchService(db, scratch_settings, embedder)
            runs: dict[str, dict[str, list[str]]] = {mode: {} for mode in MODES}
            with _bar(progress, "searching", len(data.queries) * len(MODES)) as advance:
                for query_id, text in data.queries.items():
                    query = plain_text_query(text)
                    for mode in MODES:
                        found = service.search(query, mode=mode, per_page=RESULTS_PER_QUERY)
                        runs[mode][query_id] = [hit.key.removeprefix("beir:") for hit in found.hits]
                        advance(1)
        finally:
            db.close()
    return {
        mode: {
            "ndcg@10": ndcg_at_k(run, data.qrels, 10),
            "recall@100": recall_at_k(run, data.qrels, 100),
            "mrr@10": mrr_at_k(run, data.qrels, 10),
        }
        for mode, run in runs.items()
    }


def plain_text_query(text: str) -> str:
    """A dataset's query as plain words: its quotes and colons are not search syntax."""
    words = text.replace('"', " ").replace(":", " ").split()
    return " ".join(words)[:MAX_QUERY_CHARS]


def _corpus_records(data: BeirDataset) -> Iterator[SourceRecord]:
    for number, doc in enumerate(data.corpus, start=1):
        paper = Paper(
            # Every paper has a title; a dataset's untitled documents get their first words.
            title=doc.title or " ".join(doc.text.split()[:12]) or doc.id,
            abstract=doc.text or doc.title,
            source="eval",
            source_key=f"beir:{doc.id}",
        )
        yield SourceRecord(paper, f"corpus.jsonl document {number} ({doc.id})")


def _bar(progress: ProgressBars | None, label: str, total: int) -> AbstractContextManager[Progress]:
    return progress(label, total) if progress else nullcontext(lambda _n: None)
