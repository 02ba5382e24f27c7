"""What every command needs: the settings and the opened, migrated store."""

from __future__ import annotations

from paperboy.config import Settings, load_settings
from paperboy.store import Database, open_database


def settings() -> Settings:
    return load_settings()


def database(config: Settings | None = None) -> Database:
    """Open the store, creating or migrating its schema as needed."""
    config = config or settings()
    db = open_database(config.effective_database_url)
    db.migrate()
    return db
