"""HTTP models of orders."""

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field, JsonValue, StringConstraints

from src.domain.orders import CartLine, Order, OrderStatus, ShippingAddress
from src.domain.orders.rules import seller_shares
from src.presentation.rest.catalog_schemas import (
    MAX_PRICE,
    MAX_SKU,
    MAX_TITLE,
    SentChosen,
    SentCurrency,
    SentPrice,
)
from src.presentation.rest.schemas import (
    ApiModel,
    Documented,
    Integer,
    Omitted,
    PageCursor,
    PageLimit,
    RequestModel,
    Text,
    sent_integer,
    sent_text,
    text,
    width,
)

MAX_QUANTITY: Final = 1000
MAX_LINES: Final = 50
MAX_TOTAL: Final = MAX_PRICE * MAX_QUANTITY * MAX_LINES
Quantity = Annotated[int, sent_integer(1, MAX_QUANTITY)]

ADDRESS: dict[str, JsonValue] = {
    "fullName": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postalCode": "SW1Y 4JH",
    "country": "GB",
}
LAMP_ID = "492af436-1319-5c6f-bebf-63edb2364066"


def _line(min_length: int, max_length: int) -> Text:
    return text(max_length, min_length=min_length)


class ShippingAddressModel(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ADDRESS]})

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


class ShippingAddressResponse(ApiModel):
    """The address an order ships to, as it was given; `line2` is null when it was left
    out or blank."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**ADDRESS, "line2": None}]})

    full_name: Annotated[str, sent_text(200)]
    line1: Annotated[str, sent_text(200)]
    line2: Annotated[str, sent_text(200)] | None
    city: Annotated[str, sent_text(100)]
    postal_code: Annotated[str, sent_text(20)]
    country: Annotated[str, sent_text(100, min_length=2)] = Field(
        description="Country name or ISO 3166 code", examples=["GB"]
    )

    @classmethod
    def of(cls, address: ShippingAddress) -> "ShippingAddressResponse":
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
    variant_id: UUID | Omitted = Field(
        default=None,
        description="Which of the product's variants; may be left out only for a product "
        "with one variant",
    )
    quantity: Integer[
        Annotated[int, Field(ge=1, le=MAX_QUANTITY, examples=[2]), width(1, MAX_QUANTITY)]
    ]


class PlaceOrderRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"productId": LAMP_ID, "quantity": 2}], "shippingAddress": ADDRESS}
            ]
        }
    )

    items: list[OrderLineRequest] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description=f"1 to {MAX_LINES} lines, each variant at most once (two variants of one "
        "product are two lines)",
    )
    shipping_address: ShippingAddressModel

    def lines(self) -> list[CartLine]:
        return [
            CartLine(product_id=item.product_id, variant_id=item.variant_id, quantity=item.quantity)
            for item in self.items
        ]


class OrderItemResponse(ApiModel):
    product_id: UUID
    seller_id: UUID
    title: Annotated[str, sent_text(MAX_TITLE)] = Field(
        description="As it was when ordered", examples=["Brass desk lamp"]
    )
    unit_price: SentPrice = Field(
        description="Minor units, as it was when ordered", examples=[4999]
    )
    quantity: Quantity = Field(examples=[2])
    variant_id: UUID = Field(description="The variant ordered")
    sku: Annotated[str, sent_text(MAX_SKU)] = Field(
        description="As it was when ordered", examples=["LAMP-L-BRASS"]
    )
    options: SentChosen = Field(
        description="The variant's options, as they were when ordered; empty for a product "
        "without options",
        examples=[{"Size": "L"}],
    )


class SellerShareResponse(ApiModel):
    seller_id: UUID
    subtotal: Annotated[int, sent_integer(1, MAX_TOTAL)] = Field(
        description="Σ unitPrice × quantity of the seller's items, minor units"
    )
    commission: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="What the platform keeps, minor units"
    )
    payout: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="What the seller is paid: subtotal − commission, minor units"
    )


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
                            "variantId": LAMP_ID,
                            "sku": "492af43613195c6fbebf63edb2364066",
                            "options": {},
                        }
                    ],
                    "total": 9998,
                    "currency": "USD",
                    "shippingAddress": {**ADDRESS, "line2": None},
                    "createdAt": "2026-11-22T19:30:00.000000Z",
                    "updatedAt": "2026-11-22T19:30:00.000000Z",
                    "sellers": [
                        {
                            "sellerId": "49130b81-4bf0-46ad-a96e-db8c8afdb2e8",
                            "subtotal": 9998,
                            "commission": 1000,
                            "payout": 8998,
                        }
                    ],
                    "cartId": None,
                    "refunded": 0,
                }
            ]
        }
    )

    id: UUID
    buyer_id: UUID
    status: OrderStatus
    items: Annotated[list[OrderItemResponse], Documented(minItems=1, maxItems=MAX_LINES)]
    total: Annotated[int, sent_integer(1, MAX_TOTAL)] = Field(
        description="Σ unitPrice × quantity, minor units", examples=[9998]
    )
    currency: SentCurrency = Field(examples=["USD"])
    shipping_address: ShippingAddressResponse
    created_at: datetime
    updated_at: datetime
    sellers: Annotated[list[SellerShareResponse], Documented(minItems=1, maxItems=MAX_LINES)] = (
        Field(
            description="Each seller with items in the order, in the order its items first name "
            "them: the subtotal of its items, the platform's commission (Σ over its items of "
            "round-half-even(unitPrice × quantity × rate / 10000), each at the rate in force "
            "when the order was placed) and the seller's payout (subtotal − commission)"
        )
    )
    cart_id: UUID | None = Field(description="The cart it was checked out from; null when "
                                 "it was placed with `POST /orders`")  # fmt: skip
    refunded: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="Σ of the order's refunds, minor units (the total once cancelled after "
        "payment)",
        examples=[0],
    )

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
                    variant_id=item.variant_id,
                    sku=item.sku,
                    options=item.options,
                )
                for item in order.items
            ],
            total=order.total,
            currency=order.currency,
            shipping_address=ShippingAddressResponse.of(order.shipping_address),
            created_at=order.created_at,
            updated_at=order.updated_at,
            sellers=[
                SellerShareResponse(
                    seller_id=share.seller_id,
                    subtotal=share.subtotal,
                    commission=share.commission,
                    payout=share.payout,
                )
                for share in seller_shares(order)
            ],
            cart_id=order.cart_id,
            refunded=order.refunded,
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
