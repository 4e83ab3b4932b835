"""Cart repository: a cart and its lines in, whole carts out."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, select, update

from src.domain.carts.entities import Cart, CartItem, CartStatus
from src.infrastructure.database import BaseRepository, upserts
from src.infrastructure.database.tables import CartItemsTable, CartsTable

_C, _I = CartsTable, CartItemsTable
_CART_COLUMNS = (_C.id, _C.buyer_id, _C.status, _C.currency, _C.order_id, _C.created_at,
                 _C.updated_at)  # fmt: skip
_ITEM_COLUMNS = (_I.id, _I.product_id, _I.variant_id, _I.quantity, _I.unit_price)
# A cart with its lines, in one statement: a row per line (one with no line for an empty
# cart).
_CART = (
    select(*_CART_COLUMNS, *(column.label(f"item_{column.key}") for column in _ITEM_COLUMNS))
    .outerjoin(_I, _I.cart_id == _C.id)
    .where(_C.id == bindparam("cart_id"))
    .order_by(_I.position)
)
# Every change of a cart's lines locks the cart's row first. On PostgreSQL the lines are read
# by a statement of their own after the lock: a statement that waited for a lock still reads
# other tables as they were when it began, so a joined read would miss the lines the previous
# holder of the lock wrote (SQLite's write transactions run one at a time from their start).
_LOCK = select(_C.id).where(_C.id == bindparam("cart_id")).with_for_update()
_WIDTH = len(_CART_COLUMNS)
_ITEM_FIELDS = tuple(column.key for column in _ITEM_COLUMNS)
_OPEN_CART_OF = select(_C.id).where(
    _C.buyer_id == bindparam("buyer_id"), _C.status == CartStatus.OPEN.value
)
_SAVE = (
    update(_C)
    .where(_C.id == bindparam("cart_id"))
    .values(
        buyer_id=bindparam("buyer_id"),
        status=bindparam("status"),
        currency=bindparam("currency"),
        order_id=bindparam("order_id"),
        updated_at=bindparam("updated_at"),
    )
)
_DROP_ITEMS = delete(_I).where(_I.cart_id == bindparam("cart_id"))
_DROP_ITEM = delete(_I).where(_I.id == bindparam("item_id"), _I.cart_id == bindparam("cart_id"))
_INSERT_ITEMS = insert(_I)
# One line, new (after the others) or changed (keeping its place).
_LINE_FIELDS = ("id", "cart_id", "product_id", "variant_id", "quantity", "unit_price")
_AFTER_THE_OTHERS = (
    select(func.coalesce(func.max(_I.position) + 1, 0))
    .where(_I.cart_id == bindparam("cart_id"))
    .scalar_subquery()
)
_SAVE_LINE = upserts(
    _I,
    {name: bindparam(name) for name in _LINE_FIELDS} | {"position": _AFTER_THE_OTHERS},
    unique=["id"],
    update=["quantity", "unit_price"],
)
_REMOVE = delete(_C).where(_C.id == bindparam("cart_id"))
# The predicate of the partial index that keeps a buyer to one open cart, as ON CONFLICT
# names it.
_OPEN_BUYER_CART = and_(_C.status == literal_column("'open'"), _C.buyer_id.is_not(None))
_STALE_GUESTS = (
    select(_C.id)
    .where(_C.buyer_id.is_(None), _C.updated_at < bindparam("before"))
    .order_by(_C.updated_at)
    .limit(bindparam("limit"))
)


def _cart_values(cart: Cart) -> dict[str, Any]:
    return {
        "buyer_id": cart.buyer_id,
        "status": cart.status.value,
        "currency": cart.currency,
        "order_id": cart.order_id,
        "updated_at": cart.updated_at,
    }


class CartRepository(BaseRepository[CartsTable]):
    table = CartsTable

    async def add(self, cart: Cart) -> bool:
        """Store a new, empty cart; False if it is a buyer's second open one (whoever made
        the first, a concurrent request included)."""
        values = {"id": cart.id, "created_at": cart.created_at} | _cart_values(cart)
        if cart.buyer_id is None:
            await self._execute(insert(_C), values)
            return True
        return await self._insert_ignoring_existing(
            values, unique=["buyer_id"], where=_OPEN_BUYER_CART
        )

    async def get(self, cart_id: UUID, *, for_update: bool = False) -> Cart | None:
        """The cart with its lines; `for_update` locks it until commit."""
        if for_update and self.dialect == "postgresql":
            await self._execute(_LOCK, {"cart_id": cart_id})
        rows = (await self._execute(_CART, {"cart_id": cart_id})).all()
        if not rows:
            return None
        row = rows[0]
        items = (dict(zip(_ITEM_FIELDS, line[_WIDTH:], strict=True)) for line in rows)
        return Cart(
            id=row.id,
            buyer_id=row.buyer_id,
            status=CartStatus(row.status),
            items=tuple(CartItem(**item) for item in items if item["id"] is not None),
            currency=row.currency,
            order_id=row.order_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def open_cart_of(self, buyer_id: UUID) -> UUID | None:
        return (await self._execute(_OPEN_CART_OF, {"buyer_id": buyer_id})).scalar()

    async def save(self, cart: Cart, *, with_items: bool = True) -> Cart:
        """Store the cart's fields and (unless told they did not change) its lines."""
        await self._execute(_SAVE, {"cart_id": cart.id} | _cart_values(cart))
        if not with_items:
            return cart
        await self._execute(_DROP_ITEMS, {"cart_id": cart.id})
        if cart.items:
            await self._execute(
                _INSERT_ITEMS,
                [
                    {"cart_id": cart.id, "position": position, **item.model_dump()}
                    for position, item in enumerate(cart.items)
                ],
            )
        return cart

    async def save_line(self, cart: Cart, item: CartItem) -> Cart:
        """Store the cart's fields and one of its lines, new or changed (the others are as
        stored): one row written, not all of them."""
        await self._execute(_SAVE, {"cart_id": cart.id} | _cart_values(cart))
        await self._execute(_SAVE_LINE[self.dialect], {"cart_id": cart.id, **item.model_dump()})
        return cart

    async def save_without_line(self, cart: Cart, item_id: UUID) -> Cart:
        """Store the cart's fields, and delete one of its lines."""
        await self._execute(_SAVE, {"cart_id": cart.id} | _cart_values(cart))
        await self._execute(_DROP_ITEM, {"cart_id": cart.id, "item_id": item_id})
        return cart

    async def remove(self, cart_id: UUID) -> None:
        await self._execute(_REMOVE, {"cart_id": cart_id})

    async def stale_guest_carts(self, before: datetime, limit: int) -> Sequence[UUID]:
        """Up to `limit` guest carts untouched since before `before`, the oldest first."""
        rows = await self._execute(_STALE_GUESTS, {"before": before, "limit": limit})
        return [row.id for row in rows]

    async def remove_many(self, cart_ids: Sequence[UUID]) -> None:
        if cart_ids:
            await self._execute(delete(_C).where(_C.id.in_(cart_ids)))
