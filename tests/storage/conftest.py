"""Every test here runs once on SQLite and once on PostgreSQL (see backends.py)."""

from tests.storage.backends import database, empty_database  # noqa: F401
