"""Fixtures: a real store on SQLite or PostgreSQL, settings, and sample data paths.

The backend comes from PAPERBOY_TEST_BACKEND (sqlite, the default, or postgresql).
For PostgreSQL, PAPERBOY_TEST_POSTGRES_URL names a server where the tests may create
and drop databases; each test gets a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from paperboy.config import Settings
from paperboy.store import Database, open_database

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SNAPSHOT_SAMPLE = SHARED / "data" / "arxiv-snapshot-sample" / "arxiv-metadata-oai-snapshot.jsonl"
SEED_PAGES = sorted((SHARED / "seeds").glob("*.txt"))
SCIFACT = SHARED / "data" / "scifact"

BACKEND = os.environ.get("PAPERBOY_TEST_BACKEND", "sqlite")
# One template per test run, so two runs against one server do not collide.
_TEMPLATE = f"paperboy_template_{uuid.uuid4().hex[:8]}"


def _admin_engine():  # type: ignore[no-untyped-def]
    url = make_url(os.environ["PAPERBOY_TEST_POSTGRES_URL"]).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT"), url


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[None]:
    if BACKEND != "postgresql":
        yield
        return
    engine, url = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {_TEMPLATE}"))
    template = open_database(url.set(database=_TEMPLATE).render_as_string(hide_password=False))
    template.migrate()
    template.close()
    yield
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
    engine.dispose()


@functools.cache
def _sqlite_template() -> Path:
    """This process's empty store, migrated once; each SQLite test gets a copy of the file,
    as each PostgreSQL test gets a clone of the migrated template database (migrating
    every test's store cost 70-150 ms a test, a sixth of some files' time)."""
    folder = Path(tempfile.mkdtemp(prefix="paperboy-sqlite-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "paperboy.db"
    template = open_database(f"sqlite:///{path}")
    template.migrate()
    template.close()
    # Closing the last connection checkpoints the WAL into the file and deletes it, so
    # the one file is the whole store; a copy of it alone would otherwise lose the schema.
    leftovers = sorted(p.name for p in folder.iterdir() if p != path)
    assert not leftovers, f"the migrated template left {leftovers} beside its file"
    return path


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """An empty, migrated store on this run's backend; dropped afterwards."""
    if BACKEND == "sqlite":
        path = folder / "data" / "paperboy.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), path)
        yield f"sqlite:///{path}"
        return
    engine, admin_url = _admin_engine()
    name = f"paperboy_test_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE}"))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, _postgres_template: None) -> Iterator[str]:
    """A URL of an empty, migrated store for this test alone."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def model_dir(request: pytest.FixtureRequest) -> Path:
    """One folder for the converted embedding models, kept in pytest's cache folder so
    the one-off ONNX build and distillation happen once, not per test or per run.

    The default model is built here, before any test can ask for it in-process or from
    a `paperboy` subprocess, and under a lock: with pytest-xdist the first worker builds
    it while the others wait, then find it built."""
    cache = getattr(request.config, "cache", None)
    if cache is None:  # run with -p no:cacheprovider: a fixed folder keeps the one-off build shared
        folder = Path(tempfile.gettempdir()) / "paperboy-embed-models"
        folder.mkdir(exist_ok=True)
    else:
        folder = Path(cache.mkdir("paperboy-embed-models"))
    from paperboy.embed import DEFAULT_EMBEDDER, load_embedder

    with only_one_builder(folder):
        load_embedder(DEFAULT_EMBEDDER, folder, threads=1)
    return folder


@contextmanager
def only_one_builder(folder: Path) -> Iterator[None]:
    """Hold the folder's build lock, so one process builds a model and the others wait for
    it (each build also writes to a scratch name and renames, so a process outside the
    lock never reads half a file; it may only build the same file twice)."""
    with open(folder / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class RememberingEmbedder:
    """The real default model, remembering each text's vector for the rest of the run:
    tests build many small stores from the same papers, and embedding is the slow part."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._seen: dict[str, object] = {}

    def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
        import numpy as np

        new = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if new:
            for text, vector in zip(new, self.inner.embed(new), strict=True):
                self._seen[text] = vector
        if progress:
            progress(len(texts))
        return np.vstack([self._seen[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):  # type: ignore[no-untyped-def]
        return self.embed([text])[0]


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> RememberingEmbedder:
    """The default embedding model, loaded once per run."""
    from paperboy.embed import DEFAULT_EMBEDDER, load_embedder

    return RememberingEmbedder(load_embedder(DEFAULT_EMBEDDER, model_dir))


@pytest.fixture
def settings(tmp_path: Path, database_url: str, model_dir: Path) -> Settings:
    """Settings for tests: no politeness delay, short timeouts, few retries."""
    return Settings(
        data_dir=tmp_path / "data",
        model_dir=model_dir,
        database_url=database_url,
        request_delay=0.0,
        http_timeout=1.0,
        http_retries=3,
        max_retry_after=5.0,
    )


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str, model_dir: Path) -> Path:
    """Point the CLI at this test's store; run it from an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOY_MODEL_DIR", str(model_dir))
    monkeypatch.setenv("PAPERBOY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PAPERBOY_DATABASE_URL", database_url)
    monkeypatch.setenv("PAPERBOY_REQUEST_DELAY", "0")
    monkeypatch.setenv("PAPERBOY_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("PAPERBOY_HTTP_RETRIES", "3")
    for name in list(os.environ):
        if (
            name.startswith("PAPERBOY_")
            and name
            not in {
                "PAPERBOY_DATA_DIR",
                "PAPERBOY_DATABASE_URL",
                "PAPERBOY_REQUEST_DELAY",
                "PAPERBOY_HTTP_TIMEOUT",
                "PAPERBOY_HTTP_RETRIES",
                "PAPERBOY_MODEL_DIR",
            }
            and not name.startswith("PAPERBOY_TEST_")
        ):
            monkeypatch.delenv(name)
    return tmp_path


def is_browser_test(item: pytest.Item | None) -> bool:
    return item is not None and Path(str(item.fspath)).name.startswith("test_browser")


@pytest.fixture
def browser() -> object:
    """The run's headless Chromium (tests/browser_harness.py); each test opens its own
    context on it, so nothing but the process is shared."""
    from browser_harness import SHARED

    return SHARED.get()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Close the shared Chromium once the run leaves the browser tests (see browser_harness)."""
    if is_browser_test(item) and not is_browser_test(nextitem):
        from browser_harness import SHARED

        SHARED.close()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Under pytest-xdist with `--dist loadgroup` (as scripts/test runs): one group per test
    file, so a module's fixtures (servers, stores, corpora) are built once, on one worker,
    and one group for all the browser files, so they share one Chromium in a row.

    A scheduler rather than xdist_group marks: xdist 3.8 renames each marked test's node
    id on the workers, which pytest 9 no longer reports, so the marks were ignored."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByFileBrowsersTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "browser" if Path(path).name.startswith("test_browser") else path

    return ByFileBrowsersTogether(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, run only what can differ by backend: tests that open a store.

    A test reaches the backend only through a store, and every store comes from
    `_postgres_template` (via `database_url` or `fresh_database`); the rest ran on the
    SQLite pass already. Browser tests drive the same handlers the in-process web tests
    run on both backends, so they run once, on SQLite.
    """
    if BACKEND != "postgresql":
        return
    keep, drop = [], []
    for item in items:
        opens_a_store = "_postgres_template" in getattr(item, "fixturenames", ())
        (keep if opens_a_store and not is_browser_test(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
