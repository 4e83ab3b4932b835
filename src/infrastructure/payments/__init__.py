"""The payment provider: the port the application depends on, and its implementations."""

from src.infrastructure.payments.factory import create_payment_gateway
from src.infrastructure.payments.gateway import Charge, PaymentGateway

__all__ = ["Charge", "PaymentGateway", "create_payment_gateway"]
