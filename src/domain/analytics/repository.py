"""Analytics queries: aggregated in SQL, one statement each, never by loading orders."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Date, String, and_, cast, func, select

from src.domain.analytics.entities import SOLD, DailySales, ProductOrderStats, SalesWindow
from src.domain.orders.entities import OrderStatus
from src.domain.shipping.entities import ShipmentStatus
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import (
    OrderItemsTable,
    OrdersTable,
    RefundItemsTable,
    RefundsTable,
    ShipmentsTable,
)

_O, _I, _S = OrdersTable, OrderItemsTable, ShipmentsTable
_SOLD = [status.value for status in SOLD]


class AnalyticsRepository(BaseRepository[OrdersTable]):
    table = OrdersTable

    async def product_orders(self, product_id: UUID) -> ProductOrderStats:
        """How the orders holding a product stand: each order once, however many of the
        product's variants it holds; and what was refunded of it in the orders whose
        revenue counts (two statements)."""
        statement = (
            select(
                _O.status,
                func.count(func.distinct(_O.id)).label("orders"),
                func.coalesce(func.sum(_I.quantity), 0).label("units"),
                func.coalesce(func.sum(_I.quantity * _I.unit_price), 0).label("revenue"),
            )
            .select_from(_I)
            .join(_O, _O.id == _I.order_id)
            .where(_I.product_id == product_id)
            .group_by(_O.status)
        )
        rows = {OrderStatus(row.status): row for row in await self._execute(statement)}
        by_status = {status: rows[status].orders if status in rows else 0 for status in OrderStatus}
        sold = [rows[status] for status in SOLD if status in rows]
        refunded = (
            select(func.coalesce(func.sum(RefundItemsTable.amount), 0))
            .select_from(RefundItemsTable)
            .join(RefundsTable, RefundsTable.id == RefundItemsTable.refund_id)
            .join(_O, _O.id == RefundsTable.order_id)
            .where(RefundItemsTable.product_id == product_id, _O.status.in_(_SOLD))
        )
        return ProductOrderStats(
            product_id=product_id,
            orders_count=sum(
                n for status, n in by_status.items() if status is not OrderStatus.CANCELLED
            ),
            units_sold=sum(int(row.units) for row in sold),
            revenue=sum(int(row.revenue) for row in sold),
            by_status=by_status,
            refunded=int((await self._execute(refunded)).scalar_one()),
        )

    async def product_shipments(
        self, product_id: UUID, *, seller_id: UUID, status: ShipmentStatus
    ) -> int:
        """The seller's shipments in `status` for orders holding the product."""
        holding = select(_I.order_id).where(_I.product_id == product_id)
        statement = select(func.count()).where(
            _S.seller_id == seller_id, _S.status == status.value, _S.order_id.in_(holding)
        )
        return int((await self._execute(statement)).scalar_one())

    async def seller_sales(self, seller_id: UUID, window: SalesWindow) -> list[DailySales]:
        """The seller's items in paid, shipped and delivered orders, by the UTC day each
        order was paid, oldest first; days without sales are left out."""
        start = datetime.combine(window.first, time(), UTC)
        end = datetime.combine(window.last + timedelta(days=1), time(), UTC)
        day = self._utc_day(_O.paid_at).label("day")
        statement = (
            select(
                day,
                func.count(func.distinct(_O.id)).label("orders"),
                func.sum(_I.quantity).label("units"),
                func.sum(_I.quantity * _I.unit_price).label("revenue"),
            )
            .select_from(_I)
            .join(_O, _O.id == _I.order_id)
            .where(
                _I.seller_id == seller_id,
                _O.status.in_(_SOLD),
                and_(_O.paid_at >= start, _O.paid_at < end),
            )
            .group_by(day)
            .order_by(day)
        )
        return [
            DailySales(
                day=_as_date(row.day), orders=row.orders, units_sold=int(row.units),
                revenue=int(row.revenue),
            )
            for row in await self._execute(statement)
        ]  # fmt: skip

    def _utc_day(self, column: Any) -> Any:
        if self.dialect == "postgresql":
            return cast(func.timezone("UTC", column), Date)
        return func.substr(cast(column, String), 1, 10)  # SQLite keeps UTC as ISO text


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
