"""Notifications read what a batch of events needs once, for the whole batch."""

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import pytest
from loguru import logger
from sqlalchemy import event

from src.application.auth import register_user
from src.application.catalog import create_product
from src.application.notifications import SUBSCRIBERS
from src.application.orders import cancel_order, place_order
from src.application.payments import pay_order
from src.application.relay import Relay
from src.application.shipping import ship_order
from src.domain.orders import CartLine, ShippingAddress
from src.domain.users import Principal, Role
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database
ADDRESS = ShippingAddress(full_name="A", line1="1 Main", city="X", postal_code="1", country="GB")
READ_TABLES = ("users", "orders", "order_items")


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside, on both engines."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

    engines = [runtime.database.engine.sync_engine, runtime.database.readonly_engine.sync_engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


@contextmanager
def notifications_sent() -> Iterator[list[str]]:
    """The message ids the log sender (the tests' sender) sends inside."""
    sent: list[str] = []
    pattern = re.compile(r"notification \S+\.([\w-]+) to ")

    def sink(message: Any) -> None:
        if match := pattern.match(message.record["message"]):
            sent.append(match[1])

    handler = logger.add(sink, level="INFO", format="{message}")
    try:
        yield sent
    finally:
        logger.remove(handler)


async def raise_order_events() -> int:
    """Two people, and orders placed, paid, shipped and cancelled: how many events."""
    names = [f"{role}-{uuid4().hex}@x.io" for role in ("buyer", "seller")]
    buyer, seller = [
        await register_user(email=name, password="long enough pw", full_name=name, role=role)
        for name, role in zip(names, (Role.BUYER, Role.SELLER), strict=True)
    ]
    as_buyer = Principal(user_id=buyer.id, role=Role.BUYER)
    as_seller = Principal(user_id=seller.id, role=Role.SELLER)
    lamp = await create_product(principal=as_seller, title="Lamp", description="", price=5,
                                currency="USD", stock=9, category="c")  # fmt: skip
    line = [CartLine(product_id=lamp.id, quantity=1)]
    shipped, cancelled = [
        await place_order(principal=as_buyer, lines=line, shipping_address=ADDRESS)
        for _ in range(2)
    ]
    for order in (shipped, cancelled):
        await pay_order(principal=as_buyer, order_id=order.id, payment_token="tok_visa")
    await ship_order(principal=as_seller, order_id=shipped.id, carrier="DHL", tracking_number="1")
    await cancel_order(principal=as_buyer, order_id=cancelled.id)  # and a refund is requested
    return 2 + 2 + 2 + 1 + 2  # registered, placed, paid, shipped, cancelled and refund


async def test_a_batch_of_mixed_order_events_reads_orders_and_people_once(
    runtime: Runtime,
) -> None:
    events = await raise_order_events()
    relay = Relay(SUBSCRIBERS, batch_size=50)

    with statements(runtime) as sent, notifications_sent() as messages:
        assert await relay.deliver_due() == events

    assert Counter(messages) == Counter(
        {"welcome": 2, "placed": 2, "paid": 2, "paid-sellers": 2, "shipped": 1, "cancelled": 1}
    )
    reads = Counter(
        table for statement in sent for table in READ_TABLES
        if re.search(rf"\bFROM {table}\b", statement, re.IGNORECASE)
    )  # fmt: skip
    assert reads == Counter(dict.fromkeys(READ_TABLES, 1))  # one read, for the whole batch
    # The whole batch: claim it (select, lease), read its receipts, read ahead (three), and
    # settle it (receipts, delivered); nothing per event.
    assert len([statement for statement in sent if not statement.startswith("BEGIN")]) == 8
