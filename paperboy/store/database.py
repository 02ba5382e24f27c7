"""Opening the store on SQLite or PostgreSQL, and migrating it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from paperboy.domain.errors import UserFacingError


def _dump_json(value: object) -> str:
    return orjson.dumps(value).decode()


# orjson is several times faster than the json module on authors lists, which ingest
# writes for every paper.
_JSON_CODEC = {"json_serializer": _dump_json, "json_deserializer": orjson.loads}


class StoreError(UserFacingError, RuntimeError):
    """The store cannot be opened or used; the message says which and why."""


MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    """An engine plus the few operations every caller needs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest migration (creating it on a new store)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        sqlite = self.dialect == "sqlite"
        with self.engine.connect() as conn:
            if sqlite:
                # A migration that recreates a table (SQLite's only way to change some things)
                # drops the old one, and with foreign keys on that drop would cascade into every
                # row pointing at it. The pragma only works outside a transaction.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            try:
                with conn.begin():
                    if sqlite:
                        # The driver opens no transaction before DDL; open one, so an upgrade
                        # that fails part way leaves the store as it was.
                        conn.exec_driver_sql("BEGIN")
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            table, row_id, parent, _ = broken[0]
                            raise StoreError(
                                f"after migrating, {len(broken)} row(s) point at rows that do not exist "
                                f"(first: {table} row {row_id} -> {parent}); the upgrade was rolled back. "
                                "Fix or delete those rows, then start again."
                            )
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()

    def schema_revision(self) -> str | None:
        with self.connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:
                return None

    def close(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=1)
def newest_schema_revision() -> str | None:
    """The revision `migrate()` brings a store to: the head of the shipped migrations."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def open_database(url: str, create_dirs: bool = True) -> Database:
    """Open the store at url. SQLite gets WAL mode and foreign keys switched on."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            if create_dirs:
                folder.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, **_JSON_CODEC)
        event.listen(engine, "connect", _configure_sqlite)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True, **_JSON_CODEC)
    else:
        raise StoreError(f"database URL {url!r}: only sqlite and postgresql are supported")
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise StoreError(
            f"cannot open the store at {parsed.render_as_string(hide_password=True)}: {exc.orig}"
        ) from None
    return Database(engine)


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
