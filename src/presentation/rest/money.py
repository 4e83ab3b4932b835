"""Marketplace money: commission rates (admins), sellers' balances and ledger."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import JSONResponse

from src.application import commission, ledger, payouts
from src.domain.money.payouts import Payout
from src.presentation.rest.deps import AsAdmin, AsSeller, location
from src.presentation.rest.idempotency import IdempotencyKey, respond_once
from src.presentation.rest.money_schemas import (
    BalanceResponse,
    BalancesResponse,
    CommissionRatesResponse,
    LedgerEntryResponse,
    LedgerQuery,
    PayoutListQuery,
    PayoutRequest,
    PayoutResponse,
    RateRequest,
)
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems, text

rates = APIRouter(prefix="/admin/commission-rates", tags=["admin"])
sellers = APIRouter(prefix="/sellers/me", tags=["money"])
all_payouts = APIRouter(prefix="/admin/payouts", tags=["admin"])


@sellers.post(
    "/payouts",
    status_code=status.HTTP_201_CREATED,
    response_model=PayoutResponse,
    responses=problems(401, 403, 409, 422),
)
async def request_payout(
    body: PayoutRequest,
    principal: AsSeller,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Ask to be paid out (sellers).

    `amount` (all that is available when left out) leaves your available balance at once and
    is sent to your account after this commits, exactly once; the payout is `paid` when the
    provider has made the transfer, or `failed` with the amount available again if it refused
    it. More than is available → 409 `insufficientFunds`. With an `Idempotency-Key`, a retry
    gets the first answer again.
    """

    def created(payout: Payout) -> JSONResponse:
        return JSONResponse(
            PayoutResponse.of(payout).model_dump(mode="json", by_alias=True),
            status_code=status.HTTP_201_CREATED,
            headers={"Location": location(request, read_my_payout, payout_id=payout.id)},
        )

    return await respond_once(
        request,
        principal=principal,
        key=idempotency_key,
        body=body,
        operation=lambda: payouts.request_payout(
            principal=principal, currency=body.currency, amount=body.amount
        ),
        respond=created,
    )


@sellers.get(
    "/payouts", responses=problems(401, 403, 422), openapi_extra=query_parameters(PayoutListQuery)
)
async def list_my_payouts(
    principal: AsSeller, query: Annotated[PayoutListQuery, query_model(PayoutListQuery)]
) -> PageResponse[PayoutResponse]:
    """List your payouts (sellers).

    Newest first, each `pending`, `paid` or `failed`.
    """
    page = await payouts.list_my_payouts(
        principal=principal, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([PayoutResponse.of(payout) for payout in page.items], page)


@sellers.get("/payouts/{payout_id}", responses=problems(401, 403, 404, 422))
async def read_my_payout(payout_id: UUID, principal: AsSeller) -> PayoutResponse:
    """Read one of your payouts (sellers).

    Another seller's payout → 404, as if it did not exist.
    """
    return PayoutResponse.of(await payouts.get_my_payout(principal=principal, payout_id=payout_id))


@all_payouts.get(
    "", responses=problems(401, 403, 422), openapi_extra=query_parameters(PayoutListQuery)
)
async def list_payouts(
    principal: AsAdmin, query: Annotated[PayoutListQuery, query_model(PayoutListQuery)]
) -> PageResponse[PayoutResponse]:
    """List every seller's payouts (admins).

    Newest first, each with its `sellerId`.
    """
    page = await payouts.list_all_payouts(
        principal=principal, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([PayoutResponse.of(payout) for payout in page.items], page)


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
