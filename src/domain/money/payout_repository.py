"""Payouts in the database."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, tuple_, update

from src.domain.money.payouts import Payout, PayoutStatus
from src.domain.pagination import Fetched, fetched_items
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import PayoutsTable

_P = PayoutsTable
_COLUMNS = (
    _P.id, _P.seller_id, _P.amount, _P.currency, _P.status, _P.transfer_id, _P.created_at,
    _P.updated_at,
)  # fmt: skip
_BY_ID = select(*_COLUMNS).where(_P.id == bindparam("payout_id"))
# Settling a payout moves it on from pending once: a second relay finds it settled.
_SETTLE = (
    update(_P)
    .where(_P.id == bindparam("payout_id"), _P.status == PayoutStatus.PENDING.value)
    .values(status=bindparam("status"), transfer_id=bindparam("transfer"),
            updated_at=bindparam("now"))
)  # fmt: skip
_AFTER = tuple_(_P.created_at, _P.id) < tuple_(
    bindparam("after_at", type_=_P.created_at.type), bindparam("after_id", type_=_P.id.type)
)


def _to_payout(row: Any) -> Payout:
    return Payout(
        id=row.id, seller_id=row.seller_id, amount=row.amount, currency=row.currency,
        status=PayoutStatus(row.status), transfer_id=row.transfer_id,
        created_at=row.created_at, updated_at=row.updated_at,
    )  # fmt: skip


class PayoutRepository(BaseRepository[PayoutsTable]):
    table = PayoutsTable

    async def add(self, payout: Payout) -> Payout:
        values = payout.model_dump()
        values["status"] = payout.status.value
        await self._execute(insert(_P), values)
        return payout

    async def get(self, payout_id: UUID) -> Payout | None:
        row = (await self._execute(_BY_ID, {"payout_id": payout_id})).one_or_none()
        return None if row is None else _to_payout(row)

    async def settle(
        self, payout: Payout, *, status: PayoutStatus, transfer_id: str | None, now: datetime
    ) -> Payout | None:
        """Mark a pending payout paid or failed; None if it was settled already."""
        moved = await self._execute_count(
            _SETTLE,
            {"payout_id": payout.id, "status": status.value, "transfer": transfer_id, "now": now},
        )
        if not moved:
            return None
        changes = {"status": status, "transfer_id": transfer_id, "updated_at": now}
        return payout.model_copy(update=changes)

    async def page(
        self, seller_id: UUID | None, *, after: tuple[datetime, UUID] | None, count: int
    ) -> Fetched[Payout]:
        """Up to `count` payouts (a seller's, or everyone's) after `after`, newest first."""
        statement = select(*_COLUMNS)
        parameters: dict[str, Any] = {}
        if seller_id is not None:
            statement = statement.where(_P.seller_id == bindparam("seller_id"))
            parameters["seller_id"] = seller_id
        if after is not None:
            statement = statement.where(_AFTER)
            parameters["after_at"], parameters["after_id"] = after
        statement = statement.order_by(_P.created_at.desc(), _P.id.desc()).limit(count)
        payouts = [_to_payout(row) for row in await self._execute(statement, parameters)]
        return fetched_items(payouts, lambda payout: (payout.created_at, payout.id))
