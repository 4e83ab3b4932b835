"""Refunds in the database: an order's are few, and read together with their items (two
statements)."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from src.domain.refunds.entities import Refund, RefundedItem, RefundStatus
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import RefundItemsTable, RefundsTable

_R, _I = RefundsTable, RefundItemsTable
_COLUMNS = (
    _R.id, _R.order_id, _R.amount, _R.currency, _R.status, _R.reason, _R.charge_id,
    _R.created_at, _R.refunded_at,
)  # fmt: skip
_INSERT, _INSERT_ITEMS = insert(_R), insert(_I)
_ITEMS_OF = (
    select(_I)
    .where(_I.refund_id.in_(bindparam("refund_ids", expanding=True)))
    .order_by(_I.refund_id, _I.position)
)
_OF_ORDER = (
    select(*_COLUMNS).where(_R.order_id == bindparam("the_order")).order_by(_R.created_at, _R.id)
)
_BY_ID = select(*_COLUMNS).where(_R.id == bindparam("the_refund"))
_REFUNDED = (
    update(_R)
    .where(_R.id == bindparam("the_refund"), _R.status == RefundStatus.PENDING.value)
    .values(status=RefundStatus.REFUNDED.value, refunded_at=bindparam("now"))
)


def _to_refund(row: Any, items: list[RefundedItem]) -> Refund:
    return Refund(
        id=row.id, order_id=row.order_id, amount=row.amount, currency=row.currency,
        status=RefundStatus(row.status), reason=row.reason, items=items,
        charge_id=row.charge_id, created_at=row.created_at, refunded_at=row.refunded_at,
    )  # fmt: skip


def _to_item(row: Any) -> RefundedItem:
    return RefundedItem(
        product_id=row.product_id, variant_id=row.variant_id, seller_id=row.seller_id,
        quantity=row.quantity, amount=row.amount, commission=row.commission,
    )  # fmt: skip


class RefundRepository(BaseRepository[RefundsTable]):
    table = RefundsTable

    async def add(self, refund: Refund, *, requested_by: UUID) -> Refund:
        await self._execute(
            _INSERT,
            {
                "id": refund.id, "order_id": refund.order_id, "amount": refund.amount,
                "currency": refund.currency, "status": refund.status.value,
                "reason": refund.reason, "charge_id": refund.charge_id,
                "requested_by": requested_by,
                "created_at": refund.created_at, "refunded_at": refund.refunded_at,
            },
        )  # fmt: skip
        await self._execute(
            _INSERT_ITEMS,
            [
                {"refund_id": refund.id, "position": position, **item.model_dump()}
                for position, item in enumerate(refund.items)
            ],
        )
        return refund

    async def of_order(self, order_id: UUID) -> list[Refund]:
        """The order's refunds, oldest first."""
        rows = (await self._execute(_OF_ORDER, {"the_order": order_id})).all()
        return await self._with_items(rows)

    async def get(self, refund_id: UUID) -> Refund | None:
        row = (await self._execute(_BY_ID, {"the_refund": refund_id})).one_or_none()
        return None if row is None else (await self._with_items([row]))[0]

    async def mark_refunded(self, refund_id: UUID, now: datetime) -> bool:
        """The provider confirmed it; whether this call moved it (once)."""
        return bool(await self._execute_count(_REFUNDED, {"the_refund": refund_id, "now": now}))

    async def _with_items(self, rows: Sequence[Any]) -> list[Refund]:
        if not rows:
            return []
        result = await self._execute(_ITEMS_OF, {"refund_ids": [row.id for row in rows]})
        items: defaultdict[UUID, list[RefundedItem]] = defaultdict(list)
        for item in result:
            items[item.refund_id].append(_to_item(item))
        return [_to_refund(row, items[row.id]) for row in rows]
