"""HTTP models of refunds."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.refunds import Refund, RefundLine, RefundStatus
from src.presentation.rest.orders_schemas import LAMP_ID, MAX_LINES, MAX_QUANTITY, MAX_TOTAL
from src.presentation.rest.schemas import (
    ApiModel,
    Documented,
    Integer,
    Omitted,
    RequestModel,
    sent_integer,
    sent_text,
    text,
    width,
)

MAX_REASON = 500
SELLER_ID = "49130b81-4bf0-46ad-a96e-db8c8afdb2e8"
ORDER_ID = "0b6b1f9e-52c4-4c1f-9a55-6d1a3c2f7e10"


class RefundLineRequest(RequestModel):
    product_id: UUID
    variant_id: UUID | Omitted = Field(
        default=None,
        description="Which of the order's variants of the product; may be left out when the "
        "order holds one",
    )
    quantity: Integer[
        Annotated[int, Field(ge=1, le=MAX_QUANTITY, examples=[1]), width(1, MAX_QUANTITY)]
    ]


class RefundRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"productId": LAMP_ID, "quantity": 1}], "reason": "Arrived broken"}
            ]
        }
    )

    items: list[RefundLineRequest] = Field(
        min_length=1,
        max_length=MAX_LINES,
        description=f"1 to {MAX_LINES} items of the order, each at most once",
    )
    reason: Annotated[str, text(MAX_REASON)] | Omitted = None

    def lines(self) -> list[RefundLine]:
        return [
            RefundLine(product_id=i.product_id, variant_id=i.variant_id, quantity=i.quantity)
            for i in self.items
        ]


class RefundedItemResponse(ApiModel):
    product_id: UUID
    variant_id: UUID
    seller_id: UUID
    quantity: Annotated[int, sent_integer(1, MAX_QUANTITY)] = Field(examples=[1])
    amount: Annotated[int, sent_integer(1, MAX_TOTAL)] = Field(
        description="unitPrice × quantity, minor units: what the buyer gets back", examples=[4999]
    )
    commission: Annotated[int, sent_integer(0, MAX_TOTAL)] = Field(
        description="The commission on these units the platform gives back; the seller "
        "loses amount − commission",
        examples=[500],
    )


class RefundResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9",
                    "orderId": ORDER_ID,
                    "amount": 4999,
                    "currency": "USD",
                    "items": [
                        {"productId": LAMP_ID, "variantId": LAMP_ID, "sellerId": SELLER_ID,
                         "quantity": 1, "amount": 4999, "commission": 500}
                    ],
                    "status": "pending",
                    "reason": "Arrived broken",
                    "createdAt": "2026-12-04T19:00:00.000000Z",
                }
            ]
        }
    )  # fmt: skip

    id: UUID
    order_id: UUID
    amount: Annotated[int, sent_integer(1, MAX_TOTAL)] = Field(
        description="Σ of its items' amounts, minor units", examples=[4999]
    )
    currency: Annotated[str, sent_text(3, min_length=3)] = Field(examples=["USD"])
    items: Annotated[list[RefundedItemResponse], Documented(minItems=1, maxItems=MAX_LINES)]
    status: RefundStatus = Field(
        description="`pending` until the payment provider has given the money back"
    )
    reason: Annotated[str, sent_text(MAX_REASON)] | None
    created_at: datetime

    @classmethod
    def of(cls, refund: Refund) -> "RefundResponse":
        return cls(
            id=refund.id, order_id=refund.order_id, amount=refund.amount,
            currency=refund.currency,
            items=[
                RefundedItemResponse(
                    product_id=i.product_id, variant_id=i.variant_id, seller_id=i.seller_id,
                    quantity=i.quantity, amount=i.amount, commission=i.commission,
                )
                for i in refund.items
            ],
            status=refund.status, reason=refund.reason, created_at=refund.created_at,
        )  # fmt: skip


class RefundsResponse(ApiModel):
    # Each refund gives back one unit at least, of at most 50 items of 1000 units.
    items: Annotated[list[RefundResponse], Documented(maxItems=MAX_LINES * MAX_QUANTITY)] = Field(
        description="Oldest first"
    )
