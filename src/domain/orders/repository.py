"""Order repository: an order and its items in, whole orders out; a page in two statements."""

import functools
import operator
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, insert, select, tuple_, update

from src.domain.orders.entities import (
    Order,
    OrderItem,
    OrderScope,
    OrderStatus,
    ShippingAddress,
)
from src.domain.pagination import Fetched
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import OrderItemsTable, OrderSellersTable, OrdersTable
from src.infrastructure.errors import Conflict

_O, _I, _S = OrdersTable, OrderItemsTable, OrderSellersTable
_ORDER_COLUMNS = (
    _O.id,
    _O.buyer_id,
    _O.status,
    _O.total,
    _O.currency,
    _O.shipping_address,
    _O.created_at,
    _O.updated_at,
    _O.paid_at,
    _O.cart_id,
    _O.refunded,
)
# Statements built once, values bound per call: building `insert().values(...)` for every
# order costs more than running it.
_INSERT_ORDER, _INSERT_ITEMS, _INSERT_SELLERS = insert(_O), insert(_I), insert(_S)
_ORDER_BY_ID = select(*_ORDER_COLUMNS).where(_O.id == bindparam("order_id"))
# Locked as an UPDATE locks it (FOR NO KEY UPDATE), not FOR UPDATE: rows that reference the
# order (ledger entries, refunds) can still be written meanwhile, since their foreign-key check
# takes only a key-share lock. With FOR UPDATE, the release job (holding a seller's funds, and
# writing an entry for their order) and a refund (holding the order, and waiting for those
# funds) deadlocked.
_ORDER_BY_ID_FOR_UPDATE = _ORDER_BY_ID.with_for_update(key_share=True)
_ORDER_OF_CART = select(_O.id).where(_O.cart_id == bindparam("cart_id"))
_ORDERS_BY_IDS = select(*_ORDER_COLUMNS).where(_O.id.in_(bindparam("order_ids", expanding=True)))
_ITEMS_OF = (
    select(_I)
    .where(_I.order_id.in_(bindparam("order_ids", expanding=True)))
    .order_by(_I.order_id, _I.position)
)
_MOVE = (
    update(_O)
    .where(_O.id == bindparam("order_id"), _O.status == bindparam("expected"))
    .values(status=bindparam("status"), updated_at=bindparam("now"))
)
_MOVE_TO_PAID = _MOVE.values(paid_at=bindparam("now"))
_ADD_REFUNDED = (
    update(_O)
    .where(_O.id == bindparam("order_id"))
    .values(refunded=_O.refunded + bindparam("amount"), updated_at=bindparam("now"))
)
# A listing row's sort key: a seller's listing walks `order_sellers`, whose copy of the
# order's time is the order's own.
_ROW_KEY = operator.attrgetter("created_at", "id")


@functools.lru_cache(maxsize=16)
def _listing(kind: str, *, with_status: bool, paged: bool) -> Select[Any]:
    """Newest first, for one kind of scope (`all`, `buyer`, `seller`), built once.

    A seller's orders are walked through `order_sellers`, whose index holds each seller's
    orders by time, so a page reads only that seller's rows however many orders there are.
    """
    if kind == "seller":
        key = (_S.order_created_at, _S.order_id)
        statement = (
            select(*_ORDER_COLUMNS)
            .select_from(_S)
            .join(_O, _O.id == _S.order_id)
            .where(_S.seller_id == bindparam("seller_id"))
        )
    else:
        key = (_O.created_at, _O.id)
        statement = select(*_ORDER_COLUMNS)
        if kind == "buyer":
            statement = statement.where(_O.buyer_id == bindparam("buyer_id"))
    conditions = []
    if with_status:
        conditions.append(_O.status == bindparam("status"))
    if paged:
        after = tuple_(
            bindparam("after_key", type_=key[0].type), bindparam("after_id", type_=key[1].type)
        )
        conditions.append(tuple_(*key) < after)
    if conditions:
        statement = statement.where(and_(*conditions))
    order = statement.order_by(key[0].desc(), key[1].desc())
    return order.limit(bindparam("limit"))


def _to_order(row: Any, items: list[OrderItem]) -> Order:
    return Order(
        id=row.id,
        buyer_id=row.buyer_id,
        status=OrderStatus(row.status),
        items=items,
        total=row.total,
        currency=row.currency,
        shipping_address=ShippingAddress.model_validate(row.shipping_address),
        created_at=row.created_at,
        updated_at=row.updated_at,
        paid_at=row.paid_at,
        cart_id=row.cart_id,
        refunded=row.refunded,
    )


def _to_item(row: Any) -> OrderItem:
    return OrderItem(
        product_id=row.product_id,
        seller_id=row.seller_id,
        title=row.title,
        unit_price=row.unit_price,
        quantity=row.quantity,
        variant_id=row.variant_id,
        sku=row.sku,
        options=row.options,
        commission_rate_bps=row.commission_rate_bps,
    )


class OrderRepository(BaseRepository[OrdersTable]):
    table = OrdersTable

    conflicts = MappingProxyType(
        {"uq_orders_cart_id": lambda: Conflict("This cart is checked out already",
                                               code="cartCheckedOut")}
    )  # fmt: skip

    async def add(self, order: Order) -> Order:
        """Store a new order with its items and the sellers it involves."""
        await self._execute(
            _INSERT_ORDER,
            {
                "id": order.id,
                "buyer_id": order.buyer_id,
                "status": order.status.value,
                "total": order.total,
                "currency": order.currency,
                "shipping_address": order.shipping_address.model_dump(),
                "created_at": order.created_at,
                "updated_at": order.updated_at,
                "paid_at": order.paid_at,
                "cart_id": order.cart_id,
            },
        )
        items = [
            {
                "order_id": order.id,
                "position": position,
                "product_id": item.product_id,
                "seller_id": item.seller_id,
                "title": item.title,
                "unit_price": item.unit_price,
                "quantity": item.quantity,
                "variant_id": item.variant_id,
                "sku": item.sku,
                "options": item.options,
                "commission_rate_bps": item.commission_rate_bps,
            }
            for position, item in enumerate(order.items)
        ]
        await self._execute(_INSERT_ITEMS, items)
        sellers = [
            {"order_id": order.id, "seller_id": seller, "order_created_at": order.created_at}
            for seller in sorted(order.seller_ids)
        ]
        await self._execute(_INSERT_SELLERS, sellers)
        return order

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        """The order with its items; `for_update` locks its row until commit."""
        statement = _ORDER_BY_ID_FOR_UPDATE if for_update else _ORDER_BY_ID
        row = (await self._execute(statement, {"order_id": order_id})).one_or_none()
        if row is None:
            return None
        return (await self._with_items([row]))[0]

    async def of_cart(self, cart_id: UUID) -> Order | None:
        """The order a cart was checked out as, if it was."""
        order_id = (await self._execute(_ORDER_OF_CART, {"cart_id": cart_id})).scalar()
        return None if order_id is None else await self.get(order_id)

    async def get_many(self, order_ids: list[UUID]) -> dict[UUID, Order]:
        """The stored orders among `order_ids`, with their items, by id (two statements)."""
        rows = (await self._execute(_ORDERS_BY_IDS, {"order_ids": order_ids})).all()
        return {order.id: order for order in await self._with_items(rows)}

    async def move(self, order: Order, *, to: OrderStatus, now: datetime) -> Order | None:
        """Set the order's status if it is still what `order` says; None if it moved on.

        Moving to `paid` also records when, which is the day its sales count towards.
        """
        paid = to is OrderStatus.PAID
        moved = await self._execute_count(
            _MOVE_TO_PAID if paid else _MOVE,
            {"order_id": order.id, "expected": order.status.value, "status": to.value, "now": now},
        )
        if not moved:
            return None
        changes: dict[str, object] = {"status": to, "updated_at": now}
        if paid:
            changes["paid_at"] = now
        return order.model_copy(update=changes)

    async def add_refunded(self, order: Order, amount: int, now: datetime) -> Order:
        """Count `amount` more as refunded (under the order's lock, held by the caller)."""
        await self._execute(_ADD_REFUNDED, {"order_id": order.id, "amount": amount, "now": now})
        return order.model_copy(update={"refunded": order.refunded + amount, "updated_at": now})

    async def list_page(
        self,
        scope: OrderScope,
        *,
        status: OrderStatus | None,
        after: tuple[datetime, UUID] | None,
        count: int,
    ) -> Fetched[Order]:
        """Up to `count` of the scope's orders after the key `after`, newest first; an order's
        items are read (in one statement) only for the orders the page keeps."""
        parameters: dict[str, Any] = {"limit": count}
        kind = "all"
        if scope.seller_id is not None:
            kind, parameters["seller_id"] = "seller", scope.seller_id
        elif scope.buyer_id is not None:
            kind, parameters["buyer_id"] = "buyer", scope.buyer_id
        if status is not None:
            parameters["status"] = status.value
        if after is not None:
            parameters["after_key"], parameters["after_id"] = after
        statement = _listing(kind, with_status=status is not None, paged=after is not None)
        rows = (await self._execute(statement, parameters)).all()
        return Fetched(rows, _ROW_KEY, self._with_items)

    async def _with_items(self, rows: Sequence[Any]) -> list[Order]:
        if not rows:
            return []
        result = await self._execute(_ITEMS_OF, {"order_ids": [row.id for row in rows]})
        items: defaultdict[UUID, list[OrderItem]] = defaultdict(list)
        for item in result:
            items[item.order_id].append(_to_item(item))
        return [_to_order(row, items[row.id]) for row in rows]
