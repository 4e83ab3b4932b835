"""HTTP models of orders."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue, StringConstraints

from src.domain.orders import CartLine, Order, OrderStatus, ShippingAddress
from src.presentation.rest.schemas import (
    ApiModel,
    Integer,
    PageCursor,
    PageLimit,
    RequestModel,
    text,
)

ADDRESS: dict[str, JsonValue] = {
    "fullName": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postalCode": "SW1Y 4JH",
    "country": "GB",
}
LAMP_ID = "492af436-1319-5c6f-bebf-63edb2364066"


def _line(min_length: int, max_length: int) -> StringConstraints:
    return text(max_length, min_length=min_length)


class ShippingAddressModel(ApiModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ADDRESS]})

    full_name: Annotated[str, _line(1, 200)]
    line1: Annotated[str, _line(1, 200)]
    line2: Annotated[str | None, _line(0, 200)] = None
    city: Annotated[str, _line(1, 100)]
    postal_code: Annotated[str, _line(1, 20)]
    country: Annotated[
        str, _line(2, 100), Field(description="Country name or ISO 3166 code", examples=["GB"])
    ]

    def address(self) -> ShippingAddress:
        return ShippingAddress(
            full_name=self.full_name,
            line1=self.line1,
            line2=self.line2 or None,
            city=self.city,
            postal_code=self.postal_code,
            country=self.country,
        )

    @classmethod
    def of(cls, address: ShippingAddress) -> "ShippingAddressModel":
        return cls(
            full_name=address.full_name,
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            postal_code=address.postal_code,
            country=address.country,
        )


class OrderLineRequest(RequestModel):
    product_id: UUID
    quantity: Integer[Annotated[int, Field(ge=1, le=1000, examples=[2])]]


class PlaceOrderRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"productId": LAMP_ID, "quantity": 2}], "shippingAddress": ADDRESS}
            ]
        }
    )

    items: list[OrderLineRequest] = Field(
        min_length=1, max_length=50, description="1 to 50 lines, each product at most once"
    )
    shipping_address: ShippingAddressModel

    def lines(self) -> list[CartLine]:
        return [CartLine(product_id=item.product_id, quantity=item.quantity) for item in self.items]


class OrderItemResponse(ApiModel):
    product_id: UUID
    seller_id: UUID
    title: str = Field(description="As it was when ordered", examples=["Brass desk lamp"])
    unit_price: int = Field(description="Minor units, as it was when ordered", examples=[4999])
    quantity: int = Field(examples=[2])


class OrderResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b6b1f9e-52c4-4c1f-9a55-6d1a3c2f7e10",
                    "buyerId": "7d1e2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f",
                    "status": "pendingPayment",
                    "items": [
                        {
                            "productId": LAMP_ID,
                            "sellerId": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                            "title": "Brass desk lamp",
                            "unitPrice": 4999,
                            "quantity": 2,
                        }
                    ],
                    "total": 9998,
                    "currency": "USD",
                    "shippingAddress": {**ADDRESS, "line2": None},
                    "createdAt": "2026-11-22T19:30:00.000000Z",
                    "updatedAt": "2026-11-22T19:30:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    buyer_id: UUID
    status: OrderStatus
    items: list[OrderItemResponse]
    total: int = Field(description="Σ unitPrice × quantity, minor units", examples=[9998])
    currency: str = Field(examples=["USD"])
    shipping_address: ShippingAddressModel
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, order: Order) -> "OrderResponse":
        return cls(
            id=order.id,
            buyer_id=order.buyer_id,
            status=order.status,
            items=[
                OrderItemResponse(
                    product_id=item.product_id,
                    seller_id=item.seller_id,
                    title=item.title,
                    unit_price=item.unit_price,
                    quantity=item.quantity,
                )
                for item in order.items
            ],
            total=order.total,
            currency=order.currency,
            shipping_address=ShippingAddressModel.of(order.shipping_address),
            created_at=order.created_at,
            updated_at=order.updated_at,
        )


class OrderListQuery(ApiModel):
    """What `GET /orders` accepts in its query string."""

    status: OrderStatus | None = Field(default=None, description="Only orders in this status")
    limit: PageLimit = 20
    cursor: PageCursor = None


class PayOrderRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"paymentToken": "tok_visa"}]})

    payment_token: Annotated[
        str,
        StringConstraints(min_length=1, max_length=255),
        Field(description="From the payment provider's card form; `tok_decline…` is declined"),
    ]
