"""`python -m seed.demo` fills an empty database, and running it again adds nothing."""

import pytest
from sqlalchemy import func, select

from seed import demo
from src.application.catalog import list_categories, list_products
from src.domain.catalog import ProductFilter, ProductSort
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import ProductsTable, ReviewsTable, UsersTable
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database


@transaction(readonly=True)
async def counts() -> tuple[int, int, int]:
    connection = await current_connection()
    products = (await connection.execute(select(func.count(ProductsTable.id)))).scalar()
    users = (await connection.execute(select(func.count(UsersTable.id)))).scalar()
    reviews = (await connection.execute(select(func.count(ReviewsTable.id)))).scalar()
    return int(products or 0), int(users or 0), int(reviews or 0)


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
    products, users, reviews = first
    assert (products, users) == (demo.BATCH + 7, 1 + len(demo.SELLERS) + len(demo.BUYERS))
    assert await counts() == first
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
    assert [category.name for category in categories] == sorted(demo.CATEGORIES)
    assert sum(category.product_count for category in categories) == demo.BATCH + 7
