"""The error a source raises when it cannot go on at all."""

from paperboy.domain.errors import UserFacingError


class SourceError(UserFacingError, RuntimeError):
    """A whole source is unusable (missing file, server gone); the message says where."""
