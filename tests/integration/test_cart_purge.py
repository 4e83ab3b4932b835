"""Abandoned guest carts go: those untouched for `CARTS__GUEST_TTL_DAYS` are purged, by the
operation and by the running app's periodic job; newer guest carts and buyers' carts stay."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select, update

from src.application import carts
from src.application.auth import create_user
from src.application.catalog import import_products
from src.config.settings import CartsSettings, Settings
from src.domain.catalog import Product, ProductStatus
from src.domain.orders import ShippingAddress
from src.domain.users import Principal, Role
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import CartItemsTable, CartsTable
from src.infrastructure.runtime import Runtime, start_runtime, stop_runtime
from tests.conftest import build_app, make_settings

pytestmark = pytest.mark.database

TTL_DAYS = 3
ADDRESS = ShippingAddress(
    full_name="Ada", line1="1 Main St", city="London", postal_code="N1", country="GB"
)


@transaction
async def age(cart_id: UUID, by: timedelta) -> None:
    """Move a cart's last change back, as if `by` had passed since."""
    connection = await current_connection()
    read = select(CartsTable.updated_at).where(CartsTable.id == cart_id)
    updated_at = (await connection.execute(read)).scalar_one()
    await connection.execute(
        update(CartsTable).where(CartsTable.id == cart_id).values(updated_at=updated_at - by)
    )


@transaction(readonly=True)
async def stored(cart_ids: list[UUID]) -> tuple[set[UUID], int]:
    """Which of the carts are stored, and how many lines they hold."""
    connection = await current_connection()
    kept = await connection.execute(select(CartsTable.id).where(CartsTable.id.in_(cart_ids)))
    lines = await connection.execute(
        select(func.count()).where(CartItemsTable.cart_id.in_(cart_ids))
    )
    return set(kept.scalars()), int(lines.scalar_one())


async def buyer_and_lamp() -> tuple[Principal, UUID]:
    buyer, seller = [
        await create_user(email=f"{role}-{uuid4().hex[:8]}@example.com", full_name=role,
                          role=role, password_hash="unused")
        for role in (Role.BUYER, Role.SELLER)
    ]  # fmt: skip
    now = datetime.now(UTC)
    lamp = Product(id=uuid4(), seller_id=seller.id, title="Lamp", description="", price=1250,
                   currency="USD", stock=100, category="c", status=ProductStatus.ACTIVE,
                   created_at=now, updated_at=now)  # fmt: skip
    await import_products(products=[lamp])
    return Principal(user_id=buyer.id, role=Role.BUYER), lamp.id


async def carts_of_every_kind() -> tuple[list[UUID], list[UUID]]:
    """Carts, each holding a lamp: (those the purge must delete, those it must keep)."""
    buyer, lamp = await buyer_and_lamp()
    ttl, day = timedelta(days=TTL_DAYS), timedelta(days=1)

    async def guest_cart(untouched_for: timedelta, *, touched_since: bool = False) -> UUID:
        cart_id = (await carts.create_cart(principal=None))[0].cart.id
        await carts.add_item(principal=None, cart_id=cart_id, product_id=lamp, variant_id=None,
                             quantity=1)  # fmt: skip
        await age(cart_id, untouched_for)
        if touched_since:  # a line added now: the cart is fresh again
            await carts.add_item(principal=None, cart_id=cart_id, product_id=lamp,
                                 variant_id=None, quantity=1)  # fmt: skip
        return cart_id

    stale = [await guest_cart(ttl + timedelta(minutes=1)), await guest_cart(ttl * 10)]
    newer = await guest_cart(ttl - timedelta(minutes=1))
    renewed = await guest_cart(ttl * 2, touched_since=True)
    # A buyer's open cart, and a guest cart checked out by the buyer (so theirs), both old.
    buyers = (await carts.current_cart(principal=buyer)).cart.id
    await carts.add_item(principal=buyer, cart_id=buyers, product_id=lamp, variant_id=None,
                         quantity=1)  # fmt: skip
    await age(buyers, ttl * 10)
    checked_out = await guest_cart(day)
    await carts.check_out(principal=buyer, cart_id=checked_out, shipping_address=ADDRESS,
                          expected_total=None)  # fmt: skip
    await age(checked_out, ttl * 10)
    return stale, [newer, renewed, buyers, checked_out]


@pytest.fixture
def settings_keeping_guests_3_days(database_url: str) -> Settings:
    return make_settings(database_url, carts=CartsSettings(guest_ttl_days=TTL_DAYS))


@pytest.fixture
async def runtime_keeping_guests_3_days(
    settings_keeping_guests_3_days: Settings,
) -> AsyncIterator[Runtime]:
    services = start_runtime(settings_keeping_guests_3_days)
    yield services
    await stop_runtime()


async def test_the_purge_deletes_guest_carts_untouched_for_the_ttl_and_keeps_the_rest(
    runtime_keeping_guests_3_days: Runtime,
) -> None:
    stale, kept = await carts_of_every_kind()
    assert await stored(stale + kept) == (set(stale + kept), len(stale + kept))

    assert await carts.purge_abandoned_carts() == len(stale)

    assert await stored(stale) == (set(), 0)  # their lines went with them
    assert await stored(kept) == (set(kept), len(kept))
    assert await carts.purge_abandoned_carts() == 0


async def test_the_running_app_purges_abandoned_guest_carts_on_its_schedule(
    database_url: str,
) -> None:
    # Every second instead of the default hour: only the app's own job can purge in time.
    purging = make_settings(
        database_url, carts=CartsSettings(guest_ttl_days=TTL_DAYS, purge_interval_seconds=1)
    )
    start_runtime(purging)  # the carts are made before the app (and its job) starts
    stale, kept = await carts_of_every_kind()
    await stop_runtime()
    app = build_app(purging)
    async with app.router.lifespan_context(app):
        # The first run comes within one interval of start-up, then one every interval.
        for _ in range(80):
            if not (await stored(stale))[0]:
                break
            await asyncio.sleep(0.05)
        assert await stored(stale) == (set(), 0)
        assert await stored(kept) == (set(kept), len(kept))
