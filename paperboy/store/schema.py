"""Tables of the store. Alembic migrations in migrations/versions create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

paper = Table(
    "paper",
    metadata,
    Column("id", Integer, primary_key=True),
    # arXiv id without version, or "source:id" for papers from elsewhere.
    Column("key", String(200), nullable=False, unique=True),
    Column("arxiv_id", String(64), unique=True),
    Column("title", Text, nullable=False),
    Column("title_norm", String(1000), nullable=False, index=True),
    Column("abstract", Text, nullable=False),
    # Ordered list of {"name", "keyname", "forenames", "suffix"}.
    Column("authors", JSON, nullable=False),
    # Space-separated, primary category first.
    Column("categories", String(500), nullable=False, default=""),
    Column("primary_category", String(64)),
    Column("published", DateTime),
    Column("updated", DateTime),
    Column("version", Integer),
    # List of [version, "ISO datetime"].
    Column("versions", JSON, nullable=False),
    Column("metadata_updated", Date),
    Column("doi", String(500)),
    Column("journal_ref", Text),
    Column("comments", Text),
    Column("report_no", Text),
    Column("license", String(500)),
    Column("submitter", String(500)),
    Column("code_url", String(2000)),
    Column("source", String(32), nullable=False),
    Column("withdrawn", Boolean, nullable=False, default=False),
    Column("first_seen", DateTime, nullable=False),
    Column("changed_at", DateTime, nullable=False),
    # Bumped on every change; derived indexes catch up from the highest they saw.
    Column("revision", Integer, nullable=False, index=True),
)

entry = Table(
    "entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), nullable=False),
    Column("day", Date, nullable=False),
    # "arxiv", "hf", "page" or "user".
    Column("origin", String(16), nullable=False),
    Column("submitted_by", String(200)),
    Column("external_upvotes", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("day", "paper_id", "origin", name="uq_entry_day_paper_origin"),
    Index("ix_entry_day", "day"),
    Index("ix_entry_paper", "paper_id"),
)

revision_counter = Table(
    "revision_counter",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

harvest_checkpoint = Table(
    "harvest_checkpoint",
    metadata,
    # e.g. "oai arXiv set=cs".
    Column("name", String(200), primary_key=True),
    Column("from_date", Date),
    Column("until_date", Date),
    Column("resumption_token", Text),
    Column("pages", Integer, nullable=False, default=0),
    Column("records", Integer, nullable=False, default=0),
    Column("started_at", DateTime),
    Column("updated_at", DateTime),
    Column("completed_at", DateTime),
    # Where the next incremental harvest starts: the last completed harvest's response date.
    Column("next_from", Date),
)

ingest_run = Table(
    "ingest_run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("first_rejections", JSON),
)

embedding = Table(
    "embedding",
    metadata,
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(100), primary_key=True),
    Column("dim", Integer, nullable=False),
    # float32 little-endian, L2-normalised.
    Column("vector", LargeBinary, nullable=False),
    # Hash of the text embedded: a paper is re-embedded only when its text changes.
    Column("text_hash", String(40), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# "user" and "session" are quoted by SQLAlchemy where the backend reserves the word.
user = Table(
    "user",
    metadata,
    Column("id", Integer, primary_key=True),
    # Always stored lower-cased, so one person has one account whatever they type.
    Column("email", String(254), nullable=False, unique=True),
    Column("display_name", String(100)),
    # "member" or "admin".
    Column("role", String(16), nullable=False, default="member"),
    Column("created_at", DateTime, nullable=False),
    Column("banned", Boolean, nullable=False, default=False),
)

sign_in_token = Table(
    "sign_in_token",
    metadata,
    # SHA-256 of the token in the mailed link; the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
    Index("ix_sign_in_token_email", "email"),
)

session = Table(
    "session",
    metadata,
    # SHA-256 of the cookie's value: a copy of the database signs nobody in.
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_session_user", "user_id"),
)
