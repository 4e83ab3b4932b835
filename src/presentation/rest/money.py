"""Marketplace money: commission rates (admins), sellers' balances and ledger."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, status

from src.application import commission, ledger
from src.presentation.rest.deps import AsAdmin, AsSeller
from src.presentation.rest.money_schemas import (
    BalanceResponse,
    BalancesResponse,
    CommissionRatesResponse,
    LedgerEntryResponse,
    LedgerQuery,
    RateRequest,
)
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems, text

rates = APIRouter(prefix="/admin/commission-rates", tags=["admin"])
sellers = APIRouter(prefix="/sellers/me", tags=["money"])


@sellers.get("/balance", responses=problems(401, 403))
async def read_my_balance(principal: AsSeller) -> BalancesResponse:
    """Read your balance (sellers).

    In each currency you sold in: `pending` (paid orders' payouts, until your shipment is
    delivered and the hold is over), `available` and `paidOut`. An order's payment adds your
    payout (subtotal − commission) to `pending`; a refund takes it back.
    """
    balances = await ledger.read_balance(principal=principal)
    return BalancesResponse(items=[BalanceResponse.of(balance) for balance in balances])


@sellers.get(
    "/ledger", responses=problems(401, 403, 422), openapi_extra=query_parameters(LedgerQuery)
)
async def list_my_ledger(
    principal: AsSeller, query: Annotated[LedgerQuery, query_model(LedgerQuery)]
) -> PageResponse[LedgerEntryResponse]:
    """List your ledger entries (sellers), newest first.

    Every change of your balance: pending + available = Σ amounts of your sale, refund,
    payout and payoutReturned entries, and paidOut = −(Σ payouts + Σ returned payouts).
    """
    page = await ledger.list_ledger(principal=principal, limit=query.limit, cursor=query.cursor)
    return PageResponse.of([LedgerEntryResponse.of(entry) for entry in page.items], page)


CategoryName = Annotated[
    str, Path(description="A category, as products spell it", examples=["books"]), text(100)
]


@rates.get("", responses=problems(401, 403))
async def read_commission_rates(principal: AsAdmin) -> CommissionRatesResponse:
    """Read the commission rates (admins).

    An item's rate is its seller's own, else its product category's, else the default.
    """
    return CommissionRatesResponse.of(await commission.read_rates(principal=principal))


@rates.put("/default", responses=problems(401, 403, 422))
async def set_default_commission_rate(
    body: RateRequest, principal: AsAdmin
) -> CommissionRatesResponse:
    """Set the default commission rate (admins).

    Stored, it wins over the `COMMISSION__DEFAULT_RATE_BPS` setting, which is the default
    only until an admin sets one. 0..10000 basis points, else 422. Orders placed earlier
    keep the rates they were placed at. Answers every rate.
    """
    updated = await commission.set_default_rate(principal=principal, rate_bps=body.rate_bps)
    return CommissionRatesResponse.of(updated)


@rates.put("/categories/{name}", responses=problems(401, 403, 422))
async def set_category_commission_rate(
    name: CategoryName, body: RateRequest, principal: AsAdmin
) -> CommissionRatesResponse:
    """Set a category's commission rate (admins).

    It applies to the category's products whose seller has no rate of its own, in orders
    placed from now on; a category no product is in yet may have one. Answers every rate.
    """
    updated = await commission.set_category_rate(
        principal=principal, category=name, rate_bps=body.rate_bps
    )
    return CommissionRatesResponse.of(updated)


@rates.delete(
    "/categories/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def remove_category_commission_rate(name: CategoryName, principal: AsAdmin) -> None:
    """Remove a category's commission rate (admins).

    Its products then pay the default. A category without a rate → 404.
    """
    await commission.remove_category_rate(principal=principal, category=name)


@rates.put("/sellers/{seller_id}", responses=problems(401, 403, 404, 422))
async def set_seller_commission_rate(
    seller_id: UUID, body: RateRequest, principal: AsAdmin
) -> CommissionRatesResponse:
    """Set a seller's own commission rate (admins).

    It wins over the rates of its products' categories, in orders placed from now on. A user
    who is not a seller → 404. Answers every rate.
    """
    updated = await commission.set_seller_rate(
        principal=principal, seller_id=seller_id, rate_bps=body.rate_bps
    )
    return CommissionRatesResponse.of(updated)


@rates.delete(
    "/sellers/{seller_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def remove_seller_commission_rate(seller_id: UUID, principal: AsAdmin) -> None:
    """Remove a seller's own commission rate (admins).

    Its products then pay their categories' rates or the default. A seller without one → 404.
    """
    await commission.remove_seller_rate(principal=principal, seller_id=seller_id)
