"""HTTP models of payouts."""

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.money.payouts import Payout, PayoutStatus
from src.presentation.rest.catalog_schemas import Currency, SentCurrency
from src.presentation.rest.money_schemas import SELLER_ID
from src.presentation.rest.schemas import (
    INT64_MAX,
    ApiModel,
    Integer,
    PageCursor,
    PageLimit,
    RequestModel,
    sent_integer,
    server_default,
    width,
)

PAYOUT_ID: Final = "3e8f5a2c-7b1d-4c9e-a6f0-1d2b3c4e5f60"


class PayoutRequest(RequestModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"currency": "USD", "amount": 12500}]}
    )

    currency: Currency
    amount: Integer[Annotated[int, Field(ge=1, le=INT64_MAX), width(1, INT64_MAX)]] | None = (
        server_default(
            None, "Minor units, at most what is available in `currency`; all of it when left out."
        )
    )


class PayoutResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": PAYOUT_ID,
                    "sellerId": SELLER_ID,
                    "amount": 12500,
                    "currency": "USD",
                    "status": "pending",
                    "createdAt": "2026-11-29T10:00:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    seller_id: UUID
    amount: Annotated[int, sent_integer(1, INT64_MAX)] = Field(description="Minor units")
    currency: SentCurrency = Field(examples=["USD"])
    status: PayoutStatus = Field(
        description="`pending` until the provider's transfer is made (`paid`) or refused "
        "(`failed`: the amount is available again)"
    )
    created_at: datetime

    @classmethod
    def of(cls, payout: Payout) -> "PayoutResponse":
        return cls(
            id=payout.id,
            seller_id=payout.seller_id,
            amount=payout.amount,
            currency=payout.currency,
            status=payout.status,
            created_at=payout.created_at,
        )


class PayoutListQuery(ApiModel):
    """What the payout listings accept in their query string."""

    limit: PageLimit = 20
    cursor: PageCursor = None
