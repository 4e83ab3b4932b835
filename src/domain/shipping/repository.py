"""Shipments in the database."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from src.domain.shipping.entities import Shipment, ShipmentStatus
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import ShipmentsTable
from src.infrastructure.errors import Conflict

_S = ShipmentsTable
_COLUMNS = (
    _S.id, _S.order_id, _S.seller_id, _S.carrier, _S.tracking_number, _S.status,
    _S.created_at, _S.updated_at,
)  # fmt: skip
_BY_ID = select(*_COLUMNS).where(_S.id == bindparam("shipment_id"))
_OF_ORDER = select(*_COLUMNS).where(_S.order_id == bindparam("the_order")).order_by(_S.created_at)


def _to_shipment(row: Any) -> Shipment:
    return Shipment(
        id=row.id,
        order_id=row.order_id,
        seller_id=row.seller_id,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        status=ShipmentStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _already_shipped() -> Conflict:
    return Conflict("You have already shipped your part of this order", code="invalidState")


class ShipmentRepository(BaseRepository[ShipmentsTable]):
    table = ShipmentsTable
    conflicts = {"uq_shipments_order_id": _already_shipped}  # noqa: RUF012 - read-only mapping

    async def add(self, shipment: Shipment) -> Shipment:
        values = shipment.model_dump()
        values["status"] = shipment.status.value
        await self._execute(insert(_S).values(values))
        return shipment

    async def get(self, shipment_id: UUID) -> Shipment | None:
        row = (await self._execute(_BY_ID, {"shipment_id": shipment_id})).one_or_none()
        return None if row is None else _to_shipment(row)

    async def of_order(self, order_id: UUID) -> list[Shipment]:
        return [
            _to_shipment(row) for row in await self._execute(_OF_ORDER, {"the_order": order_id})
        ]

    async def mark_delivered(self, shipment: Shipment, now: datetime) -> Shipment:
        await self._execute(
            update(_S)
            .where(_S.id == shipment.id)
            .values(status=ShipmentStatus.DELIVERED.value, updated_at=now)
        )
        return shipment.model_copy(update={"status": ShipmentStatus.DELIVERED, "updated_at": now})
