"""Chooses the payment provider from settings."""

from src.config.settings import PaymentsSettings
from src.infrastructure.payments.fake import FakePaymentGateway
from src.infrastructure.payments.gateway import PaymentGateway
from src.infrastructure.payments.http import HttpPaymentGateway


def create_payment_gateway(settings: PaymentsSettings) -> PaymentGateway:
    """The HTTP client for `provider_url`, or the in-process fake when it is empty."""
    if not settings.provider_url:
        return FakePaymentGateway()
    return HttpPaymentGateway(
        settings.provider_url,
        timeout_seconds=settings.timeout_seconds,
        attempts=settings.attempts,
        deadline_seconds=settings.deadline_seconds,
        circuit_failures=settings.circuit_failures,
        circuit_reset_seconds=settings.circuit_reset_seconds,
    )
