"""ORM tables. Importing this package registers every table on `Base.metadata`."""

from src.infrastructure.database.tables.catalog import ProductsTable
from src.infrastructure.database.tables.users import RefreshTokensTable, UsersTable

__all__ = ["ProductsTable", "RefreshTokensTable", "UsersTable"]
