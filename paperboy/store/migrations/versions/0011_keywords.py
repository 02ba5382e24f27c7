"""keywords: each paper's key phrases, chosen by the keyword indexer

A nullable JSON list on the paper row, so every read of a paper carries them; NULL until
the indexer has seen the paper. Existing papers get theirs on the next
`paperboy index update`: the keyword index's format 4 makes it read every paper again.

Revision ID: 0011_keywords
Revises: 0010_library
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_keywords"
down_revision = "0010_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Adding a nullable column rewrites no row, on SQLite and PostgreSQL alike.
    op.add_column("paper", sa.Column("keywords", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("paper") as batch:
        batch.drop_column("keywords")
