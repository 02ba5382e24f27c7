"""What the community part of the site keeps: comments on papers and the moderation log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Comment:
    """A comment as pages show it; body is the Markdown source."""

    id: int
    paper_id: int
    paper_key: str
    user_id: int
    author: str  # the member's shown name (User.shown_name)
    body: str
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    parent_id: int | None


@dataclass(frozen=True)
class AuditEntry:
    """One moderation action: who did what to which comment, paper or user, and why."""

    id: int
    created_at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    reason: str
