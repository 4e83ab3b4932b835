"""Analytics for sellers and admins."""

from datetime import date
from uuid import UUID

from src.domain.analytics import AnalyticsRepository, DailySales, ProductOrderStats
from src.domain.analytics.rules import ensure_can_read_product, ensure_seller, sales_window
from src.domain.catalog import Product, ProductRepository
from src.domain.clock import utcnow
from src.domain.shipping import ShipmentStatus
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import NotFound


async def _readable_product(principal: Principal, product_id: UUID) -> Product:
    product = await ProductRepository().get(product_id)  # archived ones too: history counts
    if product is None:
        raise NotFound("No such product")
    ensure_can_read_product(principal, product)
    return product


@transaction(readonly=True)
async def product_orders(*, principal: Principal, product_id: UUID) -> ProductOrderStats:
    """How the orders holding a product stand (its seller, or an admin)."""
    product = await _readable_product(principal, product_id)
    return await AnalyticsRepository().product_orders(product.id)


@transaction(readonly=True)
async def product_shipments(
    *, principal: Principal, product_id: UUID, status: ShipmentStatus
) -> int:
    """How many of the product seller's shipments in `status` carry this product."""
    product = await _readable_product(principal, product_id)
    return await AnalyticsRepository().product_shipments(
        product.id, seller_id=product.seller_id, status=status
    )


@transaction(readonly=True)
async def seller_sales(
    *, principal: Principal, first: date | None, last: date | None
) -> list[DailySales]:
    """The caller's sales by UTC day paid (sellers only); by default the last 30 days."""
    ensure_seller(principal)
    window = sales_window(first, last, utcnow().date())
    return await AnalyticsRepository().seller_sales(principal.user_id, window)
