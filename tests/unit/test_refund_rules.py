"""Refund rules (API.md, "Marketplace money", Refunds), without I/O: a refund's amount is
exact, never more than was ordered is refunded, and refunds in parts sum to exactly the
whole order, its commission and each seller's payout."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.money import MAX_RATE_BPS
from src.domain.orders import Order, OrderItem, OrderStatus, ShippingAddress
from src.domain.orders.rules import order_total, seller_shares
from src.domain.refunds import RefundedItem, RefundLine
from src.domain.refunds.rules import (
    decide_refund,
    ensure_may_refund,
    ensure_own_items,
    full_refund,
)
from src.domain.users import Principal, Role
from src.infrastructure.errors import Conflict, Forbidden, ValidationFailed

ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)
SELLERS = [uuid4() for _ in range(3)]
NOW = datetime(2026, 12, 4, tzinfo=UTC)


@st.composite
def orders(draw: st.DrawFn) -> Order:
    count = draw(st.integers(1, 6))
    products = [uuid4() for _ in range(draw(st.integers(1, count)))]
    items = [
        OrderItem(
            product_id=products[n % len(products)], seller_id=draw(st.sampled_from(SELLERS)),
            title="T", unit_price=draw(st.integers(1, 10**9)), quantity=draw(st.integers(1, 12)),
            variant_id=uuid4(), sku=f"S{n}", options={},
            commission_rate_bps=draw(st.integers(0, MAX_RATE_BPS)),
        )
        for n in range(count)
    ]  # fmt: skip
    return Order(
        id=uuid4(), buyer_id=uuid4(), status=OrderStatus.PAID, items=items,
        total=order_total(items), currency="USD", shipping_address=ADDRESS,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _line(item: OrderItem, quantity: int) -> RefundLine:
    return RefundLine(product_id=item.product_id, variant_id=item.variant_id, quantity=quantity)


@given(order=orders(), data=st.data())
def test_refunds_in_parts_sum_to_exactly_the_order_its_commission_and_payouts(
    order: Order, data: st.DataObject
) -> None:
    """However the items are refunded (in any parts, any order), once all is refunded the
    refunds' amounts are the total, and each seller's commission given back and payout lost
    are exactly its commission and payout in the order: no cent lost to rounding."""
    before: list[RefundedItem] = []
    left = {item.variant_id: item.quantity for item in order.items}
    while any(left.values()):
        chosen = data.draw(st.lists(st.sampled_from([i for i in order.items if left[i.variant_id]]),
                                    min_size=1, unique_by=lambda i: i.variant_id))  # fmt: skip
        lines = [_line(i, data.draw(st.integers(1, left[i.variant_id]))) for i in chosen]
        decision = decide_refund(order, lines, before)
        assert decision.amount == sum(
            i.unit_price * line.quantity for i, line in zip(chosen, lines, strict=True)
        )
        for part in decision.items:
            assert 0 <= part.commission <= part.amount
        assert sum(s.amount for s in decision.sellers) == decision.amount
        for line in lines:
            left[line.variant_id] -= line.quantity  # type: ignore[index]
        before += decision.items
    assert full_refund(order, before) is None
    assert sum(item.amount for item in before) == order.total
    for share in seller_shares(order):
        mine = [item for item in before if item.seller_id == share.seller_id]
        assert sum(item.commission for item in mine) == share.commission
        assert sum(item.payout for item in mine) == share.payout


@given(order=orders(), data=st.data())
def test_a_full_refund_after_parts_gives_back_what_is_left_exactly(
    order: Order, data: st.DataObject
) -> None:
    item = data.draw(st.sampled_from(order.items))
    part = decide_refund(order, [_line(item, data.draw(st.integers(1, item.quantity)))], [])
    rest = full_refund(order, part.items)
    got = list(part.items) + (list(rest.items) if rest else [])
    assert sum(i.amount for i in got) == order.total
    for share in seller_shares(order):
        assert sum(i.payout for i in got if i.seller_id == share.seller_id) == share.payout


@given(order=orders(), data=st.data())
def test_more_than_was_ordered_less_what_was_refunded_is_refused(
    order: Order, data: st.DataObject
) -> None:
    item = data.draw(st.sampled_from(order.items))
    first = data.draw(st.integers(0, item.quantity))
    before = decide_refund(order, [_line(item, first)], []).items if first else ()
    too_many = data.draw(st.integers(item.quantity - first + 1, 1000))
    with pytest.raises(Conflict) as refused:
        decide_refund(order, [_line(item, too_many)], before)
    assert refused.value.code == "refundExceedsOrder"


def _order(*items: OrderItem, status: OrderStatus = OrderStatus.PAID) -> Order:
    return Order(
        id=uuid4(), buyer_id=uuid4(), status=status, items=list(items),
        total=order_total(list(items)), currency="USD", shipping_address=ADDRESS,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _item(product: UUID, seller: UUID, price: int = 1000, quantity: int = 2) -> OrderItem:
    return OrderItem(
        product_id=product, seller_id=seller, title="T", unit_price=price, quantity=quantity,
        variant_id=uuid4(), sku="S", options={}, commission_rate_bps=1000,
    )  # fmt: skip


def test_a_line_names_an_item_of_the_order_once_and_its_variant_if_it_has_several() -> None:
    lamp, other = uuid4(), uuid4()
    small, large = _item(lamp, SELLERS[0]), _item(lamp, SELLERS[0])
    order = _order(small, large)
    cases = [
        ([RefundLine(product_id=other, quantity=1)], "productId"),
        ([RefundLine(product_id=lamp, quantity=1)], "variantId"),
        ([_line(small, 1), _line(small, 1)], "productId"),
        ([RefundLine(product_id=lamp, variant_id=uuid4(), quantity=1)], "productId"),
    ]
    for lines, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            decide_refund(order, lines, [])
        assert [error.loc[-1] for error in refused.value.errors] == [field]
    only = _order(small)
    assert decide_refund(only, [RefundLine(product_id=lamp, quantity=2)], []).amount == 2000


def test_the_commission_given_back_is_what_the_item_was_charged_at_its_rate() -> None:
    item = _item(uuid4(), SELLERS[0], price=15, quantity=2)  # 10 % of 30 = 3
    order = _order(item)
    first = decide_refund(order, [_line(item, 1)], [])  # 10 % of 15 = 1.5 → 2
    second = decide_refund(order, [_line(item, 1)], first.items)
    assert [(d.amount, d.sellers[0].commission, d.sellers[0].payout)
            for d in (first, second)] == [(15, 2, 13), (15, 1, 14)]  # fmt: skip


@pytest.mark.parametrize("status", [OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED])
def test_only_a_paid_shipped_or_delivered_order_is_refunded(status: OrderStatus) -> None:
    order = _order(_item(uuid4(), SELLERS[0]), status=status)
    with pytest.raises(Conflict) as refused:
        ensure_may_refund(Principal(user_id=uuid4(), role=Role.ADMIN), order)
    assert refused.value.code == "invalidState"


def test_buyers_do_not_refund_and_a_seller_refunds_only_its_own_items() -> None:
    mine, theirs = _item(uuid4(), SELLERS[0]), _item(uuid4(), SELLERS[1])
    order = _order(mine, theirs)
    with pytest.raises(Forbidden):
        ensure_may_refund(Principal(user_id=order.buyer_id, role=Role.BUYER), order)
    seller = Principal(user_id=SELLERS[0], role=Role.SELLER)
    ensure_own_items(seller, decide_refund(order, [_line(mine, 1)], []).items)
    with pytest.raises(Forbidden):
        ensure_own_items(seller, decide_refund(order, [_line(theirs, 1)], []).items)
