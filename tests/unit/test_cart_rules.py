"""The cart's rules against random carts and catalogs, without a database: line quantities,
adding to a line, merging a guest's cart into a buyer's, and pricing by seller."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.carts import MAX_CART_LINES, MAX_LINE_QUANTITY, Cart, CartItem, CartStatus
from src.domain.carts.rules import (
    ensure_line_quantity,
    merged,
    merged_quantity,
    priced,
    with_line,
    with_quantity,
    without_line,
)
from src.domain.catalog import Product, ProductStatus
from src.infrastructure.errors import ValidationFailed

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SELLERS = [uuid4() for _ in range(3)]
quantities = st.integers(1, MAX_LINE_QUANTITY)


def a_product(seller: UUID, price: int, stock: int, *, currency: str = "USD",
              archived: bool = False) -> Product:  # fmt: skip
    status = ProductStatus.ARCHIVED if archived else ProductStatus.ACTIVE
    return Product(id=uuid4(), seller_id=seller, title="Lamp", description="", price=price,
                   currency=currency, stock=stock, category="c", status=status,
                   created_at=NOW, updated_at=NOW)  # fmt: skip


products = st.builds(
    a_product,
    seller=st.sampled_from(SELLERS),
    price=st.integers(1, 10**9),
    stock=st.integers(0, 2 * MAX_LINE_QUANTITY),
    archived=st.sampled_from([False, False, False, True]),
)


def empty_cart(buyer: UUID | None = None) -> Cart:
    return Cart(id=uuid4(), buyer_id=buyer, status=CartStatus.OPEN, created_at=NOW,
                updated_at=NOW)  # fmt: skip


def a_cart(lines: list[tuple[Product, int]], buyer: UUID | None = None) -> Cart:
    """A cart of one line per product given, of its only variant, priced as it is now."""
    items = tuple(
        CartItem(id=uuid4(), product_id=product.id, variant_id=product.variants[0].id,
                 quantity=quantity, unit_price=product.price)
        for product, quantity in lines
    )  # fmt: skip
    return empty_cart(buyer).model_copy(
        update={"items": items, "currency": "USD" if items else None}
    )


def cart_lines(catalog: list[Product], most: int = MAX_CART_LINES) -> st.SearchStrategy[Cart]:
    return st.lists(
        st.tuples(st.sampled_from(catalog), quantities), unique_by=lambda line: line[0].id,
        max_size=most,
    ).map(a_cart)  # fmt: skip


def repriced(product: Product, price: int) -> Product:
    """The product (and its only variant) at another price."""
    return Product.model_validate(product.model_dump() | {"price": price, "variants": ()})


def quantities_of(cart: Cart) -> dict[UUID, int]:
    return {item.variant_id: item.quantity for item in cart.items}


@given(st.integers(-(10**6), 10**6))
def test_a_line_holds_1_to_1000_and_else_the_answer_names_the_quantity(quantity: int) -> None:
    if 1 <= quantity <= MAX_LINE_QUANTITY:
        assert ensure_line_quantity(quantity) == quantity
        return
    with pytest.raises(ValidationFailed) as refused:
        ensure_line_quantity(quantity)
    assert [error.loc for error in refused.value.errors] == [("body", "quantity")]


@given(quantities, quantities)
def test_merged_quantities_add_up_to_at_most_1000(kept: int, added: int) -> None:
    total = merged_quantity(kept, added)
    assert total == min(kept + added, MAX_LINE_QUANTITY)
    assert max(kept, added) <= total <= MAX_LINE_QUANTITY


@given(st.data(), st.lists(products, min_size=1, max_size=8))
def test_adding_adds_to_the_variants_line_and_refuses_past_1000(
    data: st.DataObject, catalog: list[Product]
) -> None:
    cart, model = empty_cart(), Counter[UUID]()
    for _ in range(data.draw(st.integers(1, 20))):
        product = data.draw(st.sampled_from(catalog))
        variant = product.variants[0]
        quantity = data.draw(st.integers(1, 600))
        if model[variant.id] + quantity > MAX_LINE_QUANTITY:
            with pytest.raises(ValidationFailed):
                with_line(cart, product, variant, quantity, line_id=uuid4(), now=NOW)
            continue
        line_id = uuid4()
        changed, line = with_line(cart, product, variant, quantity, line_id=line_id, now=NOW)
        model[variant.id] += quantity
        assert line in changed.items
        assert (line.variant_id, line.quantity, line.unit_price) == (
            variant.id, model[variant.id], variant.price
        )  # fmt: skip
        assert (line.id == line_id) == (variant.id not in quantities_of(cart))
        cart = changed
    assert quantities_of(cart) == dict(model)
    assert len(cart.items) == len({item.variant_id for item in cart.items})


def test_a_51st_line_is_refused() -> None:
    catalog = [a_product(SELLERS[0], 100, 5) for _ in range(MAX_CART_LINES + 1)]
    cart = a_cart([(product, 1) for product in catalog[:MAX_CART_LINES]])
    last = catalog[-1]
    with pytest.raises(ValidationFailed):
        with_line(cart, last, last.variants[0], 1, line_id=uuid4(), now=NOW)
    # The same variant again is no new line.
    first = catalog[0]
    changed, _ = with_line(cart, first, first.variants[0], 1, line_id=uuid4(), now=NOW)
    assert len(changed.items) == MAX_CART_LINES


@given(st.data(), st.lists(products, min_size=1, max_size=12))
def test_a_guest_cart_merges_into_the_buyers_quantities_adding_up_capped(
    data: st.DataObject, catalog: list[Product]
) -> None:
    buyer_cart = data.draw(cart_lines(catalog)).model_copy(update={"buyer_id": uuid4()})
    guest = data.draw(cart_lines(catalog))
    later = NOW + timedelta(minutes=5)

    result = merged(buyer_cart, guest, now=later)

    mine, theirs = quantities_of(buyer_cart), quantities_of(guest)
    assert quantities_of(result) == {
        variant: min(mine.get(variant, 0) + theirs.get(variant, 0), MAX_LINE_QUANTITY)
        for variant in mine | theirs
    }
    # The buyer's lines keep their place (and ids); the guest's other lines follow, in order.
    assert [item.id for item in result.items[: len(buyer_cart.items)]] == [
        item.id for item in buyer_cart.items
    ]
    assert [item.id for item in result.items[len(buyer_cart.items) :]] == [
        item.id for item in guest.items if item.variant_id not in mine
    ]
    assert (result.id, result.buyer_id, result.updated_at) == (
        buyer_cart.id, buyer_cart.buyer_id, later
    )  # fmt: skip
    assert result.currency == ("USD" if result.items else None)


@given(st.integers(0, MAX_CART_LINES), st.integers(0, MAX_CART_LINES))
def test_a_merge_past_50_lines_is_refused(mine: int, theirs: int) -> None:
    catalog = [a_product(SELLERS[0], 100, 5) for _ in range(mine + theirs)]
    buyer_cart = a_cart([(product, 1) for product in catalog[:mine]], buyer=uuid4())
    guest = a_cart([(product, 1) for product in catalog[mine:]])
    if mine + theirs <= MAX_CART_LINES:
        assert len(merged(buyer_cart, guest, now=NOW).items) == mine + theirs
        return
    with pytest.raises(ValidationFailed):
        merged(buyer_cart, guest, now=NOW)


def test_a_cart_of_another_currency_does_not_merge() -> None:
    lamp, desk = a_product(SELLERS[0], 100, 5), a_product(SELLERS[1], 100, 5, currency="EUR")
    buyer_cart = a_cart([(lamp, 1)], buyer=uuid4())
    guest = a_cart([(desk, 1)]).model_copy(update={"currency": "EUR"})
    with pytest.raises(ValidationFailed):
        merged(buyer_cart, guest, now=NOW)
    assert merged(buyer_cart, empty_cart(), now=NOW).items == buyer_cart.items


@given(st.data(), st.lists(products, min_size=1, max_size=10))
def test_the_sellers_subtotals_sum_to_the_carts_and_each_is_its_lines(
    data: st.DataObject, catalog: list[Product]
) -> None:
    cart = data.draw(cart_lines(catalog, most=10))
    # The catalog moves on after the lines were added: prices change.
    now = {p.id: repriced(p, data.draw(st.integers(1, 10**9))) for p in catalog}

    result = priced(cart, now)

    by_seller: Counter[UUID] = Counter()
    for item in cart.items:
        by_seller[now[item.product_id].seller_id] += now[item.product_id].price * item.quantity
    assert {each.seller_id: each.subtotal for each in result.sellers} == dict(by_seller)
    assert result.subtotal == sum(each.subtotal for each in result.sellers)
    first_seen = list(dict.fromkeys(now[item.product_id].seller_id for item in cart.items))
    assert [each.seller_id for each in result.sellers] == first_seen
    for line in result.lines:
        product = now[line.item.product_id]
        assert line.unit_price == product.price
        assert line.available == (
            product.status is ProductStatus.ACTIVE and product.stock >= line.item.quantity
        )


def test_a_line_whose_variant_is_gone_keeps_its_last_price_and_is_unavailable() -> None:
    lamp = a_product(SELLERS[0], 700, 5)
    cart = a_cart([(lamp, 3)])
    other = {"id": uuid4(), "sku": "other", "options": {}, "price": 900, "stock": 5}
    gone = Product.model_validate(lamp.model_dump() | {"price": 900, "variants": (other,)})
    line = priced(cart, {lamp.id: gone}).lines[0]
    assert (line.unit_price, line.available) == (700, False)


@given(st.data(), st.lists(products, min_size=1, max_size=6))
def test_changing_and_removing_lines_touch_that_line_alone(
    data: st.DataObject, catalog: list[Product]
) -> None:
    cart = data.draw(cart_lines(catalog).filter(lambda cart: bool(cart.items)))
    chosen = data.draw(st.sampled_from(cart.items))
    quantity = data.draw(st.integers(-5, MAX_LINE_QUANTITY + 5))
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        with pytest.raises(ValidationFailed):
            with_quantity(cart, chosen.id, quantity, now=NOW)
    else:
        changed, line = with_quantity(cart, chosen.id, quantity, now=NOW)
        assert line == chosen.model_copy(update={"quantity": quantity})
        assert quantities_of(changed) == quantities_of(cart) | {chosen.variant_id: quantity}
    left = without_line(cart, chosen.id, now=NOW)
    assert left.items == tuple(item for item in cart.items if item.id != chosen.id)
    assert left.currency == (cart.currency if left.items else None)
