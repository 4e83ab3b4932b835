"""Shipping: sellers ship their part of an order and mark it delivered."""

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from src.application import shipping
from src.presentation.rest.deps import AsSeller, AsSellerOrAdmin, CurrentPrincipal, location
from src.presentation.rest.schemas import problems
from src.presentation.rest.shipping_schemas import (
    ShipmentResponse,
    ShipmentsResponse,
    ShipRequest,
    UpdateShipmentRequest,
)

order_shipments = APIRouter(prefix="/orders/{order_id}/shipments", tags=["shipping"])
shipments = APIRouter(prefix="/shipments", tags=["shipping"])


@order_shipments.post(
    "", status_code=status.HTTP_201_CREATED, responses=problems(401, 403, 404, 409, 422)
)
async def ship_order(
    order_id: UUID,
    body: ShipRequest,
    principal: AsSeller,
    request: Request,
    response: Response,
) -> ShipmentResponse:
    """Ship your part of an order (a seller with items in it).

    Once per seller, when the order is paid. When every seller in the order has shipped, the
    order becomes `shipped`. An order that is not paid, or a second shipment from the same
    seller → 409 `invalidState`.
    """
    shipment = await shipping.ship_order(
        principal=principal,
        order_id=order_id,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
    )
    response.headers["Location"] = location(request, read_shipment, shipment_id=shipment.id)
    return ShipmentResponse.of(shipment)


@order_shipments.get("", responses=problems(401, 404, 422))
async def list_order_shipments(order_id: UUID, principal: CurrentPrincipal) -> ShipmentsResponse:
    """List an order's shipments.

    For whoever may see the order.
    """
    found = await shipping.list_shipments(principal=principal, order_id=order_id)
    return ShipmentsResponse(items=[ShipmentResponse.of(shipment) for shipment in found])


@shipments.get("/{shipment_id}", responses=problems(401, 404, 422))
async def read_shipment(shipment_id: UUID, principal: CurrentPrincipal) -> ShipmentResponse:
    """Read a shipment.

    For whoever may see its order.
    """
    shipment = await shipping.get_shipment(principal=principal, shipment_id=shipment_id)
    return ShipmentResponse.of(shipment)


@shipments.patch("/{shipment_id}", responses=problems(401, 403, 404, 409, 422))
async def deliver_shipment(
    shipment_id: UUID, body: UpdateShipmentRequest, principal: AsSellerOrAdmin
) -> ShipmentResponse:
    """Mark a shipment delivered (its seller, or an admin).

    When all of an order's shipments are delivered, the order becomes `delivered`. An already
    delivered shipment → 409 `invalidState`.
    """
    del body  # `delivered` is the only move a shipment can make
    shipment = await shipping.deliver_shipment(principal=principal, shipment_id=shipment_id)
    return ShipmentResponse.of(shipment)
