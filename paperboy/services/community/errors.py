"""Errors of the community actions (submit, vote, comment, moderate), worded for people.

The web layer maps them: CommunityError -> 400/422, NotAllowed -> 403, NotFound -> 404.
"""

from __future__ import annotations

from paperboy.domain.errors import UserFacingError


class CommunityError(UserFacingError, ValueError):
    """A community action cannot be done; the message says what went wrong and what to do.

    field names the form field at fault (e.g. "arxiv_id", "body"), or is None.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def message(self) -> str:
        return str(self)


class NotAllowed(CommunityError):
    """The user may not do this: not theirs, not an admin, or the account is suspended."""


class NotFound(CommunityError, LookupError):
    """The paper, comment or user the action is about does not exist (or is hidden)."""
