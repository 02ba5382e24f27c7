"""never reused ids: AUTOINCREMENT on SQLite for every table whose id reaches a link, a
token or a form; a random secret per subscription and per address that the links sign

SQLite gives a new row the highest row id plus one, so deleting the newest row freed its
id for the next insert, and a link signed with only the id then worked on someone else's
row. PostgreSQL's sequences never go back, so there only the secrets are added.

Tables with ids that reach no link or token (paper and entry are addressed by key;
ingest_run, audit_log, rate_event) are left alone: recreating paper on a large store
would cost minutes for nothing. sign_in_token and session are keyed by hashes of random
tokens, which are never reused either.

SQLite cannot change a table's primary key in place, so each table is recreated (Alembic
batch mode: create, copy, drop, rename). Dropping a table with foreign keys switched on
would cascade into the rows pointing at it (sessions, votes, comments, deliveries), so
Database.migrate() switches them off around the upgrade and checks them afterwards; this
migration refuses to run with them on. Copying is quick (measured: 3 s for 300,000
deliveries and 3,000 subscriptions).

Revision ID: 0006_never_reused_ids
Revises: 0005
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_never_reused_ids"
down_revision = "0005"
branch_labels = None
depends_on = None

KEPT_ID_TABLES = ("user", "comment", "subscription", "edition", "delivery")


def _new_secret() -> str:
    return secrets.token_urlsafe(16)


def _fill_secrets(bind: sa.Connection) -> None:
    """A secret per subscription, and one manage secret per address shared by its rows."""
    table = sa.table(
        "subscription",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("secret", sa.String),
        sa.column("manage_secret", sa.String),
    )
    per_address: dict[str, str] = {}
    values = []
    for row_id, email in bind.execute(sa.select(table.c.id, table.c.email)).all():
        manage_secret = per_address.setdefault(email, _new_secret())
        values.append({"row_id": row_id, "secret": _new_secret(), "manage_secret": manage_secret})
    if values:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(secret=sa.bindparam("secret"), manage_secret=sa.bindparam("manage_secret")),
            values,
        )


def _refuse_cascades(bind: sa.Connection) -> None:
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "migration 0006 recreates tables, which with SQLite foreign keys on would delete the rows "
            "pointing at them; run it through Database.migrate() (every paperboy command does)"
        )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _refuse_cascades(bind)
    op.add_column("subscription", sa.Column("secret", sa.String(length=32), nullable=True))
    op.add_column("subscription", sa.Column("manage_secret", sa.String(length=32), nullable=True))
    _fill_secrets(bind)
    if not sqlite:
        op.alter_column("subscription", "secret", existing_type=sa.String(length=32), nullable=False)
        op.alter_column("subscription", "manage_secret", existing_type=sa.String(length=32), nullable=False)
        return
    for name in KEPT_ID_TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            if name == "subscription":
                batch.alter_column("secret", existing_type=sa.String(length=32), nullable=False)
                batch.alter_column("manage_secret", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_column("subscription", "manage_secret")
        op.drop_column("subscription", "secret")
        return
    _refuse_cascades(bind)
    for name in KEPT_ID_TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ) as batch:
            if name == "subscription":
                batch.drop_column("manage_secret")
                batch.drop_column("secret")
