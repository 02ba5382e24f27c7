"""Indexes derived from the store: incremental, crash-safe, rebuildable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SNAPSHOT_SAMPLE

from paperboy.config import Settings
from paperboy.domain import Deletion, Paper, SourceRecord
from paperboy.index.keyword import KeywordIndex
from paperboy.index.vectors import VectorIndex
from paperboy.services.finding.indexing import Indexer, index_status, keyword_folder, vector_folder
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database
from paperboy.store import embeddings as embedding_store


def import_sample(db: Database) -> None:
    ingest_items(db, read_snapshot(SNAPSHOT_SAMPLE), kind="snapshot", batch_size=50)


def stored_ids(db: Database) -> set[int]:
    from sqlalchemy import select

    from paperboy.store.schema import paper

    with db.connect() as conn:
        return set(conn.execute(select(paper.c.id).where(paper.c.withdrawn.is_(False))).scalars())


def indexed_ids(settings: Settings) -> tuple[set[int], set[int]]:
    return KeywordIndex(keyword_folder(settings)).ids(), VectorIndex(vector_folder(settings), 384).ids()


def test_catch_up_indexes_every_paper_once(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import_sample(db)
    status = Indexer(db, settings, embedder).catch_up()
    assert status.up_to_date
    assert (status.keyword_documents, status.vectors, status.embeddings) == (200, 200, 200)
    assert indexed_ids(settings) == (stored_ids(db), stored_ids(db))


def test_catching_up_with_bars_sizes_one_bar_per_index(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import_sample(db)
    opened: list[tuple[str, int]] = []
    advanced: dict[str, int] = {}

    @contextmanager
    def bars(label: str, total: int) -> Iterator[Callable[[int], None]]:
        opened.append((label, total))
        advanced[label] = 0
        yield lambda n: advanced.__setitem__(label, advanced[label] + n)

    status = Indexer(db, settings, embedder).catch_up_with_bars(bars, vectors=False)
    assert opened == [("keyword index", 200)] and advanced == {"keyword index": 200}
    assert (status.keyword_documents, status.vectors) == (200, 0)
    status = Indexer(db, settings, embedder).catch_up_with_bars(bars)
    assert opened[1:] == [("keyword index", 0), ("embedding", 200)]
    assert advanced == {"keyword index": 0, "embedding": 200} and status.up_to_date


class WithEmbed:
    """The session's shared embedder with this test's own embed(): the shared fixture
    itself is never patched, so no other test can see what one test changed."""

    def __init__(self, shared, embed) -> None:  # type: ignore[no-untyped-def]
        self._shared = shared
        self.embed = embed

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._shared, name)


def test_only_changed_papers_are_embedded_again(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import_sample(db)
    indexer = Indexer(db, settings, embedder)
    indexer.catch_up()
    calls: list[int] = []
    original = embedder.embed

    def counting(texts, progress=None):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return original(texts, progress)

    indexer = Indexer(db, settings, WithEmbed(embedder, counting))
    new = Paper(
        title="A brand new paper on sparse attention",
        abstract="We study attention.",
        source="test",
        arxiv_id="2401.00001",
    )
    ingest_items(db, [SourceRecord(new, "test")], kind="test")
    status = indexer.catch_up()
    assert calls == [1]
    assert status.up_to_date and status.vectors == 201


def test_withdrawn_papers_leave_both_indexes(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import_sample(db)
    indexer = Indexer(db, settings, embedder)
    indexer.catch_up()
    ingest_items(db, [Deletion("0704.0002", "test")], kind="test")
    assert index_status(db, settings).keyword_behind == 1
    indexer.catch_up()
    keyword_ids, vector_ids = indexed_ids(settings)
    assert len(keyword_ids) == len(vector_ids) == 199


def test_rebuild_reuses_stored_embeddings(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    import_sample(db)
    indexer = Indexer(db, settings, embedder)
    indexer.catch_up()
    refusing = WithEmbed(embedder, lambda *_a, **_k: (_ for _ in ()).throw(AssertionError("re-embedded")))
    status = Indexer(db, settings, refusing).rebuild()
    assert status.up_to_date and status.keyword_documents == 200 and status.vectors == 200


def test_status_reports_how_far_behind(db: Database, settings: Settings) -> None:
    import_sample(db)
    status = index_status(db, settings)
    assert (status.keyword_behind, status.vector_behind, status.up_to_date) == (200, 200, False)


# The indexer that gets killed: the real `paperboy index update` in its own process, with
# steps of PAUSED_STEP papers and an embedder that, once the first step's embeddings are
# committed, writes the file it is given and waits inside its next embed() for ever. The
# test kills it there: no sleep to guess, and it can neither finish early nor be caught
# before it has committed anything.
PAUSED_STEP = 100
PAUSED_INDEXER = """
import sys
import threading
from pathlib import Path

import paperboy.services.finding.indexing as indexing
from paperboy.cli import main

marker = Path(sys.argv[1])
indexing.STEP = int(sys.argv[2])
real_embedder_for = indexing.embedder_for


class PausesInTheSecondStep:
    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed(self, texts, progress=None):
        self.calls += 1
        if self.calls == 2:
            marker.write_text("embedding the second step")
            threading.Event().wait()
        return self.inner.embed(texts, progress)


indexing.embedder_for = lambda settings: PausesInTheSecondStep(real_embedder_for(settings))
sys.exit(main(["index", "update"]))
"""


def test_killing_the_indexer_mid_run_loses_nothing(
    db: Database, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """kill -9 while it embeds, then run again: both indexes match the store exactly."""
    count = 2 * PAUSED_STEP + 60
    many = [
        SourceRecord(
            Paper(
                title=f"Synthetic paper number {n} on topic {n % 17}",
                abstract=f"An abstract about topic {n % 17} with detail {n}. " * 2,
                source="test",
                arxiv_id=f"2402.{n:05d}",
            ),
            f"test {n}",
        )
        for n in range(1, count + 1)
    ]
    ingest_items(db, many, kind="test", batch_size=50)
    env = {
        **os.environ,
        "PAPERBOY_DATA_DIR": str(settings.data_dir),
        "PAPERBOY_DATABASE_URL": database_url,
        "PAPERBOY_MODEL_DIR": str(settings.effective_model_dir),
    }
    marker, log = tmp_path / "paused", tmp_path / "indexer.log"
    with open(log, "wb") as output:
        indexer = subprocess.Popen(
            [sys.executable, "-c", PAUSED_INDEXER, str(marker), str(PAUSED_STEP)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            if indexer.poll() is not None:
                pytest.fail(f"the indexer exited with {indexer.returncode}:\n{log.read_text()}")
            assert time.monotonic() < deadline, "the indexer did not reach its second step"
            time.sleep(0.05)
        with db.connect() as conn:
            assert embedding_store.count_embeddings(conn, settings.embedding_model) == PAUSED_STEP
    finally:
        indexer.send_signal(signal.SIGKILL)
        indexer.wait()
    assert indexer.returncode == -signal.SIGKILL
    assert not index_status(db, settings).up_to_date

    finished = subprocess.run(
        [sys.executable, "-m", "paperboy", "index", "update", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    status = json.loads(finished.stdout)
    assert status["up_to_date"] and status["keyword_documents"] == status["vectors"] == count
    assert indexed_ids(settings) == (stored_ids(db), stored_ids(db))
    with db.connect() as conn:
        assert embedding_store.count_embeddings(conn, settings.embedding_model) == count


# -- the watermark is exact ------------------------------------------------------------
# Hole 12: when the changes filled the last step exactly (3,000 changes, steps of 1,000),
# the watermark stopped one revision short, for ever. Status, /readyz and the saved-search
# cut-off all read it, so after any ingest and update it must equal the store's revision.


class Killed(Exception):
    """Stands for the indexer dying between two steps."""


def synthetic_papers(count: int, start: int = 1, topic: str = "graphs") -> list[SourceRecord]:
    return [
        SourceRecord(
            Paper(
                title=f"Synthetic paper {n} on {topic}",
                abstract=f"A short abstract about {topic}, number {n}.",
                source="test",
                arxiv_id=f"2403.{n:05d}",
            ),
            f"test {n}",
        )
        for n in range(start, start + count)
    ]


def assert_exactly_caught_up(db: Database, settings: Settings, indexer: Indexer) -> None:
    status = index_status(db, settings)
    assert status.keyword_watermark == status.store_revision, status
    assert status.vector_watermark == status.store_revision, status
    assert status.up_to_date, status
    steps: list[int] = []
    indexer.catch_up(steps.append, steps.append)
    assert steps == [], "a second update does no work"


def test_three_thousand_changes_in_batches_of_a_thousand_leave_no_change_behind(
    db: Database, settings: Settings
) -> None:
    """The reported case, at its real sizes: the last full step's revision is recorded."""
    ingest_items(db, synthetic_papers(3000), kind="test", batch_size=1000)
    indexer = Indexer(db, settings)
    indexer.catch_up_keyword()
    status = index_status(db, settings)
    assert (status.keyword_watermark, status.keyword_behind) == (status.store_revision, 0)
    assert status.keyword_documents == 3000
    steps: list[int] = []
    indexer.catch_up_keyword(steps.append)
    assert steps == []


@pytest.mark.parametrize(
    ("count", "batch_size"),
    [(30, 10), (20, 5), (10, 10), (20, 20), (25, 25), (33, 11), (7, 3), (1, 1)],
    ids=lambda v: str(v),
)
def test_the_watermark_equals_the_store_revision_after_any_ingest_and_update(
    db: Database, settings: Settings, embedder, monkeypatch: pytest.MonkeyPatch, count: int, batch_size: int
) -> None:  # type: ignore[no-untyped-def]
    """Steps of 10 papers: whole steps, partial ones, revision groups larger than a step."""
    monkeypatch.setattr("paperboy.services.finding.indexing.STEP", 10)
    indexer = Indexer(db, settings, embedder)
    ingest_items(db, synthetic_papers(count), kind="test", batch_size=batch_size)
    indexer.catch_up()
    assert_exactly_caught_up(db, settings, indexer)
    # Updates to some, new papers, a withdrawal: still exact after each update.
    changed = synthetic_papers(count // 2 + 1, topic="matrices") + synthetic_papers(10, start=500)
    ingest_items(db, changed, kind="test", batch_size=batch_size)
    indexer.catch_up()
    assert_exactly_caught_up(db, settings, indexer)
    ingest_items(db, [Deletion("2403.00001", "test")], kind="test")
    indexer.catch_up()
    assert_exactly_caught_up(db, settings, indexer)
    assert indexed_ids(settings) == (stored_ids(db), stored_ids(db))


@pytest.mark.parametrize("killed_in", ["keyword", "vector"])
@pytest.mark.parametrize("after_steps", [0, 1, 2])
def test_an_update_killed_at_any_step_then_run_again_leaves_the_watermark_exact(
    db: Database,
    settings: Settings,
    embedder,
    monkeypatch: pytest.MonkeyPatch,
    killed_in: str,
    after_steps: int,
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("paperboy.services.finding.indexing.STEP", 10)
    ingest_items(db, synthetic_papers(30), kind="test", batch_size=10)  # 3 whole steps
    indexer = Indexer(db, settings, embedder)
    done = 0

    def dies(_: int) -> None:
        nonlocal done
        if done == after_steps:
            raise Killed
        done += 1

    with pytest.raises(Killed):
        if killed_in == "keyword":
            indexer.catch_up(keyword_progress=dies)
        else:
            indexer.catch_up(vector_progress=dies)
    status = index_status(db, settings)
    assert status.keyword_watermark <= status.store_revision
    assert status.vector_watermark <= status.store_revision
    indexer.catch_up()
    assert_exactly_caught_up(db, settings, indexer)
    assert indexed_ids(settings) == (stored_ids(db), stored_ids(db))
