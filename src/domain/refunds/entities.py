"""Refunds: part (or all) of a paid order given back to its buyer, item by item."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded; the provider has not confirmed it yet
    REFUNDED = "refunded"


class RefundLine(Entity):
    """What a refund asks for: a quantity of one item of the order (a variant of a product;
    None: the product's only item in the order)."""

    product_id: UUID
    quantity: int = Field(ge=1, le=1000)
    variant_id: UUID | None = None


class RefundedItem(Entity):
    """One item's part of a refund: how many units, what they cost the buyer (`amount`) and
    the commission on them the platform gives back; the seller loses amount − commission."""

    product_id: UUID
    variant_id: UUID
    seller_id: UUID
    quantity: int = Field(ge=1, le=1000)
    amount: int = Field(ge=0)
    commission: int = Field(ge=0)

    @property
    def payout(self) -> int:
        return self.amount - self.commission


class Refund(Entity):
    id: UUID
    order_id: UUID
    amount: int = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    items: list[RefundedItem] = Field(min_length=1)
    status: RefundStatus
    reason: str | None = None
    charge_id: str | None = None  # the order's charge it is given back from
    created_at: datetime
    refunded_at: datetime | None = None

    @property
    def seller_ids(self) -> frozenset[UUID]:
        return frozenset(item.seller_id for item in self.items)


@dataclass(frozen=True, slots=True)
class SellerRefund:
    """One seller's part of a refund: what its refunded items cost, the commission on them
    given back, and the payout it loses (amount − commission)."""

    seller_id: UUID
    amount: int
    commission: int
    payout: int


@dataclass(frozen=True, slots=True)
class RefundDecision:
    """What a refund request comes to: its items, its amount, and each seller's part (in
    seller id order, the order balances are changed in)."""

    items: tuple[RefundedItem, ...]
    amount: int
    sellers: tuple[SellerRefund, ...]
