"""Analytics against a brute-force recomputation over random order histories."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from src.application.analytics import product_orders, product_shipments, seller_sales
from src.application.auth import create_user
from src.application.catalog import import_products
from src.domain.catalog import Product, ProductStatus
from src.domain.orders import Order, OrderItem, OrderRepository, OrderStatus, ShippingAddress
from src.domain.shipping import Shipment, ShipmentRepository, ShipmentStatus
from src.domain.users import Principal, Role
from src.infrastructure.database import transaction
from src.infrastructure.errors import Forbidden, NotFound, ValidationFailed
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database

ADDRESS = ShippingAddress(full_name="A", line1="1 Main", city="X", postal_code="1", country="GB")
TODAY = datetime.now(UTC).date()
SOLD = {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED}


@transaction
async def store(orders: list[Order], shipments: list[Shipment]) -> None:
    for order in orders:
        await OrderRepository().add(order)
    for shipment in shipments:
        await ShipmentRepository().add(shipment)


async def new_user(role: Role) -> UUID:
    user = await create_user(
        email=f"{role}-{uuid4().hex[:10]}@example.com", full_name="x", role=role,
        password_hash="unused",
    )  # fmt: skip
    return user.id


Draft = tuple[list[tuple[int, int, int]], OrderStatus, int, int, list[bool], bool]
# One order: which of the three products it holds (quantity, unit price), its status, the day
# and hour it was paid, and for each seller's shipment whether it is delivered.
order_drafts = st.lists(
    st.tuples(
        st.lists(
            st.tuples(st.integers(0, 2), st.integers(1, 5), st.integers(1, 500)),
            min_size=1, max_size=3, unique_by=lambda line: line[0],
        ),
        st.sampled_from(list(OrderStatus)),
        st.integers(0, 40),  # days before today it was paid (if it was)
        st.integers(0, 23),
        st.lists(st.booleans(), min_size=2, max_size=2),  # per seller: delivered?
        st.booleans(),  # a paid order: has its first seller shipped yet?
    ),
    max_size=12,
)  # fmt: skip


def history(
    drafts: list[Draft], products: list[Product], buyer: UUID, now: datetime
) -> tuple[list[Order], list[Shipment]]:
    """Orders and shipments as the drafts describe them, consistent with the state machine."""
    orders, shipments = [], []
    for lines, status, days_ago, hour, delivered, first_shipped in drafts:
        items = [
            OrderItem(product_id=products[p].id, seller_id=products[p].seller_id, title="t",
                      unit_price=price, quantity=quantity, variant_id=products[p].id,
                      sku=products[p].id.hex, options={}, commission_rate_bps=0)
            for p, quantity, price in lines
        ]  # fmt: skip
        was_paid = status in SOLD or (status is OrderStatus.CANCELLED and days_ago % 2 == 0)
        paid_at = datetime.combine(TODAY - timedelta(days_ago), time(hour), UTC)
        order = Order(
            id=uuid4(), buyer_id=buyer, status=status, items=items,
            total=sum(i.quantity * i.unit_price for i in items), currency="USD",
            shipping_address=ADDRESS, created_at=now, updated_at=now,
            paid_at=paid_at if was_paid else None,
        )  # fmt: skip
        orders.append(order)
        for index, seller in enumerate(sorted(order.seller_ids)):
            ships = status in {OrderStatus.SHIPPED, OrderStatus.DELIVERED} or (
                status is OrderStatus.PAID and first_shipped and index == 0
            )
            done = status is OrderStatus.DELIVERED or delivered[index]
            shipments += [
                Shipment(
                    id=uuid4(), order_id=order.id, seller_id=seller, carrier="c",
                    tracking_number="t", created_at=now, updated_at=now,
                    status=ShipmentStatus.DELIVERED if done else ShipmentStatus.IN_PROGRESS,
                )
            ] if ships else []  # fmt: skip
    return orders, shipments


def expected_sales(
    orders: list[Order], seller: UUID, first: date, last: date
) -> list[tuple[date, int, int, int]]:
    """The seller's sales by day, recounted order by order."""
    days: defaultdict[date, tuple[set[UUID], int, int]] = defaultdict(lambda: (set(), 0, 0))
    for order in orders:
        if order.status not in SOLD or order.paid_at is None:
            continue
        day = order.paid_at.date()
        for item in order.items:
            if item.seller_id == seller and first <= day <= last:
                ids, units, revenue = days[day]
                days[day] = (ids | {order.id}, units + item.quantity,
                             revenue + item.quantity * item.unit_price)  # fmt: skip
    return [(day, len(ids), units, rev) for day, (ids, units, rev) in sorted(days.items())]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drafts=order_drafts, window=st.tuples(st.integers(0, 45), st.integers(0, 45)))
async def test_analytics_match_a_brute_force_recount(
    runtime: Runtime, drafts: list[Draft], window: tuple[int, int]
) -> None:
    sellers = [await new_user(Role.SELLER), await new_user(Role.SELLER)]
    now = datetime.now(UTC)
    products = [
        Product(
            id=uuid4(), seller_id=sellers[0 if index < 2 else 1], title=f"P{index}",
            description="", price=100, currency="USD", stock=0, category="c",
            status=ProductStatus.ACTIVE, created_at=now, updated_at=now,
        )
        for index in range(3)
    ]  # fmt: skip
    await import_products(products=products)
    orders, shipments = history(drafts, products, await new_user(Role.BUYER), now)
    await store(orders, shipments)
    admin = Principal(user_id=uuid4(), role=Role.ADMIN)

    for product in products:
        holding = [o for o in orders if any(i.product_id == product.id for i in o.items)]
        stats = await product_orders(principal=admin, product_id=product.id)
        sold_items = [
            item for o in holding if o.status in SOLD for item in o.items
            if item.product_id == product.id
        ]  # fmt: skip
        assert stats.by_status == {s: sum(o.status is s for o in holding) for s in OrderStatus}
        assert stats.orders_count == sum(o.status is not OrderStatus.CANCELLED for o in holding)
        assert stats.units_sold == sum(item.quantity for item in sold_items)
        assert stats.revenue == sum(item.quantity * item.unit_price for item in sold_items)
        holding_ids = {o.id for o in holding}
        for state in ShipmentStatus:
            expected = sum(
                s.seller_id == product.seller_id and s.status is state
                and s.order_id in holding_ids
                for s in shipments
            )  # fmt: skip
            counted = await product_shipments(principal=admin, product_id=product.id, status=state)
            assert counted == expected

    first, last = TODAY - timedelta(max(window)), TODAY - timedelta(min(window))
    for seller in sellers:
        report = await seller_sales(
            principal=Principal(user_id=seller, role=Role.SELLER), first=first, last=last
        )
        assert [(d.day, d.orders, d.units_sold, d.revenue) for d in report] == expected_sales(
            orders, seller, first, last
        )


async def test_figures_are_for_the_seller_and_admins_only(runtime: Runtime) -> None:
    seller, other = await new_user(Role.SELLER), await new_user(Role.SELLER)
    now = datetime.now(UTC)
    product = Product(
        id=uuid4(), seller_id=seller, title="P", description="", price=1, currency="USD",
        stock=0, category="c", status=ProductStatus.ARCHIVED, created_at=now, updated_at=now,
    )  # fmt: skip
    await import_products(products=[product])
    owner = Principal(user_id=seller, role=Role.SELLER)
    assert (await product_orders(principal=owner, product_id=product.id)).orders_count == 0
    for intruder in (Principal(user_id=other, role=Role.SELLER),
                     Principal(user_id=uuid4(), role=Role.BUYER)):  # fmt: skip
        with pytest.raises(Forbidden):
            await product_orders(principal=intruder, product_id=product.id)
        with pytest.raises(Forbidden):
            await product_shipments(
                principal=intruder, product_id=product.id, status=ShipmentStatus.DELIVERED
            )
    with pytest.raises(NotFound):
        await product_orders(principal=owner, product_id=uuid4())
    for not_a_seller in (Role.BUYER, Role.ADMIN):
        with pytest.raises(Forbidden):
            await seller_sales(principal=Principal(user_id=uuid4(), role=not_a_seller),
                               first=None, last=None)  # fmt: skip
    with pytest.raises(ValidationFailed):
        await seller_sales(principal=owner, first=TODAY, last=TODAY - timedelta(1))
