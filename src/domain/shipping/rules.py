"""Shipping rules: who ships and delivers, and where the order goes as its shipments do."""

from collections.abc import Sequence

from src.domain.orders.entities import Order, OrderAction, OrderStatus
from src.domain.orders.rules import ensure_may, next_status
from src.domain.shipping.entities import Shipment, ShipmentStatus
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import Conflict, Forbidden


def ensure_can_ship(principal: Principal, order: Order, shipments: Sequence[Shipment]) -> None:
    """A seller with items in a paid order ships its part of it, once."""
    ensure_may(principal, OrderAction.SHIP, order)
    if order.status is not OrderStatus.PAID:
        raise Conflict(
            f"An order that is {order.status.value} cannot be shipped", code="invalidState"
        )
    if any(shipment.seller_id == principal.user_id for shipment in shipments):
        raise Conflict("You have already shipped your part of this order", code="invalidState")


def ensure_can_deliver(principal: Principal, shipment: Shipment) -> None:
    """A shipment is marked delivered by its seller or an admin, once."""
    if principal.role is not Role.ADMIN and principal.user_id != shipment.seller_id:
        raise Forbidden("Only the shipment's seller or an admin can update it")
    if shipment.status is ShipmentStatus.DELIVERED:
        raise Conflict("The shipment is already delivered", code="invalidState")


def status_after_shipping(order: Order, shipments: Sequence[Shipment]) -> OrderStatus | None:
    """Where the order goes now that its shipments are as given; None if it stays.

    Paid → shipped once every seller in it has shipped; shipped → delivered once every
    shipment is delivered.
    """
    shipped_by = {shipment.seller_id for shipment in shipments}
    if order.status is OrderStatus.PAID and shipped_by >= order.seller_ids:
        order_status = next_status(order.status, OrderAction.SHIP)
        if all(s.status is ShipmentStatus.DELIVERED for s in shipments):
            return next_status(order_status, OrderAction.DELIVER)
        return order_status
    if order.status is OrderStatus.SHIPPED and all(
        shipment.status is ShipmentStatus.DELIVERED for shipment in shipments
    ):
        return next_status(order.status, OrderAction.DELIVER)
    return None
