"""`python -m seed.demo` fills an empty database, and running it again adds nothing."""

from uuid import NAMESPACE_URL, uuid5

import pytest
from sqlalchemy import func, select

from seed import demo
from src.application.catalog import get_product, list_categories, list_products
from src.domain.catalog import ProductFilter, ProductSort
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import (
    ProductsTable,
    ProductVariantsTable,
    ReviewsTable,
    UsersTable,
)
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database


@transaction(readonly=True)
async def counts() -> tuple[int, int, int, int]:
    connection = await current_connection()
    products = (await connection.execute(select(func.count(ProductsTable.id)))).scalar()
    users = (await connection.execute(select(func.count(UsersTable.id)))).scalar()
    reviews = (await connection.execute(select(func.count(ReviewsTable.id)))).scalar()
    variants = (await connection.execute(select(func.count(ProductVariantsTable.id)))).scalar()
    return int(products or 0), int(users or 0), int(reviews or 0), int(variants or 0)


@transaction(readonly=True)
async def variant_summaries() -> list[tuple[object, int, int, int, int, int]]:
    """Each product's id, price and stock, and its variants' count, lowest price and total stock."""
    connection = await current_connection()
    variants = (
        select(
            ProductVariantsTable.product_id,
            func.count().label("n"),
            func.min(ProductVariantsTable.price).label("low"),
            func.sum(ProductVariantsTable.stock).label("total"),
        )
        .group_by(ProductVariantsTable.product_id)
        .subquery()
    )
    statement = select(
        ProductsTable.id,
        ProductsTable.price,
        ProductsTable.stock,
        func.coalesce(variants.c.n, 0),
        variants.c.low,
        variants.c.total,
    ).outerjoin(variants, variants.c.product_id == ProductsTable.id)
    return [tuple(row) for row in await connection.execute(statement)]


@transaction(readonly=True)
async def rating_drift() -> list[object]:
    """Products whose kept rating is not what their reviews add up to."""
    connection = await current_connection()
    sums = (
        select(
            ReviewsTable.product_id,
            func.count().label("n"),
            func.sum(ReviewsTable.rating).label("s"),
        )
        .group_by(ReviewsTable.product_id)
        .subquery()
    )
    statement = (
        select(ProductsTable.id)
        .outerjoin(sums, sums.c.product_id == ProductsTable.id)
        .where(
            (ProductsTable.rating_count != func.coalesce(sums.c.n, 0))
            | (ProductsTable.rating_total != func.coalesce(sums.c.s, 0))
        )
    )
    return list((await connection.execute(statement)).scalars())


async def test_seeding_twice_leaves_the_same_demo_data(runtime: Runtime) -> None:
    await demo.seed(products=demo.BATCH + 7)
    first = await counts()
    await demo.seed(products=demo.BATCH + 7)
    products, users, reviews, variants = first
    assert (products, users) == (demo.BATCH + 7, 1 + len(demo.SELLERS) + len(demo.BUYERS))
    assert await counts() == first
    # One product in twenty comes in several variants; each product's price and stock are its
    # variants' lowest price and total stock, and every product has at least one variant.
    summaries = await variant_summaries()
    varied = [summary for summary in summaries if summary[3] > 1]
    assert len(varied) == len(range(demo.VARIED_EVERY // 2, demo.BATCH + 7, demo.VARIED_EVERY))
    assert [s for s in summaries if s[3] == 0 or (s[1], s[2]) != (s[4], s[5])] == []
    assert variants == len(summaries) - len(varied) + sum(summary[3] for summary in varied)
    garment_id = uuid5(NAMESPACE_URL, f"marketplace-demo-product/{demo.VARIED_EVERY // 2}")
    garment = await get_product(product_id=garment_id)
    assert [option.name for option in garment.options] == ["Size", "Colour"]
    assert len(garment.variants) >= 2
    assert len({variant.sku for variant in garment.variants}) == len(garment.variants)
    assert garment.category == demo.CLOTHING
    # Every third of the first 600 products has one to five reviews, kept in its rating.
    assert (
        demo.REVIEWED // demo.REVIEWED_EVERY <= reviews <= 5 * demo.REVIEWED // demo.REVIEWED_EVERY
    )
    assert await rating_drift() == []
    rated = await list_products(
        product_filter=ProductFilter(), sort=ProductSort.RATING, limit=1, cursor=None
    )
    assert rated.items[0].rating_count > 0
    categories = await list_categories()
    assert [category.name for category in categories] == sorted([*demo.CATEGORIES, demo.CLOTHING])
    assert sum(category.product_count for category in categories) == demo.BATCH + 7
    # A few products have two or three pictures, stored once however often the seed runs.
    pictured = range(0, demo.IMAGED_UP_TO, demo.IMAGED_EVERY)
    for number in pictured:
        product = await get_product(product_id=demo.demo_product_id(number))
        assert len(product.images) == 2 + number % 2
        assert {(image.width, image.height) for image in product.images} == {(64, 64)}
    unpictured = await get_product(product_id=demo.demo_product_id(1))
    assert unpictured.images == ()
