"""One module per outside source. Each turns outside bytes into domain records and
reports what it rejected and where; none writes to the store."""

from paperboy.sources.errors import SourceError

__all__ = ["SourceError"]
