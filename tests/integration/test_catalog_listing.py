"""Listing products: every filter and sort, walked page by page, against a plain-Python oracle."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, event

from src.application.auth import create_user
from src.application.catalog import import_products, list_products
from src.domain.catalog import Product, ProductFilter, ProductSort, ProductStatus, repository
from src.domain.catalog.images import ProductImage
from src.domain.catalog.rules import matches_words, query_words, words
from src.domain.users import Role
from src.infrastructure.database import current_session, transaction
from src.infrastructure.database.tables import ProductsTable
from src.infrastructure.runtime import Runtime

pytestmark = pytest.mark.database

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["lamp", "Lamp", "desk", "DESK", "chair", "straße", "STRASSE", "a_b", "50%", "é", "Café",
         "lampshade"]  # fmt: skip


@pytest.fixture
async def sellers(runtime: Runtime) -> list[UUID]:
    """Three sellers, made once per test and shared by its examples."""
    made = [
        await create_user(
            email=f"seller-{index}-{uuid4().hex[:6]}@example.com",
            full_name="Seller",
            role=Role.SELLER,
            password_hash="unused",
        )
        for index in range(3)
    ]
    return [user.id for user in made]


@pytest.fixture(params=["few", "many"])
def shape(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """How the database is asked for words: as for few matches (read from the full-text
    index, then sorted), or as for many (walking the listing's index in order)."""
    if request.param == "many":
        monkeypatch.setattr(repository, "FEW_MATCHES", 0)  # SQLite: however few its index counts
        monkeypatch.setattr(repository, "MANY_SHARE", -1.0)  # PostgreSQL: however rare the words
    else:
        monkeypatch.setattr(repository, "MANY_SHARE", 2.0)  # never many on PostgreSQL


@transaction
async def empty_catalog() -> None:
    await current_session().execute(delete(ProductsTable))


def products(seller_ids: list[UUID], min_size: int = 0) -> st.SearchStrategy[list[Product]]:
    """Small catalogs with colliding timestamps, prices and titles, to exercise tie-breaking."""
    product = st.builds(
        lambda seller, words, description, price, stock, category, minute, archived, rated: Product(
            id=uuid4(),
            seller_id=seller,
            title=" ".join(words),
            description=description,
            price=price,
            currency="USD",
            stock=stock,
            category=category,
            status=ProductStatus.ARCHIVED if archived else ProductStatus.ACTIVE,
            created_at=EPOCH + timedelta(minutes=minute),
            updated_at=EPOCH,
            rating_count=rated[0],
            rating_total=rated[1],
        ),
        st.sampled_from(seller_ids),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
        st.sampled_from(["", "a LAMP inside", "made in Straße", "100% oak", "Café au lait"]),
        st.integers(min_value=1, max_value=5),
        st.integers(min_value=0, max_value=2),
        st.sampled_from(["lighting", "desks", "chairs"]),
        st.integers(min_value=0, max_value=4),
        st.booleans(),
        # (count, total): unrated, or averages and counts that collide
        st.sampled_from([(0, 0), (1, 5), (2, 10), (1, 4), (2, 7), (3, 11), (2, 8)]),
    )
    return st.lists(product, min_size=min_size, max_size=25)


# Words (prefixes, accents, case, several words, none at all) and what is not a word.
SEARCHES = st.sampled_from(
    ["lamp", "STRASSE", "ss", "_", "%", "desk chair", "é", "la", "cafe", "CAFÉ au", "  ", "amp",
     "lampshade desk", "a_b"]
)  # fmt: skip


# Half the listings are unfiltered, so that sorting is tested on whole catalogs too.
filters = st.just(ProductFilter()) | st.builds(
    ProductFilter,
    q=st.none() | SEARCHES,
    category=st.none() | st.sampled_from(["lighting", "desks", "nothing"]),
    min_price=st.none() | st.integers(min_value=1, max_value=3),
    max_price=st.none() | st.integers(min_value=3, max_value=5),
    in_stock=st.booleans(),
)


def holds_words(product: Product, q: str | None) -> bool:
    """The search rule, in plain Python: every word of `q` starts a word of the product's."""
    asked = query_words(q)
    return asked is None or matches_words(asked, words(f"{product.title} {product.description}"))


def title_group(product: Product, q: str | None) -> int:
    """1 when the title alone holds every word of `q` (always, without words), else 0."""
    asked = query_words(q)
    return 1 if asked is None or matches_words(asked, words(product.title)) else 0


def matches(product: Product, product_filter: ProductFilter, seller: UUID | None) -> bool:
    checks = [
        product.status is ProductStatus.ACTIVE,
        holds_words(product, product_filter.q),
        product_filter.category in (None, product.category),
        seller in (None, product.seller_id),
        product_filter.min_price is None or product.price >= product_filter.min_price,
        product_filter.max_price is None or product.price <= product_filter.max_price,
        not product_filter.in_stock or product.stock > 0,
    ]
    return all(checks)


def sort_key(sort: ProductSort, q: str | None) -> Callable[[Product], tuple[Any, ...]]:
    if sort is ProductSort.RELEVANCE:
        return lambda p: (title_group(p, q), p.created_at, p.id)
    return SORT_KEYS[sort]


SORT_KEYS: dict[ProductSort, Callable[[Product], tuple[Any, ...]]] = {
    ProductSort.NEWEST: lambda p: (p.created_at, p.id),
    ProductSort.OLDEST: lambda p: (p.created_at, p.id),
    ProductSort.CHEAPEST: lambda p: (p.price, p.id),
    ProductSort.DEAREST: lambda p: (p.price, p.id),
    ProductSort.TITLE: lambda p: (p.title.casefold(), p.id),
    # The best average first, then the most reviewed (an oracle of its own: not the rank).
    ProductSort.RATING: lambda p: (
        (p.rating.average or 0, p.rating_count, p.id) if p.rating_count else (-1, 0, p.id)
    ),
}


async def walk(
    product_filter: ProductFilter, sort: ProductSort, limit: int, between_pages: Any = None
) -> list[Product]:
    seen: list[Product] = []
    cursor = None
    for _ in range(1000):  # a broken cursor could loop forever
        page = await list_products(
            product_filter=product_filter, sort=sort, limit=limit, cursor=cursor
        )
        seen += page.items
        if (cursor := page.next_cursor) is None:
            return seen
        if between_pages is not None:
            await between_pages()
    raise AssertionError("the walk never reached a last page")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sort=st.sampled_from(list(ProductSort)), limit=st.integers(1, 7))
async def test_walking_all_pages_returns_exactly_the_matching_products_in_order(
    sellers: list[UUID], data: st.DataObject, sort: ProductSort, limit: int, shape: None
) -> None:
    catalog = data.draw(products(sellers, min_size=5))
    product_filter = data.draw(filters)
    seller = data.draw(st.sampled_from([None, None, None, *sellers]))
    product_filter = ProductFilter(**{**vars_of(product_filter), "seller_id": seller})
    await empty_catalog()
    await import_products(products=catalog)

    walked = await walk(product_filter, sort, limit)

    expected = sorted(
        (product for product in catalog if matches(product, product_filter, seller)),
        key=sort_key(sort, product_filter.q),
        reverse=sort.descending,
    )
    assert [product.id for product in walked] == [product.id for product in expected]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), sort=st.sampled_from(list(ProductSort)), limit=st.integers(1, 5))
async def test_products_added_during_a_walk_never_disturb_it(
    sellers: list[UUID], data: st.DataObject, sort: ProductSort, limit: int, shape: None
) -> None:
    catalog = data.draw(products(sellers))
    arrivals = iter(data.draw(st.lists(products(sellers), min_size=5, max_size=5)))
    await empty_catalog()
    await import_products(products=catalog)

    async def more_arrive() -> None:
        await import_products(products=next(arrivals, []))

    product_filter = ProductFilter(q=data.draw(st.none() | SEARCHES))
    walked = await walk(product_filter, sort, limit, between_pages=more_arrive)

    ids = [product.id for product in walked]
    assert len(ids) == len(set(ids)), "a product was returned twice"
    assert all(matches(product, product_filter, None) for product in walked)
    present = {product.id for product in catalog if matches(product, product_filter, None)}
    assert present <= set(ids), "a product present all along was skipped"
    keys = [sort_key(sort, product_filter.q)(product) for product in walked]
    assert keys == sorted(keys, reverse=sort.descending)


def vars_of(product_filter: ProductFilter) -> dict[str, Any]:
    return {name: getattr(product_filter, name) for name in product_filter.__slots__}


# Its products, then their variants, whatever the page holds; on SQLite a search first asks
# the full-text index whether few products hold the words (PostgreSQL's planner knows).
@pytest.mark.parametrize(
    ("product_filter", "sort", "statements_on"),
    [
        (ProductFilter(), ProductSort.TITLE, {"sqlite": 2, "postgresql": 2}),
        (ProductFilter(q="product"), ProductSort.TITLE, {"sqlite": 3, "postgresql": 2}),
        (ProductFilter(q="product"), ProductSort.RELEVANCE, {"sqlite": 3, "postgresql": 2}),
        # No title holds it: the title group is asked for, then the others.
        (ProductFilter(q="extra"), ProductSort.RELEVANCE, {"sqlite": 5, "postgresql": 3}),
    ],
)
async def test_a_listing_takes_the_same_statements_whatever_the_page_size(
    runtime: Runtime,
    sellers: list[UUID],
    product_filter: ProductFilter,
    sort: ProductSort,
    statements_on: dict[str, int],
) -> None:
    catalog = [
        Product(
            id=uuid4(),
            seller_id=sellers[0],
            title=f"Product {index}",
            description="Extra",
            price=1 + index,
            currency="USD",
            stock=1,
            category="things",
            status=ProductStatus.ACTIVE,
            created_at=EPOCH + timedelta(seconds=index),
            updated_at=EPOCH,
            images=tuple(
                ProductImage(
                    id=uuid4(),
                    key=f"{uuid4().hex}.png",
                    width=1 + each,
                    height=2,
                    content_type="image/png",
                )
                for each in range(1 + index % 5)
            ),
        )
        for index in range(150)
    ]
    await import_products(products=catalog)
    by_id = {product.id: product for product in catalog}
    statements: list[str] = []

    def record(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = runtime.database.readonly_engine.sync_engine
    counts = []
    # Once a process, PostgreSQL's sample of the words is read (for how to search them).
    await list_products(product_filter=product_filter, sort=sort, limit=1, cursor=None)
    event.listen(engine, "before_cursor_execute", record)
    try:
        for limit in (1, 20, 100):
            statements.clear()
            page = await list_products(
                product_filter=product_filter, sort=sort, limit=limit, cursor=None
            )
            assert len(page.items) == limit
            assert [p.images for p in page.items] == [by_id[p.id].images for p in page.items]
            assert all(p.images for p in page.items)
            counts.append(
                len([s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))])
            )
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert counts == [statements_on[engine.dialect.name]] * 3
