"""The store's schema: migrations build what schema.py declares, and ids are never handed out twice.

SQLite gives a new row the highest row id plus one, so deleting the newest row frees its
id for the next insert, unless the table is declared AUTOINCREMENT. Any id that reaches a
link, a token or a form must never come back: an old link would point at someone else's row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from conftest import BACKEND, _admin_engine
from sqlalchemy import Table, create_engine, func, select, text

from paperboy.store import Database, open_database
from paperboy.store.database import MIGRATIONS
from paperboy.store.schema import (
    comment,
    delivery,
    edition,
    metadata,
    paper,
    session,
    subscription,
    user,
    vote,
)

NOW = datetime(2026, 11, 20, 12, 0)
# Every table whose id reaches a URL, a mailed token or a form.
LINKED_ID_TABLES = ("subscription", "user", "comment", "edition", "delivery")


def _paper(conn, key: str = "2611.00001") -> int:  # type: ignore[no-untyped-def]
    return conn.execute(
        paper.insert()
        .values(
            key=key, arxiv_id=key, title="A paper", title_norm="a paper", abstract="About it.",
            authors=[], categories="cs.LG", versions=[], source="arxiv", withdrawn=False,
            first_seen=NOW, changed_at=NOW, revision=1,
        )
        .returning(paper.c.id)
    ).scalar_one()  # fmt: skip


def _user(conn, email: str) -> int:  # type: ignore[no-untyped-def]
    return conn.execute(
        user.insert().values(email=email, role="member", created_at=NOW, banned=False).returning(user.c.id)
    ).scalar_one()


def _subscription(conn, email: str, n: int) -> int:  # type: ignore[no-untyped-def]
    values = dict(
        email=email, kind="trending", frequency="daily", status="active", created_at=NOW, bounces=0,
        dedupe_key=f"{email}-{n}".ljust(64, "0")[:64],
    )  # fmt: skip
    return conn.execute(subscription.insert().values(**values).returning(subscription.c.id)).scalar_one()


def _edition(conn, n: int) -> int:  # type: ignore[no-untyped-def]
    values = dict(
        name=f"trending-daily:2026-11-{n:02d}", kind="trending", frequency="daily",
        period_start=NOW.date(), period_end=NOW.date(), created_at=NOW,
    )  # fmt: skip
    return conn.execute(edition.insert().values(**values).returning(edition.c.id)).scalar_one()


def _new_row(conn, table: str, n: int) -> int:  # type: ignore[no-untyped-def]
    """A new row of table (with whatever rows it needs to point at); its id."""
    if table == "subscription":
        return _subscription(conn, f"reader{n}@example.org", n)
    if table == "user":
        return _user(conn, f"member{n}@example.org")
    if table == "edition":
        return _edition(conn, n)
    if table == "comment":
        paper_id = conn.execute(select(func.min(paper.c.id))).scalar() or _paper(conn)
        author = conn.execute(select(func.min(user.c.id))).scalar() or _user(conn, "author@example.org")
        return conn.execute(
            comment.insert()
            .values(paper_id=paper_id, user_id=author, body=f"comment {n}", created_at=NOW, hidden=False)
            .returning(comment.c.id)
        ).scalar_one()
    assert table == "delivery"
    return conn.execute(
        delivery.insert()
        .values(
            subscription_id=_subscription(conn, f"d{n}@example.org", n), edition_id=_edition(conn, n),
            status="pending", attempts=0,
        )
        .returning(delivery.c.id)
    ).scalar_one()  # fmt: skip


@pytest.mark.parametrize("table", LINKED_ID_TABLES)
def test_deleting_the_newest_row_never_frees_its_id_for_the_next(db: Database, table: str) -> None:
    target: Table = metadata.tables[table]
    with db.transaction() as conn:
        _new_row(conn, table, 1)
        newest = _new_row(conn, table, 2)
    with db.transaction() as conn:
        conn.execute(target.delete().where(target.c.id == newest))
    with db.transaction() as conn:
        following = _new_row(conn, table, 3)
    assert following > newest, f"{table} id {newest} was handed out again"


def test_the_migrated_schema_is_the_one_schema_py_declares(db: Database) -> None:
    with db.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_the_schema_check_tells_an_old_store_from_a_migrated_one(empty_url: str) -> None:
    from paperboy.store.database import newest_schema_revision

    db = open_database(empty_url)
    try:
        assert db.schema_revision() is None
        _migrate_to(db, "0005")
        assert db.schema_revision() != newest_schema_revision()
        db.migrate()
        assert db.schema_revision() == newest_schema_revision()
        newest_file = sorted((MIGRATIONS / "versions").glob("0*.py"))[-1]
        assert newest_schema_revision() == newest_file.stem
    finally:
        db.close()


@pytest.mark.skipif(
    BACKEND != "sqlite", reason="AUTOINCREMENT is how SQLite keeps ids; PostgreSQL sequences never go back"
)
def test_fresh_and_migrated_sqlite_stores_both_declare_autoincrement(db: Database, tmp_path: Path) -> None:
    fresh = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    metadata.create_all(fresh)
    for engine in (db.engine, fresh):
        with engine.connect() as conn:
            sql = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        for table in LINKED_ID_TABLES:
            assert "AUTOINCREMENT" in sql[table], (engine.url, table)
    fresh.dispose()


# -- upgrading a store made before ids were kept ------------------------------------------


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store (no tables at all) on this run's backend."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    engine, admin_url = _admin_engine()
    name = f"paperboy_old_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


def _migrate_to(db: Database, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _count(conn, table: Table) -> int:  # type: ignore[no-untyped-def]
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_upgrading_keeps_every_row_and_gives_each_subscription_its_own_secret(empty_url: str) -> None:
    db = open_database(empty_url)
    try:
        _migrate_to(db, "0005")
        # Rows as a store of revision 0005 has them (no secret columns yet).
        with db.engine.begin() as conn:
            paper_id = _paper(conn)
            ada = _user(conn, "ada@example.org")
            grace = _user(conn, "grace@example.org")
            conn.execute(
                session.insert().values(id_hash="s" * 64, user_id=ada, created_at=NOW, expires_at=NOW)
            )
            conn.execute(vote.insert().values(user_id=grace, paper_id=paper_id, created_at=NOW))
            parent = conn.execute(
                comment.insert()
                .values(paper_id=paper_id, user_id=ada, body="first", created_at=NOW, hidden=False)
                .returning(comment.c.id)
            ).scalar_one()
            conn.execute(
                comment.insert().values(
                    paper_id=paper_id,
                    user_id=grace,
                    parent_id=parent,
                    body="reply",
                    created_at=NOW,
                    hidden=False,
                )
            )
            conn.execute(
                text(
                    "INSERT INTO subscription (email, kind, frequency, status, created_at, bounces,"
                    " dedupe_key) VALUES (:email, 'trending', :frequency, 'active', :now, 0, :key)"
                ),
                [
                    {"email": "ada@example.org", "frequency": "daily", "now": NOW, "key": "a" * 64},
                    {"email": "ada@example.org", "frequency": "weekly", "now": NOW, "key": "b" * 64},
                    {"email": "grace@example.org", "frequency": "daily", "now": NOW, "key": "c" * 64},
                ],
            )
            edition_id = _edition(conn, 1)
            for sub_id in conn.execute(select(subscription.c.id)).scalars():
                conn.execute(
                    delivery.insert().values(
                        subscription_id=sub_id, edition_id=edition_id, status="sent", attempts=1
                    )
                )
        db.migrate()
        with db.connect() as conn:
            counts = {t.name: _count(conn, t) for t in (user, session, vote, comment, subscription, delivery)}
            rows = conn.execute(select(subscription).order_by(subscription.c.id)).all()
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        # Recreating a table on SQLite must not cascade into the rows that point at it.
        assert counts == {"user": 2, "session": 1, "vote": 1, "comment": 2, "subscription": 3, "delivery": 3}
        secrets = [r.secret for r in rows]
        assert all(s and len(s) >= 20 for s in secrets) and len(set(secrets)) == 3
        # One manage secret per address, shared by its subscriptions.
        assert rows[0].manage_secret == rows[1].manage_secret != rows[2].manage_secret
        with db.transaction() as conn:
            newest = max(r.id for r in rows)
            conn.execute(subscription.delete().where(subscription.c.id == newest))
            assert _subscription(conn, "eve@example.org", 9) > newest
    finally:
        db.close()
