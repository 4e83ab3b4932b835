"""Shipping orders: each seller ships its part; the order follows its shipments."""

from uuid import UUID, uuid4

from src.application.events import raise_event
from src.application.ledger import start_hold
from src.domain.clock import utcnow
from src.domain.orders import Order, OrderRepository, OrderStatus
from src.domain.orders.events import OrderDelivered, OrderShipped
from src.domain.orders.rules import ensure_visible, may_see
from src.domain.shipping import Shipment, ShipmentRepository, ShipmentStatus
from src.domain.shipping.rules import ensure_can_deliver, ensure_can_ship, status_after_shipping
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Conflict, NotFound, ProgrammingError


@transaction
async def ship_order(
    *, principal: Principal, order_id: UUID, carrier: str, tracking_number: str
) -> Shipment:
    """Ship the caller's part of a paid order; the order is shipped once every seller has.

    The order's row is locked first, so two sellers shipping at once cannot both miss that
    the other has shipped.
    """
    order = ensure_visible(principal, await OrderRepository().get(order_id, for_update=True))
    shipments = ShipmentRepository()
    existing = await shipments.of_order(order.id)
    ensure_can_ship(principal, order, existing)
    now = utcnow()
    shipment = await shipments.add(
        Shipment(
            id=uuid4(), order_id=order.id, seller_id=principal.user_id, carrier=carrier,
            tracking_number=tracking_number, status=ShipmentStatus.IN_PROGRESS,
            created_at=now, updated_at=now,
        )
    )  # fmt: skip
    await _follow_shipments(order, [*existing, shipment])
    return shipment


@transaction
async def deliver_shipment(*, principal: Principal, shipment_id: UUID) -> Shipment:
    """Mark a shipment delivered (its seller or an admin); the order is delivered once all
    of its shipments are. The seller's payout for the order is held from now, then released
    by `release_due_funds`."""
    found, order = await _visible(principal, shipment_id, lock_order=True)
    shipments = ShipmentRepository()
    shipment = await shipments.get(found.id)  # as it is now that the order is locked
    if shipment is None:
        raise ProgrammingError(f"shipment {shipment_id} vanished; shipments are never deleted")
    ensure_can_deliver(principal, shipment)
    now = utcnow()
    delivered = await shipments.mark_delivered(shipment, now)
    await start_hold(order.id, shipment.seller_id, now)
    await _follow_shipments(order, await shipments.of_order(order.id))
    return delivered


@transaction(readonly=True)
async def list_shipments(*, principal: Principal, order_id: UUID) -> list[Shipment]:
    """The shipments of an order, for whoever may see the order."""
    order = ensure_visible(principal, await OrderRepository().get(order_id))
    return await ShipmentRepository().of_order(order.id)


@transaction(readonly=True)
async def get_shipment(*, principal: Principal, shipment_id: UUID) -> Shipment:
    """A shipment, for whoever may see its order."""
    shipment, _ = await _visible(principal, shipment_id, lock_order=False)
    return shipment


async def _visible(
    principal: Principal, shipment_id: UUID, *, lock_order: bool
) -> tuple[Shipment, Order]:
    """A shipment and its order if `principal` may see the order; otherwise not found, as if
    the shipment did not exist (the same answer for reading and for delivering it)."""
    shipment = await ShipmentRepository().get(shipment_id)
    order = (
        None
        if shipment is None
        else await OrderRepository().get(shipment.order_id, for_update=lock_order)
    )
    if shipment is None or order is None or not may_see(principal, order):
        raise NotFound("No such shipment")
    return shipment, order


async def _follow_shipments(order: Order, shipments: list[Shipment]) -> None:
    status = status_after_shipping(order, shipments)
    if status is None:
        return
    if await OrderRepository().move(order, to=status, now=utcnow()) is None:
        raise Conflict("The order changed meanwhile; try again", code="invalidState")
    if order.status is OrderStatus.PAID:
        await raise_event(OrderShipped(order_id=order.id, buyer_id=order.buyer_id))
    if status is OrderStatus.DELIVERED:
        await raise_event(OrderDelivered(order_id=order.id, buyer_id=order.buyer_id))
