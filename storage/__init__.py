"""Persistence (SQLAlchemy 2 async): tickets, events, outbox."""
