"""Shipments: one per seller per order."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from src.domain.entities import Entity


class ShipmentStatus(StrEnum):
    IN_PROGRESS = "inProgress"
    DELIVERED = "delivered"


class Shipment(Entity):
    id: UUID
    order_id: UUID
    seller_id: UUID
    carrier: str = Field(min_length=1, max_length=100)
    tracking_number: str = Field(min_length=1, max_length=100)
    status: ShipmentStatus
    created_at: datetime
    updated_at: datetime
