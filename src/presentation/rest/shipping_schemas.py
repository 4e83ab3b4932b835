"""HTTP models of shipping."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.shipping import Shipment, ShipmentStatus
from src.presentation.rest.orders_schemas import MAX_LINES
from src.presentation.rest.schemas import ApiModel, Documented, RequestModel, sent_text, text

MAX_LABEL = 100
Label = Annotated[str, text(MAX_LABEL)]
SentLabel = Annotated[str, sent_text(MAX_LABEL)]


class ShipRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"carrier": "DHL", "trackingNumber": "JD014600003SE"}]}
    )

    carrier: Label
    tracking_number: Label


class UpdateShipmentRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "delivered"}]})

    status: Literal["delivered"] = Field(description="A shipment can only move to `delivered`")


class ShipmentResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5b3e8f0c-2d7a-4c1e-9f6b-0a1b2c3d4e5f",
                    "orderId": "0b6b1f9e-52c4-4c1f-9a55-6d1a3c2f7e10",
                    "sellerId": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                    "carrier": "DHL",
                    "trackingNumber": "JD014600003SE",
                    "status": "inProgress",
                    "createdAt": "2026-11-23T09:00:00.000000Z",
                    "updatedAt": "2026-11-23T09:00:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    order_id: UUID
    seller_id: UUID
    carrier: SentLabel
    tracking_number: SentLabel
    status: ShipmentStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, shipment: Shipment) -> "ShipmentResponse":
        return cls(
            id=shipment.id,
            order_id=shipment.order_id,
            seller_id=shipment.seller_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            status=shipment.status,
            created_at=shipment.created_at,
            updated_at=shipment.updated_at,
        )


class ShipmentsResponse(ApiModel):
    items: Annotated[list[ShipmentResponse], Documented(maxItems=MAX_LINES)] = Field(
        description=f"One per seller that has shipped: at most one per line of the order, "
        f"so at most {MAX_LINES}"
    )
