"""HTTP models of marketplace money: commission rates, balances and the ledger."""

from typing import Annotated, Final
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.money import MAX_RATE_BPS, CommissionRates
from src.presentation.rest.schemas import (
    ApiModel,
    Documented,
    Integer,
    RequestModel,
    sent_integer,
    width,
)

SELLER_ID: Final = "49130b81-4bf0-46ad-a96e-db8c8afdb2e8"
Bps = Annotated[int, sent_integer(0, MAX_RATE_BPS)]


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
