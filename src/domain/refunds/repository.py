"""Refunds in the database: an order's are few, and read together."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from src.domain.refunds.entities import Refund, RefundedItem, RefundStatus
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import RefundsTable

_R = RefundsTable
_COLUMNS = (
    _R.id, _R.order_id, _R.amount, _R.currency, _R.status, _R.reason, _R.items, _R.charge_id,
    _R.created_at, _R.refunded_at,
)  # fmt: skip
_INSERT = insert(_R)
_OF_ORDER = (
    select(*_COLUMNS).where(_R.order_id == bindparam("the_order")).order_by(_R.created_at, _R.id)
)
_BY_ID = select(*_COLUMNS).where(_R.id == bindparam("the_refund"))
_REFUNDED = (
    update(_R)
    .where(_R.id == bindparam("the_refund"), _R.status == RefundStatus.PENDING.value)
    .values(status=RefundStatus.REFUNDED.value, refunded_at=bindparam("now"))
)


def _to_refund(row: Any) -> Refund:
    return Refund(
        id=row.id, order_id=row.order_id, amount=row.amount, currency=row.currency,
        status=RefundStatus(row.status), reason=row.reason,
        items=[RefundedItem.model_validate(item, strict=False) for item in row.items],
        charge_id=row.charge_id, created_at=row.created_at, refunded_at=row.refunded_at,
    )  # fmt: skip


class RefundRepository(BaseRepository[RefundsTable]):
    table = RefundsTable

    async def add(self, refund: Refund, *, requested_by: UUID) -> Refund:
        await self._execute(
            _INSERT,
            {
                "id": refund.id, "order_id": refund.order_id, "amount": refund.amount,
                "currency": refund.currency, "status": refund.status.value,
                "reason": refund.reason,
                "items": [item.model_dump(mode="json") for item in refund.items],
                "charge_id": refund.charge_id, "requested_by": requested_by,
                "created_at": refund.created_at, "refunded_at": refund.refunded_at,
            },
        )  # fmt: skip
        return refund

    async def of_order(self, order_id: UUID) -> list[Refund]:
        """The order's refunds, oldest first."""
        rows = await self._execute(_OF_ORDER, {"the_order": order_id})
        return [_to_refund(row) for row in rows]

    async def get(self, refund_id: UUID) -> Refund | None:
        row = (await self._execute(_BY_ID, {"the_refund": refund_id})).one_or_none()
        return None if row is None else _to_refund(row)

    async def mark_refunded(self, refund_id: UUID, now: datetime) -> bool:
        """The provider confirmed it; whether this call moved it (once)."""
        return bool(await self._execute_count(_REFUNDED, {"the_refund": refund_id, "now": now}))
