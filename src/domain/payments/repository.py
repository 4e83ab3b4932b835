"""Payment records: one row per order that a pay was attempted for."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, select, update

from src.domain.payments.entities import Payment
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import PaymentsTable

_P = PaymentsTable
_BY_ORDER = select(_P).where(_P.order_id == bindparam("the_order"))
# A decline moves the attempt counter on once, however many requests saw that decline.
_DECLINED = (
    update(_P)
    .where(_P.order_id == bindparam("the_order"), _P.declined_attempts == bindparam("seen"))
    .values(declined_attempts=_P.declined_attempts + 1)
)


def _to_payment(row: Any) -> Payment:
    return Payment(
        order_id=row.order_id,
        declined_attempts=row.declined_attempts,
        charge_id=row.charge_id,
        amount=row.amount,
        currency=row.currency,
        charged_at=row.charged_at,
        refund_requested_at=row.refund_requested_at,
        refunded_at=row.refunded_at,
    )


class PaymentRepository(BaseRepository[PaymentsTable]):
    table = PaymentsTable

    async def get(self, order_id: UUID) -> Payment | None:
        row = (await self._execute(_BY_ORDER, {"the_order": order_id})).one_or_none()
        return None if row is None else _to_payment(row)

    async def _ensure(self, order_id: UUID) -> None:
        await self._insert_ignoring_existing(
            {"order_id": order_id, "declined_attempts": 0}, unique=["order_id"]
        )

    async def record_decline(self, order_id: UUID, *, seen_declines: int) -> None:
        """Count a decline of attempt number `seen_declines` (once)."""
        await self._ensure(order_id)
        await self._execute(_DECLINED, {"the_order": order_id, "seen": seen_declines})

    async def record_charge(
        self, order_id: UUID, *, charge_id: str, amount: int, currency: str, now: datetime
    ) -> None:
        await self._ensure(order_id)
        await self._execute(
            update(_P)
            .where(_P.order_id == order_id)
            .values(charge_id=charge_id, amount=amount, currency=currency, charged_at=now)
        )

    async def request_refund(self, order_id: UUID, now: datetime) -> None:
        await self._execute(
            update(_P).where(_P.order_id == order_id).values(refund_requested_at=now)
        )

    async def record_refund(self, order_id: UUID, now: datetime) -> None:
        await self._execute(
            update(_P)
            .where(_P.order_id == order_id, _P.refunded_at.is_(None))
            .values(refunded_at=now)
        )
