"""Listing, reading, changing and archiving products; the categories they fall in."""

from collections.abc import Sequence
from dataclasses import asdict
from types import MappingProxyType
from typing import Any
from uuid import UUID, uuid4

from src.application.events import raise_event
from src.application.listing import Listing
from src.domain.catalog import (
    CategorySummary,
    Product,
    ProductChanges,
    ProductFilter,
    ProductOption,
    ProductRepository,
    ProductSort,
    ProductStatus,
    Variant,
    VariantChanges,
    VariantSpec,
)
from src.domain.catalog.events import ProductArchived
from src.domain.catalog.rules import (
    check_filter,
    check_new_variant,
    check_options,
    check_product_changes,
    check_variants,
    ensure_can_manage,
    ensure_can_sell,
    ensure_removable,
    ensure_variant,
    ensure_visible,
    new_variants,
    summary,
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
    currency: str,
    category: str,
    price: int | None = None,
    stock: int | None = None,
    options: Sequence[ProductOption] = (),
    variants: Sequence[VariantSpec] = (),
) -> Product:
    """List a new product for sale (sellers and admins): with a price and stock of its own,
    or with options and the variants it sells, which then give it its price and stock."""
    ensure_can_sell(principal)
    product_id = uuid4()
    check_options(options)
    if variants:
        check_variants(options, variants)
    stored = new_variants(product_id, price=price, stock=stock, options=options, specs=variants)
    lowest_price, total_stock = summary(stored)
    now = utcnow()
    product = Product(
        id=product_id,
        seller_id=principal.user_id,
        title=title,
        description=description,
        price=lowest_price,
        currency=currency,
        stock=total_stock,
        category=category,
        status=ProductStatus.ACTIVE,
        created_at=now,
        updated_at=now,
        options=tuple(options),
        variants=tuple(stored),
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
    check_product_changes(product, changes)
    values: dict[str, Any] = {
        key: value for key, value in asdict(changes).items() if value is not None
    }
    return await products.save(product.changed(**values, updated_at=utcnow()))


async def managed_product(
    principal: Principal, product_id: UUID
) -> tuple[ProductRepository, Product]:
    """The repository and the product `principal` manages, its row locked until commit."""
    products = ProductRepository()
    product = ensure_visible(await products.get(product_id, for_update=True))
    ensure_can_manage(principal, product)
    return products, product


async def _resummarized(products: ProductRepository, product_id: UUID) -> Product:
    await products.summarize(product_id, now=utcnow())
    return ensure_visible(await products.get(product_id))


@transaction
async def add_variant(*, principal: Principal, product_id: UUID, spec: VariantSpec) -> Product:
    """Sell another combination of a product's options (its seller or an admin)."""
    products, product = await managed_product(principal, product_id)
    check_new_variant(product, spec)
    await products.add_variant(product, Variant(id=uuid4(), **spec.model_dump()))
    return await _resummarized(products, product_id)


@transaction
async def update_variant(
    *, principal: Principal, product_id: UUID, variant_id: UUID, changes: VariantChanges
) -> Product:
    """Change a variant's SKU, price or stock (its product's seller or an admin)."""
    products, product = await managed_product(principal, product_id)
    variant = ensure_variant(product, variant_id)
    values = {key: value for key, value in asdict(changes).items() if value is not None}
    await products.save_variant(variant.model_validate({**variant.__dict__, **values}))
    return await _resummarized(products, product_id)


@transaction
async def remove_variant(*, principal: Principal, product_id: UUID, variant_id: UUID) -> None:
    """Stop selling a variant; orders that hold it keep their snapshot. The last one stays."""
    products, product = await managed_product(principal, product_id)
    ensure_variant(product, variant_id)
    ensure_removable(product)
    await products.remove_variant(variant_id)
    await _resummarized(products, product_id)


@transaction
async def archive_product(*, principal: Principal, product_id: UUID) -> None:
    """Take a product off sale for good; orders that hold it keep their snapshot."""
    products, product = await managed_product(principal, product_id)
    await products.save(product.changed(status=ProductStatus.ARCHIVED, updated_at=utcnow()))
    await raise_event(ProductArchived(product_id=product.id, seller_id=product.seller_id))


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


@transaction
async def refresh_catalog_statistics() -> None:
    """After a bulk import: let the database's planner see the catalog as it now is."""
    await ProductRepository().refresh_statistics()
