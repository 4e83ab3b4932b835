"""Operations raise exactly one event per change, in their own transaction, and none when
they fail."""

from uuid import uuid4

import pytest
from sqlalchemy import select

from src.application.auth import register_user
from src.application.catalog import create_product
from src.application.orders import cancel_order, place_order
from src.application.payments import pay_order
from src.application.shipping import deliver_shipment, ship_order
from src.domain.events import parse_event
from src.domain.orders import CartLine, ShippingAddress
from src.domain.orders.events import (
    OrderCancelled,
    OrderDelivered,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from src.domain.refunds.events import RefundCreated
from src.domain.users import Principal, Role
from src.domain.users.events import UserRegistered
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import OutboxTable
from src.infrastructure.errors import AppError
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database
ADDRESS = ShippingAddress(full_name="A", line1="1 Main", city="X", postal_code="1", country="GB")


@transaction(readonly=True)
async def outbox() -> list[object]:
    rows = await (await current_connection()).execute(
        select(OutboxTable.topic, OutboxTable.version, OutboxTable.payload).order_by(
            OutboxTable.created_at
        )
    )
    return [parse_event(row.topic, row.version, row.payload) for row in rows]


class Outbox:
    """Reads the outbox, a little at a time."""

    def __init__(self) -> None:
        self.seen = 0

    async def new(self) -> list[object]:
        """The events raised since the last call."""
        events = await outbox()
        fresh, self.seen = events[self.seen :], len(events)
        return fresh


async def test_each_change_raises_its_one_event_and_failures_raise_none(
    runtime: Runtime,
) -> None:
    drain = Outbox().new
    buyer = await register_user(email=f"b-{uuid4().hex}@x.io", password="long enough pw",
                                full_name="B", role=Role.BUYER)  # fmt: skip
    seller = await register_user(email=f"s-{uuid4().hex}@x.io", password="long enough pw",
                                 full_name="S", role=Role.SELLER)  # fmt: skip
    assert await drain() == [UserRegistered(user_id=buyer.id), UserRegistered(user_id=seller.id)]
    with pytest.raises(AppError):
        await register_user(email=buyer.email, password="long enough pw", full_name="B",
                            role=Role.BUYER)  # fmt: skip
    assert await drain() == []

    as_buyer = Principal(user_id=buyer.id, role=Role.BUYER)
    as_seller = Principal(user_id=seller.id, role=Role.SELLER)
    lamp = await create_product(principal=as_seller, title="Lamp", description="", price=5,
                                currency="USD", stock=2, category="c")  # fmt: skip
    assert await drain() == []  # listing a product announces nothing

    with pytest.raises(AppError):
        await place_order(principal=as_buyer, lines=[CartLine(product_id=lamp.id, quantity=3)],
                          shipping_address=ADDRESS)  # fmt: skip
    assert await drain() == []
    order = await place_order(principal=as_buyer, lines=[CartLine(product_id=lamp.id,
                              quantity=1)], shipping_address=ADDRESS)  # fmt: skip
    assert await drain() == [OrderPlaced(order_id=order.id, buyer_id=buyer.id)]

    with pytest.raises(AppError):
        await pay_order(principal=as_buyer, order_id=order.id, payment_token="tok_decline")
    assert await drain() == []
    await pay_order(principal=as_buyer, order_id=order.id, payment_token="tok_visa")
    assert await drain() == [
        OrderPaid(order_id=order.id, buyer_id=buyer.id, seller_ids=[seller.id])
    ]

    shipment = await ship_order(principal=as_seller, order_id=order.id, carrier="DHL",
                                tracking_number="1")  # fmt: skip
    assert await drain() == [OrderShipped(order_id=order.id, buyer_id=buyer.id)]
    await deliver_shipment(principal=as_seller, shipment_id=shipment.id)
    assert await drain() == [OrderDelivered(order_id=order.id, buyer_id=buyer.id)]

    second = await place_order(principal=as_buyer, lines=[CartLine(product_id=lamp.id,
                               quantity=1)], shipping_address=ADDRESS)  # fmt: skip
    await pay_order(principal=as_buyer, order_id=second.id, payment_token="tok_visa")
    await drain()
    await cancel_order(principal=as_buyer, order_id=second.id)
    (refund, cancelled) = await drain()
    assert isinstance(refund, RefundCreated)
    assert (refund.order_id, refund.amount, refund.seller_ids) == (
        second.id, second.total, [seller.id])  # fmt: skip
    assert cancelled == OrderCancelled(order_id=second.id, buyer_id=buyer.id, refunded=True)
    with pytest.raises(AppError):
        await cancel_order(principal=as_buyer, order_id=second.id)
    assert await drain() == []
