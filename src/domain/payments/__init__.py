"""Payments: what the provider charged for an order, and its refund."""

from src.domain.payments.entities import Payment
from src.domain.payments.repository import PaymentRepository

__all__ = ["Payment", "PaymentRepository"]
