"""Payouts: sellers ask to be paid what is available; admins see them all."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from src.application import payouts
from src.domain.money.payouts import Payout
from src.presentation.rest.deps import AsAdmin, AsSeller, location
from src.presentation.rest.idempotency import IdempotencyKey, respond_once
from src.presentation.rest.payouts_schemas import PayoutListQuery, PayoutRequest, PayoutResponse
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems

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
