"""HTTP models of analytics."""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field

from src.domain.analytics import DailySales, ProductOrderStats
from src.domain.analytics.rules import MAX_DAYS
from src.domain.orders import OrderStatus
from src.domain.shipping import ShipmentStatus
from src.presentation.rest.schemas import ApiModel, Count, Documented


class OrdersByStatus(ApiModel):
    pending_payment: Count
    paid: Count
    shipped: Count
    delivered: Count
    cancelled: Count


class ProductOrdersResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "productId": "492af436-1319-5c6f-bebf-63edb2364066",
                    "ordersCount": 7,
                    "unitsSold": 9,
                    "revenue": 44991,
                    "refunded": 4999,
                    "byStatus": {"pendingPayment": 1, "paid": 2, "shipped": 1, "delivered": 3,
                                 "cancelled": 1},
                }
            ]
        }
    )  # fmt: skip

    product_id: UUID
    orders_count: Count = Field(description="Orders holding the product, all but cancelled")
    units_sold: Count = Field(description="In paid, shipped and delivered orders")
    revenue: Count = Field(description="Minor units: Σ unitPrice × quantity in those orders")
    by_status: OrdersByStatus
    refunded: Count = Field(
        description="Minor units refunded of this product in those same orders; `revenue` "
        "stays gross, so revenue − refunded is what was kept"
    )

    @classmethod
    def of(cls, stats: ProductOrderStats) -> "ProductOrdersResponse":
        counts = stats.by_status
        return cls(
            product_id=stats.product_id,
            orders_count=stats.orders_count,
            units_sold=stats.units_sold,
            revenue=stats.revenue,
            refunded=stats.refunded,
            by_status=OrdersByStatus(
                pending_payment=counts[OrderStatus.PENDING_PAYMENT],
                paid=counts[OrderStatus.PAID],
                shipped=counts[OrderStatus.SHIPPED],
                delivered=counts[OrderStatus.DELIVERED],
                cancelled=counts[OrderStatus.CANCELLED],
            ),
        )


class ProductShippingResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"productId": "492af436-1319-5c6f-bebf-63edb2364066", "status": "inProgress",
                 "count": 3}
            ]
        }
    )  # fmt: skip

    product_id: UUID
    status: ShipmentStatus
    count: Count


class DailySalesResponse(ApiModel):
    date: date
    orders: Count
    units_sold: Count
    revenue: Count = Field(description="Minor units")

    @classmethod
    def of(cls, sales: DailySales) -> "DailySalesResponse":
        return cls(
            date=sales.day, orders=sales.orders, units_sold=sales.units_sold, revenue=sales.revenue
        )


class SalesResponse(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [{"date": "2026-11-21", "orders": 3, "unitsSold": 5, "revenue": 24995}]}
            ]
        }
    )

    items: Annotated[list[DailySalesResponse], Documented(maxItems=MAX_DAYS)] = Field(
        description=f"At most one per day of the window, which spans at most {MAX_DAYS} days"
    )
