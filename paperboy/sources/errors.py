"""The error a source raises when it cannot go on at all."""


class SourceError(RuntimeError):
    """A whole source is unusable (missing file, server gone); the message says where."""
