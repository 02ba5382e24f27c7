"""real papers: readable keys for papers known only by title, and aliases for old keys

Papers known only by their title (saved pages) were keyed "title:" plus 16 hex digits;
they are now keyed by a slug of the title plus 8 of the same digits. Each old key is
kept in paper_alias, so old links still find the paper; feed entries, votes and comments
point to the paper's id and are untouched.

Revision ID: 0008_real_papers
Revises: 0005
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0008_real_papers"
down_revision = "0007_atomic_rate_limits"
branch_labels = None
depends_on = None


def _title_key(title_norm: str) -> str:
    # A frozen copy of paperboy.domain.keys.title_key as of this migration.
    words = title_norm.split()
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > 60:
            break
        slug = longer
    slug = slug or (words[0][:60] if words else "paper")
    return f"{slug}-{hashlib.sha1(title_norm.encode('utf-8')).hexdigest()[:8]}"


def upgrade() -> None:
    op.create_table(
        "paper_alias",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_paper_alias_paper", "paper_alias", ["paper_id"])
    conn = op.get_bind()
    paper = sa.table("paper", sa.column("id"), sa.column("key"), sa.column("title_norm"))
    alias = sa.table("paper_alias", sa.column("key"), sa.column("paper_id"), sa.column("created_at"))
    old = conn.execute(
        sa.select(paper.c.id, paper.c.key, paper.c.title_norm).where(paper.c.key.like("title:%"))
    ).all()
    taken = set(conn.execute(sa.select(paper.c.key).where(~paper.c.key.like("title:%"))).scalars())
    now = sa.func.current_timestamp()
    for paper_id, key, title_norm in old:
        new_key = _title_key(title_norm)
        if new_key in taken:
            continue  # cannot happen short of a digest collision; keep the old key then
        taken.add(new_key)
        conn.execute(sa.update(paper).where(paper.c.id == paper_id).values(key=new_key))
        conn.execute(sa.insert(alias).values(key=key, paper_id=paper_id, created_at=now))


def downgrade() -> None:
    conn = op.get_bind()
    paper = sa.table("paper", sa.column("id"), sa.column("key"), sa.column("arxiv_id"))
    alias = sa.table("paper_alias", sa.column("key"), sa.column("paper_id"))
    for key, paper_id in conn.execute(
        sa.select(alias.c.key, alias.c.paper_id)
        .join(paper, paper.c.id == alias.c.paper_id)
        .where(alias.c.key.like("title:%"), paper.c.arxiv_id.is_(None))
    ).all():
        conn.execute(sa.update(paper).where(paper.c.id == paper_id).values(key=key))
    op.drop_index("ix_paper_alias_paper", table_name="paper_alias")
    op.drop_table("paper_alias")
