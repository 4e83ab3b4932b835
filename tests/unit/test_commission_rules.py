"""Commission arithmetic and rate resolution (API.md, "Marketplace money"), without I/O."""

from datetime import UTC, datetime
from fractions import Fraction
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.money import MAX_RATE_BPS, CommissionRates, commission_on
from src.domain.orders import Order, OrderItem, OrderStatus, ShippingAddress
from src.domain.orders.rules import order_total, seller_shares

ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)
rates = st.integers(0, MAX_RATE_BPS)
amounts = st.integers(0, 10**9 * 1000)  # the largest price times the largest quantity


@given(amount=amounts, rate=rates)
def test_a_commission_is_the_exact_share_rounded_half_to_even(amount: int, rate: int) -> None:
    exact = Fraction(amount * rate, 10_000)
    commission = commission_on(amount, rate)
    assert abs(commission - exact) <= Fraction(1, 2)
    assert commission == round(exact)  # Python rounds a Fraction half to even
    assert 0 <= commission <= amount


@given(quotient=st.integers(0, 10**9), rate=st.sampled_from([5000, 2500, 1250, 625]))
def test_a_tie_goes_to_the_even_neighbour(quotient: int, rate: int) -> None:
    # amount × rate / 10 000 = quotient + ½ exactly: the amount that makes it so.
    amount = (2 * quotient + 1) * 5000 // rate
    assert Fraction(amount * rate, 10_000) == quotient + Fraction(1, 2)
    assert commission_on(amount, rate) == quotient + quotient % 2


def test_ties_round_both_ways() -> None:
    assert [commission_on(amount, 5000) for amount in (1, 3, 5, 7)] == [0, 2, 2, 4]
    assert commission_on(15, 1000) == 2  # 1.5 → 2
    assert commission_on(25, 1000) == 2  # 2.5 → 2
    assert commission_on(26, 1000) == 3  # 2.6 → 3


@given(amount=amounts)
def test_no_rate_takes_nothing_and_the_whole_rate_takes_everything(amount: int) -> None:
    assert commission_on(amount, 0) == 0
    assert commission_on(amount, MAX_RATE_BPS) == amount


@given(amount=amounts, low=rates, high=rates)
def test_a_higher_rate_never_takes_less(amount: int, low: int, high: int) -> None:
    low, high = sorted((low, high))
    assert commission_on(amount, low) <= commission_on(amount, high)


@pytest.mark.parametrize(("amount", "rate"), [(-1, 1000), (1, -1), (1, MAX_RATE_BPS + 1)])
def test_a_negative_amount_or_a_rate_out_of_range_is_a_bug(amount: int, rate: int) -> None:
    with pytest.raises(ValueError, match="commission"):
        commission_on(amount, rate)


SELLER, OTHER = uuid4(), uuid4()


def test_a_sellers_own_rate_wins_then_its_categorys_then_the_default() -> None:
    rates = CommissionRates(1000, categories={"books": 500}, sellers={SELLER: 200})
    assert rates.rate_for(seller_id=SELLER, category="books") == 200
    assert rates.rate_for(seller_id=SELLER, category="lamps") == 200
    assert rates.rate_for(seller_id=OTHER, category="books") == 500
    assert rates.rate_for(seller_id=OTHER, category="lamps") == 1000


def test_a_rate_of_zero_is_a_rate_and_not_a_missing_one() -> None:
    rates = CommissionRates(1000, categories={"books": 0}, sellers={SELLER: 0})
    assert rates.rate_for(seller_id=SELLER, category="lamps") == 0
    assert rates.rate_for(seller_id=OTHER, category="books") == 0


def order_of(items: list[OrderItem]) -> Order:
    now = datetime.now(UTC)
    return Order(
        id=uuid4(), buyer_id=uuid4(), status=OrderStatus.PENDING_PAYMENT, items=items,
        total=order_total(items), currency="USD", shipping_address=ADDRESS,
        created_at=now, updated_at=now,
    )  # fmt: skip


def item(seller_id: UUID, unit_price: int, quantity: int, rate: int) -> OrderItem:
    product_id = uuid4()
    return OrderItem(
        product_id=product_id, seller_id=seller_id, title="t", unit_price=unit_price,
        quantity=quantity, variant_id=product_id, sku=product_id.hex, options={},
        commission_rate_bps=rate,
    )  # fmt: skip


items = st.lists(
    st.builds(
        item,
        seller_id=st.sampled_from([SELLER, OTHER, uuid4()]),
        unit_price=st.integers(1, 10**9),
        quantity=st.integers(1, 1000),
        rate=rates,
    ),
    min_size=1,
    max_size=50,
)


@given(items=items)
def test_payouts_and_commissions_add_up_to_the_order_total(items: list[OrderItem]) -> None:
    order = order_of(items)
    shares = seller_shares(order)
    assert sum(s.payout for s in shares) + sum(s.commission for s in shares) == order.total
    assert sum(s.subtotal for s in shares) == order.total
    assert {s.seller_id for s in shares} == order.seller_ids
    for share in shares:
        own = [i for i in items if i.seller_id == share.seller_id]
        assert share.commission == sum(
            commission_on(i.unit_price * i.quantity, i.commission_rate_bps) for i in own
        )
        assert share.payout == share.subtotal - share.commission >= 0


def test_a_sellers_commission_sums_its_items_each_rounded_on_its_own() -> None:
    # 1.5 + 1.5 rounded each (2 + 2) and not as a sum (3): the rule is per item.
    order = order_of([item(SELLER, 15, 1, 1000), item(SELLER, 5, 3, 1000)])
    (share,) = seller_shares(order)
    assert (share.subtotal, share.commission, share.payout) == (30, 4, 26)
