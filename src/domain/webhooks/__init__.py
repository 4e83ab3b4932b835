"""Webhooks: sellers' and admins' receivers of domain events, and the deliveries to them."""

from src.domain.webhooks.entities import (
    Delivery,
    DeliveryStatus,
    DueDelivery,
    Endpoint,
    NewDelivery,
    Settled,
    Topic,
)
from src.domain.webhooks.repository import WebhookRepository

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "DueDelivery",
    "Endpoint",
    "NewDelivery",
    "Settled",
    "Topic",
    "WebhookRepository",
]
