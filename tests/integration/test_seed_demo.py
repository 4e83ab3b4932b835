"""`python -m seed.demo` fills an empty database, and running it again adds nothing."""

import pytest
from sqlalchemy import func, select

from seed import demo
from src.application.catalog import list_categories
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.database.tables import ProductsTable, UsersTable
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database


@transaction(readonly=True)
async def counts() -> tuple[int, int]:
    connection = await current_connection()
    products = (await connection.execute(select(func.count(ProductsTable.id)))).scalar()
    users = (await connection.execute(select(func.count(UsersTable.id)))).scalar()
    return int(products or 0), int(users or 0)


async def test_seeding_twice_leaves_the_same_demo_data(runtime: Runtime) -> None:
    await demo.seed(products=demo.BATCH + 7)
    first = await counts()
    await demo.seed(products=demo.BATCH + 7)
    assert await counts() == first == (demo.BATCH + 7, 1 + len(demo.SELLERS) + len(demo.BUYERS))
    categories = await list_categories()
    assert [category.name for category in categories] == sorted(demo.CATEGORIES)
    assert sum(category.product_count for category in categories) == demo.BATCH + 7
