"""Listings are served by the partial indexes, with no sort step, on any page (SQLite plans)."""

from uuid import uuid4

import pytest

from src.domain.catalog import ProductFilter, ProductSort
from src.domain.catalog.repository import FEW, MANY, _filter_parameters, _listing
from src.infrastructure.database import current_connection, transaction
from src.infrastructure.runtime import Runtime
from tests.conftest import POSTGRES_URL

pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite plans; this run is on PostgreSQL"),
]


@transaction(readonly=True)
async def plan(
    sort: ProductSort, product_filter: ProductFilter, *, paged: bool, words: str | None = None
) -> str:
    """SQLite's plan for a listing, with words matched in the shape `words` (`few`, `many`)
    or none; the plan does not depend on the bound values. A relevance listing is two
    newest-first ones (each group's)."""
    group = None
    if sort is ProductSort.RELEVANCE:
        sort, group = ProductSort.NEWEST, 1
    statement = _listing(
        sort,
        frozenset(_filter_parameters(product_filter)),
        paged=paged,
        words=None if words is None else ("sqlite", words, "any", 2),
        group=group,
    )
    connection = await current_connection()
    sql = str(statement.compile(dialect=connection.dialect))
    placeholders = (None,) * sql.count("?")
    result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", placeholders)
    return "\n".join(str(row[-1]) for row in result.all())


@pytest.mark.parametrize("sort", list(ProductSort))
@pytest.mark.parametrize("paged", [False, True])
async def test_each_sort_walks_its_own_index_without_sorting(
    runtime: Runtime, sort: ProductSort, paged: bool
) -> None:
    described = await plan(sort, ProductFilter(), paged=paged)
    assert "USING INDEX ix_products_active_" in described, described
    assert "TEMP B-TREE" not in described, described


@pytest.mark.parametrize(
    ("product_filter", "index"),
    [
        (ProductFilter(category="lighting"), "ix_products_active_category"),
        (ProductFilter(seller_id=uuid4()), "ix_products_active_seller"),
    ],
)
@pytest.mark.parametrize("paged", [False, True])
async def test_category_and_seller_listings_use_their_own_index(
    runtime: Runtime, product_filter: ProductFilter, index: str, paged: bool
) -> None:
    described = await plan(ProductSort.NEWEST, product_filter, paged=paged)
    assert f"USING INDEX {index}" in described, described
    assert "TEMP B-TREE" not in described, described


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_filtered_listings_still_use_an_index(runtime: Runtime, sort: ProductSort) -> None:
    for product_filter, words in (
        (ProductFilter(min_price=10, max_price=500, in_stock=True), None),
        (ProductFilter(), MANY),
    ):
        described = await plan(sort, product_filter, paged=True, words=words)
        assert "USING INDEX ix_products_active_" in described, described


@pytest.mark.parametrize("sort", list(ProductSort))
@pytest.mark.parametrize("paged", [False, True])
async def test_words_many_products_hold_are_met_walking_the_listing_in_order(
    runtime: Runtime, sort: ProductSort, paged: bool
) -> None:
    """Many matches: the listing's own index in order, each product's stored words checked,
    so a page stops after its rows however many match."""
    described = await plan(sort, ProductFilter(), paged=paged, words=MANY)
    assert "USING INDEX ix_products_active_" in described, described
    assert "TEMP B-TREE" not in described, described
    assert "VIRTUAL TABLE" not in described, described


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_words_few_products_hold_are_read_from_the_full_text_index(
    runtime: Runtime, sort: ProductSort
) -> None:
    """Few matches: read from the full-text index, then each product by its search key."""
    described = await plan(sort, ProductFilter(), paged=True, words=FEW)
    assert "VIRTUAL TABLE INDEX" in described, described
    assert "USING INDEX ix_products_search_key" in described, described


@pytest.mark.parametrize("paged", [False, True])
def test_each_shape_of_listing_is_built_once_and_reused(paged: bool) -> None:
    """Building a statement costs more than running a cached one: requests of the same shape
    (sort, filters in use, first page or not) share one statement object."""
    first = _listing(ProductSort.CHEAPEST, frozenset({"category"}), paged=paged)
    assert _listing(ProductSort.CHEAPEST, frozenset({"category"}), paged=paged) is first
    assert _listing(ProductSort.DEAREST, frozenset({"category"}), paged=paged) is not first
