"""ORM tables. Importing this package registers every table on `Base.metadata`."""

from src.infrastructure.database.tables.carts import CartItemsTable, CartsTable
from src.infrastructure.database.tables.catalog import (
    ProductImagesTable,
    ProductsTable,
    ProductVariantsTable,
)
from src.infrastructure.database.tables.idempotency import IdempotencyKeysTable
from src.infrastructure.database.tables.money import (
    CommissionRatesTable,
    LedgerEntriesTable,
    PayoutsTable,
    PendingFundsTable,
    SellerBalancesTable,
)
from src.infrastructure.database.tables.orders import (
    OrderItemsTable,
    OrderSellersTable,
    OrdersTable,
)
from src.infrastructure.database.tables.outbox import EventReceiptsTable, OutboxTable
from src.infrastructure.database.tables.payments import PaymentsTable
from src.infrastructure.database.tables.refunds import RefundItemsTable, RefundsTable
from src.infrastructure.database.tables.reviews import ReviewsTable
from src.infrastructure.database.tables.shipping import ShipmentsTable
from src.infrastructure.database.tables.users import RefreshTokensTable, UsersTable
from src.infrastructure.database.tables.webhooks import (
    WebhookDeliveriesTable,
    WebhookEndpointsTable,
)

__all__ = [
    "CartItemsTable",
    "CartsTable",
    "CommissionRatesTable",
    "EventReceiptsTable",
    "IdempotencyKeysTable",
    "LedgerEntriesTable",
    "OrderItemsTable",
    "OrderSellersTable",
    "OrdersTable",
    "OutboxTable",
    "PaymentsTable",
    "PayoutsTable",
    "PendingFundsTable",
    "ProductImagesTable",
    "ProductVariantsTable",
    "ProductsTable",
    "RefreshTokensTable",
    "RefundItemsTable",
    "RefundsTable",
    "ReviewsTable",
    "SellerBalancesTable",
    "ShipmentsTable",
    "UsersTable",
    "WebhookDeliveriesTable",
    "WebhookEndpointsTable",
]
