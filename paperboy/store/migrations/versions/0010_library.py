"""library: saved papers, collections, follows, feedback and unmatched imported entries

Revision ID: 0010_library
Revises: 0007_atomic_rate_limits
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_library"
down_revision = "0008_real_papers"
branch_labels = None
depends_on = None


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("user.id", ondelete="CASCADE")


def _paper_fk() -> sa.ForeignKey:
    return sa.ForeignKey("paper.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_index("ix_paper_doi", "paper", ["doi"])
    op.create_table(
        "library_item",
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("paper_id", sa.Integer(), _paper_fk(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "paper_id"),
    )
    op.create_index("ix_library_item_user_saved", "library_item", ["user_id", "saved_at"])
    op.create_table(
        "collection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_collection_owner", "collection", ["owner_id"])
    op.create_table(
        "collection_paper",
        sa.Column(
            "collection_id", sa.Integer(), sa.ForeignKey("collection.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("paper_id", sa.Integer(), _paper_fk(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "paper_id"),
    )
    op.create_index("ix_collection_paper_order", "collection_paper", ["collection_id", "position"])
    op.create_table(
        "follow",
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value_norm", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", "value_norm"),
    )
    op.create_table(
        "feedback",
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("paper_id", sa.Integer(), _paper_fk(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "paper_id", "kind"),
    )
    op.create_index("ix_feedback_paper", "feedback", ["paper_id"])
    op.create_table(
        "library_unmatched",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), _user_fk(), nullable=False),
        sa.Column("identity", sa.String(length=1100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column(
            "matched_paper_id", sa.Integer(), sa.ForeignKey("paper.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("matched_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "identity", name="uq_library_unmatched_user_identity"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for table in (
        "library_unmatched",
        "feedback",
        "follow",
        "collection_paper",
        "collection",
        "library_item",
    ):
        op.drop_table(table)
    op.drop_index("ix_paper_doi", table_name="paper")
