"""ORM tables. Importing this package registers every table on `Base.metadata`."""

from src.infrastructure.database.tables.catalog import ProductsTable
from src.infrastructure.database.tables.idempotency import IdempotencyKeysTable
from src.infrastructure.database.tables.orders import (
    OrderItemsTable,
    OrderSellersTable,
    OrdersTable,
)
from src.infrastructure.database.tables.users import RefreshTokensTable, UsersTable

__all__ = [
    "IdempotencyKeysTable",
    "OrderItemsTable",
    "OrderSellersTable",
    "OrdersTable",
    "ProductsTable",
    "RefreshTokensTable",
    "UsersTable",
]
