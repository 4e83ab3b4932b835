"""Database access: engine, tables, transactions and the base repository."""

from src.infrastructure.database.base import Base, UtcDateTime
from src.infrastructure.database.engine import Database, create_database
from src.infrastructure.database.health import ping
from src.infrastructure.database.repository import BaseRepository, upserts
from src.infrastructure.database.transaction import (
    after_commit,
    bind_database,
    bound_database,
    current_connection,
    current_session,
    in_transaction,
    transaction,
)

__all__ = [
    "Base",
    "BaseRepository",
    "Database",
    "UtcDateTime",
    "after_commit",
    "bind_database",
    "bound_database",
    "create_database",
    "current_connection",
    "current_session",
    "in_transaction",
    "ping",
    "transaction",
    "upserts",
]
