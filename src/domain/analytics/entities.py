"""Analytics figures."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from src.domain.orders.entities import OrderStatus

# Orders whose money is in: they count towards units sold and revenue.
SOLD = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True, slots=True)
class ProductOrderStats:
    product_id: UUID
    orders_count: int  # orders holding the product, cancelled ones aside
    units_sold: int  # in paid, shipped and delivered orders
    revenue: int  # minor units, Σ unit price × quantity over the same orders
    by_status: dict[OrderStatus, int]  # orders holding the product, by status
    # Minor units refunded of this product in the same orders (revenue stays gross).
    refunded: int = 0


@dataclass(frozen=True, slots=True)
class DailySales:
    day: date
    orders: int
    units_sold: int
    revenue: int


@dataclass(frozen=True, slots=True)
class SalesWindow:
    """UTC days, both ends included."""

    first: date
    last: date
