"""Placing orders against random catalogs: totals add up, and stock is all-or-nothing."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.application.auth import create_user
from src.application.catalog import import_products
from src.application.orders import cancel_order, place_order
from src.domain.catalog import Product, ProductRepository, ProductStatus
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
    expected_refusal = None
    if any(product.status is ProductStatus.ARCHIVED for product in ordered):
        expected_refusal = "productUnavailable"
    elif len({product.currency for product in ordered}) > 1:
        expected_refusal = "validationError"
    elif any(line.quantity > by_id[line.product_id].stock for line in lines):
        expected_refusal = "outOfStock"

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
