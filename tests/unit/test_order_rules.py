"""The order state machine and cart rules, exhaustively, without a database."""

from datetime import UTC, datetime
from itertools import product as every
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.catalog import Product, ProductStatus, StockTaken
from src.domain.money import CommissionRates
from src.domain.orders import (
    CartLine,
    Order,
    OrderAction,
    OrderItem,
    OrderStatus,
    ShippingAddress,
)
from src.domain.orders.rules import (
    TRANSITIONS,
    check_cart,
    check_single_currency,
    ensure_can_order,
    ensure_may,
    ensure_visible,
    explain_refusal,
    may_see,
    next_status,
    order_total,
    scope_for,
    snapshot_items,
)
from src.domain.users import Principal, Role
from src.infrastructure.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unprocessable,
    ValidationFailed,
)

S, A = OrderStatus, OrderAction
ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)
ALLOWED = {
    (S.PENDING_PAYMENT, A.PAY): S.PAID,
    (S.PENDING_PAYMENT, A.CANCEL): S.CANCELLED,
    (S.PAID, A.CANCEL): S.CANCELLED,
    (S.PAID, A.SHIP): S.SHIPPED,
    (S.SHIPPED, A.DELIVER): S.DELIVERED,
}


@pytest.mark.parametrize(("status", "action"), list(every(OrderStatus, OrderAction)))
def test_every_status_and_action_either_moves_as_the_contract_says_or_is_refused(
    status: OrderStatus, action: OrderAction
) -> None:
    if (status, action) in ALLOWED:
        assert next_status(status, action) is ALLOWED[status, action]
    else:
        with pytest.raises(Conflict) as refused:
            next_status(status, action)
        assert refused.value.code == "invalidState"


def test_the_table_holds_exactly_the_contract_moves() -> None:
    assert TRANSITIONS == ALLOWED


def test_delivered_and_cancelled_are_final() -> None:
    for final in (S.DELIVERED, S.CANCELLED):
        assert not [action for (status, action) in TRANSITIONS if status is final]


def item(**fields: Any) -> OrderItem:
    product_id = uuid4()
    values: dict[str, Any] = {"product_id": product_id, "title": "x", "variant_id": product_id,
              "sku": product_id.hex, "options": {}, "commission_rate_bps": 0}  # fmt: skip
    return OrderItem(**values | fields)


def order(buyer: UUID, sellers: list[UUID]) -> Order:
    now = datetime.now(UTC)
    items = [item(seller_id=seller, unit_price=100, quantity=1) for seller in sellers]
    return Order(
        id=uuid4(), buyer_id=buyer, status=S.PENDING_PAYMENT, items=items,
        total=order_total(items), currency="USD", shipping_address=ADDRESS,
        created_at=now, updated_at=now,
    )  # fmt: skip


BUYER, SELLER, OTHER = uuid4(), uuid4(), uuid4()
ACTORS = {
    "buyer": Principal(user_id=BUYER, role=Role.BUYER),
    "other buyer": Principal(user_id=OTHER, role=Role.BUYER),
    "seller in the order": Principal(user_id=SELLER, role=Role.SELLER),
    "other seller": Principal(user_id=OTHER, role=Role.SELLER),
    "admin": Principal(user_id=uuid4(), role=Role.ADMIN),
}
MAY = {
    A.PAY: {"buyer"},
    A.CANCEL: {"buyer", "admin"},
    A.SHIP: {"seller in the order"},
    A.DELIVER: set[str](),
}


@pytest.mark.parametrize(("actor", "action"), list(every(ACTORS, OrderAction)))
def test_who_may_do_what(actor: str, action: OrderAction) -> None:
    target = order(BUYER, [SELLER])
    if actor in MAY[action]:
        ensure_may(ACTORS[actor], action, target)
    else:
        with pytest.raises(Forbidden):
            ensure_may(ACTORS[actor], action, target)


@given(st.lists(st.tuples(st.integers(1, 10**9), st.integers(1, 1000)), min_size=1, max_size=50))
def test_the_total_is_the_sum_of_quantity_times_unit_price(lines: list[tuple[int, int]]) -> None:
    items = [item(seller_id=uuid4(), unit_price=p, quantity=q) for p, q in lines]
    assert order_total(items) == sum(price * quantity for price, quantity in lines)


def test_a_cart_holds_one_to_fifty_distinct_products() -> None:
    check_cart([CartLine(product_id=uuid4(), quantity=1) for _ in range(50)])
    for size in (0, 51):
        with pytest.raises(ValidationFailed):
            check_cart([CartLine(product_id=uuid4(), quantity=1) for _ in range(size)])


def test_a_product_twice_in_a_cart_is_refused_at_its_second_line() -> None:
    twice = uuid4()
    lines = [CartLine(product_id=twice, quantity=1), CartLine(product_id=uuid4(), quantity=2)]
    with pytest.raises(ValidationFailed) as refused:
        check_cart([*lines, CartLine(product_id=twice, quantity=3)])
    assert refused.value.errors[0].loc == ("body", "items", 2, "productId")


@pytest.mark.parametrize("quantity", [0, 1001])
def test_quantities_are_one_to_a_thousand(quantity: int) -> None:
    with pytest.raises(ValueError, match="quantity"):
        CartLine(product_id=uuid4(), quantity=quantity)


def test_an_order_is_priced_in_one_currency() -> None:
    assert check_single_currency(["EUR", "EUR"]) == "EUR"
    with pytest.raises(ValidationFailed):
        check_single_currency(["EUR", "USD"])


def lamp(**fields: object) -> Product:
    now = datetime.now(UTC)
    values: dict[str, object] = {
        "id": uuid4(), "seller_id": SELLER, "title": "Lamp", "description": "", "price": 100,
        "currency": "USD", "stock": 5, "category": "lighting", "status": ProductStatus.ACTIVE,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    return Product.model_validate(values | fields)


def test_a_refusal_names_unknown_and_archived_products_first() -> None:
    known, archived = lamp(stock=0), lamp(status=ProductStatus.ARCHIVED)
    lines = [CartLine(product_id=p, quantity=1) for p in (known.id, archived.id, uuid4())]
    error = explain_refusal(lines, {known.id: known, archived.id: archived})
    assert isinstance(error, Unprocessable)
    assert error.code == "productUnavailable"
    assert [e.loc for e in error.errors] == [("body", "items", i, "productId") for i in (1, 2)]


def test_a_refusal_names_mixed_currencies_before_missing_stock() -> None:
    dollars, euros = lamp(stock=0), lamp(currency="EUR")
    lines = [CartLine(product_id=p.id, quantity=1) for p in (dollars, euros)]
    error = explain_refusal(lines, {p.id: p for p in (dollars, euros)})
    assert isinstance(error, ValidationFailed)


def test_a_refusal_names_the_first_product_short_of_stock_and_what_is_left() -> None:
    plenty, short = lamp(stock=9), lamp(title="Desk", stock=2)
    lines = [CartLine(product_id=plenty.id, quantity=1), CartLine(product_id=short.id, quantity=3)]
    error = explain_refusal(lines, {p.id: p for p in (plenty, short)})
    assert isinstance(error, Conflict)
    assert error.code == "outOfStock"
    assert error.detail == "Product 'Desk' has 2 left, 3 requested"


def test_items_snapshot_each_product_in_cart_order() -> None:
    first, second = lamp(title="A", price=7), lamp(title="B", price=9, seller_id=OTHER)
    lines = [CartLine(product_id=second.id, quantity=2), CartLine(product_id=first.id, quantity=1)]
    taken = {
        p.id: StockTaken(p.id, p.seller_id, p.title, p.currency, 1, p.category)
        for p in (first, second)
    }
    variants = [second.variants[0], first.variants[0]]
    items = snapshot_items(lines, taken, variants, CommissionRates(1000, sellers={OTHER: 250}))
    assert [(i.title, i.unit_price, i.quantity, i.seller_id) for i in items] == [
        ("B", 9, 2, OTHER), ("A", 7, 1, SELLER),
    ]  # fmt: skip
    assert [i.commission_rate_bps for i in items] == [250, 1000]  # the rate in force now
    assert [(i.variant_id, i.sku, i.options) for i in items] == [
        (second.id, second.id.hex, {}), (first.id, first.id.hex, {}),
    ]  # fmt: skip


def test_only_buyers_order() -> None:
    ensure_can_order(ACTORS["buyer"])
    for actor in ("seller in the order", "admin"):
        with pytest.raises(Forbidden):
            ensure_can_order(ACTORS[actor])


SEES = {"buyer", "seller in the order", "admin"}


@pytest.mark.parametrize("actor", list(ACTORS))
def test_who_sees_an_order_and_its_listing_scope_agree(actor: str) -> None:
    target = order(BUYER, [SELLER])
    principal = ACTORS[actor]
    assert may_see(principal, target) is (actor in SEES)
    if actor in SEES:
        assert ensure_visible(principal, target) is target
    else:
        with pytest.raises(NotFound):
            ensure_visible(principal, target)
    scope = scope_for(principal)
    in_scope = scope.buyer_id in (None, target.buyer_id) and (
        scope.seller_id is None or scope.seller_id in target.seller_ids
    )
    assert in_scope is (actor in SEES)


def test_no_one_sees_an_order_that_does_not_exist() -> None:
    with pytest.raises(NotFound):
        ensure_visible(ACTORS["admin"], None)
