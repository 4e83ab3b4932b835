"""Placing orders against random catalogs: totals add up, and stock is all-or-nothing."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.application.auth import create_user
from src.application.catalog import import_products
from src.application.orders import cancel_order, place_order
from src.domain.catalog import Product, ProductOption, ProductRepository, ProductStatus, Variant
from src.domain.orders import CartLine, ShippingAddress
from src.domain.users import Principal, Role
from src.infrastructure.database import transaction
from src.infrastructure.errors import AppError
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database

ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)


@pytest.fixture
async def people(runtime: Runtime) -> tuple[Principal, UUID]:
    """A buyer and a seller, made once per test and shared by its examples."""
    buyer, seller = [
        await create_user(
            email=f"{role}-{uuid4().hex[:8]}@example.com",
            full_name=role,
            role=role,
            password_hash="unused",
        )
        for role in (Role.BUYER, Role.SELLER)
    ]
    return Principal(user_id=buyer.id, role=Role.BUYER), seller.id


@transaction(readonly=True)
async def stock_levels(ids: list[UUID]) -> dict[UUID, int]:
    products = await ProductRepository().get_many(ids)
    return {product_id: product.stock for product_id, product in products.items()}


def refusal_for(ordered: list[Product], *, short: bool) -> str | None:
    """The oracle of a refusal: unknown or archived products first, then mixed currencies,
    then missing stock."""
    if any(product.status is ProductStatus.ARCHIVED for product in ordered):
        return "productUnavailable"
    if len({product.currency for product in ordered}) > 1:
        return "validationError"
    return "outOfStock" if short else None


catalog_entries = st.lists(
    st.tuples(
        st.integers(0, 5),  # stock
        st.integers(1, 10**9),  # price
        st.sampled_from(["USD", "USD", "USD", "EUR"]),
        st.sampled_from([False, False, False, True]),  # archived: now and then
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), entries=catalog_entries)
async def test_an_order_totals_its_lines_and_takes_all_its_stock_or_none(
    people: tuple[Principal, UUID], data: st.DataObject, entries: list[tuple[int, int, str, bool]]
) -> None:
    buyer, seller = people
    now = datetime.now(UTC)
    products = [
        Product(
            id=uuid4(), seller_id=seller, title=f"P{index}", description="", price=price,
            currency=currency, stock=stock, category="c",
            status=ProductStatus.ARCHIVED if archived else ProductStatus.ACTIVE,
            created_at=now, updated_at=now,
        )
        for index, (stock, price, currency, archived) in enumerate(entries)
    ]  # fmt: skip
    await import_products(products=products)
    chosen = data.draw(st.lists(st.sampled_from(products), min_size=1, unique_by=lambda p: p.id))
    lines = [CartLine(product_id=p.id, quantity=data.draw(st.integers(1, 6))) for p in chosen]
    ids = [product.id for product in products]
    before = await stock_levels(ids)

    by_id = {product.id: product for product in products}
    ordered = [by_id[line.product_id] for line in lines]
    expected_refusal = refusal_for(
        ordered, short=any(line.quantity > by_id[line.product_id].stock for line in lines)
    )

    if expected_refusal is not None:
        with pytest.raises(AppError) as refused:
            await place_order(principal=buyer, lines=lines, shipping_address=ADDRESS)
        assert refused.value.code == expected_refusal
        assert await stock_levels(ids) == before, "a refused order changed stock"
        return

    order = await place_order(principal=buyer, lines=lines, shipping_address=ADDRESS)
    assert order.total == sum(line.quantity * by_id[line.product_id].price for line in lines)
    assert [item.product_id for item in order.items] == [line.product_id for line in lines]
    after = await stock_levels(ids)
    taken = {line.product_id: line.quantity for line in lines}
    assert after == {pid: before[pid] - taken.get(pid, 0) for pid in ids}
    assert min(after.values()) >= 0

    await cancel_order(principal=buyer, order_id=order.id)
    assert await stock_levels(ids) == before


@transaction(readonly=True)
async def variant_levels(ids: list[UUID]) -> dict[UUID, tuple[int, list[int]]]:
    products = await ProductRepository().get_many(ids)
    return {
        product_id: (product.stock, [variant.stock for variant in product.variants])
        for product_id, product in products.items()
    }


sized_entries = st.lists(
    st.tuples(
        st.lists(st.tuples(st.integers(0, 5), st.integers(1, 10**6)), min_size=1, max_size=4),
        st.sampled_from(["USD", "USD", "USD", "EUR"]),
        st.sampled_from([False, False, False, True]),  # archived: now and then
    ),
    min_size=1,
    max_size=4,
)


def sized_product(seller: UUID, index: int, entry: Any, now: datetime) -> Product:
    """A product sold in sizes (one variant per (stock, price)), or, for one entry, without
    options."""
    variants, currency, archived = entry
    sizes = [f"s{n}" for n in range(len(variants))]
    return Product(
        id=uuid4(), seller_id=seller, title=f"P{index}", description="", price=1,
        currency=currency, stock=0, category="c",
        status=ProductStatus.ARCHIVED if archived else ProductStatus.ACTIVE,
        created_at=now, updated_at=now,
        options=(ProductOption(name="Size", values=tuple(sizes)),) if len(sizes) > 1 else (),
        variants=tuple(
            Variant(id=uuid4(), sku=f"{index}-{size}-{uuid4().hex[:6]}",
                    options={"Size": size} if len(sizes) > 1 else {}, price=price, stock=stock)
            for size, (stock, price) in zip(sizes, variants, strict=True)
        ),
    )  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), entries=sized_entries)
async def test_an_order_of_variants_takes_each_variants_stock_or_none(
    people: tuple[Principal, UUID], data: st.DataObject, entries: list[Any]
) -> None:
    buyer, seller = people
    now = datetime.now(UTC)
    products = [sized_product(seller, index, entry, now) for index, entry in enumerate(entries)]
    await import_products(products=products)
    sold = [(product, variant) for product in products for variant in product.variants]
    chosen = data.draw(st.lists(st.sampled_from(sold), min_size=1, max_size=8,
                                unique_by=lambda pair: pair[1].id))  # fmt: skip
    lines = [
        CartLine(
            product_id=product.id,
            # A product with one variant may be ordered without naming it.
            variant_id=variant.id if bool(product.options) or data.draw(st.booleans()) else None,
            quantity=data.draw(st.integers(1, 6)),
        )
        for product, variant in chosen
    ]
    ids = [product.id for product in products]
    before = await variant_levels(ids)

    expected_refusal = refusal_for(
        [product for product, _ in chosen],
        short=any(line.quantity > v.stock for line, (_, v) in zip(lines, chosen, strict=True)),
    )

    if expected_refusal is not None:
        with pytest.raises(AppError) as refused:
            await place_order(principal=buyer, lines=lines, shipping_address=ADDRESS)
        assert refused.value.code == expected_refusal
        assert await variant_levels(ids) == before, "a refused order changed stock"
        return

    order = await place_order(principal=buyer, lines=lines, shipping_address=ADDRESS)
    assert order.total == sum(
        line.quantity * variant.price for line, (_, variant) in zip(lines, chosen, strict=True)
    )
    assert [(item.variant_id, item.sku) for item in order.items] == [
        (variant.id, variant.sku) for _, variant in chosen
    ]
    taken = {variant.id: line.quantity for line, (_, variant) in zip(lines, chosen, strict=True)}
    after = await variant_levels(ids)
    for product in products:
        left = [variant.stock - taken.get(variant.id, 0) for variant in product.variants]
        assert after[product.id] == (sum(left), left)

    await cancel_order(principal=buyer, order_id=order.id)
    assert await variant_levels(ids) == before
