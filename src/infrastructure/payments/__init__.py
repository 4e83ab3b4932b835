"""The payment provider: the port the application depends on, and its implementations."""

from src.infrastructure.payments.factory import create_payment_gateway
from src.infrastructure.payments.gateway import (
    Charge,
    OutcomeUnknown,
    PaymentGateway,
    ProviderConflict,
    ProviderRefund,
    Transfer,
    TransferRefused,
)

__all__ = [
    "Charge",
    "OutcomeUnknown",
    "PaymentGateway",
    "ProviderConflict",
    "ProviderRefund",
    "Transfer",
    "TransferRefused",
    "create_payment_gateway",
]
