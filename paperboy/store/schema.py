"""Tables of the store. Alembic migrations in migrations/versions create them."""

from __future__ import annotations

import secrets

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

# Ids never reused: SQLite hands a new row the highest row id plus one, so deleting the
# newest row would free its id for the next insert. The tables whose ids reach a link, a
# mailed token or a form (user, comment, subscription, edition, delivery) are AUTOINCREMENT
# there, so an id is never handed out twice; PostgreSQL sequences never go back anyway.
# Migration 0006 made existing stores so.


def new_link_secret() -> str:
    """A random secret for a row's signed links (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


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
    # Key phrases of the title and abstract (a JSON list, best first), chosen by the keyword
    # indexer; NULL until it has seen the paper. Derived: no source sets them, and writing
    # them bumps no revision (migration 0011).
    Column("keywords", JSON),
)

# Keys a paper had before (a title key it outgrew, a key format since changed), so old
# links still find it (migration 0008).
paper_alias = Table(
    "paper_alias",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_paper_alias_paper", "paper_id"),
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
    # The community member who put a "user" entry on the list (null for other origins).
    Column("submitted_by_user_id", Integer, ForeignKey("user.id", ondelete="SET NULL")),
    # Hidden by a moderator: the listing leaves every feed but stays in the store.
    Column("hidden", Boolean, nullable=False, default=False),
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
    sqlite_autoincrement=True,  # ids never reused (see the top)
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

# --- Community: votes, comments, moderation (migration 0004) ---

vote = Table(
    "vote",
    metadata,
    # The primary key is what makes "one vote per user per paper" hold under any concurrency.
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Index("ix_vote_paper", "paper_id"),
)

comment = Table(
    "comment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    # A reply's parent; replies are one level deep.
    Column("parent_id", Integer, ForeignKey("comment.id", ondelete="CASCADE")),
    # Markdown as typed; rendered and sanitised when shown.
    Column("body", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("edited_at", DateTime),
    # Hidden by a moderator: kept (for the audit trail) but shown to nobody but admins.
    Column("hidden", Boolean, nullable=False, default=False),
    Index("ix_comment_paper", "paper_id", "created_at"),
    Index("ix_comment_user", "user_id"),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("actor_id", Integer, ForeignKey("user.id", ondelete="SET NULL")),
    # Kept as text too, so the log still says who acted after an account is gone.
    Column("actor_email", String(254), nullable=False),
    # e.g. "hide_comment", "unhide_comment", "hide_listing", "ban_user", "unban_user".
    Column("action", String(32), nullable=False),
    # "comment", "entry", "paper" or "user", and the target's id.
    Column("target_type", String(16), nullable=False),
    Column("target_id", String(64), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Index("ix_audit_log_created", "created_at"),
)

# Counted actions (submissions, votes, comments) for rate limits shared by every worker.
rate_event = Table(
    "rate_event",
    metadata,
    Column("id", Integer, primary_key=True),
    # e.g. "vote:user:17" or "comment:ip:203.0.113.9".
    Column("key", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_rate_event_key_at", "key", "at"),
)

# One row per counted key (migration 0007): every check of a key first upserts its row,
# which holds a lock until the check's transaction ends, so counting and recording are
# one step however many workers check at once.
rate_lock = Table(
    "rate_lock",
    metadata,
    Column("key", String(200), primary_key=True),
    # When a check last took the row; rows older than the longest window are pruned.
    Column("at", DateTime, nullable=False),
)

# --- Digests and saved-search alerts (migration 0005) ---

subscription = Table(
    "subscription",
    metadata,
    Column("id", Integer, primary_key=True),
    # Lower-cased, like user.email.
    Column("email", String(254), nullable=False),
    # "trending" (the day's or week's top papers) or "search" (new papers matching a saved search).
    Column("kind", String(16), nullable=False),
    # "daily" or "weekly".
    Column("frequency", String(16), nullable=False),
    # For "search": the query text and its filters ({"mode", "category", ...}).
    Column("query", Text),
    Column("filters", JSON),
    # "pending" (until the address confirms), "active", "paused" or "unsubscribed".
    Column("status", String(16), nullable=False),
    # Why it is paused: "by subscriber" or "bouncing".
    Column("pause_reason", String(200)),
    Column("created_at", DateTime, nullable=False),
    Column("confirmed_at", DateTime),
    Column("unsubscribed_at", DateTime),
    # Permanent failures in a row; reset by a delivery that succeeds.
    Column("bounces", Integer, nullable=False, default=0),
    # A saved-search alert lists papers first seen after this moment (the last edition's cut-off).
    Column("alert_watermark", DateTime),
    # Hash of (email, kind, frequency, query, filters): the same subscription twice is one row.
    Column("dedupe_key", String(64), nullable=False, unique=True),
    # Random, per row: confirm and unsubscribe links sign it along with the id, so a link
    # works only for the row it was made for (a new row, or one subscribed again, gets a new one).
    Column("secret", String(32), nullable=False, default=new_link_secret),
    # Random, per address, shared by the address's subscriptions: manage links sign it with
    # the address. An address left with no live subscription gets a new one with the next.
    Column("manage_secret", String(32), nullable=False, default=new_link_secret),
    Index("ix_subscription_email", "email"),
    Index("ix_subscription_status_kind", "status", "kind", "frequency"),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

edition = Table(
    "edition",
    metadata,
    Column("id", Integer, primary_key=True),
    # e.g. "trending-daily:2026-11-20", "search-weekly:2026-W47": one edition per period.
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

delivery = Table(
    "delivery",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, ForeignKey("subscription.id", ondelete="CASCADE"), nullable=False),
    Column("edition_id", Integer, ForeignKey("edition.id", ondelete="CASCADE"), nullable=False),
    # "pending", "sending", "sent", "empty" (nothing new: no mail), "failed" (will retry) or "permanent".
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime),
    Column("last_error", Text),
    Column("message_id", String(255)),
    Column("sent_at", DateTime),
    # A worker's claim: another worker leaves the row alone until claimed_until passes.
    Column("claimed_by", String(100)),
    Column("claimed_until", DateTime),
    # The ledger's promise: one delivery per subscription per edition.
    UniqueConstraint("subscription_id", "edition_id", name="uq_delivery_subscription_edition"),
    Index("ix_delivery_edition_status", "edition_id", "status"),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

# Named leases: of several workers, only the holder of "harvest" harvests, and so on.
worker_lease = Table(
    "worker_lease",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# --- A reader's library, collections, follows and feedback (migration 0010) ---

library_item = Table(
    "library_item",
    metadata,
    # One row per (reader, paper): saving twice is one row, which makes imports idempotent.
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True),
    # Lower-cased tags, in the order the reader gave them.
    Column("tags", JSON, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("read", Boolean, nullable=False, default=False),
    Column("saved_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_library_item_user_saved", "user_id", "saved_at"),
)

collection = Table(
    "collection",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    # Random and unguessable: the collection's address (public page, Atom feed), never its id.
    Column("slug", String(32), nullable=False, unique=True, default=new_link_secret),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_collection_owner", "owner_id"),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

collection_paper = Table(
    "collection_paper",
    metadata,
    Column("collection_id", Integer, ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True),
    # The owner's order; gaps are fine, ties broken by added_at.
    Column("position", Integer, nullable=False),
    Column("added_at", DateTime, nullable=False),
    Index("ix_collection_paper_order", "collection_id", "position"),
)

follow = Table(
    "follow",
    metadata,
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    # "author" or "category".
    Column("kind", String(16), primary_key=True),
    # The name or category as the reader followed it, and its lower-cased form (the key).
    Column("value_norm", String(200), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# What a reader told the "for you" ranking: e.g. "not_interested" in a paper.
feedback = Table(
    "feedback",
    metadata,
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("paper_id", Integer, ForeignKey("paper.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Index("ix_feedback_paper", "paper_id"),
)

# Imported entries no stored paper matched: kept, so a later harvest can match them.
library_unmatched = Table(
    "library_unmatched",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("user.id", ondelete="CASCADE"), nullable=False),
    # "arxiv:<id>", "doi:<doi>" or "title:<normalised title>": the same entry imported twice is one row.
    Column("identity", String(1100), nullable=False),
    Column("title", Text, nullable=False, default=""),
    # The entry's fields as read, and which format they came from.
    Column("fields", JSON, nullable=False),
    Column("format", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("matched_paper_id", Integer, ForeignKey("paper.id", ondelete="SET NULL")),
    Column("matched_at", DateTime),
    UniqueConstraint("user_id", "identity", name="uq_library_unmatched_user_identity"),
    sqlite_autoincrement=True,  # ids never reused (see the top)
)

# Imports match entries by DOI (migration 0010); declared here so the paper table above stays as it was.
Index("ix_paper_doi", paper.c.doi)
