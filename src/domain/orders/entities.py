"""Orders: what a buyer bought, from whom, at what price, and where it stands."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pendingPayment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OrderAction(StrEnum):
    PAY = "pay"
    CANCEL = "cancel"
    SHIP = "ship"
    DELIVER = "deliver"


class CartLine(Entity):
    """One line of an order being placed: a variant of a product (None: its only one)."""

    product_id: UUID
    quantity: int = Field(ge=1, le=1000)
    variant_id: UUID | None = None


class OrderItem(Entity):
    """One line of a placed order: a snapshot of the product and variant as they were when
    ordered."""

    product_id: UUID
    seller_id: UUID
    title: str
    unit_price: int = Field(ge=1)  # minor units
    quantity: int = Field(ge=1, le=1000)
    variant_id: UUID
    sku: str
    options: dict[str, str]
    # The commission rate in force when the order was placed (later changes leave it be).
    commission_rate_bps: int = Field(ge=0, le=10_000)

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity


class ShippingAddress(Entity):
    """Where the buyer wants the order delivered."""

    full_name: str = Field(min_length=1, max_length=200)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(min_length=1, max_length=20)
    country: str = Field(min_length=2, max_length=100)


class Order(Entity):
    id: UUID
    buyer_id: UUID
    status: OrderStatus
    items: list[OrderItem] = Field(min_length=1, max_length=50)
    total: int = Field(ge=1)  # minor units
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    shipping_address: ShippingAddress
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None
    cart_id: UUID | None = None  # the cart it was checked out from, if any
    refunded: int = Field(default=0, ge=0)  # Σ of its refunds' amounts, minor units

    @property
    def seller_ids(self) -> frozenset[UUID]:
        return frozenset(item.seller_id for item in self.items)


@dataclass(frozen=True, slots=True)
class SellerShare:
    """One seller's part of an order: the subtotal of its items, the platform's commission
    on them and what the seller is paid (subtotal − commission)."""

    seller_id: UUID
    subtotal: int
    commission: int
    payout: int


@dataclass(frozen=True, slots=True)
class OrderScope:
    """Which orders a listing may hold: a buyer's own, those holding a seller's products, or
    (both None) every order."""

    buyer_id: UUID | None = None
    seller_id: UUID | None = None
