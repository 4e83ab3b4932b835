"""Variant rules without a database: a product sums its variants up, variants are checked
against its options, and orders visit stock in one order whatever the cart's."""

import itertools
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from src.domain.catalog import Product, ProductOption, ProductStatus, Variant, VariantSpec
from src.domain.catalog.rules import (
    check_new_variant,
    check_options,
    check_variants,
    new_variants,
)
from src.domain.orders import CartLine
from src.domain.orders.rules import check_cart, check_variant_named, lines_by_product
from src.infrastructure.errors import Conflict, ValidationFailed

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def product(**fields: Any) -> Product:
    values: dict[str, Any] = {
        "id": uuid4(), "seller_id": uuid4(), "title": "Shirt", "description": "", "price": 1,
        "currency": "USD", "stock": 0, "category": "c", "status": ProductStatus.ACTIVE,
        "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    return Product.model_validate(values | fields)


figures = st.tuples(st.integers(1, 10**12), st.integers(0, 10**9))


@given(st.lists(figures, min_size=1, max_size=20), figures)
def test_a_product_with_options_is_priced_at_its_lowest_variant_and_stocks_their_total(
    sold: list[tuple[int, int]], given_figures: tuple[int, int]
) -> None:
    values = tuple(f"v{index}" for index in range(len(sold)))
    variants = tuple(
        Variant(id=uuid4(), sku=f"S{index}", options={"Size": value}, price=price, stock=stock)
        for index, (value, (price, stock)) in enumerate(zip(values, sold, strict=True))
    )
    price, stock = given_figures  # whatever the product was given, its variants decide
    shirt = product(options=(ProductOption(name="Size", values=values),), variants=variants,
                    price=price, stock=stock)  # fmt: skip
    assert shirt.price == min(price for price, _ in sold)
    assert shirt.stock == sum(stock for _, stock in sold)
    assert shirt.changed(title="Other").variants == variants


@given(figures, figures)
def test_a_product_without_options_has_one_variant_that_follows_it(
    first: tuple[int, int], then: tuple[int, int]
) -> None:
    lamp = product(price=first[0], stock=first[1])
    assert [(v.id, v.sku, v.options, v.price, v.stock) for v in lamp.variants] == [
        (lamp.id, lamp.id.hex, {}, *first)
    ]
    custom = lamp.changed(variants=(lamp.variants[0].model_copy(update={"sku": "MINE"}),))
    changed = custom.changed(price=then[0], stock=then[1])
    assert [(v.id, v.sku, v.price, v.stock) for v in changed.variants] == [(lamp.id, "MINE", *then)]


names = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=4)


@st.composite
def catalogues(draw: st.DrawFn) -> tuple[list[ProductOption], list[VariantSpec]]:
    """Options, and variants that choose among them: mostly well, now and then not."""
    option_names = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.casefold))
    options = [
        ProductOption(name=name, values=tuple(draw(st.lists(names, min_size=1, max_size=3,
                                                               unique_by=str.casefold))))
        for name in option_names
    ]  # fmt: skip
    specs = []
    for index in range(draw(st.integers(1, 6))):
        chosen = {option.name: draw(st.sampled_from(option.values)) for option in options}
        if draw(st.integers(0, 9)) == 0:
            chosen.pop(draw(st.sampled_from(option_names)))  # an option left out
        if draw(st.integers(0, 9)) == 0:
            chosen[draw(names)] = "x"  # a name the product may not have, or a wrong value
        sku = draw(st.sampled_from([f"SKU-{index}", "SKU-0"]))  # now and then a repeat
        specs.append(VariantSpec(sku=sku, options=chosen, price=1, stock=0))
    return options, specs


def valid(options: list[ProductOption], specs: list[VariantSpec]) -> bool:
    """The oracle: each variant chooses one of the values of every option and nothing else;
    no combination and no SKU twice."""
    values = {option.name: set(option.values) for option in options}
    chosen_well = all(
        spec.options.keys() == values.keys()
        and all(spec.options[name] in values[name] for name in values)
        for spec in specs
    )
    combinations = [frozenset(spec.options.items()) for spec in specs]
    skus = [spec.sku for spec in specs]
    return chosen_well and len(set(combinations)) == len(specs) == len(set(skus))


@given(catalogues())
def test_variants_are_checked_against_the_options_as_the_oracle_says(
    catalogue: tuple[list[ProductOption], list[VariantSpec]],
) -> None:
    options, specs = catalogue
    if valid(options, specs):
        check_variants(options, specs)
    else:
        with pytest.raises(ValidationFailed):
            check_variants(options, specs)


def test_option_names_are_unique_ignoring_case_and_at_most_three() -> None:
    check_options([ProductOption(name=n, values=("a",)) for n in ("Size", "Colour", "Fit")])
    for options in (
        [ProductOption(name=n, values=("a",)) for n in ("Size", "size")],
        [ProductOption(name=n, values=("a",)) for n in "ABCD"],
        [ProductOption(name="Size", values=("S", "s"))],
    ):
        with pytest.raises(ValidationFailed):
            check_options(options)


def test_a_new_products_price_and_stock_come_from_it_or_its_variants_never_both() -> None:
    product_id = uuid4()
    (only,) = new_variants(product_id, price=5, stock=2, options=(), specs=())
    assert (only.id, only.sku, only.options, only.price, only.stock) == (
        product_id, product_id.hex, {}, 5, 2,
    )  # fmt: skip
    spec = VariantSpec(sku="A", options={}, price=3, stock=1)
    (given_one,) = new_variants(product_id, price=None, stock=None, options=(), specs=[spec])
    assert (given_one.id, given_one.sku) == (product_id, "A")
    size = (ProductOption(name="Size", values=("S",)),)
    for price, stock, options, specs in (
        (5, None, (), [spec]),  # price with variants
        (None, 2, (), [spec]),  # stock with variants
        (None, 2, (), ()),  # no price
        (5, 2, size, ()),  # options without variants
    ):
        with pytest.raises(ValidationFailed):
            new_variants(product_id, price=price, stock=stock, options=options, specs=specs)


def test_a_variant_is_added_only_to_a_product_with_options_in_a_new_combination() -> None:
    size = ProductOption(name="Size", values=("S", "M"))
    small = Variant(id=uuid4(), sku="S", options={"Size": "S"}, price=1, stock=1)
    shirt = product(options=(size,), variants=(small,))
    check_new_variant(shirt, VariantSpec(sku="M", options={"Size": "M"}, price=1, stock=1))
    with pytest.raises(ValidationFailed):
        check_new_variant(shirt, VariantSpec(sku="S2", options={"Size": "S"}, price=1, stock=1))
    with pytest.raises(Conflict) as refused:
        check_new_variant(product(), VariantSpec(sku="X", options={}, price=1, stock=1))
    assert refused.value.code == "invalidState"


def lock_key(line: CartLine) -> tuple[UUID, bool, UUID]:
    """The order a line's stock is taken in: its product's, then its variant's."""
    return (line.product_id, line.variant_id is not None, line.variant_id or line.product_id)


carts = st.lists(
    st.tuples(st.integers(0, 4), st.one_of(st.none(), st.integers(0, 4)), st.integers(1, 9)),
    min_size=1,
    max_size=12,
    unique_by=lambda line: (line[0], line[1]),
)
PRODUCTS = [uuid4() for _ in range(5)]
VARIANTS = [uuid4() for _ in range(5)]


@given(carts, st.randoms())
def test_every_cart_takes_stock_in_one_order_whatever_the_order_of_its_lines(
    cart: list[tuple[int, int | None, int]], shuffler: Any
) -> None:
    lines = [
        CartLine(product_id=PRODUCTS[p], variant_id=None if v is None else VARIANTS[v], quantity=q)
        for p, v, q in cart
    ]
    check_cart(lines)
    shuffled = list(lines)
    shuffler.shuffle(shuffled)
    visited = [
        [lines_of[i] for i in indexes]
        for lines_of in (lines, shuffled)
        for _, indexes in lines_by_product(lines_of)
    ]
    # Products in id order, each product's lines in variant order, however the cart is laid.
    flat = list(itertools.chain.from_iterable(visited[: len(visited) // 2]))
    again = list(itertools.chain.from_iterable(visited[len(visited) // 2 :]))
    assert flat == again == sorted(lines, key=lock_key)


def test_a_product_with_one_variant_is_on_one_line_and_others_name_theirs() -> None:
    lamp, other = uuid4(), uuid4()
    check_variant_named([CartLine(product_id=lamp, quantity=1)], [0], variant_count=1)
    twice = [CartLine(product_id=lamp, quantity=1),
             CartLine(product_id=lamp, variant_id=lamp, quantity=1)]  # fmt: skip
    with pytest.raises(ValidationFailed):
        check_variant_named(twice, [0, 1], variant_count=1)
    unnamed = [CartLine(product_id=other, quantity=1)]
    with pytest.raises(ValidationFailed) as refused:
        check_variant_named(unnamed, [0], variant_count=3)
    assert refused.value.errors[0].loc == ("body", "items", 0, "variantId")
