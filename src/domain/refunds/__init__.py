"""Refunds: giving part or all of a paid order back to its buyer."""

from src.domain.refunds.entities import (
    Refund,
    RefundDecision,
    RefundedItem,
    RefundLine,
    RefundStatus,
    SellerRefund,
)

__all__ = [
    "Refund",
    "RefundDecision",
    "RefundLine",
    "RefundStatus",
    "RefundedItem",
    "SellerRefund",
]
