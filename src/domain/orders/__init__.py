"""Orders: placing, paying, shipping and cancelling."""

from src.domain.orders.entities import (
    CartLine,
    Order,
    OrderAction,
    OrderItem,
    OrderScope,
    OrderStatus,
    ShippingAddress,
)
from src.domain.orders.repository import OrderRepository

__all__ = [
    "CartLine",
    "Order",
    "OrderAction",
    "OrderItem",
    "OrderRepository",
    "OrderScope",
    "OrderStatus",
    "ShippingAddress",
]
