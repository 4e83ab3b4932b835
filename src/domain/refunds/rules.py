"""Refund rules: who may refund what, and what a refund request comes to.

Amounts are exact: an item's refund is unit price × quantity. The commission given back is
computed on everything refunded so far minus everything refunded before, each with the
commission function and the rate the item was ordered at, so that however an item is
refunded in parts, the parts sum to exactly its amount, its commission and its payout.
"""

from collections.abc import Iterable, Sequence
from uuid import UUID

from src.domain.money.commission import commission_on
from src.domain.orders.entities import Order, OrderItem, OrderStatus
from src.domain.refunds.entities import RefundDecision, RefundedItem, RefundLine, SellerRefund
from src.domain.users.entities import Principal, Role
from src.infrastructure.errors import Conflict, FieldError, Forbidden, ValidationFailed

REFUNDABLE = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
MAX_LINES = 50


def ensure_may_refund(principal: Principal, order: Order) -> None:
    """Admins and the order's sellers refund (a seller only its own items, checked once
    they are known); a paid, shipped or delivered order only."""
    if principal.role not in (Role.ADMIN, Role.SELLER):
        raise Forbidden("Only admins and the order's sellers may refund it")
    if order.status not in REFUNDABLE:
        raise Conflict(
            f"An order that is {order.status.value} cannot be refunded", code="invalidState"
        )


def ensure_own_items(principal: Principal, items: Iterable[OrderItem | RefundedItem]) -> None:
    """A seller refunds its own items only: another seller's → 403."""
    if principal.role is Role.SELLER and any(i.seller_id != principal.user_id for i in items):
        raise Forbidden("A seller may refund only its own items")


def may_read(principal: Principal, sellers: frozenset[UUID]) -> bool:
    """Of an order the caller may see: its buyer and admins read all its refunds, a seller
    those holding its items."""
    if principal.role is Role.SELLER:
        return principal.user_id in sellers
    return True


def refunded_so_far(before: Iterable[RefundedItem]) -> dict[UUID, int]:
    """Units refunded before, by variant."""
    done: dict[UUID, int] = {}
    for item in before:
        done[item.variant_id] = done.get(item.variant_id, 0) + item.quantity
    return done


def resolve_lines(order: Order, lines: Sequence[RefundLine]) -> list[OrderItem]:
    """The order item each line names (a line without variant names its product's only
    item in the order); 1 to 50 lines, each item once; anything else → 422."""
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationFailed(
            "A refund names 1 to 50 items",
            errors=[FieldError(("body", "items"), f"must hold 1 to {MAX_LINES} items")],
        )
    errors: list[FieldError] = []
    found: list[OrderItem] = []
    for index, line in enumerate(lines):
        matches = [
            item for item in order.items
            if item.product_id == line.product_id
            and line.variant_id in (None, item.variant_id)
        ]  # fmt: skip
        if len(matches) != 1:
            field, message = (
                ("productId", "not an item of this order")
                if not matches
                else ("variantId", f"required: the order holds {len(matches)} variants of it")
            )
            errors.append(FieldError(("body", "items", index, field), message))
        elif matches[0] in found:
            errors.append(FieldError(("body", "items", index, "productId"), "named twice"))
        else:
            found.append(matches[0])
    if errors:
        raise ValidationFailed("The refund names items this order does not hold", errors=errors)
    return found


def refund_item(item: OrderItem, quantity: int, before: int) -> RefundedItem:
    """`quantity` more units of `item`, `before` of which were refunded already: their
    amount, and the commission on them, computed so that parts sum exactly to the whole."""
    commission = commission_on(
        item.unit_price * (before + quantity), item.commission_rate_bps
    ) - commission_on(item.unit_price * before, item.commission_rate_bps)
    return RefundedItem(
        product_id=item.product_id, variant_id=item.variant_id, seller_id=item.seller_id,
        quantity=quantity, amount=item.unit_price * quantity, commission=commission,
    )  # fmt: skip


def decide_refund(
    order: Order, lines: Sequence[RefundLine], before: Iterable[RefundedItem]
) -> RefundDecision:
    """What refunding `lines` of `order` comes to, given the refunds made `before`; more
    than was ordered less what was refunded → 409 `refundExceedsOrder`."""
    done = refunded_so_far(before)
    items: list[RefundedItem] = []
    for line, item in zip(lines, resolve_lines(order, lines), strict=True):
        already = done.get(item.variant_id, 0)
        if already + line.quantity > item.quantity:
            raise Conflict(
                f"'{item.title}' ({item.sku}): {item.quantity} ordered, {already} refunded, "
                f"{line.quantity} asked for",
                code="refundExceedsOrder",
            )
        items.append(refund_item(item, line.quantity, already))
    return _decision(items)


def full_refund(order: Order, before: Iterable[RefundedItem]) -> RefundDecision | None:
    """Everything of `order` not refunded yet; None when nothing is left."""
    done = refunded_so_far(before)
    items = [
        refund_item(item, item.quantity - done.get(item.variant_id, 0),
                    done.get(item.variant_id, 0))
        for item in order.items
        if item.quantity > done.get(item.variant_id, 0)
    ]  # fmt: skip
    return _decision(items) if items else None


def _decision(items: list[RefundedItem]) -> RefundDecision:
    amounts: dict[UUID, int] = {}
    commissions: dict[UUID, int] = {}
    for item in items:
        amounts[item.seller_id] = amounts.get(item.seller_id, 0) + item.amount
        commissions[item.seller_id] = commissions.get(item.seller_id, 0) + item.commission
    sellers = tuple(
        SellerRefund(seller, amounts[seller], commissions[seller],
                     amounts[seller] - commissions[seller])
        for seller in sorted(amounts)
    )  # fmt: skip
    return RefundDecision(tuple(items), sum(item.amount for item in items), sellers)
