"""Placing, reading, listing and cancelling orders."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from src.application.commission import rates_for_order
from src.application.events import raise_event
from src.application.listing import Listing
from src.application.refunds import refund_the_rest
from src.domain.catalog import ProductRepository, StockTaken, Variant
from src.domain.clock import utcnow
from src.domain.orders import (
    CartLine,
    Order,
    OrderAction,
    OrderRepository,
    OrderStatus,
    ShippingAddress,
)
from src.domain.orders.events import OrderCancelled, OrderPlaced
from src.domain.orders.rules import (
    check_cart,
    check_single_currency,
    check_variant_named,
    ensure_can_order,
    ensure_may,
    ensure_visible,
    explain_refusal,
    lines_by_product,
    next_status,
    order_total,
    scope_for,
    snapshot_items,
)
from src.domain.pagination import Page
from src.domain.shipping import ShipmentRepository
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction
from src.infrastructure.errors import Conflict

_ORDERS = Listing("orders", (datetime, UUID))


@transaction
async def place_order(
    *,
    principal: Principal,
    lines: Sequence[CartLine],
    shipping_address: ShippingAddress,
    cart_id: UUID | None = None,
) -> Order:
    """Take every item's stock and record the order, or refuse it and change nothing; a
    checkout names the cart the order comes from.

    Stock is taken product by product in id order, and within a product variant by variant
    in id order, each by one conditional UPDATE (the product's first, which locks it), so
    that concurrent orders lock rows in the same order and cannot deadlock. The first stock
    that cannot be had aborts the transaction, undoing the rest. Each item keeps the
    commission rate in force now, whatever the rates become later.
    """
    ensure_can_order(principal)
    check_cart(lines)
    products = ProductRepository()
    taken: dict[UUID, StockTaken] = {}
    chosen: dict[int, Variant] = {}
    for product_id, indexes in lines_by_product(lines):
        quantity = sum(lines[i].quantity for i in indexes)
        got = await products.take_stock(product_id, quantity)
        if got is None:
            raise await _refusal(products, lines)
        taken[product_id] = got
        check_variant_named(lines, indexes, got.variant_count)
        for i in indexes:
            variant = await products.take_variant_stock(
                product_id, lines[i].variant_id, lines[i].quantity
            )
            if variant is None:
                raise await _refusal(products, lines)
            chosen[i] = variant
    rates = await rates_for_order(
        sellers={got.seller_id for got in taken.values()},
        categories={got.category for got in taken.values()},
    )
    items = snapshot_items(lines, taken, [chosen[i] for i in range(len(lines))], rates)
    currency = check_single_currency([product.currency for product in taken.values()])
    now = utcnow()
    order = Order(
        id=uuid4(),
        buyer_id=principal.user_id,
        status=OrderStatus.PENDING_PAYMENT,
        items=items,
        total=order_total(items),
        currency=currency,
        shipping_address=shipping_address,
        created_at=now,
        updated_at=now,
        cart_id=cart_id,
    )
    placed = await OrderRepository().add(order)
    await raise_event(OrderPlaced(order_id=placed.id, buyer_id=placed.buyer_id))
    return placed


async def _refusal(products: ProductRepository, lines: Sequence[CartLine]) -> Exception:
    """Why stock could not be taken, from the products as they are now."""
    return explain_refusal(lines, await products.get_many([line.product_id for line in lines]))


@transaction(readonly=True)
async def get_order(*, principal: Principal, order_id: UUID) -> Order:
    """An order its buyer, one of its sellers, or an admin may see."""
    return ensure_visible(principal, await OrderRepository().get(order_id))


@transaction(readonly=True)
async def list_orders(
    *, principal: Principal, status: OrderStatus | None, limit: int, cursor: str | None
) -> Page[Order]:
    """The orders `principal` may see, newest first, optionally in one status."""
    scope = scope_for(principal)
    return await _ORDERS.page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: OrderRepository().list_page(
            scope, status=status, after=after, count=count
        ),
    )


@transaction
async def cancel_order(*, principal: Principal, order_id: UUID) -> Order:
    """Cancel an order before it ships: its items go back in stock and, if it was paid, all
    of it not refunded yet is refunded, as any refund is (once, through the provider after
    the cancel commits, the sellers' payouts taken back in the ledger)."""
    orders = OrderRepository()
    order = ensure_visible(principal, await orders.get(order_id, for_update=True))
    ensure_may(principal, OrderAction.CANCEL, order)
    target = next_status(order.status, OrderAction.CANCEL)
    if await ShipmentRepository().of_order(order.id):
        raise Conflict("Part of this order has shipped; it can no longer be cancelled",
                       code="invalidState")  # fmt: skip
    cancelled = await orders.move(order, to=target, now=utcnow())
    if cancelled is None:  # cancelled, paid or shipped by a concurrent request meanwhile
        raise Conflict("The order changed meanwhile; read it again", code="invalidState")
    products = ProductRepository()
    for item in sorted(order.items, key=lambda item: (item.product_id, item.variant_id)):
        await products.lock(item.product_id)
        await products.return_stock(item.product_id, item.variant_id, item.quantity)
    refund = None
    if order.status is OrderStatus.PAID:
        refund = await refund_the_rest(order, requested_by=principal.user_id)
    refunded = refund is not None and refund.charge_id is not None
    await raise_event(OrderCancelled(order_id=order.id, buyer_id=order.buyer_id, refunded=refunded))
    if refund is None:
        return cancelled
    return cancelled.model_copy(update={"refunded": cancelled.refunded + refund.amount})
