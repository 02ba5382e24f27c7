"""Judging search on a BEIR-layout dataset, in a scratch store the user's never sees."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from paperboy.config import Settings
from paperboy.domain import Paper, SourceRecord
from paperboy.domain.search_modes import MODES
from paperboy.embed import Embedder
from paperboy.embed import Progress as EmbedProgress
from paperboy.evaluation.metrics import (
    BeirDataset,
    DatasetError,
    load_beir_dataset,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
)
from paperboy.search import QuerySyntaxError
from paperboy.services.finding.indexing import Indexer, embedder_for
from paperboy.services.finding.search import MAX_RESULTS, SearchService
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import open_database

Progress = Callable[[int], None]
# Makes a progress bar: (label, total) -> a context giving the advance function.
ProgressBars = Callable[[str, int], AbstractContextManager[Progress]]
RESULTS_PER_QUERY = 100


@dataclass(frozen=True)
class Evaluation:
    """Scores per mode, and the queries that could not be run (scored zero) with why."""

    scores: dict[str, dict[str, float]]
    failures: dict[str, str] = field(default_factory=dict)  # "query id (mode)" -> reason
    queries: int = 0
    runs: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # mode -> query -> doc ids


def evaluate_dataset(
    folder: Path,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: ProgressBars | None = None,
    cache: bool = True,
    depth: int = RESULTS_PER_QUERY,
) -> Evaluation:
    """nDCG@10, recall@100 and MRR@10 of each search mode on the dataset's test split.

    `runs` keep the first `depth` results of each query (up to the service's deepest,
    MAX_RESULTS), read page by page as a reader would.

    A query the service refuses or fails on is recorded with its reason and scores zero;
    the other queries still run. With `cache`, embeddings are kept under
    DATA_DIR/cache/eval/ keyed by dataset and model, so a second run embeds nothing new.
    """
    data = load_beir_dataset(folder)
    embedder = embedder or embedder_for(settings)
    cached: CachingEmbedder | None = None
    if cache:
        name = f"{Path(folder).resolve().name}-{embedder.name}.npz"
        embedder = cached = CachingEmbedder(embedder, settings.data_dir / "cache" / "eval" / name)
    failures: dict[str, str] = {}
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
                raise DatasetError(
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
                        try:
                            keys = _ranked_keys(service, query, mode, depth)
                        except QuerySyntaxError as error:
                            failures[f"{query_id} ({mode})"] = error.message
                            runs[mode][query_id] = []
                        except Exception as error:  # noqa: BLE001 - one query never stops the run
                            failures[f"{query_id} ({mode})"] = f"{type(error).__name__}: {error}"
                            runs[mode][query_id] = []
                        else:
                            runs[mode][query_id] = [key.removeprefix("beir:") for key in keys]
                        advance(1)
        finally:
            db.close()
            if cached is not None:
                cached.save()
    scores = {
        mode: {
            "ndcg@10": ndcg_at_k(run, data.qrels, 10),
            "recall@100": recall_at_k(run, data.qrels, 100),
            "mrr@10": mrr_at_k(run, data.qrels, 10),
        }
        for mode, run in runs.items()
    }
    return Evaluation(scores, failures, len(data.queries), runs)


def _ranked_keys(service: SearchService, query: str, mode: str, depth: int) -> list[str]:
    keys: list[str] = []
    depth = min(depth, MAX_RESULTS)
    for page in range(1, (depth + RESULTS_PER_QUERY - 1) // RESULTS_PER_QUERY + 1):
        found = service.search(query, mode=mode, page=page, per_page=RESULTS_PER_QUERY)
        keys += [hit.key for hit in found.hits]
        if page >= found.pages:
            break
    return keys[:depth]


def plain_text_query(text: str) -> str:
    """A dataset's query as plain words: its quotes and colons are not search syntax.
    Not cut: a query over the search box's limit is refused and reported, like any other."""
    words = text.replace('"', " ").replace(":", " ").split()
    return " ".join(words)


class CachingEmbedder(Embedder):
    """Wraps an embedder with a file of vectors keyed by a hash of each text (and whether
    it was embedded as a query), so repeated evaluations of a dataset embed it once."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner, self.path = inner, path
        self.name, self.dim = inner.name, inner.dim
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if path.exists():
            try:
                with np.load(path) as saved:
                    self._vectors = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache is rebuilt, never trusted

    @staticmethod
    def _key(text: str, kind: str) -> str:
        return hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()

    def embed(self, texts: Sequence[str], progress: EmbedProgress | None = None) -> np.ndarray:
        keys = [self._key(t, "doc") for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._vectors]
        if missing:
            computed = self.inner.embed([texts[i] for i in missing], progress)
            for row, i in enumerate(missing):
                self._vectors[keys[i]] = computed[row]
            self._dirty = True
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        key = self._key(text, "query")
        if key not in self._vectors:
            self._vectors[key] = self.inner.embed_query(text)
            self._dirty = True
        return self._vectors[key]

    def save(self) -> None:
        if not self._dirty or not self._vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        partial.replace(self.path)
        self._dirty = False


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
