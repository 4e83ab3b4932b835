"""Orders: placing, paying, shipping and cancelling."""

from src.domain.orders.entities import CartLine, Order, OrderAction, OrderItem, OrderStatus

__all__ = ["CartLine", "Order", "OrderAction", "OrderItem", "OrderStatus"]
