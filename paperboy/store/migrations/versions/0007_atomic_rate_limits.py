"""atomic rate limits: a lock row per counted key, so a check and its count are one step

Revision ID: 0007_atomic_rate_limits
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_atomic_rate_limits"
down_revision = "0006_never_reused_ids"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_lock",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("rate_lock")
