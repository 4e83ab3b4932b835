"""HTTP models of marketplace money: commission rates, balances and the ledger."""

from datetime import datetime
from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.money import MAX_RATE_BPS, CommissionRates
from src.domain.money.ledger import Balance, LedgerEntry, LedgerKind
from src.presentation.rest.catalog_schemas import SentCurrency
from src.presentation.rest.schemas import (
    INT64_MAX,
    ApiModel,
    Documented,
    Integer,
    PageCursor,
    PageLimit,
    RequestModel,
    sent_integer,
    width,
)

SELLER_ID: Final = "49130b81-4bf0-46ad-a96e-db8c8afdb2e8"
Bps = Annotated[int, sent_integer(0, MAX_RATE_BPS)]
# Sums of signed amounts: only a 64-bit integer bounds them.
Money = Annotated[int, sent_integer(-INT64_MAX - 1, INT64_MAX)]
MAX_CURRENCIES: Final = 26**3  # as many as there are three-letter codes


class RateRequest(RequestModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rateBps": 1250}]})

    rate_bps: Integer[Annotated[int, Field(ge=0, le=MAX_RATE_BPS), width(0, MAX_RATE_BPS)]] = Field(
        description="Basis points of each item's price × quantity: 0..10000 (1250 = 12.5 %)"
    )


class CommissionRatesResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"default": 1000, "categories": {"books": 500}, "sellers": {SELLER_ID: 750}}
            ]
        }
    )

    default: Bps = Field(
        description="The rate of a product whose seller and category have none: the one "
        "stored with `PUT /admin/commission-rates/default` or, until one is, the "
        "`COMMISSION__DEFAULT_RATE_BPS` setting (1000 unless configured)"
    )
    categories: Annotated[dict[str, Bps], Documented(propertyNames={"maxLength": 100})] = Field(
        description="Rates by category name (as products spell it); they win over the default"
    )
    sellers: dict[UUID, Bps] = Field(
        description="Sellers' own rates by seller id; they win over their categories'"
    )

    @classmethod
    def of(cls, rates: CommissionRates) -> "CommissionRatesResponse":
        return cls(
            default=rates.default_bps,
            categories=dict(sorted(rates.categories.items())),
            sellers={seller: rates.sellers[seller] for seller in sorted(rates.sellers)},
        )


class BalanceResponse(ApiModel):
    currency: SentCurrency = Field(examples=["USD"])
    pending: Money = Field(
        description="Payouts of paid orders not yet delivered, or delivered but still held "
        "(`PAYOUTS__HOLD_SECONDS`), less refunds taken from them; minor units"
    )
    available: Money = Field(
        description="Released payouts, less refunds taken from them and payouts; may go "
        "below zero after a refund of funds already released; minor units"
    )
    paid_out: Money = Field(description="Paid out to the seller so far, minor units")

    @classmethod
    def of(cls, balance: Balance) -> "BalanceResponse":
        return cls(
            currency=balance.currency,
            pending=balance.pending,
            available=balance.available,
            paid_out=balance.paid_out,
        )


class BalancesResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"currency": "USD", "pending": 8998, "available": 12500, "paidOut": 0}]}
            ]
        }
    )

    items: Annotated[list[BalanceResponse], Documented(maxItems=MAX_CURRENCIES)] = Field(
        description="One per currency the seller has sold in, by currency; empty before its "
        "first paid order"
    )


class LedgerEntryResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5d0c2a8e-9a61-4f0e-8a3b-2c7d9e1f4b60",
                    "kind": "sale",
                    "orderId": "0b6b1f9e-52c4-4c1f-9a55-6d1a3c2f7e10",
                    "amount": 8998,
                    "currency": "USD",
                    "createdAt": "2026-11-22T19:31:00.000000Z",
                }
            ]
        }
    )

    id: UUID
    kind: LedgerKind = Field(
        description="`sale`: a paid order's payout, pending; `release`: pending made "
        "available (its amount is what moved); `refund`: a payout taken back; `payout`: paid "
        "out; `payoutReturned`: a failed payout, available again"
    )
    order_id: UUID | None = Field(description="The order it is about; null for payouts")
    amount: Money = Field(
        description="Signed, minor units: a sale +, a refund −, a payout −, a returned payout "
        "+, a release the amount it moved"
    )
    currency: SentCurrency = Field(examples=["USD"])
    created_at: datetime

    @classmethod
    def of(cls, entry: LedgerEntry) -> "LedgerEntryResponse":
        return cls(
            id=entry.id,
            kind=entry.kind,
            order_id=entry.order_id,
            amount=entry.amount,
            currency=entry.currency,
            created_at=entry.created_at,
        )


class LedgerQuery(ApiModel):
    """What `GET /sellers/me/ledger` accepts in its query string."""

    limit: PageLimit = 20
    cursor: PageCursor = None
