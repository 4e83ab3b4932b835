"""What the cart endpoints accept and answer."""

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.carts import MAX_CART_LINES, MAX_LINE_QUANTITY, CartStatus, PricedCart
from src.presentation.rest.catalog_schemas import MAX_TITLE, SentCurrency, SentPrice
from src.presentation.rest.orders_schemas import (
    ADDRESS,
    LAMP_ID,
    MAX_TOTAL,
    Quantity,
    ShippingAddressModel,
)
from src.presentation.rest.schemas import (
    ApiModel,
    Documented,
    Integer,
    Omitted,
    RequestModel,
    sent_integer,
    sent_text,
    width,
)

CART_ID: Final = "c4a7d1b2-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
SELLER_ID: Final = "49130b81-4bf0-46ad-a96e-db8c8afdb2e8"
LineQuantity = Integer[
    Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY, examples=[2]), width(1, MAX_LINE_QUANTITY)]
]


class AddCartItemRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"productId": LAMP_ID,
                                                               "quantity": 2}]})  # fmt: skip

    product_id: UUID
    variant_id: UUID | Omitted = Field(
        default=None,
        description="Which of the product's variants; may be left out only for a product "
        "with one variant",
    )
    quantity: LineQuantity


class ChangeCartItemRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 3}]})

    quantity: LineQuantity


class MergeCartRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"cartId": CART_ID}]})

    cart_id: UUID = Field(description="The guest cart whose lines join the buyer's")


class CheckoutRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"shippingAddress": ADDRESS, "expectedTotal": 9998}]}
    )

    shipping_address: ShippingAddressModel
    expected_total: (
        Integer[Annotated[int, Field(ge=0, le=MAX_TOTAL), width(0, MAX_TOTAL)]] | Omitted
    ) = Field(
        default=None,
        description="The total the buyer was shown; if the cart now costs otherwise → 409 "
        "`priceChanged` and nothing is ordered",
    )


class CartItemResponse(ApiModel):
    id: UUID
    product_id: UUID
    variant_id: UUID
    seller_id: UUID
    title: Annotated[str, sent_text(MAX_TITLE)] = Field(examples=["Brass desk lamp"])
    unit_price: SentPrice = Field(description="The variant's price now, minor units")
    quantity: Quantity
    available: bool = Field(
        description="false when the product is off sale, the variant gone, or the stock "
        "short of the quantity: checking out would be refused"
    )


class CartSellerResponse(ApiModel):
    seller_id: UUID
    subtotal: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="Σ unitPrice × quantity of the seller's lines, minor units"
    )


class CartResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": CART_ID,
                    "buyerId": None,
                    "status": "open",
                    "items": [
                        {
                            "id": "5b0c6e2a-8f4d-4e1b-a3c7-2d9e0f1a2b3c",
                            "productId": LAMP_ID,
                            "variantId": LAMP_ID,
                            "sellerId": SELLER_ID,
                            "title": "Brass desk lamp",
                            "unitPrice": 4999,
                            "quantity": 2,
                            "available": True,
                        }
                    ],
                    "sellers": [{"sellerId": SELLER_ID, "subtotal": 9998}],
                    "subtotal": 9998,
                    "currency": "USD",
                    "updatedAt": "2026-12-04T10:00:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    buyer_id: UUID | None = Field(description="null for a guest cart, reached by its id alone")
    status: CartStatus
    items: Annotated[list[CartItemResponse], Documented(maxItems=MAX_CART_LINES)] = Field(
        description="In the order they were added; prices and availability as they are now"
    )
    sellers: Annotated[list[CartSellerResponse], Documented(maxItems=MAX_CART_LINES)] = Field(
        description="Each seller with lines in the cart, in the order of its first line"
    )
    subtotal: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="Σ of every line (available or not), minor units: what checking out costs"
    )
    currency: SentCurrency = Field(description="Its lines' currency (USD while it is empty)")
    updated_at: datetime

    @classmethod
    def of(cls, priced: PricedCart) -> "CartResponse":
        cart = priced.cart
        return cls(
            id=cart.id,
            buyer_id=cart.buyer_id,
            status=cart.status,
            items=[
                CartItemResponse(
                    id=line.item.id,
                    product_id=line.item.product_id,
                    variant_id=line.item.variant_id,
                    seller_id=line.seller_id,
                    title=line.title,
                    unit_price=line.unit_price,
                    quantity=line.item.quantity,
                    available=line.available,
                )
                for line in priced.lines
            ],
            sellers=[
                CartSellerResponse(seller_id=seller.seller_id, subtotal=seller.subtotal)
                for seller in priced.sellers
            ],
            subtotal=priced.subtotal,
            currency=priced.currency,
            updated_at=cart.updated_at,
        )
