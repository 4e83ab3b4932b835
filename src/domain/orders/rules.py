"""Order rules: the state machine, who may move an order, and what a cart may hold."""

from collections.abc import Mapping, Sequence
from uuid import UUID

from src.domain.catalog.entities import Product, ProductStatus, StockTaken, Variant
from src.domain.money.commission import CommissionRates, commission_on
from src.domain.orders.entities import (
    CartLine,
    Order,
    OrderAction,
    OrderItem,
    OrderScope,
    OrderStatus,
    SellerShare,
)
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import (
    AppError,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unprocessable,
    ValidationFailed,
)

MAX_LINES = 50

# The only moves an order can make: (where it is, what happens) -> where it goes.
TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (OrderStatus.PENDING_PAYMENT, OrderAction.PAY): OrderStatus.PAID,
    (OrderStatus.PENDING_PAYMENT, OrderAction.CANCEL): OrderStatus.CANCELLED,
    (OrderStatus.PAID, OrderAction.CANCEL): OrderStatus.CANCELLED,
    (OrderStatus.PAID, OrderAction.SHIP): OrderStatus.SHIPPED,
    (OrderStatus.SHIPPED, OrderAction.DELIVER): OrderStatus.DELIVERED,
}


_DONE = {
    OrderAction.PAY: "paid",
    OrderAction.CANCEL: "cancelled",
    OrderAction.SHIP: "shipped",
    OrderAction.DELIVER: "delivered",
}


def next_status(current: OrderStatus, action: OrderAction) -> OrderStatus:
    """Where `action` takes an order that is `current`; `invalidState` if it cannot."""
    try:
        return TRANSITIONS[current, action]
    except KeyError:
        raise Conflict(
            f"An order that is {current.value} cannot be {_DONE[action]}", code="invalidState"
        ) from None


def ensure_may(principal: Principal, action: OrderAction, order: Order) -> None:
    """Who may do what: the buyer pays; the buyer or an admin cancels; a seller in the order
    ships; delivery follows from the shipments, so no one triggers it directly."""
    is_buyer = principal.user_id == order.buyer_id
    allowed = {
        OrderAction.PAY: is_buyer,
        OrderAction.CANCEL: is_buyer or principal.role is Role.ADMIN,
        OrderAction.SHIP: principal.role is Role.SELLER and principal.user_id in order.seller_ids,
        OrderAction.DELIVER: False,
    }[action]
    if not allowed:
        raise Forbidden(f"You may not {action.value} this order")


def check_cart(lines: Sequence[CartLine]) -> None:
    """A cart holds 1 to 50 lines, each variant at most once (a line naming no variant names
    its product's only one)."""
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationFailed(
            "An order holds 1 to 50 items",
            errors=[FieldError(("body", "items"), f"must hold 1 to {MAX_LINES} items")],
        )
    seen: set[object] = set()
    errors = []
    for index, line in enumerate(lines):
        if (line.product_id, line.variant_id) in seen:
            field = "productId" if line.variant_id is None else "variantId"
            errors.append(FieldError(("body", "items", index, field), "ordered twice"))
        seen.add((line.product_id, line.variant_id))
    if errors:
        raise ValidationFailed("A variant appears twice in the order", errors=errors)


def lines_by_product(lines: Sequence[CartLine]) -> list[tuple[UUID, list[int]]]:
    """The cart's lines (by index) grouped by product, products in id order and each
    product's lines in variant id order: the order stock is taken in, the same for every
    order, so that concurrent orders lock rows in one order and cannot deadlock."""
    groups: dict[UUID, list[int]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(line.product_id, []).append(index)
    return [
        (product_id, sorted(indexes, key=lambda i: (lines[i].variant_id is not None,
                                                    lines[i].variant_id or product_id)))
        for product_id, indexes in sorted(groups.items())
    ]  # fmt: skip


def check_variant_named(
    lines: Sequence[CartLine], indexes: Sequence[int], variant_count: int
) -> None:
    """A line may leave its variant out only for a product with one variant, and a product
    with one variant is ordered on one line."""
    if variant_count == 1 and len(indexes) > 1:
        raise ValidationFailed(
            "A variant appears twice in the order",
            errors=[FieldError(("body", "items", i, "variantId"), "ordered twice")
                    for i in indexes[1:]],
        )  # fmt: skip
    unnamed = [i for i in indexes if lines[i].variant_id is None]
    if variant_count > 1 and unnamed:
        raise ValidationFailed(
            "Name the variant of a product that has several",
            errors=[
                FieldError(("body", "items", i, "variantId"), "required: the product has "
                           f"{variant_count} variants")
                for i in unnamed
            ],
        )  # fmt: skip


def seller_shares(order: Order) -> list[SellerShare]:
    """Each seller's part of an order, in the order its items first name them: the subtotal
    of its items, the commission (the sum of its items', each at the rate the item was
    ordered at) and the payout, subtotal − commission."""
    subtotals: dict[UUID, int] = {}
    commissions: dict[UUID, int] = {}
    for item in order.items:
        subtotals[item.seller_id] = subtotals.get(item.seller_id, 0) + item.subtotal
        commissions[item.seller_id] = commissions.get(item.seller_id, 0) + commission_on(
            item.subtotal, item.commission_rate_bps
        )
    return [
        SellerShare(seller, subtotal, commissions[seller], subtotal - commissions[seller])
        for seller, subtotal in subtotals.items()
    ]


def order_total(items: Sequence[OrderItem]) -> int:
    """The order's total in minor units: Σ quantity × unit price."""
    return sum(item.subtotal for item in items)


def check_single_currency(currencies: Sequence[str]) -> str:
    """The one currency every item of an order is priced in; mixing them is refused."""
    distinct = sorted(set(currencies))
    if len(distinct) != 1:
        raise ValidationFailed(
            "All items of an order must be priced in one currency",
            errors=[FieldError(("body", "items"), f"mixes {', '.join(distinct) or 'nothing'}")],
        )
    return distinct[0]


def ensure_can_order(principal: Principal) -> None:
    """Orders are placed by buyers; sellers and admins do not buy."""
    if principal.role is not Role.BUYER:
        raise Forbidden("Only buyers can place orders")


def may_see(principal: Principal, order: Order) -> bool:
    """Its buyer, a seller with items in it, and admins see an order."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.SELLER:
        return principal.user_id in order.seller_ids
    return principal.user_id == order.buyer_id


def ensure_visible(principal: Principal, order: Order | None) -> Order:
    """The order if `principal` may see it; otherwise not found, as if it did not exist."""
    if order is None or not may_see(principal, order):
        raise NotFound("No such order")
    return order


def scope_for(principal: Principal) -> OrderScope:
    """The orders a listing shows `principal`: the same ones `may_see` lets it read."""
    if principal.role is Role.ADMIN:
        return OrderScope()
    if principal.role is Role.SELLER:
        return OrderScope(seller_id=principal.user_id)
    return OrderScope(buyer_id=principal.user_id)


def snapshot_items(
    lines: Sequence[CartLine],
    products: Mapping[UUID, StockTaken],
    variants: Sequence[Variant],
    rates: CommissionRates,
) -> list[OrderItem]:
    """The order's items, in the cart's order, as the products are titled, their variants
    (`variants[i]` is line i's) are priced and commission is charged now."""
    return [
        OrderItem(
            product_id=line.product_id,
            seller_id=products[line.product_id].seller_id,
            title=products[line.product_id].title,
            unit_price=variant.price,
            quantity=line.quantity,
            variant_id=variant.id,
            sku=variant.sku,
            options=variant.options,
            commission_rate_bps=rates.rate_for(
                seller_id=products[line.product_id].seller_id,
                category=products[line.product_id].category,
            ),
        )
        for line, variant in zip(lines, variants, strict=True)
    ]


def explain_refusal(lines: Sequence[CartLine], products: Mapping[UUID, Product]) -> AppError:
    """Why a cart whose stock could not all be taken is refused, from the products as they
    are: unknown or archived products first, then mixed currencies, then missing stock."""
    unavailable = [
        FieldError(("body", "items", index, "productId"), "no such product on sale")
        for index, line in enumerate(lines)
        if line.product_id not in products
        or products[line.product_id].status is not ProductStatus.ACTIVE
    ]
    unavailable += [
        FieldError(("body", "items", index, "variantId"), "no such variant of this product")
        for index, line in enumerate(lines)
        if line.product_id in products
        and line.variant_id is not None
        and products[line.product_id].variant(line.variant_id) is None
    ]
    if unavailable:
        return Unprocessable(
            f"{len(unavailable)} of the ordered products are unknown or no longer on sale",
            code="productUnavailable",
            errors=unavailable,
        )
    try:
        check_single_currency([products[line.product_id].currency for line in lines])
    except ValidationFailed as mixed:
        return mixed
    for line in lines:
        product = products[line.product_id]
        variant = (
            product.variants[0] if line.variant_id is None else product.variant(line.variant_id)
        )
        if variant is not None and variant.stock < line.quantity:
            named = f" ({variant.sku})" if product.options else ""
            return Conflict(
                f"Product '{product.title}'{named} has {variant.stock} left, "
                f"{line.quantity} requested",
                code="outOfStock",
            )
    return Conflict("The stock changed while the order was placed; try again", code="outOfStock")
