"""Carts: kept while a shopper browses, checked out into one order."""

from src.domain.carts.entities import (
    MAX_CART_LINES,
    MAX_LINE_QUANTITY,
    Cart,
    CartItem,
    CartStatus,
    PricedCart,
    PricedLine,
    SellerSubtotal,
)
from src.domain.carts.repository import CartRepository

__all__ = [
    "MAX_CART_LINES",
    "MAX_LINE_QUANTITY",
    "Cart",
    "CartItem",
    "CartRepository",
    "CartStatus",
    "PricedCart",
    "PricedLine",
    "SellerSubtotal",
]
