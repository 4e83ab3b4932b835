"""Product repository: rows in, domain entities out; a listing page in two statements (its
products, then their variants).

A product is the aggregate its variants belong to: whatever changes a variant first locks the
product's row (the stock an order takes, a seller's edit), then keeps the product's summary
(lowest price, total stock, how many variants) in step in the same transaction.
"""

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from sqlalchemy import (
    JSON,
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY, aggregate_order_by

from src.domain.catalog.entities import (
    CategorySummary,
    Product,
    ProductFilter,
    ProductSort,
    ProductStatus,
    SellerFigures,
    StockTaken,
    Variant,
)
from src.domain.catalog.images import ProductImage
from src.domain.catalog.rules import (
    MAX_LISTED_CATEGORIES,
    MAX_QUERY_WORDS,
    query_words,
    search_text,
    search_title,
    title_key,
)
from src.domain.clock import utcnow
from src.domain.pagination import Fetched
from src.domain.ratings import Rating
from src.infrastructure.database import BaseRepository
from src.infrastructure.database.tables import (
    ProductImagesTable,
    ProductsTable,
    ProductVariantsTable,
)
from src.infrastructure.errors import Conflict

_V = ProductVariantsTable

_COLUMNS = (
    ProductsTable.id,
    ProductsTable.seller_id,
    ProductsTable.title,
    ProductsTable.description,
    ProductsTable.price,
    ProductsTable.currency,
    ProductsTable.stock,
    ProductsTable.category,
    ProductsTable.status,
    ProductsTable.created_at,
    ProductsTable.updated_at,
    ProductsTable.rating_count,
    ProductsTable.rating_total,
    ProductsTable.options,
    ProductsTable.images,
)
_WIDTH = len(_COLUMNS)
# Built once: a prepared statement's cache key is computed once, not per request.
_VARIANT_COLUMNS = (_V.id, _V.sku, _V.options, _V.price, _V.stock)
_VARIANT_FIELDS = tuple(column.key for column in _VARIANT_COLUMNS)
_QUANTITY = bindparam("quantity", type_=Integer)
# One atomic statement per product, then one per variant: the stock is taken only if enough is
# left and the product is on sale, so no interleaving of orders can take it below zero. The
# product's row is written first, so concurrent orders lock a product before its variants.
_TAKE_STOCK = (
    update(ProductsTable)
    .where(
        ProductsTable.id == bindparam("product_id"),
        ProductsTable.stock >= _QUANTITY,
        ProductsTable.status == literal_column("'active'"),
    )
    .values(stock=ProductsTable.stock - _QUANTITY)
    .returning(
        ProductsTable.id,
        ProductsTable.seller_id,
        ProductsTable.title,
        ProductsTable.currency,
        ProductsTable.variant_count,
        ProductsTable.category,
    )
)
_TAKE_VARIANT_STOCK = (
    update(_V)
    .where(
        _V.id == bindparam("variant_id"),
        _V.product_id == bindparam("of_product"),
        _V.stock >= _QUANTITY,
    )
    .values(stock=_V.stock - _QUANTITY)
    .returning(*_VARIANT_COLUMNS)
)
# A product with one variant is ordered without naming it (its caller checked the count).
_TAKE_ONLY_VARIANT_STOCK = (
    update(_V)
    .where(_V.product_id == bindparam("of_product"), _V.stock >= _QUANTITY)
    .values(stock=_V.stock - _QUANTITY)
    .returning(*_VARIANT_COLUMNS)
)
_RETURN_STOCK = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(stock=ProductsTable.stock + _QUANTITY)
)
_RETURN_VARIANT_STOCK = (
    update(_V)
    .where(_V.id == bindparam("variant_id"), _V.product_id == bindparam("of_product"))
    .values(stock=_V.stock + _QUANTITY)
)
# Products are locked as an UPDATE locks them (FOR NO KEY UPDATE), so that rows referencing
# them (order items, cart lines, reviews) can be written meanwhile: see the orders' lock.
_LOCK = (
    select(ProductsTable.id)
    .where(ProductsTable.id == bindparam("product_id"))
    .with_for_update(key_share=True)
)


def _variant_documents(dialect: str) -> ColumnElement[Any]:
    """A JSON array of variants in the seller's order, built by the database (an aggregate
    over their rows): reading a product of 24 variants takes one value, not 24 rows whose
    UUIDs and JSON are converted one by one. SQLite (3.40) cannot order an aggregate's
    input, so its array carries positions (`_in_seller_order`)."""
    if dialect == "postgresql":
        document = func.json_build_object(
            "id", _V.id, "sku", _V.sku, "options", _V.options, "price", _V.price,
            "stock", _V.stock,
        )  # fmt: skip
        return type_coerce(func.json_agg(aggregate_order_by(document, _V.position)), JSON)
    document = func.json_object(
        "id", _V.id, "sku", _V.sku, "options", func.json(_V.options), "price", _V.price,
        "stock", _V.stock, "position", _V.position,
    )  # fmt: skip
    return type_coerce(func.json_group_array(func.json(document)), JSON)


def _with_variant_documents(dialect: str) -> Select[Any]:
    """Products with their variants, a row each. Locking them (`FOR UPDATE OF products`)
    takes the products' rows alone, as every change of their variants does first."""
    variants = select(_variant_documents(dialect)).where(_V.product_id == ProductsTable.id)
    return select(*_COLUMNS, variants.scalar_subquery().label("variants"))


def _variants_of(dialect: str) -> Select[Any]:
    """The variants of many products: a row per product, its id and its variants."""
    return (
        select(_V.product_id, _variant_documents(dialect).label("variants"))
        .where(_V.product_id.in_(bindparam("product_ids", expanding=True)))
        .group_by(_V.product_id)
    )


# Built once per dialect: a prepared statement's cache key is computed once, not per request.
_DIALECTS = ("postgresql", "sqlite")
_PRODUCT_BY_ID = {
    dialect: _with_variant_documents(dialect).where(ProductsTable.id == bindparam("product_id"))
    for dialect in _DIALECTS
}
_PRODUCTS_BY_IDS = {
    dialect: _with_variant_documents(dialect).where(
        ProductsTable.id.in_(bindparam("product_ids", expanding=True))
    )
    for dialect in _DIALECTS
}
_PRODUCT_BY_ID_FOR_UPDATE = {
    dialect: statement.with_for_update(of=ProductsTable, key_share=True)
    for dialect, statement in _PRODUCT_BY_ID.items()
}
_VARIANTS_OF = {dialect: _variants_of(dialect) for dialect in _DIALECTS}


def _in_seller_order(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Variants as `_variants_of` reads them, in their seller's order, without positions."""
    if variants and "position" in variants[0]:
        variants.sort(key=operator.itemgetter("position"))
        for variant in variants:
            del variant["position"]
    return variants


_INSERT_VARIANTS = insert(_V)
_SAVE_VARIANT = (
    update(_V)
    .where(_V.id == bindparam("variant_id"))
    .values(sku=bindparam("sku"), price=bindparam("price"), stock=bindparam("stock"))
)
# A product without options: its one variant follows the product's own price and stock.
_FOLLOW_PRODUCT = (
    update(_V)
    .where(_V.product_id == bindparam("of_product"))
    .values(price=bindparam("price"), stock=bindparam("stock"))
)
_REMOVE_VARIANT = delete(_V).where(_V.id == bindparam("variant_id"))
_NEXT_POSITION = select(func.coalesce(func.max(_V.position), -1) + 1).where(
    _V.product_id == bindparam("of_product")
)
_OF_PRODUCT = _V.product_id == ProductsTable.id
_I = ProductImagesTable
# A new image goes after the product's others: its position is one more than theirs.
_INSERT_IMAGE = insert(_I).values(
    position=select(func.coalesce(func.max(_I.position), -1) + 1)
    .where(_I.product_id == bindparam("of_product"))
    .scalar_subquery()
)
_REMOVE_IMAGE = delete(_I).where(
    _I.id == bindparam("image_id"), _I.product_id == bindparam("of_product")
)
_SET_IMAGES = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(images=bindparam("images", type_=ProductsTable.images.type))
)
# The product's summary of its variants, recomputed from them after a seller changes one.
_SUMMARIZE = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(
        price=select(func.min(_V.price)).where(_OF_PRODUCT).scalar_subquery(),
        stock=select(func.sum(_V.stock)).where(_OF_PRODUCT).scalar_subquery(),
        variant_count=select(func.count()).where(_OF_PRODUCT).scalar_subquery(),
        updated_at=bindparam("now"),
    )
)
# A review's change to its product's rating, in one statement that reads and writes the row
# (so concurrent reviews each add theirs), then the rank the new figures give.
_RATE = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(
        rating_count=ProductsTable.rating_count + bindparam("count", type_=Integer),
        rating_total=ProductsTable.rating_total + bindparam("total", type_=Integer),
    )
    .returning(ProductsTable.rating_count, ProductsTable.rating_total)
)
_RANK = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(rating_rank=bindparam("rank"))
)
_SET_RATING = (
    update(ProductsTable)
    .where(ProductsTable.id == bindparam("product_id"))
    .values(
        rating_count=bindparam("rating_count"),
        rating_total=bindparam("rating_total"),
        rating_rank=bindparam("rating_rank"),
    )
)
_ON_SALE = case((ProductsTable.status == literal_column("'active'"), 1), else_=0)
_SELLER_FIGURES = select(
    func.coalesce(func.sum(ProductsTable.rating_count), 0).label("rating_count"),
    func.coalesce(func.sum(ProductsTable.rating_total), 0).label("rating_total"),
    func.coalesce(func.sum(_ON_SALE), 0).label("on_sale"),
).where(ProductsTable.seller_id == bindparam("seller_id"))
_SORT_KEYS: dict[ProductSort, tuple[Any, ...]] = {
    ProductSort.NEWEST: (ProductsTable.created_at, ProductsTable.id),
    ProductSort.OLDEST: (ProductsTable.created_at, ProductsTable.id),
    ProductSort.CHEAPEST: (ProductsTable.price, ProductsTable.id),
    ProductSort.DEAREST: (ProductsTable.price, ProductsTable.id),
    ProductSort.TITLE: (ProductsTable.title_key, ProductsTable.id),
    ProductSort.RATING: (ProductsTable.rating_rank, ProductsTable.id),
}


_FIELDS = tuple(column.key for column in _COLUMNS)  # the product's own field names
# Looked up in a dict: calling the enum (`ProductStatus(status)`) cost as much as the rest of
# the row's mapping.
_STATUSES = {status.value: status for status in ProductStatus}
_PRODUCTS = TypeAdapter(list[Product])


def _options_of(stored: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple({"name": option["name"], "values": tuple(option["values"])} for option in stored)


def _to_products(
    rows: Sequence[Any], variants: Mapping[UUID, list[dict[str, Any]]]
) -> list[Product]:
    """The products in rows that start with `_COLUMNS`, with their `variants` (by product
    id), validated in one call: a page of twenty costs a third less than validating them one
    by one."""
    values = []
    for row in rows:
        fields = dict(zip(_FIELDS, row, strict=False))  # a listing row may end with a sort key
        fields["status"] = _STATUSES[fields["status"]]
        fields["options"] = _options_of(fields["options"]) if fields["options"] else ()
        fields["variants"] = tuple(variants[row.id])
        fields["images"] = tuple(fields["images"] or ())
        values.append(fields)
    # Lax: variants and images come as JSON documents, their ids as text the UUID is parsed
    # from (by pydantic, at a fifth of the cost of `uuid.UUID`).
    return _PRODUCTS.validate_python(values, strict=False)


def _images_column(images: Sequence[ProductImage]) -> list[dict[str, Any]]:
    """The products row's copy of its images (JSON: the id as text)."""
    return [image.model_dump() | {"id": str(image.id)} for image in images]


def _variant_values(product: Product, variant: Variant, position: int) -> dict[str, Any]:
    return {
        "id": variant.id,
        "product_id": product.id,
        "seller_id": product.seller_id,
        "position": position,
        "sku": variant.sku,
        "options": variant.options,
        "price": variant.price,
        "stock": variant.stock,
    }


def _variant_rows(products: Sequence[Product]) -> list[dict[str, Any]]:
    """The rows of products' variants, in the seller's order."""
    return [
        _variant_values(product, variant, position)
        for product in products
        for position, variant in enumerate(product.variants)
    ]


def _row_values(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "seller_id": product.seller_id,
        "title": product.title,
        "title_key": title_key(product.title),
        "search_title": search_title(product.title),
        "search_text": search_text(product.title, product.description),
        "description": product.description,
        "price": product.price,
        "currency": product.currency,
        "stock": product.stock,
        "category": product.category,
        "status": product.status.value,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "options": [option.model_dump() for option in product.options],
        "variant_count": len(product.variants),
        "images": _images_column(product.images),
    }


def _rating_of(rating: Rating) -> dict[str, int]:
    return {"rating_count": rating.count, "rating_total": rating.total, "rating_rank": rating.rank}


def _rating_values(product: Product) -> dict[str, int]:
    return _rating_of(product.rating)


# Spelled as a literal, the very text of the partial indexes' predicate: with a bound value,
# the planner could not know at prepare time that those indexes apply.
_ACTIVE_ONLY = ProductsTable.status == literal_column("'active'")

# Each optional filter: the condition it adds, with a bound parameter of its own name.
_FILTERS: dict[str, ColumnElement[bool]] = {
    "category": ProductsTable.category == bindparam("category"),
    "seller_id": ProductsTable.seller_id == bindparam("seller_id"),
    "min_price": ProductsTable.price >= bindparam("min_price"),
    "max_price": ProductsTable.price <= bindparam("max_price"),
    "in_stock": ProductsTable.stock > 0,
}


def _filter_parameters(product_filter: ProductFilter) -> dict[str, Any]:
    """The bound values of the filters in use (`in_stock` binds nothing but is in use)."""
    values: dict[str, Any] = {
        "category": product_filter.category,
        "seller_id": product_filter.seller_id,
        "min_price": product_filter.min_price,
        "max_price": product_filter.max_price,
        "in_stock": True if product_filter.in_stock else None,
    }
    return {name: value for name, value in values.items() if value is not None}


# ---------------------------------------------------------------- words (`q`)
# Which products a search takes: those with every word anywhere (`ANY`), in the title
# (`TITLE`, the first group of `sort=relevance`), or anywhere but not all in the title
# (`ELSEWHERE`, its second group).
#
# PostgreSQL asks its GIN index, and its planner chooses from the statistics it keeps of the
# words between reading the matches and walking the listing's index. SQLite keeps no such
# statistics, so the full-text index is first asked how many products hold the words (up to
# `FEW_MATCHES`): a few are read from it and sorted (`FEW`); many are met by walking the
# listing's own index in order, checking each product's stored words with LIKE (`MANY`),
# which stops after a page however many match. (Asking FTS5 once per row instead costs a
# fresh query each time: 2.7 ms a row for a prefix it has no prefix index of.)
#
# FTS5 indexes prefixes of up to `INDEXED_PREFIX` characters: a longer word is asked for by
# its first ones, which finds a few products too many, and LIKE on the stored words keeps
# those that hold the whole word.
ANY, TITLE, ELSEWHERE = "any", "title", "elsewhere"
FEW, MANY = "few", "many"
# Up to this many matches count as few: sorting them costs less than walking past the
# products that do not match on the way to a page of those that do (at 1,000,000 products,
# both about 6 ms at this count).
FEW_MATCHES = 5000
INDEXED_PREFIX = 6

_FTS = table("product_search", literal_column("rowid"))
_SEARCH_KEY: ColumnClause[Any] = literal_column("products.search_key")
_FTS_MATCHES = text("product_search MATCH :words")
_SEARCH_VECTOR: ColumnClause[Any] = literal_column("products.search_vector")
_SPACE: ColumnClause[str] = literal_column("' '", Text)


def _prefixes(words: Sequence[str], *, cut: bool) -> str:
    """FTS5 prefix queries of the words ("lam"* "desk"*: both, in any column); `cut`: only
    as long as the prefix index goes. Uncut, a longer word is asked for whole (a subset)."""
    return " ".join(
        f'"{word[:INDEXED_PREFIX]}"*' if cut or len(word) <= INDEXED_PREFIX else f'"{word}"'
        for word in words
    )


def _fts_query(words: Sequence[str], scope: str) -> str:
    """An FTS5 query for at least every product holding `words` in `scope`, exactly those
    when no word is longer than the prefix index goes."""
    anywhere = _prefixes(words, cut=True)
    if scope == TITLE:
        return f"title : ({anywhere})"
    if scope == ELSEWHERE:  # what is left out must hold every word in its title
        return f"({anywhere}) NOT title : ({_prefixes(words, cut=False)})"
    return anywhere


def _fts_is_exact(words: Sequence[str]) -> bool:
    return all(len(word) <= INDEXED_PREFIX for word in words)


def _like_words(words: Sequence[str]) -> dict[str, str]:
    """The LIKE pattern of each word: a space and the word, in the stored words after a space."""
    return {f"word_{index}": f"% {word}%" for index, word in enumerate(words)}


def _has_words(column: Any, count: int) -> ColumnElement[bool]:
    """The stored words in `column` hold a word starting with each of the `count` words."""
    spaced = _SPACE + column
    return and_(*(spaced.like(bindparam(f"word_{index}")) for index in range(count)))


def _tsquery(words: Sequence[str], scope: str) -> str:
    """A PostgreSQL tsquery: title words are indexed as `^word` beside `word`. The words are
    letters and digits only, so quoting each is enough."""
    anywhere = " & ".join(f"'{word}':*" for word in words)
    in_title = " & ".join(f"'^{word}':*" for word in words)
    if scope == TITLE:
        return in_title
    if scope == ELSEWHERE:
        return f"{anywhere} & !({in_title})"
    return anywhere


@functools.cache
def _matching(dialect: str, shape: str, scope: str, count: int) -> ColumnElement[bool]:
    """The condition that a product holds `count` words in `scope`: bound as `words` (the
    full-text query) and, on SQLite, `word_0`… (their LIKE patterns) when they are needed."""
    if dialect == "postgresql":
        return _SEARCH_VECTOR.bool_op("@@")(cast(bindparam("words", type_=Text), TSQUERY))
    found = _SEARCH_KEY.in_(select(_FTS.c.rowid).where(_FTS_MATCHES))
    if count == 0:  # the full-text query is exact
        return found
    anywhere = _has_words(ProductsTable.search_text, count)
    in_title = _has_words(ProductsTable.search_title, count)
    exact = {ANY: anywhere, TITLE: in_title, ELSEWHERE: and_(anywhere, ~in_title)}[scope]
    return exact if shape == MANY else and_(found, exact)


_COUNT_MATCHES = text(
    "SELECT count(*) FROM (SELECT 1 FROM product_search WHERE product_search MATCH :words "
    "LIMIT :most)"
)


@functools.cache
def _key_position(sort: ProductSort) -> int:
    """Where a listing row holds its sort key: among `_COLUMNS` (`created_at`, `price`), or
    after them (`title_key`, which a product does not carry)."""
    column = _SORT_KEYS[sort][0]
    return next((i for i, each in enumerate(_COLUMNS) if each is column), _WIDTH)


@functools.cache
def _row_key(sort: ProductSort) -> Callable[[Any], tuple[object, ...]]:
    """A listing row's sort key: its own column, so the key costs no entity to compute."""
    return operator.itemgetter(_key_position(sort), 0)


def _relevance_key(row: Any) -> tuple[object, ...]:
    return (row.title_group, row.created_at, row.id)


# What a search binds, beside the filters (which name the statement's shape).
_SEARCH_PARAMETERS = frozenset({"words", *(f"word_{i}" for i in range(MAX_QUERY_WORDS))})


@functools.lru_cache(maxsize=512)
def _listing(
    sort: ProductSort,
    filters: frozenset[str],
    *,
    paged: bool,
    words: tuple[str, str, str, int] | None = None,
    group: int | None = None,
) -> Select[Any]:
    """The listing statement for one shape of request, built once and reused: its sort, the
    filters in use, whether it starts after a key, how it matches words (dialect and shape)
    and, in a relevance listing, the group its rows are in.

    Values travel as bound parameters, so every request of the same shape shares one
    statement object and SQLAlchemy's compiled form of it.
    """
    key = _SORT_KEYS[sort]
    conditions = [_ACTIVE_ONLY]
    conditions += [condition for name, condition in _FILTERS.items() if name in filters]
    if words is not None:
        conditions.append(_matching(*words))
    if words is not None and words[:2] == ("postgresql", FEW):
        return _few_from_postgresql(sort, conditions, paged=paged, group=group)
    if paged:
        keyed = tuple_(*key)
        bound = tuple_(
            bindparam("after_key", type_=key[0].type), bindparam("after_id", type_=key[1].type)
        )
        conditions.append(keyed < bound if sort.descending else keyed > bound)
    order = [column.desc() if sort.descending else column.asc() for column in key]
    columns: tuple[Any, ...] = _COLUMNS if _key_position(sort) < _WIDTH else (*_COLUMNS, key[0])
    if group is not None:
        columns = (*columns, literal(group).label("title_group"))
    statement = select(*columns).where(and_(*conditions)).order_by(*order)
    return statement.limit(bindparam("limit"))


def _few_from_postgresql(
    sort: ProductSort, conditions: list[ColumnElement[bool]], *, paged: bool, group: int | None
) -> Select[Any]:
    """A listing of the few products holding some words, on PostgreSQL: the matches read
    from the GIN index first (a materialized CTE, which the planner cannot turn into a walk of
    the sort's index, as its estimate of a prefix's matches would often have it), then sorted."""
    key = _SORT_KEYS[sort]
    columns = _COLUMNS if _key_position(sort) < _WIDTH else (*_COLUMNS, key[0])
    matching = select(*columns).where(and_(*conditions)).cte("matching").prefix_with(
        "MATERIALIZED")  # fmt: skip
    sort_key = [matching.c[column.key] for column in key]
    statement = select(*matching.c)
    if group is not None:
        statement = statement.add_columns(literal(group).label("title_group"))
    if paged:
        bound = tuple_(
            bindparam("after_key", type_=key[0].type), bindparam("after_id", type_=key[1].type)
        )
        keyed = tuple_(*sort_key)
        statement = statement.where(keyed < bound if sort.descending else keyed > bound)
    order = [column.desc() if sort.descending else column.asc() for column in sort_key]
    return statement.order_by(*order).limit(bindparam("limit"))


class _WordFrequencies:
    """PostgreSQL's own sample of the words products hold (`pg_stats`, refreshed by ANALYZE
    and autovacuum): the commonest lexemes of `search_vector` and the share of products
    holding each. Read once per `REFRESH` per process."""

    REFRESH = timedelta(minutes=10)

    def __init__(self) -> None:
        self.shares: dict[str, float] = {}
        self.read_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.read_at is None or now - self.read_at > self.REFRESH

    def share(self, prefix: str) -> float:
        """At most this share of products holds a word starting with `prefix` (0 for what
        the sample does not name: it is rarer than its rarest)."""
        return sum(share for lexeme, share in self.shares.items() if lexeme.startswith(prefix))


_FREQUENCIES = _WordFrequencies()
_READ_FREQUENCIES = text(
    "SELECT most_common_elems::text::text[] AS lexemes, most_common_elem_freqs AS shares "
    "FROM pg_stats WHERE tablename = 'products' AND attname = 'search_vector'"
)
# At least this share of products holding the words counts as many (5,000 of 1,000,000).
MANY_SHARE = 0.005


def _share_holding(words: Sequence[str], scope: str, frequencies: _WordFrequencies) -> float:
    """About how many products (a share) hold `words` in `scope`, from the sample: a scope
    holds no more than its rarest word; the second group of a relevance listing no more
    than the products holding some word outside their title."""
    anywhere = [frequencies.share(word) for word in words]
    in_title = [frequencies.share(f"^{word}") for word in words]
    if scope == TITLE:
        return min(in_title)
    if scope == ELSEWHERE:
        outside = sum(max(0.0, a - t) for a, t in zip(anywhere, in_title, strict=True))
        return min(*anywhere, outside)
    return min(anywhere)


class ProductRepository(BaseRepository[ProductsTable]):
    table = ProductsTable

    conflicts = MappingProxyType(
        {"uq_product_variants_seller_id": lambda: Conflict(
            "You sell another variant with this SKU already", code="skuTaken")}
    )  # fmt: skip

    async def add(self, product: Product) -> Product:
        """Store a new product with its variants (or the one that follows it)."""
        await self._execute(insert(ProductsTable).values(_row_values(product)))
        await self._execute(_INSERT_VARIANTS, _variant_rows([product]))
        return product

    async def add_missing(self, products: Sequence[Product]) -> None:
        """Insert, in one batch, the products whose ids are not stored yet, with the ratings
        they come with (an import's: a product's reviews keep it in step afterwards)."""
        await self._insert_ignoring_existing(
            [_row_values(product) | _rating_values(product) for product in products],
            unique=["id"],
        )
        await self._insert_ignoring_existing(_variant_rows(products), unique=["id"], table=_V)

    async def get(self, product_id: UUID, *, for_update: bool = False) -> Product | None:
        """The product with its variants, whatever its status; `for_update` locks its row
        (and so, by the aggregate's rule, its variants) until commit."""
        statements = _PRODUCT_BY_ID_FOR_UPDATE if for_update else _PRODUCT_BY_ID
        row = (await self._execute(statements[self.dialect], {"product_id": product_id})).first()
        if row is None:
            return None
        return _to_products([row], {product_id: _in_seller_order(row.variants)})[0]

    async def get_many(self, product_ids: Sequence[UUID]) -> dict[UUID, Product]:
        """The stored products among `product_ids`, whatever their status, by id, read with
        their variants in one statement."""
        if not product_ids:
            return {}
        rows = (
            await self._execute(_PRODUCTS_BY_IDS[self.dialect], {"product_ids": list(product_ids)})
        ).all()
        variants = {row.id: _in_seller_order(row.variants) for row in rows}
        return {product.id: product for product in _to_products(rows, variants)}

    async def _with_variants(self, rows: Sequence[Any]) -> list[Product]:
        """The products of rows, each with its variants, read in one statement."""
        if not rows:
            return []
        result = await self._execute(
            _VARIANTS_OF[self.dialect], {"product_ids": [row.id for row in rows]}
        )
        # Validated with their products, in one call.
        variants = {row.product_id: _in_seller_order(row.variants) for row in result}
        return _to_products(rows, variants)

    async def lock(self, product_id: UUID) -> None:
        """Lock a product's row (and so its variants) until commit."""
        await self._execute(_LOCK, {"product_id": product_id})

    async def take_stock(self, product_id: UUID, quantity: int) -> StockTaken | None:
        """Take `quantity` from an active product's own stock (which locks its row), then
        its variants' stock is taken with `take_variant_stock`; None, changing nothing, if it
        is unknown, archived or short of stock."""
        result = await self._execute(_TAKE_STOCK, {"product_id": product_id, "quantity": quantity})
        row = result.one_or_none()
        if row is None:
            return None
        return StockTaken(
            row.id, row.seller_id, row.title, row.currency, row.variant_count, row.category
        )

    async def take_variant_stock(
        self, product_id: UUID, variant_id: UUID | None, quantity: int
    ) -> Variant | None:
        """Take `quantity` from one of a product's variants (None: its only one), after
        `take_stock` took it from the product; the variant as it is now, or None, changing
        nothing, if the product has no such variant or it is short of stock."""
        parameters = {"of_product": product_id, "quantity": quantity}
        if variant_id is None:
            result = await self._execute(_TAKE_ONLY_VARIANT_STOCK, parameters)
        else:
            result = await self._execute(
                _TAKE_VARIANT_STOCK, parameters | {"variant_id": variant_id}
            )
        row = result.one_or_none()
        return None if row is None else Variant(**dict(zip(_VARIANT_FIELDS, row, strict=True)))

    async def return_stock(self, product_id: UUID, variant_id: UUID, quantity: int) -> None:
        """Put `quantity` back into a variant's stock and its product's (archived or not);
        a variant removed since keeps nothing, and its product takes nothing back. The caller
        locked the product first."""
        parameters = {"of_product": product_id, "variant_id": variant_id, "quantity": quantity}
        if await self._execute_count(_RETURN_VARIANT_STOCK, parameters):
            parameters["product_id"] = product_id
            await self._execute(_RETURN_STOCK, parameters)

    async def add_variant(self, product: Product, variant: Variant) -> None:
        """Store a new variant of `product`, after the ones it has."""
        position = (await self._execute(_NEXT_POSITION, {"of_product": product.id})).scalar_one()
        await self._execute(_INSERT_VARIANTS, _variant_values(product, variant, position))

    async def save_variant(self, variant: Variant) -> None:
        await self._execute(
            _SAVE_VARIANT,
            {"variant_id": variant.id, "sku": variant.sku, "price": variant.price,
             "stock": variant.stock},
        )  # fmt: skip

    async def remove_variant(self, variant_id: UUID) -> None:
        await self._execute(_REMOVE_VARIANT, {"variant_id": variant_id})

    async def add_image(
        self, product: Product, image: ProductImage, *, byte_size: int, now: datetime
    ) -> None:
        """Store a new image of `product` (whose row the caller locked), after its others."""
        await self._execute(
            _INSERT_IMAGE,
            {"id": image.id, "product_id": product.id, "of_product": product.id,
             "storage_key": image.key, "width": image.width, "height": image.height,
             "content_type": image.content_type, "byte_size": byte_size, "created_at": now},
        )  # fmt: skip
        await self._set_images(product.id, (*product.images, image))

    async def remove_image(self, product: Product, image_id: UUID) -> None:
        """Forget one of `product`'s images (whose row the caller locked)."""
        await self._execute(_REMOVE_IMAGE, {"image_id": image_id, "of_product": product.id})
        await self._set_images(product.id, [i for i in product.images if i.id != image_id])

    async def _set_images(self, product_id: UUID, images: Sequence[ProductImage]) -> None:
        await self._execute(
            _SET_IMAGES, {"product_id": product_id, "images": _images_column(images)}
        )

    async def summarize(self, product_id: UUID, *, now: datetime) -> None:
        """Set a product's price, stock and count of variants from its variants."""
        await self._execute(_SUMMARIZE, {"product_id": product_id, "now": now})

    async def rate(self, product_id: UUID, *, total: int, count: int) -> Rating:
        """Change a product's rating by a review's `total` and `count` (+1 added, 0 edited,
        −1 removed) and return it as it is now; its row stays locked until commit."""
        parameters = {"product_id": product_id, "total": total, "count": count}
        now = (await self._execute(_RATE, parameters)).one()
        rating = Rating(count=now.rating_count, total=now.rating_total)
        await self._execute(_RANK, {"product_id": product_id, "rank": rating.rank})
        return rating

    async def set_ratings(self, ratings: dict[UUID, Rating]) -> None:
        """Set products' ratings outright (after an import of reviews), in one batch."""
        if ratings:
            await self._execute(
                _SET_RATING,
                [{"product_id": product, **_rating_of(r)} for product, r in ratings.items()],
            )

    async def seller_figures(self, seller_id: UUID) -> SellerFigures:
        """The rating of all of a seller's products, and how many of them are on sale."""
        figures = (await self._execute(_SELLER_FIGURES, {"seller_id": seller_id})).one()
        rating = Rating(count=int(figures.rating_count), total=int(figures.rating_total))
        return SellerFigures(rating=rating, product_count=int(figures.on_sale))

    async def save(self, product: Product) -> Product:
        """Store every field of an existing product (and its derived search keys); without
        options, its one variant follows its price and stock."""
        values = _row_values(product)
        del values["id"], values["created_at"], values["options"], values["variant_count"]
        del values["images"]
        await self._execute(
            update(ProductsTable).where(ProductsTable.id == product.id).values(values)
        )
        if not product.options:
            await self._execute(
                _FOLLOW_PRODUCT,
                {"of_product": product.id, "price": product.price, "stock": product.stock},
            )
        return product

    @staticmethod
    def sort_key_types(sort: ProductSort) -> tuple[type, ...]:
        """The types of a sort's key (what its cursors carry), read off its columns; a
        relevance key starts with its group (1: the title holds every word, 0: it does not)."""
        if sort is ProductSort.RELEVANCE:
            return (int, *ProductRepository.sort_key_types(ProductSort.NEWEST))
        return tuple(column.type.python_type for column in _SORT_KEYS[sort])

    async def list_page(
        self,
        product_filter: ProductFilter,
        *,
        sort: ProductSort,
        after: tuple[Any, ...] | None,
        count: int,
    ) -> Fetched[Product]:
        """Up to `count` active products after the key `after`: in one statement, or two
        for a relevance page that runs out of title matches (the rest follow them)."""
        words = query_words(product_filter.q)
        if sort is not ProductSort.RELEVANCE:
            rows = await self._rows(
                product_filter, words=words, scope=ANY, sort=sort, after=after, count=count
            )
            return Fetched(rows, _row_key(sort), self._with_variants)
        # Title matches first, then the others (without words, every product is a title match).
        rows = []
        if after is None or after[0] == 1:
            rows = await self._rows(
                product_filter, words=words, scope=TITLE, sort=sort,
                after=None if after is None else after[1:], count=count,
            )  # fmt: skip
        if len(rows) < count and words:
            rest = None if after is None or after[0] == 1 else after[1:]
            rows += await self._rows(
                product_filter, words=words, scope=ELSEWHERE, sort=sort, after=rest,
                count=count - len(rows),
            )  # fmt: skip
        return Fetched(rows, _relevance_key, self._with_variants)

    async def _rows(
        self,
        product_filter: ProductFilter,
        *,
        words: tuple[str, ...] | None,
        scope: str,
        sort: ProductSort,
        after: tuple[Any, ...] | None,
        count: int,
    ) -> list[Any]:
        """One listing statement's rows: the products with `words` in `scope` (None: any
        product), in `sort`'s order (a relevance group's rows name their group)."""
        parameters = _filter_parameters(product_filter)
        if words == ():  # a `q` of punctuation alone: no product holds those words
            return []
        group = None
        if sort is ProductSort.RELEVANCE:
            group, sort = (1 if scope == TITLE else 0), ProductSort.NEWEST
        matching = None
        if words is not None:
            matching, searched = await self._searching(words, scope)
            parameters |= searched
        statement = _listing(
            sort, frozenset(parameters) - _SEARCH_PARAMETERS, paged=after is not None,
            words=matching, group=group,
        )  # fmt: skip
        parameters.pop("in_stock", None)
        parameters["limit"] = count
        if after is not None:
            parameters["after_key"], parameters["after_id"] = after
        return list((await self._execute(statement, parameters)).all())

    async def _searching(
        self, words: Sequence[str], scope: str
    ) -> tuple[tuple[str, str, str, int], dict[str, Any]]:
        """How to ask for the products holding `words` in `scope` (the shape of the condition,
        for `_matching`) and the values it binds."""
        if self.dialect == "postgresql":
            shape = MANY if _share_holding(words, scope, await self._frequencies()) >= (
                MANY_SHARE) else FEW  # fmt: skip
            return (self.dialect, shape, scope, 0), {"words": _tsquery(words, scope)}
        query = _fts_query(words, scope)
        found = await self._execute(_COUNT_MATCHES, {"words": query, "most": FEW_MATCHES})
        if found.scalar_one() >= FEW_MATCHES:
            return (self.dialect, MANY, scope, len(words)), _like_words(words)
        if _fts_is_exact(words):
            return (self.dialect, FEW, scope, 0), {"words": query}
        return (self.dialect, FEW, scope, len(words)), {"words": query} | _like_words(words)

    async def _frequencies(self) -> _WordFrequencies:
        now = utcnow()
        if _FREQUENCIES.due(now):
            row = (await self._execute(_READ_FREQUENCIES)).one_or_none()
            lexemes = row.lexemes if row is not None and row.lexemes is not None else []
            shares = row.shares if row is not None and row.shares is not None else []
            # The last figures of the array are its minimum, maximum and null share.
            _FREQUENCIES.shares = dict(zip(lexemes, shares[: len(lexemes)], strict=True))
            _FREQUENCIES.read_at = now
        return _FREQUENCIES

    async def refresh_statistics(self) -> None:
        """Have PostgreSQL sample the products again (after a bulk import): its planner
        chooses how to search for words by how many products hold them. Autovacuum does the
        same in time; SQLite keeps no statistics (its searches ask the index instead)."""
        if self.dialect == "postgresql":
            await self._execute(text("ANALYZE products"))

    async def categories(self) -> list[CategorySummary]:
        """The categories with an active product (the first `MAX_LISTED_CATEGORIES` by
        name), with their counts of active products."""
        count = func.count().label("product_count")
        statement = (
            select(ProductsTable.category, count)
            .where(_ACTIVE_ONLY)
            .group_by(ProductsTable.category)
            .order_by(ProductsTable.category)
            .limit(MAX_LISTED_CATEGORIES)
        )
        rows = (await self._execute(statement)).all()
        return [CategorySummary(name=row.category, product_count=row.product_count) for row in rows]
