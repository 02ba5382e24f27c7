"""Helpers for the web tests: a store with papers on feed days, and `paperboy serve` in a subprocess.

Like datasette's browser tests, the server under test is the real CLI on a free
loopback port; nothing in it is mocked.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import httpx
from conftest import SEED_PAGES, SNAPSHOT_SAMPLE

from paperboy.config import Settings
from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.daily_pages import read_daily_pages
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import Database

SEED_DAYS = (date(2024, 7, 30), date(2024, 9, 1))
EXTRA_DAY = date(2024, 8, 1)
XSS_TITLE = '<script>alert("title")</script> Attention & <b>bold</b> for $O(n^2)$ \\textbf{LaTeX} models'
XSS_ABSTRACT = (
    "We show <img src=x onerror=alert(1)> that <script>alert('abstract')</script> quadratic "
    "attention $\\mathcal{O}(n^2)$ & friends are {inert} when escaped. " * 4
)


def index_store(db: Database, settings: Settings) -> None:
    """Bring the keyword and vector indexes up to date with the store."""
    Indexer(db, settings).catch_up()


# The name the tests use for "index the store before searching it".
require_search = index_store


def showcase_papers() -> list[SourceRecord]:
    """Papers with every field the pages show, an old-style id, and one full of markup."""
    full = Paper(
        title="Sparse Mixture-of-Experts Accelerators for Memory-Efficient LLM Decoding",
        abstract=(
            "Large language model decoding is bound by memory bandwidth. We present a sparse "
            "mixture-of-experts accelerator that keeps expert weights in processing-in-memory "
            "banks, cutting data movement by 4.2x and energy by 3.1x against a GPU baseline. "
        )
        * 3,
        source="arxiv",
        arxiv_id="2405.07518",
        version=2,
        authors=(
            Author("Ada Lovelace", "Lovelace", "Ada"),
            Author("Alan Turing", "Turing", "Alan"),
            Author("Grace Hopper", "Hopper", "Grace"),
        ),
        categories=("cs.AR", "cs.LG"),
        published=datetime(2024, 5, 13, 17, 0),
        updated=datetime(2024, 6, 1, 9, 0),
        doi="10.1234/moe.2024.7",
        journal_ref="J. Hardw. Learn. 12 (2024) 1-20",
        comments="14 pages, 9 figures",
        code_url="https://github.com/example/moe-pim",
    )
    old = Paper(
        title="Strings on a Brane: An Old-Style Identifier",
        abstract="A 1999 paper with an old-style arXiv id.",
        source="arxiv",
        arxiv_id="hep-th/9901001",
        authors=(Author("Edward Witten", "Witten", "Edward"),),
        categories=("hep-th",),
        published=datetime(1999, 1, 4),
    )
    hostile = Paper(
        title=XSS_TITLE,
        abstract=XSS_ABSTRACT,
        source="arxiv",
        arxiv_id="2407.00001",
        authors=(Author("<i>Mallory</i> O'Brien"),),
        categories=("cs.CL",),
        published=datetime(2024, 7, 29),
    )
    quiet = Paper(
        title="A Quiet Paper on the First of August",
        abstract="Short abstract.",
        source="arxiv",
        arxiv_id="2408.00002",
        categories=("cs.LG",),
        published=datetime(2024, 8, 1),
    )
    return [
        SourceRecord(full, "test:full", FeedEntry(SEED_DAYS[0], "hf", submitted_by="akhaliq", upvotes=99)),
        SourceRecord(old, "test:old", FeedEntry(SEED_DAYS[1], "user", submitted_by="witten-fan", upvotes=3)),
        SourceRecord(
            hostile,
            "test:hostile",
            FeedEntry(SEED_DAYS[0], "user", submitted_by="<svg onload=alert(2)>", upvotes=500),
        ),
        SourceRecord(quiet, "test:quiet", FeedEntry(EXTRA_DAY, "arxiv", upvotes=1)),
    ]


def fill_store(db: Database, with_snapshot: bool = False) -> None:
    """The seed pages (2024), the showcase papers and, if asked, the snapshot sample."""
    items = [item for path in SEED_PAGES for item in read_daily_pages(path, year=2024)]
    ingest_items(db, items, kind="pages")
    ingest_items(db, showcase_papers(), kind="test")
    if with_snapshot:
        ingest_items(db, read_snapshot(SNAPSHOT_SAMPLE), kind="snapshot")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PortTaken(RuntimeError):
    """The free port was taken (by another test worker, say) before the server bound it."""


@contextmanager
def running_server(
    database_url: str,
    data_dir: Path,
    model_dir: Path,
    timeout: float = 180.0,
    workers: int = 1,
    settings: dict[str, str] | None = None,
) -> Iterator[str]:
    """Start `paperboy serve` on a free loopback port; yield its base URL; stop it.

    settings: more PAPERBOY_* variables for the server, e.g. {"PAPERBOY_TRUSTED_PROXIES": "127.0.0.1"}.
    A port found free can be taken by another process before the server binds it (tests
    run in parallel under pytest-xdist): then the server is started again on another one.
    timeout: how long to wait for its first answer. It returns as soon as the server
    answers, so the limit only stops a server that hangs: starting (mostly imports) took
    22-31 s on 2 cores at load average 10, where a 30 s limit failed tests that were right.
    """
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_") or k.startswith("PAPERBOY_TEST_")
    }
    env.update(
        PAPERBOY_DATABASE_URL=database_url, PAPERBOY_DATA_DIR=str(data_dir), PAPERBOY_MODEL_DIR=str(model_dir)
    )
    env.update(settings or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        port = free_port()
        log_path = data_dir / f"serve-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "paperboy",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--workers",
                    str(workers),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=data_dir,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                try:
                    _wait_until_ready(base, process, timeout, log_path)
                except PortTaken:
                    if attempt == 2:
                        raise
                    continue
                yield base
                return
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_until_ready(base: str, process: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text()
            if "address already in use" in log.lower():
                raise PortTaken(log)
            raise RuntimeError(f"paperboy serve exited with {process.returncode}:\n{log}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"paperboy serve did not answer within {timeout}s:\n{log_path.read_text()}")
