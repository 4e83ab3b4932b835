"""Carts: what a shopper means to buy, kept while they browse, turned into an order once."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity

MAX_CART_LINES = 50
MAX_LINE_QUANTITY = 1000


class CartStatus(StrEnum):
    OPEN = "open"
    CHECKED_OUT = "checkedOut"


class CartItem(Entity):
    """One line: a variant of a product and how many. `unit_price` is the variant's price
    when the line last changed, shown only if the variant is gone since (the cart prices its
    lines as the catalog prices them now)."""

    id: UUID
    product_id: UUID
    variant_id: UUID
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)
    unit_price: int = Field(ge=1)


class Cart(Entity):
    """A buyer's cart (`buyer_id`), or a guest's reached by its unguessable id alone."""

    id: UUID
    buyer_id: UUID | None
    status: CartStatus
    items: tuple[CartItem, ...] = Field(default=(), max_length=MAX_CART_LINES)
    currency: str | None = None  # its lines' one currency; None while it is empty
    order_id: UUID | None = None  # the order it became, once checked out
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line as the catalog has it now: its product's seller and title, its variant's
    current price, and whether it can be bought (on sale, that variant, enough stock)."""

    item: CartItem
    seller_id: UUID
    title: str
    unit_price: int
    currency: str
    available: bool


@dataclass(frozen=True, slots=True)
class SellerSubtotal:
    seller_id: UUID
    subtotal: int


@dataclass(frozen=True, slots=True)
class PricedCart:
    """A cart with its lines priced now, each seller's subtotal (in order of first line) and
    the cart's; the currency is its lines' (USD for an empty cart)."""

    cart: Cart
    lines: tuple[PricedLine, ...]
    sellers: tuple[SellerSubtotal, ...]
    subtotal: int
    currency: str
