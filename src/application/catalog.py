"""Listing, reading, changing and archiving products; the categories they fall in."""

from collections.abc import Sequence
from dataclasses import asdict
from types import MappingProxyType
from typing import Any
from uuid import UUID, uuid4

from src.application.listing import Listing
from src.domain.catalog import (
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductRepository,
    ProductSort,
    ProductStatus,
)
from src.domain.catalog.rules import (
    check_filter,
    ensure_can_manage,
    ensure_can_sell,
    ensure_visible,
)
from src.domain.clock import utcnow
from src.domain.pagination import Page
from src.domain.users import Principal
from src.infrastructure.database.transaction import transaction

# One listing per sort, so that a cursor of one sort is refused by another.
_LISTINGS = MappingProxyType(
    {
        sort: Listing(f"products:{sort.value}", ProductRepository.sort_key_types(sort))
        for sort in ProductSort
    }
)


@transaction
async def create_product(
    *,
    principal: Principal,
    title: str,
    description: str,
    price: int,
    currency: str,
    stock: int,
    category: str,
) -> Product:
    """List a new product for sale (sellers and admins)."""
    ensure_can_sell(principal)
    now = utcnow()
    product = Product(
        id=uuid4(),
        seller_id=principal.user_id,
        title=title,
        description=description,
        price=price,
        currency=currency,
        stock=stock,
        category=category,
        status=ProductStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    return await ProductRepository().add(product)


@transaction(readonly=True)
async def get_product(*, product_id: UUID) -> Product:
    """An active product; archived and unknown ones are not found."""
    return ensure_visible(await ProductRepository().get(product_id))


@transaction
async def update_product(
    *, principal: Principal, product_id: UUID, changes: ProductChanges
) -> Product:
    """Change some of a product's fields (its seller or an admin)."""
    products = ProductRepository()
    product = ensure_visible(await products.get(product_id, for_update=True))
    ensure_can_manage(principal, product)
    values: dict[str, Any] = {
        key: value for key, value in asdict(changes).items() if value is not None
    }
    return await products.save(product.changed(**values, updated_at=utcnow()))


@transaction
async def archive_product(*, principal: Principal, product_id: UUID) -> None:
    """Take a product off sale for good; orders that hold it keep their snapshot."""
    products = ProductRepository()
    product = ensure_visible(await products.get(product_id, for_update=True))
    ensure_can_manage(principal, product)
    await products.save(product.changed(status=ProductStatus.ARCHIVED, updated_at=utcnow()))


@transaction(readonly=True)
async def list_products(
    *, product_filter: ProductFilter, sort: ProductSort, limit: int, cursor: str | None
) -> Page[Product]:
    """A page of active products matching the filter, in the chosen order."""
    check_filter(product_filter)
    return await _LISTINGS[sort].page(
        cursor=cursor,
        limit=limit,
        fetch=lambda after, count: ProductRepository().list_page(
            product_filter, sort=sort, after=after, count=count
        ),
    )


@transaction(readonly=True)
async def list_categories() -> list[CategorySummary]:
    """Every category holding an active product, by name, with its count of active products."""
    return await ProductRepository().categories()


@transaction
async def import_products(*, products: Sequence[Product]) -> None:
    """Store products in bulk, skipping those already stored (by id), for seeding."""
    await ProductRepository().add_missing(products)
