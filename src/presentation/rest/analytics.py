"""Analytics: how a seller's products sell and ship, and its sales by day."""

import re
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from src.application import analytics
from src.domain.shipping import ShipmentStatus
from src.presentation.rest.analytics_schemas import (
    DailySalesResponse,
    ProductOrdersResponse,
    ProductShippingResponse,
    SalesResponse,
)
from src.presentation.rest.deps import AsSeller, AsSellerOrAdmin
from src.presentation.rest.schemas import problems

router = APIRouter(prefix="/analytics", tags=["analytics"])


def _calendar_day(value: object) -> object:
    """Only `YYYY-MM-DD`: pydantic would also read `0` or `1700000000` as a timestamp."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_calendar_day)]


@router.get("/products/{product_id}/orders", responses=problems(401, 403, 404, 422))
async def read_product_orders(
    product_id: UUID, principal: AsSellerOrAdmin
) -> ProductOrdersResponse:
    """Read a product's order figures (its seller, or an admin).

    The orders holding the product, by status, with units sold and revenue (paid, shipped
    and delivered orders). Others → 403.
    """
    stats = await analytics.product_orders(principal=principal, product_id=product_id)
    return ProductOrdersResponse.of(stats)


@router.get("/products/{product_id}/shipping", responses=problems(401, 403, 404, 422))
async def count_product_shipments(
    product_id: UUID,
    principal: AsSellerOrAdmin,
    status: Annotated[ShipmentStatus, Query()] = ShipmentStatus.IN_PROGRESS,
) -> ProductShippingResponse:
    """Count a product's shipments in a status (its seller, or an admin).

    How many of the product seller's shipments in `status` carry this product.
    """
    count = await analytics.product_shipments(
        principal=principal, product_id=product_id, status=status
    )
    return ProductShippingResponse(product_id=product_id, status=status, count=count)


@router.get("/sellers/me/sales", responses=problems(401, 403, 422))
async def read_my_sales(
    principal: AsSeller,
    first: Annotated[Day | None, Query(alias="from", description="UTC day, inclusive")] = None,
    last: Annotated[Day | None, Query(alias="to", description="UTC day, inclusive")] = None,
) -> SalesResponse:
    """Read your sales by day (sellers).

    Your items in paid, shipped and delivered orders, by the UTC day the orders were paid,
    oldest first. By default today and the 29 days before; days with nothing are left out;
    `from` after `to`, or more than 366 days from `from` to `to` → 422.
    """
    days = await analytics.seller_sales(principal=principal, first=first, last=last)
    return SalesResponse(items=[DailySalesResponse.of(day) for day in days])
