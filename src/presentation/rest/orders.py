"""Orders: buyers place and cancel them; buyers, their sellers and admins read them."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from src.application import orders, payments
from src.domain.orders import Order
from src.presentation.rest.deps import AsBuyer, AsBuyerOrAdmin, CurrentPrincipal, location
from src.presentation.rest.idempotency import IdempotencyKey, respond_once
from src.presentation.rest.orders_schemas import (
    OrderListQuery,
    OrderResponse,
    PayOrderRequest,
    PlaceOrderRequest,
)
from src.presentation.rest.query import query_model, query_parameters
from src.presentation.rest.schemas import PageResponse, problems

router = APIRouter(prefix="/orders", tags=["orders"])


def _created(request: Request, order: Order) -> JSONResponse:
    return JSONResponse(
        OrderResponse.of(order).model_dump(mode="json", by_alias=True),
        status_code=status.HTTP_201_CREATED,
        headers={"Location": location(request, read_order, order_id=order.id)},
    )


def _ok(order: Order) -> JSONResponse:
    return JSONResponse(OrderResponse.of(order).model_dump(mode="json", by_alias=True))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderResponse,
    responses=problems(401, 403, 409, 422),
)
async def place_order(
    body: PlaceOrderRequest,
    principal: AsBuyer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Place an order (buyers).

    All items' stock is taken, or none is: any item short of stock → 409 `outOfStock` and no
    stock changes; an unknown or archived product → 422 `productUnavailable`. With an
    `Idempotency-Key`, a retry of the same request gets the first answer again; while the first
    is still running → 409 `idempotencyKeyInFlight`; the same key with another body → 422
    `idempotencyKeyReused`.
    """
    return await respond_once(
        request,
        principal=principal,
        key=idempotency_key,
        body=body,
        operation=lambda: orders.place_order(
            principal=principal,
            lines=body.lines(),
            shipping_address=body.shipping_address.address(),
        ),
        respond=lambda order: _created(request, order),
    )


@router.get("", responses=problems(401, 422), openapi_extra=query_parameters(OrderListQuery))
async def list_orders(
    # Who is asking is settled first: a caller without a token gets 401, whatever the query.
    principal: CurrentPrincipal,
    query: Annotated[OrderListQuery, query_model(OrderListQuery)],
) -> PageResponse[OrderResponse]:
    """List the orders you may see.

    Newest first: a buyer's own, those holding a seller's products, or every order for an
    admin.
    """
    page = await orders.list_orders(
        principal=principal, status=query.status, limit=query.limit, cursor=query.cursor
    )
    return PageResponse.of([OrderResponse.of(order) for order in page.items], page)


@router.get("/{order_id}", responses=problems(401, 404, 422))
async def read_order(order_id: UUID, principal: CurrentPrincipal) -> OrderResponse:
    """Read an order.

    For its buyer, a seller with items in it, or an admin; anyone else → 404.
    """
    return OrderResponse.of(await orders.get_order(principal=principal, order_id=order_id))


@router.post("/{order_id}/cancel", responses=problems(401, 403, 404, 409, 422))
async def cancel_order(order_id: UUID, principal: AsBuyerOrAdmin) -> OrderResponse:
    """Cancel an order (its buyer, or an admin).

    Before it ships: its items go back in stock, and a paid order is refunded. Shipped,
    delivered or already cancelled → 409 `invalidState`.
    """
    return OrderResponse.of(await orders.cancel_order(principal=principal, order_id=order_id))


@router.post(
    "/{order_id}/pay",
    response_model=OrderResponse,
    responses=problems(401, 402, 403, 404, 409, 422, 503),
)
async def pay_order(
    order_id: UUID,
    body: PayOrderRequest,
    principal: AsBuyer,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Pay for an order (its buyer).

    The order must await payment, and answers `paid`. Declined → 402 `paymentDeclined`, and the
    order stays payable. Provider down or its circuit open → 503 `paymentUnavailable`: nothing
    was charged twice, and trying again is safe. An `Idempotency-Key` is bound by the first 200
    or 402; a 503 binds nothing.
    """
    return await respond_once(
        request,
        principal=principal,
        key=idempotency_key,
        body=body,
        operation=lambda: payments.pay_order(
            principal=principal, order_id=order_id, payment_token=body.payment_token
        ),
        respond=_ok,
        atomic=False,
    )
