"""Notifications: subscribers that tell people what happened, through whichever
`NotificationSender` the settings chose (the log, email or SMS).

Each subscriber sends one message per event, whose id is the event's id and the
subscriber's name: the relay skips a subscriber that already handled an event, and the id
lets a mail system recognise a copy should one ever be sent twice (a crash between sending
and recording the receipt).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from src.application.events import ReadAhead, subscriber
from src.domain.events import DomainEvent
from src.domain.orders import Order, OrderRepository
from src.domain.orders.events import (
    OrderCancelled,
    OrderEvent,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
)
from src.domain.outbox import Subscriber
from src.domain.users import User, UserRepository
from src.domain.users.events import UserRegistered
from src.infrastructure.database.transaction import transaction
from src.infrastructure.notifications import Message
from src.infrastructure.runtime import runtime


@dataclass(frozen=True, slots=True)
class Known:
    """The orders and people a batch of events needs, read for all of them at once, so that
    handling each event does not open a transaction of its own."""

    orders: Mapping[UUID, Order]
    people: Mapping[UUID, User]


async def read_ahead(events: Sequence[DomainEvent]) -> Known:
    """Read what every notification of a batch needs, in one transaction."""
    order_ids: set[UUID] = set()
    user_ids: set[UUID] = set()
    for event in events:
        if isinstance(event, UserRegistered):
            user_ids.add(event.user_id)
        if isinstance(event, OrderEvent):
            user_ids.add(event.buyer_id)
            user_ids.update(getattr(event, "seller_ids", ()))
        if isinstance(event, OrderPlaced | OrderPaid):  # their messages list the order
            order_ids.add(event.order_id)
    return await _read(order_ids, user_ids)


@transaction(readonly=True)
async def _read(order_ids: Iterable[UUID], user_ids: Iterable[UUID]) -> Known:
    wanted = sorted(set(order_ids))
    orders = await OrderRepository().get_many(wanted) if wanted else {}
    return Known(orders, await UserRepository().get_many(sorted(set(user_ids))))


async def _people(known: Known | None, user_ids: Iterable[UUID]) -> Mapping[UUID, User]:
    """The people to tell: read ahead, or read now."""
    wanted = set(user_ids)
    if known is not None and wanted <= known.people.keys():
        return {user_id: known.people[user_id] for user_id in wanted}
    return (await _read((), wanted)).people


async def _order_for(
    known: Known | None, order_id: UUID, user_ids: Iterable[UUID]
) -> tuple[Order, Mapping[UUID, User]]:
    """The order, and the people to tell about it: read ahead, or read now."""
    user_ids = set(user_ids)
    if known is not None and order_id in known.orders:
        return known.orders[order_id], await _people(known, user_ids)
    fresh = await _read([order_id], user_ids)
    if order_id not in fresh.orders:
        raise LookupError(f"order {order_id} is gone")
    return fresh.orders[order_id], fresh.people


def _money(amount: int, currency: str) -> str:
    return f"{amount // 100}.{amount % 100:02d} {currency}"


def _lines(order: Order) -> str:
    items = "\n".join(
        f"  {item.quantity} × {item.title} at {_money(item.unit_price, order.currency)}"
        for item in order.items
    )
    return f"{items}\nTotal: {_money(order.total, order.currency)}"


async def _send(event_id: UUID, kind: str, to: Iterable[str], subject: str, body: str) -> None:
    message = Message(to=tuple(to), subject=subject, body=body, message_id=f"{event_id}.{kind}")
    await runtime().notifier.send(message)


async def welcome(event_id: UUID, event: UserRegistered, known: Known | None) -> None:
    user = (await _people(known, [event.user_id]))[event.user_id]
    await _send(
        event_id, "welcome", [user.email], "Welcome to the marketplace",
        f"Hello {user.full_name},\n\nYour {user.role.value} account is ready.",
    )  # fmt: skip


async def order_placed(event_id: UUID, event: OrderPlaced, known: Known | None) -> None:
    order, people = await _order_for(known, event.order_id, [event.buyer_id])
    buyer = people[event.buyer_id]
    await _send(
        event_id, "placed", [buyer.email], f"Order {order.id} placed",
        f"Hello {buyer.full_name},\n\nWe have your order:\n{_lines(order)}\n\n"
        "It is waiting for payment.",
    )  # fmt: skip


async def order_paid_to_buyer(event_id: UUID, event: OrderPaid, known: Known | None) -> None:
    order, people = await _order_for(known, event.order_id, [event.buyer_id])
    buyer = people[event.buyer_id]
    await _send(
        event_id, "paid", [buyer.email], f"Order {order.id} paid",
        f"Hello {buyer.full_name},\n\nThank you: your payment went through.\n{_lines(order)}",
    )  # fmt: skip


async def order_paid_to_sellers(event_id: UUID, event: OrderPaid, known: Known | None) -> None:
    """One message to every seller in the order; each sees only its own address."""
    order, sellers = await _order_for(known, event.order_id, event.seller_ids)
    await _send(
        event_id, "paid-sellers", [sellers[s].email for s in event.seller_ids if s in sellers],
        f"Order {order.id} paid: please ship",
        f"Order {order.id} is paid. Ship your items from it:\n{_lines(order)}\n\n"
        f"Ship to:\n{_address(order)}",
    )  # fmt: skip


def _address(order: Order) -> str:
    address = order.shipping_address
    lines = [address.full_name, address.line1, address.line2, address.city,
             address.postal_code, address.country]  # fmt: skip
    return "\n".join(line for line in lines if line)


async def order_shipped(event_id: UUID, event: OrderShipped, known: Known | None) -> None:
    buyer = (await _people(known, [event.buyer_id]))[event.buyer_id]
    await _send(
        event_id, "shipped", [buyer.email], f"Order {event.order_id} shipped",
        f"Hello {buyer.full_name},\n\nEverything in your order is on its way.",
    )  # fmt: skip


async def order_cancelled(event_id: UUID, event: OrderCancelled, known: Known | None) -> None:
    buyer = (await _people(known, [event.buyer_id]))[event.buyer_id]
    refund = " Your payment is being refunded." if event.refunded else ""
    await _send(
        event_id, "cancelled", [buyer.email], f"Order {event.order_id} cancelled",
        f"Hello {buyer.full_name},\n\nYour order has been cancelled.{refund}",
    )  # fmt: skip


# Every notification reads through one read-ahead, so a batch is read once for all of them.
_READ_AHEAD = ReadAhead(read_ahead)
SUBSCRIBERS: list[Subscriber[Known]] = [
    subscriber("email-welcome", UserRegistered, welcome, prepare=_READ_AHEAD),
    subscriber("email-order-placed", OrderPlaced, order_placed, prepare=_READ_AHEAD),
    subscriber("email-order-paid-buyer", OrderPaid, order_paid_to_buyer, prepare=_READ_AHEAD),
    subscriber("email-order-paid-sellers", OrderPaid, order_paid_to_sellers, prepare=_READ_AHEAD),
    subscriber("email-order-shipped", OrderShipped, order_shipped, prepare=_READ_AHEAD),
    subscriber("email-order-cancelled", OrderCancelled, order_cancelled, prepare=_READ_AHEAD),
]
