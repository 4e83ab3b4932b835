"""Refunds: admins and sellers give part or all of a paid order back to its buyer."""

from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from src.application import refunds
from src.domain.refunds import Refund
from src.presentation.rest.deps import AsSellerOrAdmin, CurrentPrincipal, location
from src.presentation.rest.idempotency import IdempotencyKey, respond_once
from src.presentation.rest.refunds_schemas import RefundRequest, RefundResponse, RefundsResponse
from src.presentation.rest.schemas import problems

router = APIRouter(prefix="/orders/{order_id}/refunds", tags=["orders"])


def _created(request: Request, refund: Refund) -> JSONResponse:
    where = location(request, read_refund, order_id=refund.order_id, refund_id=refund.id)
    return JSONResponse(
        RefundResponse.of(refund).model_dump(mode="json", by_alias=True),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": where},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RefundResponse,
    responses=problems(401, 403, 404, 409, 422),
)
async def refund_order(
    order_id: UUID,
    body: RefundRequest,
    principal: AsSellerOrAdmin,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Refund items of an order (an admin, or a seller its own items).

    The order must be paid, shipped or delivered, else 409 `invalidState`; another seller's
    item → 403; more than was ordered less what was refunded → 409 `refundExceedsOrder`; an
    item the order does not hold → 422. Answers `pending` until the provider has given the
    money back (once, after the refund commits). Each seller loses its items' payout and
    the commission on them is given back. Accepts an `Idempotency-Key`.
    """
    return await respond_once(
        request,
        principal=principal,
        key=idempotency_key,
        body=body,
        operation=lambda: refunds.refund_order(
            principal=principal, order_id=order_id, lines=body.lines(), reason=body.reason
        ),
        respond=lambda refund: _created(request, refund),
    )


@router.get("", responses=problems(401, 404, 422))
async def list_refunds(order_id: UUID, principal: CurrentPrincipal) -> RefundsResponse:
    """List an order's refunds.

    Its buyer and admins see all of them, a seller in the order those of its items; whoever
    may not see the order → 404.
    """
    found = await refunds.list_refunds(principal=principal, order_id=order_id)
    return RefundsResponse(items=[RefundResponse.of(refund) for refund in found])


@router.get("/{refund_id}", responses=problems(401, 404, 422))
async def read_refund(
    order_id: UUID, refund_id: UUID, principal: CurrentPrincipal
) -> RefundResponse:
    """Read one of an order's refunds.

    For whoever may list it among the order's refunds; anyone else → 404.
    """
    return RefundResponse.of(
        await refunds.get_refund(principal=principal, order_id=order_id, refund_id=refund_id)
    )
