"""The store: schema, migrations and every SQL query Paperboy runs."""

from paperboy.store.database import Database, StoreError, open_database

__all__ = ["Database", "StoreError", "open_database"]
